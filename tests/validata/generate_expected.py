#!/usr/bin/env python3
"""Generate ``tests/data/validata-expected.json``: what validata-core 0.9.7 reports on every example file.

The reference French validator (Validata, ``validata-core`` 0.9.7 on top of ``frictionless`` 4.38) is run with
its 100 000-row cap lifted and no error limit on every example CSV/XLSX found under
``<shared>/data/schemas/<owner>__<name>/<version>/`` (sub-folders included), against the ``schema.json`` of the
version folder the file sits in. Files are handed to validata-core the way validata.fr (validata-ui 0.7.9) does
it: read once (UTF-8 when the whole file decodes, else chardet), then validated as inline rows. The test suite
never runs this script: it only reads the JSON it writes (the ``conventions`` key there documents the format).
The files `cases.py` (next to this script) builds from the catalogue are run the same way, under ``cases``.

Usage::

    python tests/validata/generate_expected.py [SHARED_DIR] [--venv DIR] [--output FILE]

``SHARED_DIR`` defaults to ``../shared`` relative to the repository. The first run creates a virtual environment
(default ``~/.cache/auditor/validata-core-0.9.7``, never inside the repository) and installs validata-core 0.9.7
with the dependency versions of its release period (September 2023) pinned below, so that encoding detection
(chardet), SIRET/SIREN keys (python-stdnum), comparisons (simpleeval) and date parsing behave as Validata did
then; later runs reuse it. The script then re-executes itself inside that environment (``--worker``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SHARED = REPO.parent / "shared"
DEFAULT_OUTPUT = REPO / "tests" / "data" / "validata-expected.json"
DEFAULT_VENV = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "auditor" / "validata-core-0.9.7"

# validata-core 0.9.7 (2023-09-07) pins frictionless 4.38.0 and opening-hours-py 0.6.17; the other
# behaviour-relevant dependencies are pinned to their versions of that period.
REQUIREMENTS = [
    "validata-core==0.9.7",
    "frictionless==4.38.0",
    "chardet==5.2.0",
    "python-stdnum==1.19",
    "simpleeval==0.9.13",
    "python-dateutil==2.8.2",
    "isodate==0.6.1",
    "validators==0.22.0",
    "rfc3986==2.0.0",
    "petl==1.7.14",
    "shapely==2.0.1",
    "numpy==1.26.4",
    "pandas==2.1.4",
    "phonenumbers==8.13.20",
    "openpyxl==3.1.2",
    "jsonschema==4.19.0",
]
TABLE_SUFFIXES = {".csv", ".tsv", ".xlsx", ".xls", ".ods"}
NO_LIMIT = 10**9
MESSAGE_MAX = 400  # French messages of pattern errors embed the field description: keep the JSON small


# ----------------------------------------------------------------------------------------------- venv driver


def ensure_venv(path: Path) -> Path:
    """Create (or reuse) the virtual environment holding validata-core; return its python."""
    python = path / "bin" / "python"
    stamp = path / "requirements.sha1"
    wanted = hashlib.sha1("\n".join(REQUIREMENTS).encode()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        return python
    print(f"creating {path} with validata-core 0.9.7 ...", file=sys.stderr)
    venv.EnvBuilder(clear=True, with_pip=True).create(path)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *REQUIREMENTS], check=True)
    stamp.write_text(wanted + "\n")
    return python


# ----------------------------------------------------------------------------------------------- worker


def discover(schemas_dir: Path) -> tuple[list[tuple[Path, Path]], list[str]]:
    """(table file, schema.json of its version folder) pairs, and the files skipped (no schema.json)."""
    pairs, skipped = [], []
    for path in sorted(schemas_dir.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in TABLE_SUFFIXES:
            continue
        rel = path.relative_to(schemas_dir)
        if len(rel.parts) < 3:
            skipped.append(f"{rel.as_posix()}: not inside <owner>__<name>/<version>/")
            continue
        schema = schemas_dir / rel.parts[0] / rel.parts[1] / "schema.json"
        if schema.is_file():
            pairs.append((path, schema))
        else:
            skipped.append(f"{rel.as_posix()}: no schema.json in {rel.parts[0]}/{rel.parts[1]}")
    return pairs, skipped


REQUIRED_HEADER_RE = re.compile(r"`([^`]*)`")
CONSTRAINT_RE = re.compile(r'^(?:array item )?constraint "([^"]+)"')


def _int_or_none(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _error_entry(err: dict) -> dict:
    """Reduce one translated Validata error to the facts that matter (all JSON-able)."""
    code = err.get("code")
    field = err.get("fieldName") or None
    if code == "missing-required-header":
        # Validata gives no fieldName for this error: the column is named in the message
        m = REQUIRED_HEADER_RE.search(err.get("note") or "")
        field = m.group(1) if m else None
    note = err.get("note") or ""
    m = CONSTRAINT_RE.match(note) if code == "constraint-error" else None
    message = str(err.get("message") or "")
    entry = {
        "code": code,
        "row": _int_or_none(err.get("rowPosition")),
        "rowNumber": _int_or_none(err.get("rowNumber")),
        "column": _int_or_none(err.get("fieldPosition")),
        "fieldNumber": _int_or_none(err.get("fieldNumber")),
        "field": field,
        "cell": err.get("cell"),
        "constraint": m.group(1) if m else None,
        "note": note,
        "name": err.get("name"),
        "message": message if len(message) <= MESSAGE_MAX else message[:MESSAGE_MAX] + "…",
    }
    return entry


def _sort_key(entry: dict):
    return (
        entry["row"] if entry["row"] is not None else -1,
        entry["column"] if entry["column"] is not None else -1,
        entry["code"] or "",
        entry["field"] or "",
        entry["constraint"] or "",
        entry["note"],
    )


def _read_like_the_ui(path: Path) -> tuple[list | None, dict]:
    """Read the file as validata-ui 0.7.9 does before validating: whole content in memory, encoding = UTF-8 when
    the whole content decodes as UTF-8, else chardet (through frictionless); CSV dialect sniffed by frictionless;
    all records (header included) as lists of strings; BOM removed from the first label.

    Returns (``[header] + rows`` or None when unreadable, facts about the reading).
    """
    import frictionless
    from validata_core.helpers import FileContentValidataResource, ValidataSourceError

    resource = FileContentValidataResource(path.name, path.read_bytes())
    source, options = resource.build_table_args()
    meta: dict = {"format": options.get("format"), "encoding": options.get("encoding")}
    try:
        with frictionless.Resource(source, **options) as res:
            dialect = dict(res.dialect or {})
            meta["dialect"] = {k: dialect[k] for k in sorted(dialect)}
            meta["encoding"] = res.encoding
    except Exception:  # noqa: BLE001 - the reading below reports the problem
        meta["dialect"] = None
    try:
        header, rows = resource.extract_tabular_data()
    except ValidataSourceError as err:
        meta["read_error"] = {"code": err.name, "note": err.message}
        return None, meta
    meta["header"] = list(header)
    return [header] + rows, meta


def validate_one(path: Path, schema_path: Path, *, mode: str = "ui") -> dict:
    """Validate one file with validata-core; ``mode`` "ui" reproduces validata-ui (the validata.fr site: file read
    once, then validated as inline rows), "path" hands the file path to validata-core (its command line)."""
    import validata_core

    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    if mode == "ui":
        data, meta = _read_like_the_ui(path)
        if data is None:  # validata-ui shows "Erreur de lecture du fichier source : ..." and no report
            err = meta.pop("read_error")
            entry = _error_entry({"code": err["code"], "note": err["note"], "message": err["note"]})
            return {**meta, "valid": False, "rows": None, "errors": [[entry["code"], None, None, None]],
                    "details": [entry], "structure_warnings": [], "counts": {entry["code"]: 1}}
        report = validata_core.validate(data, schema, True, limit_errors=NO_LIMIT)
    else:
        meta = {}
        report = validata_core.validate(str(path), schema, True, limit_errors=NO_LIMIT)
    result: dict = {"valid": bool(report.get("valid"))}
    entries = [_error_entry(e) for e in report.get("errors", [])]  # report-level (no task): failures
    warnings: list = []
    tasks = report.get("tasks") or []
    if tasks:
        task = tasks[0]
        entries += [_error_entry(e) for e in task.get("errors", [])]
        resource = task.get("resource") or {}
        result["rows"] = (resource.get("stats") or {}).get("rows")
        if mode == "path":
            dialect = dict(resource.get("dialect") or {})
            meta = {"format": resource.get("format"), "encoding": resource.get("encoding"),
                    "dialect": {k: dialect[k] for k in sorted(dialect)}}
        result["partial"] = bool(task.get("partial"))
        warnings = [[w.get("code"), w.get("field_name") or None] for w in task.get("structure_warnings", [])]
    entries.sort(key=_sort_key)
    result.update(meta)
    result["errors"] = [[e["code"], e["row"], e["column"], e["field"]] for e in entries]
    result["details"] = entries
    result["structure_warnings"] = warnings
    counts: dict = {}
    for e in entries:
        counts[e["code"]] = counts.get(e["code"], 0) + 1
    result["counts"] = dict(sorted(counts.items()))
    return result


SCHEMA_CODES = {"schema-error", "field-error"}


def relaxed_run(path: Path, schema_path: Path) -> dict:
    """Validate again with frictionless' schema metadata validation disabled.

    frictionless 4.38 refuses to read any row when the schema descriptor itself has an error (an ``example`` that
    does not pass its own field's type/constraints, a constraint its type does not support...): Validata then
    reports that single error. This second run shows what the rows would give; unsupported constraints are then
    simply not applied (frictionless only applies the constraints a type supports).
    """
    from frictionless.schema import Schema

    original = Schema.metadata_validate
    Schema.metadata_validate = lambda self: iter(())
    try:
        result = validate_one(path, schema_path)
    except Exception as exc:  # noqa: BLE001
        result = {"failure": f"{type(exc).__name__}: {exc}"}
    finally:
        Schema.metadata_validate = original
    keep = ("valid", "rows", "encoding", "dialect", "errors", "details", "structure_warnings", "counts", "failure")
    return {k: result[k] for k in keep if k in result}


def dump(value, level: int = 0) -> str:
    """JSON text that diffs well: nested objects indented, one error (list or object) per line."""
    def compact(v):
        return json.dumps(v, ensure_ascii=False, separators=(", ", ": "))

    pad, inner = " " * level, " " * (level + 1)
    if isinstance(value, dict) and value and len(compact(value)) > 100:
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {dump(v, level + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and value and len(compact(value)) > 100:
        return "[\n" + ",\n".join(inner + compact(v) for v in value) + "\n" + pad + "]"
    return compact(value)


def path_run_if_different(path: Path, schema_path: Path, entry: dict) -> dict | None:
    """What validata-core's own command line (file path given to frictionless) reports, when it differs."""
    try:
        other = validate_one(path, schema_path, mode="path")
    except Exception as exc:  # noqa: BLE001
        return {"failure": f"{type(exc).__name__}: {exc}"}
    if other["errors"] == entry["errors"] and other["structure_warnings"] == entry["structure_warnings"]:
        return None
    keep = ("valid", "encoding", "dialect", "errors", "structure_warnings", "counts")
    return {k: other[k] for k in keep if k in other}


def schema_verdicts(schemas_dir: Path) -> dict:
    """For every schema.json: the schema problems Validata reports whatever the file.

    ``blocking``: the metadata error frictionless raises when opening any file against this schema (only the
    first one is ever reported, and no row is read); ``metadata_errors``: all of them, in frictionless' order;
    ``unknown_custom_checks``: custom check names validata-core 0.9.7 does not know (each adds a check-error).
    """
    import frictionless
    from validata_core.custom_checks import available_checks

    verdicts = {}
    for path in sorted(schemas_dir.glob("*/*/schema.json")):
        rel = path.relative_to(schemas_dir).as_posix()
        try:
            descriptor = json.loads(path.read_text(encoding="utf-8"))
            errors = [[e.code, e.note] for e in frictionless.Schema(descriptor).metadata_errors]
            unknown = [c.get("name") for c in descriptor.get("custom_checks") or []
                       if c.get("name") not in available_checks]
            verdicts[rel] = {"blocking": errors[0] if errors else None, "metadata_errors": errors,
                             "unknown_custom_checks": unknown}
        except Exception as exc:  # noqa: BLE001
            verdicts[rel] = {"failure": f"{type(exc).__name__}: {exc}"}
    return verdicts


def run_cases(schemas_dir: Path) -> dict:
    """Validata's verdict on the files `cases.build` makes (see its docstring), the way the example files are run."""
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import cases as case_files

    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, case in case_files.build(Path(tmp), schemas_dir).items():
            schema = case["schema"]
            entry: dict = {"file": case["file"].name,
                           "schema": schema.relative_to(schemas_dir).as_posix() if schema.is_relative_to(
                               schemas_dir) else "(built by cases.py)"}
            try:
                entry.update(validate_one(case["file"], schema))
                entry["failure"] = None
            except Exception as exc:  # noqa: BLE001 - recorded, the other cases go on
                entry.update({"valid": None, "errors": [], "details": [], "structure_warnings": [],
                              "failure": f"{type(exc).__name__}: {exc}"})
            if entry["failure"] is None:
                entry["via_file_path"] = path_run_if_different(case["file"], schema, entry)
                if entry["via_file_path"] is None:
                    del entry["via_file_path"]
            out[name] = entry
            print(f"case {name}: valid={entry['valid']} errors={len(entry['errors'])}"
                  f"{' FAILURE ' + entry['failure'] if entry['failure'] else ''}", file=sys.stderr)
    return out


def worker(shared: Path, output: Path) -> int:
    import warnings

    import validata_core

    warnings.simplefilter("ignore")
    validata_core.VALIDATA_MAX_ROWS = NO_LIMIT  # the row cap is read from the module at call time
    schemas_dir = shared / "data" / "schemas"
    pairs, skipped = discover(schemas_dir)
    files: dict = {}
    for path, schema_path in pairs:
        rel = path.relative_to(schemas_dir).as_posix()
        entry: dict = {"schema": schema_path.relative_to(schemas_dir).as_posix()}
        try:
            entry.update(validate_one(path, schema_path))
            entry["failure"] = None
        except Exception as exc:  # noqa: BLE001 - recorded, the other files go on
            entry.update({"valid": None, "errors": [], "details": [], "structure_warnings": [],
                          "failure": f"{type(exc).__name__}: {exc}"})
        if any(code in SCHEMA_CODES for code, *_ in entry["errors"]):
            entry["without_schema_check"] = relaxed_run(path, schema_path)
        if entry["failure"] is None:
            entry["via_file_path"] = path_run_if_different(path, schema_path, entry)
            if entry["via_file_path"] is None:
                del entry["via_file_path"]
        files[rel] = entry
        print(f"{rel}: valid={entry['valid']} errors={len(entry['errors'])}"
              f"{' FAILURE ' + entry['failure'] if entry['failure'] else ''}", file=sys.stderr)
    from importlib.metadata import version

    doc = {
        "generator": "tests/validata/generate_expected.py",
        "validator": {name: version(name) for name in
                      ("validata-core", "frictionless", "chardet", "python-stdnum", "simpleeval",
                       "python-dateutil", "opening-hours-py")},
        "options": {"VALIDATA_MAX_ROWS": NO_LIMIT, "limit_errors": NO_LIMIT, "header_case": True,
                    "source": "as validata-ui 0.7.9 (validata.fr): file read once (UTF-8 if it decodes, else "
                              "chardet; dialect sniffed), then validata_core.validate([header] + rows, schema, "
                              "header_case=True)"},
        "conventions": {
            "errors": "[code, row, column, field] sorted; row = frictionless rowPosition (header = 1, first "
                      "data row = 2, a quoted multi-line record counts once); column = fieldPosition, 1-based "
                      "position in the FILE; null when the error has none. Duplicates are kept (one cell can "
                      "break several constraints).",
            "details": "same order as errors, with cell, violated constraint, note, French name/message "
                       "(message cut at %d chars)" % MESSAGE_MAX,
            "without_schema_check": "only for files whose real run stopped on the schema's own metadata error "
                                    "(schema-error/field-error, which makes frictionless read no row): the "
                                    "result with that schema check disabled, to compare row-level checks",
            "via_file_path": "only when it differs: what validata-core reports when given the file path (its "
                             "command line; encoding then always guessed by chardet)",
            "schemas": "every schema.json: blocking = the schema's own first metadata error (reported alone, "
                       "no row read, for ANY file validated against it), all metadata errors, unknown custom "
                       "check names (each adds a check-error)",
            "structure_warnings": "[code, field] as Validata adds them (missing optional / extra / "
                                  "disordered columns); they do not make a file invalid",
            "cases": "files built by tests/validata/cases.py from the catalogue's schemas and examples (BOM in "
                     "front of Windows-1252 text, XLSX rows formatted but empty, columns a primary key or a "
                     "custom check needs absent), run like the example files; the tests rebuild them",
        },
        "skipped": skipped,
        "files": files,
        "cases": run_cases(schemas_dir),
        "schemas": schema_verdicts(schemas_dir),
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(dump(doc) + "\n", encoding="utf-8")
    n_err = sum(len(f["errors"]) for f in files.values())
    print(f"{len(files)} files, {n_err} errors, {len(skipped)} skipped -> {output}", file=sys.stderr)
    return 0


# ----------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared", nargs="?", type=Path, default=DEFAULT_SHARED, help="the shared folder")
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="virtual environment for validata-core")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    shared, output = args.shared.resolve(), args.output.resolve()
    if args.worker:
        return worker(shared, output)
    python = ensure_venv(args.venv)
    cmd = [str(python), str(Path(__file__).resolve()), str(shared), "--output", str(output), "--worker"]
    return subprocess.run(cmd, env={**os.environ, "PYTHONHASHSEED": "0"}).returncode


if __name__ == "__main__":
    sys.exit(main())
