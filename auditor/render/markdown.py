"""Markdown reports, for e-mail: the territory summary, a commune sheet, the gap report.

They read as plain text and render as Markdown; every value from the outside is escaped
for Markdown (so that neither a ``<script>`` nor a ``|`` in a title does anything).
"""
from __future__ import annotations

from typing import Any

from .templates import render_template

TEMPLATES = {"territory": "territory.md.j2", "commune": "commune.md.j2", "gaps": "gaps.md.j2"}


def render(report: dict[str, Any]) -> str:
    return render_template("md", TEMPLATES[report["report"]], report)
