"""Findings as GitHub Actions workflow commands (``::error file=…,line=…::message``), which
GitHub shows as annotations on the changed files. Values are escaped as GitHub requires
(``%``, CR, LF everywhere; ``:`` and ``,`` in properties), after every other control character and
bidirectional override is replaced (:mod:`auditor.render.neutral`): the runner's log renders ANSI
sequences, and nothing from a checked file may colour it, rewrite it or reverse a line."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from ...model import Finding
from ...render.neutral import text as neutral_text
from .repository import Locator

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def _data(text: str) -> str:
    return neutral_text(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def to_annotations(findings: Iterable[Finding], *, lang: str = "fr", locator: Locator | None = None) -> str:
    """``locator`` places each finding at a path relative to the repository root, which GitHub wants
    (see :class:`~auditor.selfcheck.ci.repository.Locator`): a data file with its row and column, a dataset's finding
    at its description (default: targets named relative to the current folder, taken as the root)."""
    locator = locator or Locator(Path.cwd(), Path.cwd())
    lines = []
    for f in findings:
        if f.waived:
            continue
        props = []
        place = locator.place(f)
        if place.path is not None:
            props.append(f"file={_prop(place.path)}")
            if place.rows and isinstance(f.location.get("row"), int):
                props.append(f"line={f.location['row']}")
            if place.rows and isinstance(f.location.get("column"), int):
                props.append(f"col={f.location['column']}")
        props.append(f"title={_prop(f.rule + ' ' + (f.title.get(lang) or f.title.get('fr', '')))}")
        message = f.text(lang) + (f" — {f.fix_text(lang)}" if f.fix_text(lang) else "")
        lines.append(f"::{COMMANDS.get(f.severity, 'warning')} {','.join(props)}::{_data(message)}")
    return "\n".join(lines) + ("\n" if lines else "")
