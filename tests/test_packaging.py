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
