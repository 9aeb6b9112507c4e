"""JSON export: the report itself (territory with every finding, commune, or gaps), as
described by ``reports/report.schema.json`` (JSON Schema 2020-12). Control characters and
bidirectional overrides are written as ``\\uXXXX`` escapes: the same data once parsed, nothing
a terminal or a viewer would act on."""
from __future__ import annotations

import json
from typing import Any

from .neutral import json_text
from .templates import templates_dir


def render(report: dict[str, Any]) -> str:
    return json_text(json.dumps(report, ensure_ascii=False, indent=2)) + "\n"


def schema() -> dict[str, Any]:
    return json.loads((templates_dir() / "report.schema.json").read_text("utf-8"))
