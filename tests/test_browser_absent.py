"""Without Chromium the README's test command still passes: the browser tests are skipped with one line saying
how to install it; under AUDITOR_REQUIRE_BROWSER (set by .ci/run) its absence fails instead."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BROWSER_TESTS = ["tests/test_browser.py",
                 "tests/test_service_security.py::test_in_chromium_a_form_from_another_origin_is_refused"]


def run_without_browser(tmp_path, **env):
    environ = {**os.environ, "AUDITOR_CHROMIUM": str(tmp_path / "no-chromium"), **env}
    environ.pop("AUDITOR_REQUIRE_BROWSER", None) if "AUDITOR_REQUIRE_BROWSER" not in env else None
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-ra", "-p", "no:cacheprovider", *BROWSER_TESTS],
                          cwd=ROOT, env=environ, capture_output=True, text=True, timeout=240)


def test_absent_browser_skips_with_the_packages_to_install(tmp_path):
    run = run_without_browser(tmp_path)
    assert run.returncode == 0, run.stdout[-3000:]
    assert " passed" not in run.stdout and " skipped" in run.stdout
    skips = [line for line in run.stdout.splitlines() if line.startswith("SKIPPED")]
    assert skips and all("sudo apt-get install chromium chromium-driver" in line for line in skips)


def test_absent_browser_fails_when_ci_requires_it(tmp_path):
    run = run_without_browser(tmp_path, AUDITOR_REQUIRE_BROWSER="1")
    assert run.returncode == 1, run.stdout[-3000:]
    assert "AUDITOR_REQUIRE_BROWSER est posée mais Chromium ou son pilote manque" in run.stdout
