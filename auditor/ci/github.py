"""Findings as GitHub Actions workflow commands (``::error file=…,line=…::message``), which
GitHub shows as annotations on the changed files. Values are escaped as GitHub requires
(``%``, CR, LF everywhere; ``:`` and ``,`` in properties), after every other control character and
bidirectional override is replaced (:mod:`auditor.render.neutral`): the runner's log renders ANSI
sequences, and nothing from a checked file may colour it, rewrite it or reverse a line."""
from __future__ import annotations

from typing import Iterable

from ..model import Finding
from ..render.neutral import text as neutral_text

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def _data(text: str) -> str:
    return neutral_text(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def to_annotations(findings: Iterable[Finding], *, lang: str = "fr", prefix: str = "",
                   files: Iterable[str] = ()) -> str:
    """``prefix``: the checked folder relative to the repository root (GitHub wants root-relative
    file paths), e.g. ``donnees`` when ``auditor ci donnees`` ran at the root. ``files``: the checked
    files (data files and dataset descriptions): a dataset finding is attached to its description."""
    lines = []
    prefix = prefix.strip("/")
    files = set(files)
    for f in findings:
        if f.waived:
            continue
        props = []
        local = f.distribution if f.distribution and "://" not in f.distribution else None
        if local is None and f.dataset in files:
            local = f.dataset
        if local:
            path = f"{prefix}/{local}" if prefix and prefix != "." else local
            props.append(f"file={_prop(path)}")
        if local and local == f.distribution:
            if isinstance(f.location.get("row"), int):
                props.append(f"line={f.location['row']}")
            if isinstance(f.location.get("column"), int):
                props.append(f"col={f.location['column']}")
        props.append(f"title={_prop(f.rule + ' ' + (f.title.get(lang) or f.title.get('fr', '')))}")
        message = f.text(lang) + (f" — {f.fix_text(lang)}" if f.fix_text(lang) else "")
        lines.append(f"::{COMMANDS.get(f.severity, 'warning')} {','.join(props)}::{_data(message)}")
    return "\n".join(lines) + ("\n" if lines else "")
