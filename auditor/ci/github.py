"""Findings as GitHub Actions workflow commands (``::error file=…,line=…::message``), which
GitHub shows as annotations on the changed files. Values are escaped as GitHub requires
(``%``, CR, LF everywhere; ``:`` and ``,`` in properties)."""
from __future__ import annotations

from typing import Iterable

from ..model import Finding

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def to_annotations(findings: Iterable[Finding], *, lang: str = "fr") -> str:
    lines = []
    for f in findings:
        if f.waived:
            continue
        props = []
        if f.distribution and not f.distribution.startswith(("http://", "https://")):
            props.append(f"file={_prop(f.distribution)}")
            if isinstance(f.location.get("row"), int):
                props.append(f"line={f.location['row']}")
            if isinstance(f.location.get("column"), int):
                props.append(f"col={f.location['column']}")
        props.append(f"title={_prop(f.rule + ' ' + (f.title.get(lang) or f.title.get('fr', '')))}")
        message = f.text(lang) + (f" — {f.fix_text(lang)}" if f.fix_text(lang) else "")
        lines.append(f"::{COMMANDS.get(f.severity, 'warning')} {','.join(props)}::{_data(message)}")
    return "\n".join(lines) + ("\n" if lines else "")
