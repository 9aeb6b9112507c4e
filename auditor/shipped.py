"""Where the data folders shipped beside the code are: ``rules/`` and ``reports/`` of the repository,
installed as ``auditor/rules_catalogue`` and ``auditor/report_templates`` (package data without an
``__init__``). An installed copy wins; a source checkout falls back to the repository folders."""
from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def shipped_dir(installed: str, repository: str, marker: str) -> Path:
    """``auditor/<installed>`` when it holds ``marker``, else ``<repository root>/<repository>``."""
    path = PACKAGE / installed
    if (path / marker).exists():
        return path
    return PACKAGE.parent / repository
