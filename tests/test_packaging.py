"""The package ships everything the product needs (nothing from ../shared)."""
from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_subpackage_is_listed_for_the_wheel():
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    listed = set(conf["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "auditor").rglob("__init__.py")}
    assert found <= listed
    assert conf["package-dir"] == {"auditor.rules_catalogue": "rules", "auditor.report_templates": "reports"}


def test_product_code_never_reads_the_shared_folder():
    for path in (ROOT / "auditor").rglob("*.py"):
        text = path.read_text("utf-8")
        assert "../shared" not in text and "/shared/" not in text, path


def test_the_installed_product_finds_its_rules_and_templates_from_any_folder(tmp_path):
    """Run from a folder that is not the repository, so that a non-editable install (tox) uses the
    installed copies of rules/ and reports/ (namespace data packages, not importable modules)."""
    import json
    import subprocess
    import sys

    script = ("import json; from auditor.auditing.rules import load_rules, rules_dir; "
              "from auditor.render.templates import templates_dir; "
              "print(json.dumps([len(load_rules()), (templates_dir() / 'check.schema.json').is_file(), "
              "(templates_dir() / 'dashboard.html.j2').is_file(), str(rules_dir())]))")
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    n, check_schema, dashboard, where = json.loads(proc.stdout)
    assert n > 30 and check_schema and dashboard
    proc = subprocess.run([sys.executable, "-m", "auditor", "rules", "--format", "json"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "FILE-01" in {r["code"] for r in json.loads(proc.stdout)}
