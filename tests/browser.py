"""Where the browser tests find Chromium and its driver, and what happens when they are absent.

The browser tests need Debian's ``chromium`` and ``chromium-driver`` (``AUDITOR_CHROMIUM`` and
``AUDITOR_CHROMEDRIVER`` name other binaries). Without them the tests are skipped with one line saying how to
install them, so the README's ``tox`` passes on any machine; ``.ci/run`` installs them and sets
``AUDITOR_REQUIRE_BROWSER=1``, which turns their absence into a failure, so CI always runs the browser tests.
"""
from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("AUDITOR_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = os.environ.get("AUDITOR_CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
MISSING = ("tests du navigateur sautés : Chromium et son pilote sont absents "
           "(sudo apt-get install chromium chromium-driver, comme le fait .ci/run)")


def browser_missing() -> bool:
    return not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER))


def require_browser() -> None:
    """Skip the calling test (or fixture) when the browser is absent; fail instead under AUDITOR_REQUIRE_BROWSER."""
    if not browser_missing():
        return
    if os.environ.get("AUDITOR_REQUIRE_BROWSER", "") not in ("", "0"):
        pytest.fail(f"AUDITOR_REQUIRE_BROWSER est posée mais Chromium ou son pilote manque ({CHROMIUM}, "
                    f"{CHROMEDRIVER})", pytrace=False)
    pytest.skip(MISSING)
