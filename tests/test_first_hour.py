"""The first hour of a new user (issue 13): a fresh virtual environment built from the repository
(no network: the dependencies are the running environment's), the README's demo run in a folder
outside the repository with two months, then ``auditor report`` and ``auditor history`` given no
option at all. About 30 s: marked ``slow`` (``-m "not slow"`` leaves it out)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from datetime import date, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list, cwd: Path, env: dict, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _fresh_environment(tmp: Path) -> Path:
    """A virtual environment holding a non-editable install of a copy of the repository; it sees the
    running environment's packages (the dependencies) after its own, through a .pth file."""
    src = tmp / "src"
    for name in ("auditor", "rules", "reports"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    venv = tmp / "venv"
    made = _run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", venv], tmp, dict(os.environ))
    assert made.returncode == 0, made.stderr
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    own = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp,
                    dict(os.environ)).stdout.strip())
    paths = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (own / "running-environment.pth").write_text("\n".join(sorted(paths)) + "\n", "utf-8")
    installed = _run([python, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index", "-q", src],
                     tmp, dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1"))
    assert installed.returncode == 0, ("the build needs setuptools >= 70.1 (test extras)", installed.stderr[-3000:])
    return python


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_a_fresh_install_runs_the_demo_then_report_and_history_without_options(tmp_path):
    python = _fresh_environment(tmp_path)
    home, work = tmp_path / "home", tmp_path / "ailleurs"
    home.mkdir()
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "AUDITOR", "PYTHON"))}
    env.update(HOME=str(home), PATH=f"{python.parent}{os.pathsep}{env.get('PATH', '')}", LC_ALL="C.UTF-8")

    where = _run([python, "-c", "import auditor; print(auditor.__file__)"], work, env)
    assert Path(where.stdout.strip()).is_relative_to(tmp_path / "venv"), where  # the install, not the checkout

    demo = _run([python, "-m", "auditor", "demo", "--months", "2"], work, env)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    out = demo.stdout
    today = date.today()
    assert f"Mois 1 sur 2 : audit au {(today - timedelta(days=30)).isoformat()}" in out
    assert f"Mois 2 sur 2 : audit au {today.isoformat()}" in out
    assert "Audit n° 1 enregistré" in out and "Audit n° 2 enregistré" in out
    data = home / ".local" / "share" / "auditor" / "demo"  # $XDG_DATA_HOME/auditor/demo, by default
    assert (data / "auditor.sqlite").is_file() and (data / "rapport" / "index.html").is_file()
    nexts = out[out.index("Et maintenant :"):].splitlines()
    assert [line.strip() for line in nexts[1::2]] == ["auditor report --output rapport/",
                                                      "auditor history --compare 1 2", "auditor serve"]
    assert list(work.iterdir()) == []  # nothing left where the demo ran

    history = _run(["auditor", "history"], work, env)
    assert history.returncode == 0, history.stderr
    lines = history.stdout.splitlines()
    assert len(lines) == 3 and all(" audit " in line and "terminé" in line for line in lines[1:])
    assert [line.split()[2] for line in lines[1:]] == [(today - timedelta(days=30)).isoformat(), today.isoformat()]
    assert "Historique de la démonstration" in history.stderr

    compare = _run(["auditor", "history", "--compare", "1", "2"], work, env)
    assert compare.returncode == 0 and compare.stdout.startswith("Audit n° 1 → n° 2 : ")
    assert "Communes qui ont changé :" in compare.stdout and "  Total (" in compare.stdout

    report = _run(["auditor", "report"], work, env)
    assert report.returncode == 0, report.stderr
    page = report.stdout
    assert page.lstrip().lower().startswith("<!doctype html") and "(simulation)" in page
    assert '<html lang="fr">' in page and '<section id="changes">' in page  # new and fixed since the first month

    folder = _run(["auditor", "report", "--format", "md", "--output", "notes/"], work, env)  # a folder, made
    assert folder.returncode == 0, folder.stderr
    assert (work / "notes" / "rapport.md").read_text("utf-8").startswith("# ")
