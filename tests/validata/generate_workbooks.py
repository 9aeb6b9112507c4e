#!/usr/bin/env python3
"""Generate ``tests/data/validata-workbooks.json``: how Validata reads the XLS and ODS workbooks of
`workbooks.py` (the real files of ``<shared>/data/files/xls-ods/`` and a small ODS built there), and what it
reports on them.

For each workbook: the cells as frictionless 4.38 reads them for Validata (``Resource.read_lists()``, typed values
written ``[type, text]``; XLS through xlrd, ODS through ezodf), validata-ui's own reading
(``FileContentValidataResource.extract_tabular_data``: its failure, if any) and, for each schema of the case,
validata-core 0.9.7's verdict as `generate_expected.validate_one` records it. The environment is
`generate_expected.py`'s pinned one plus the readers frictionless needs for workbooks (xlrd, ezodf, lxml), in
its own virtual environment (``~/.cache/auditor/validata-core-0.9.7-workbooks``). The tests only read the JSON.

    python tests/validata/generate_workbooks.py [SHARED_DIR]
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate_expected as base  # noqa: E402
import workbooks  # noqa: E402

OUTPUT = base.REPO / "tests" / "data" / "validata-workbooks.json"
VENV = base.DEFAULT_VENV.with_name(base.DEFAULT_VENV.name + "-workbooks")
READERS = ["xlrd==2.0.2", "ezodf==0.3.2", "lxml>=4.9"]


def typed(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return ["bool", "true" if value else "false"]
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return [type(value).__name__, value.isoformat()]
    if isinstance(value, (int, float)):
        return [type(value).__name__, repr(value)]
    return value


def worker(shared: Path) -> int:
    import warnings

    import frictionless
    import validata_core
    from validata_core.helpers import FileContentValidataResource

    warnings.simplefilter("ignore")
    validata_core.VALIDATA_MAX_ROWS = base.NO_LIMIT
    out: dict = {"generator": "tests/validata/generate_workbooks.py",
                 "validator": {"validata-core": "0.9.7", "frictionless": frictionless.__version__, "readers": READERS},
                 "cases": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for name, case in workbooks.cases(shared).items():
            path = case["file"]
            if path is None:
                path = Path(tmp) / f"{name}.ods"
                path.write_bytes(workbooks.small_ods())
            entry: dict = {"file": path.name}
            with frictionless.Resource(path.read_bytes(), format=path.suffix[1:]) as res:
                entry["lists"] = [[typed(v) for v in cells] for cells in res.read_lists()]
            try:
                FileContentValidataResource(path.name, path.read_bytes()).extract_tabular_data()
                entry["ui_failure"] = None
            except Exception as exc:  # noqa: BLE001 - what validata-ui meets
                entry["ui_failure"] = f"{type(exc).__name__}: {exc}"
            entry["verdicts"] = {}
            for label, schema in case["schemas"].items():
                if isinstance(schema, dict):
                    schema_path = Path(tmp) / f"{name}-{label}.json"
                    schema_path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
                else:
                    schema_path = schema
                result = base.validate_one(path, schema_path)
                entry["verdicts"][label] = {k: result[k] for k in ("valid", "errors", "structure_warnings")}
            out["cases"][name] = entry
            print(f"{name}: {len(entry['lists'])} lines, ui failure {entry['ui_failure']}", file=sys.stderr)
    OUTPUT.write_text(base.dump(out) + "\n", encoding="utf-8")
    return 0


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        return worker(Path(sys.argv[2]))
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else base.DEFAULT_SHARED
    python = VENV / "bin" / "python"
    if not python.exists():
        base.ensure_venv(VENV)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *READERS], check=True)
    env = dict(os.environ, PYTHONPATH=str(HERE))
    return subprocess.run([str(python), __file__, "--worker", str(shared.resolve())], env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
