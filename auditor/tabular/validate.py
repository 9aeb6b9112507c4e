"""Validate a table against a Table Schema with Validata's verdicts, fast and in bounded memory.

`validate(source, schema)` streams the table batch by batch (`TableSource.batches`), reads every column with the
vectorised readers of `auditor.tabular.vector`, and reports what validata-core 0.9.7 reports
(/work/notes/validata-semantics.md), in the same order:

1. schema self-check (`schema_check`): a schema with a metadata error gets that single error and no row is read;
2. header (`header`): duplicate labels → one ``general-error`` and nothing else; the schema synced with the labels
   (one field per label) is self-checked again: what fails then comes from this file's columns (a primary key on a
   column the file lacks, an invalid example checked because of the file's last column) → Validata's
   ``schema-error``, which we name ``header-schema-error``, and no row is read; ``blank-label``,
   ``incorrect-label``, ``missing-required-header``; structure warnings (level ``warning``);
3. custom checks' start (`auditor.tabular.custom`): ``check-error`` removes a check from the list by its original
   index, as frictionless 4 does (so a later check may be removed instead); one caused by a column the file lacks
   is named ``header-check-error`` (Validata: ``check-error``);
4. rows: per row, cell errors (``type-error``, ``constraint-error`` in constraint order) by column, then
   ``extra-cell``, ``missing-cell``, ``unique-error``, ``primary-key``, then custom-check errors in schema order; a
   blank row only gets ``blank-row`` (and custom-check and primary-key errors);
5. unknown custom checks: one ``check-error`` each, at the end.

Row numbers are frictionless' rowPosition (header = 1), columns the 1-based position in the file.

Deliberate deviations from Validata (issue 4): no 100 000-row cap and no 1 000-error cap unless ``limit_errors`` is
given; a CSV with a UTF-8 BOM in front of text that is not UTF-8 gets Validata's ``encoding-error`` (Validata reads
nothing more) and is still read, as Windows-1252, so that its other problems show at once; ``french_gps_coordinates`` (underscores) runs the GPS check instead of being an unknown check; a custom check
that raises becomes one ``check-error`` and stops (Validata turns the whole report into a ``task-error``); a
``pattern`` Python cannot compile is a ``field-error`` (Validata crashes).

Memory: one batch at a time (32 768 rows, fewer for a wide table: `auditor.tabular.budgets`) plus 16 bytes per distinct value of each unique column or primary key
(`keys`), plus the errors detailed (at most ``keep_errors``, 100 000 by default; the next ones are counted by code
in ``report.omitted``: a file wrong on every row stays in bounded memory).
"""

from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np
import pyarrow as pa

from . import errors as msg
from .header import analyse, primary_key, synced_schema
from .keys import SeenKeys, combine, is_nan, value_hashes
from .reader import open_table
from .report import TableError, TableReport
from .schema_check import blocking_problem, schema_problems
from .source import EncodingRestart, ReadError, TableSource
from .vector import ColumnResult, evaluate, typed_column

KEEP_ERRORS = 100_000  # errors detailed in a report (about 0.5 KB each); later ones are counted by code
# sort groups of the errors of one row, in frictionless' order
G_CELL, G_EXTRA, G_MISSING, G_UNIQUE, G_PK, G_CUSTOM = 0, 1, 2, 3, 4, 5


def validate(source, schema: dict, *, limit_errors: int | None = None, schema_info: dict | None = None,
             max_bytes: int | None = None, check_schema: bool = True, keep_errors: int = KEEP_ERRORS) -> TableReport:
    """Validate ``source`` (a `TableSource`, a path or bytes) against the Table Schema ``schema``.

    ``limit_errors`` stops after that many errors (``stop_reason`` ``error_limit``); ``schema_info``
    ({name, version, url}) is copied into the report; ``max_bytes`` applies when the source is opened here;
    ``check_schema=False`` skips the blocking schema self-check (to see the rows of a file whose schema Validata
    rejects); the report details the first ``keep_errors`` errors and only counts the next ones by code
    (``report.omitted``), every row being checked all the same. Never raises on bad input: unreadable sources
    become reports.
    """
    started = time.perf_counter()
    report = TableReport(schema=dict(schema_info or {}))
    try:
        table = source if isinstance(source, TableSource) else open_table(source, max_bytes=max_bytes)
    except ReadError as exc:
        return _read_failure(report, exc, started)
    for _attempt in range(3):
        try:
            _Run(table, schema if isinstance(schema, dict) else {}, report, limit_errors, check_schema,
                 keep_errors).execute()
            break
        except EncodingRestart:
            report = TableReport(schema=dict(schema_info or {}))
        except ReadError as exc:
            report = _read_failure(TableReport(schema=dict(schema_info or {})), exc, started)
            break
    report.seconds = time.perf_counter() - started
    return report


def read_failure(exc: ReadError, report: TableReport | None = None) -> TableReport:
    """The report of a file that could not be opened: too large (not read) or not a table."""
    report = report if report is not None else TableReport()
    report.stop_reason = "too_large" if exc.code == "too_large" else "unreadable"
    report.errors.append(TableError("too-large" if exc.code == "too_large" else "source-error", dict(exc.message)))
    return report


def _read_failure(report: TableReport, exc: ReadError, started: float) -> TableReport:
    read_failure(exc, report)
    report.seconds = time.perf_counter() - started
    return report


class _LimitReached(Exception):
    pass


class _TaskError(Exception):
    def __init__(self, error: TableError):
        super().__init__(error.code)
        self.error = error


class _Run:
    """One validation: state shared by the header, the batches and the custom checks."""

    def __init__(self, table: TableSource, schema: dict, report: TableReport, limit: int | None, check_schema: bool,
                 keep: int = 0):
        self.keep = keep
        self.table = table
        self.schema = schema
        self.report = report
        self.limit = limit
        self.check_schema = check_schema
        self.count = 0  # errors kept (warnings excluded)
        self.last_row: int | None = None  # row of the last row error kept
        self.issues: list[dict[str, Any]] = []  # added to the table's reading issues
        self.checks: list[tuple[str, Any]] = []  # (name, check) in schema order

    # ------------------------------------------------------------------------------------------- driver

    def execute(self) -> None:
        table, report = self.table, self.report
        report.dialect = table.dialect.to_dict()
        report.issues = list(table.issues)
        report.header = list(table.header)
        unknown = self._build_checks()
        self.header = header = analyse(table.header, self.schema, table.first_record)
        stop: list[TableError] = []
        if self.check_schema:
            problem = blocking_problem(self.schema)
            if problem is not None:
                stop = [TableError(problem[0], _schema_message(*problem))]
        if not stop and header.fatal is not None:
            stop = [header.fatal]
        if not stop and self.check_schema:
            # frictionless checks the schema again once synced with the labels: a primary key on a column the
            # file lacks, or an invalid example when the file's LAST column has one, stops it there (all of the
            # problems are reported this time, the first check raised its first one only). The schema passed its
            # own check: these come from this file's header (Validata's ``schema-error``, our own code).
            stop = [TableError("header-schema-error", _header_schema_message(note, self.schema, header.labels))
                    for _code, note in schema_problems(synced_schema(header, self.schema))]
        lead = [_bom_mismatch_error()] if table.bom_mismatch else []
        if stop:  # no row is read
            report.errors.extend(lead + stop + unknown + header.warnings)
            return
        try:
            for err in lead + header.errors:
                self._keep(err)
            self._start_checks()
            self._prepare_keys()
            try:
                for batch in table.batches():
                    self._batch(batch)
            except ReadError as exc:  # the file breaks off: what was read stays reported
                report.errors.append(TableError("source-error", dict(exc.message)))
                report.stop_reason = "unreadable"
                report.rows_checked = report.rows
        except _LimitReached:
            report.stop_reason = "error_limit"
            report.rows_checked = max(0, (self.last_row or table.header_row) - table.header_row)
        except _TaskError as exc:
            report.errors[:] = [exc.error]
            return
        else:
            if report.stop_reason == "complete":
                report.rows_checked = report.rows
        if report.omitted:
            kept = sum(1 for e in report.errors if e.level == "error")
            n = sum(report.omitted.values())
            self.issues.append({"code": "errors-omitted", "omitted": dict(report.omitted), "message": msg.table_message(
                f"{n} erreurs de plus sont seulement comptées par code (seules les {kept} premières sont "
                "détaillées).", f"{n} more errors are only counted by code (only the first {kept} are detailed).")})
        report.errors.extend(unknown + header.warnings)
        report.issues = list(table.issues) + self.issues

    def _keep(self, err: TableError) -> None:
        if self.limit is not None and self.count >= self.limit:
            raise _LimitReached()
        self.report.errors.append(err)
        if err.level == "error":
            self.count += 1

    # ------------------------------------------------------------------------------------------- custom checks

    def _build_checks(self) -> list[TableError]:
        """Instantiate the schema's custom checks; return the ``check-error`` of each unknown one."""
        from . import custom

        unknown = []
        confs = self.schema.get("custom_checks") or []
        for conf in confs if isinstance(confs, list) else []:
            conf = conf if isinstance(conf, dict) else {}
            name = str(conf.get("name"))
            params = conf.get("params") if isinstance(conf.get("params"), dict) else {}
            try:
                check = custom.build(name, params)
            except Exception as exc:  # noqa: BLE001 - a broken check module must not stop the validation
                check = None
                self.issues.append({"code": "custom-check-unavailable",
                                    "message": msg.table_message(f"Contrôle « {name} » indisponible : {exc}",
                                                                 f"Check '{name}' unavailable: {exc}")})
            if check is None:
                unknown.append(TableError("check-error", msg.table_message(
                    f"'{name}' : contrôle personnalisé inconnu.", f"'{name}': unknown custom check.")))
                continue
            self.checks.append((name, check))
        return unknown

    def _start_checks(self) -> None:
        """Run each check's start in order; a ``check-error`` deletes ``live[original index]`` (frictionless 4)."""
        live: list[Any] = ["baseline", "missing-required-header"] + [c for _, c in self.checks]
        original = list(live)
        skipped = set()
        names = list(self.header.labels)
        for index, check in enumerate(original):
            if isinstance(check, str):
                continue
            try:
                problems = check.start(names)
            except Exception as exc:  # noqa: BLE001
                problems = [_crash(self._name_of(check), exc)]
            if problems is None:
                skipped.add(id(check))
                continue
            for p in problems:
                if p.code == "check-error":  # (one caused by a column absent from the file included)
                    if index >= len(live):  # frictionless' ``del checks[index]`` fails: the run dies
                        raise _TaskError(TableError("task-error", msg.table_message(
                            "La validation s'arrête, comme dans Validata, sur une erreur interne après les "
                            f"problèmes du contrôle « {self._name_of(check)} » ({p.fr}).",
                            "Validation stops, as in Validata, on an internal error after the problems of check "
                            f"'{self._name_of(check)}' ({p.en}).")))
                    del live[index]
                code = "header-check-error" if p.code == "check-error" and p.missing_column else p.code
                self._keep(TableError(code, msg.table_message(p.fr, p.en)))
        kept = {id(c) for c in live}
        self.running = [(k, name, check) for k, (name, check) in enumerate(self.checks)
                        if id(check) in kept and id(check) not in skipped]

    def _name_of(self, check) -> str:
        for name, c in self.checks:
            if c is check:
                return name
        return type(check).__name__

    # ------------------------------------------------------------------------------------------- keys

    def _prepare_keys(self) -> None:
        h = self.header
        self.unique = [(j, SeenKeys()) for j, spec in enumerate(h.specs) if spec.unique and h.in_schema[j]]
        self.pk_names = [str(p) for p in primary_key(self.schema)]
        self.pk_cols = [h.labels.index(p) for p in self.pk_names if p in h.labels]
        self.pk_seen = SeenKeys()
        if self.pk_names and len(self.pk_cols) != len(self.pk_names):
            absent = [p for p in self.pk_names if p not in h.labels]
            self.issues.append({"code": "primary-key-unchecked", "message": msg.table_message(
                f"La clé primaire n'est pas vérifiée : colonne(s) absente(s) du fichier ({', '.join(absent)}).",
                f"The primary key is not checked: column(s) missing from the file ({', '.join(absent)}).")})
            self.pk_cols = []

    # ------------------------------------------------------------------------------------------- batches

    def _batch(self, batch) -> None:
        first, record = batch.first_row, batch.record
        n = record.num_rows
        self.report.rows += n
        h = self.header
        nlab = len(h.labels)
        cols: list[ColumnResult] = []
        nulls = None
        seen: dict[tuple, ColumnResult] = {}  # columns outside the schema (type any, no constraint) read once per
        for j, spec in enumerate(h.specs):    # distinct array: a wide header's absent or gap-row columns share one
            if j < record.num_columns:
                raw = record.column(j)
            else:
                nulls = raw = nulls if nulls is not None else pa.nulls(n, pa.string())
            if h.in_schema[j]:
                cols.append(evaluate(spec, raw))
                continue
            key = (raw.offset, len(raw), tuple(b.address if b is not None else 0 for b in raw.buffers()))
            c = seen.get(key)
            if c is None:
                c = seen[key] = evaluate(spec, raw)
                cols.append(c)
            else:
                cols.append(ColumnResult(spec, c.raw, c.absent, c.missing, c.type_error, c.present, fails=c.fails,
                                         fast=c.fast, key=c.key, slow=c.slow))
        blank = np.ones(n, dtype=bool)
        for c in cols:
            blank &= c.missing
        if not nlab:
            blank[:] = False
        groups: list[_Group] = []
        self._cell_errors(cols, blank, first, groups)
        for j in range(nlab, record.num_columns):
            raw = record.column(j)
            rows = np.nonzero(~blank & ~_nulls(raw))[0]
            if len(rows):
                groups.append(_Group("extra-cell", rows, (G_EXTRA, j, 0), _extra_cells(raw, j + 1, first)))
        for i, cells in sorted((batch.overflow or {}).items()):  # the cells of a far wider row, beyond the batch
            if not blank[i] and cells:
                start = record.num_columns  # (beyond the labels: a batch with overflow is wider)
                groups.append(_Group("extra-cell", np.full(len(cells), i, dtype=np.int64), (G_EXTRA, start, 0),
                                     _overflow_cells(cells, i, start, first)))
        rows = np.nonzero(blank)[0]
        if len(rows):
            groups.append(_Group("blank-row", rows, (G_CELL, 0, 0), lambda sel: [
                TableError("blank-row", msg.simple("blank-row", row=first + i), row=first + i) for i in sel.tolist()]))
        self._unique(cols, first, groups)
        self._primary_key(cols, first, groups)
        self._custom(cols, n, first, groups)
        self._emit(groups, n)

    def _emit(self, groups: list["_Group"], n: int) -> None:
        """Keep the batch's errors in Validata's order. Beyond ``keep_errors`` errors in the report, the next ones
        are only counted by code (memory stays bounded when every row is wrong)."""
        total = sum(len(g.rows) for g in groups)
        if not total:
            return
        budget = max(0, self.keep - len(self.report.errors))
        cut = n
        if total > budget:
            cut = int(np.sort(np.concatenate([g.rows for g in groups]))[budget])
        items = []
        omitted = 0
        for g in groups:
            sel = g.rows[g.rows < cut] if cut < n else g.rows
            if len(sel) < len(g.rows):
                dropped = len(g.rows) - len(sel)
                self.report.omitted[g.code] = self.report.omitted.get(g.code, 0) + dropped
                omitted += dropped
            if len(sel):
                for seq, (i, err) in enumerate(zip(sel.tolist(), g.make(sel))):
                    items.append(((i,) + g.key + (seq,), err))
        items.sort(key=lambda kv: kv[0])
        for _, err in items:
            self._keep(err)
            self.last_row = err.row
        if omitted:
            self.count += omitted
            if self.limit is not None and self.count >= self.limit:
                raise _LimitReached()

    def _cell_errors(self, cols: list[ColumnResult], blank: np.ndarray, first: int, groups: list) -> None:
        h = self.header
        quiet: set[int] = set()  # shared results (see _batch) already found without any error
        for j, c in enumerate(cols):
            if id(c.absent) in quiet:
                continue
            pos, name, spec = j + 1, h.labels[j] or None, c.spec
            if not h.in_schema[j] and not c.fails and not (c.type_error.any() or (c.absent & ~blank).any()):
                quiet.add(id(c.absent))
                continue
            bad = c.type_error & ~blank
            if bad.any():
                groups.append(_Group("type-error", np.nonzero(bad)[0], (G_CELL, pos, 0),
                                     _type_errors(c, spec, pos, name, first)))
            order = [cname for cname, _ in spec.checks] + sorted(k for k in c.fails if k.startswith("item-"))
            for k, cname in enumerate(order, start=1):
                fail = c.fails.get(cname)
                if fail is None:
                    continue
                fail = fail & ~blank
                if fail.any():
                    code = "type-error" if cname == "item-type" else "constraint-error"
                    groups.append(_Group(code, np.nonzero(fail)[0], (G_CELL, pos, k),
                                         _constraint_errors(c, cname, pos, name, first)))
            gone = c.absent & ~blank
            if gone.any():
                groups.append(_Group("missing-cell", np.nonzero(gone)[0], (G_MISSING, pos, 0), lambda sel, pos=pos, name=name: [
                    TableError("missing-cell", msg.simple("missing-cell", row=first + i, column=pos, field=name),
                               row=first + i, column=pos, field=name, cell="") for i in sel.tolist()]))

    def _unique(self, cols: list[ColumnResult], first: int, groups: list) -> None:
        for j, seen in self.unique:
            c = cols[j]
            rows = np.nonzero(c.present & ~is_nan(c))[0]
            if not len(rows):
                continue
            previous = seen.add(value_hashes(c)[rows], rows.astype(np.int64) + first)
            dup = np.nonzero(previous)[0]
            if not len(dup):
                continue
            name, pos = self.header.labels[j] or None, j + 1
            before = dict(zip(rows[dup].tolist(), previous[dup].tolist()))

            def make(sel, c=c, name=name, pos=pos, before=before):
                return [TableError("unique-error", msg.unique_message(t, before[i], row=first + i, column=pos,
                                                                      field=name),
                                   row=first + i, column=pos, field=name, cell=t)
                        for i, t in zip(sel.tolist(), c.texts(sel))]

            groups.append(_Group("unique-error", rows[dup], (G_UNIQUE, pos, 0), make))

    def _primary_key(self, cols: list[ColumnResult], first: int, groups: list) -> None:
        if not self.pk_cols:
            return
        parts = [cols[j] for j in self.pk_cols]
        presents = [c.present for c in parts]
        empty = np.ones(len(presents[0]), dtype=bool)
        for p in presents:
            empty &= ~p
        nan = np.zeros(len(empty), dtype=bool)
        for c in parts:
            nan |= is_nan(c)  # NaN != NaN: a key holding one never repeats
        rows = np.nonzero(~empty & ~nan)[0]
        before: dict[int, int] = {}
        if len(rows):
            keys = combine([value_hashes(c) for c in parts], presents)[rows]
            previous = self.pk_seen.add(keys, rows.astype(np.int64) + first)
            dup = np.nonzero(previous)[0]
            before = dict(zip(rows[dup].tolist(), previous[dup].tolist()))
        bad = np.union1d(np.nonzero(empty)[0], np.array(sorted(before), dtype=np.int64))
        if len(bad):
            groups.append(_Group("primary-key", bad, (G_PK, 0, 0), lambda sel: [
                TableError("primary-key", msg.primary_key_message(self.pk_names, before.get(i), row=first + i),
                           row=first + i) for i in sel.tolist()]))

    def _custom(self, cols: list[ColumnResult], n: int, first: int, groups: list) -> None:
        if not self.running:
            return
        from .custom import BatchView

        view = BatchView(n, _LazyColumns(self.header.labels, cols))
        still = []
        for k, name, check in self.running:
            try:
                findings = check.run(view)
            except Exception as exc:  # noqa: BLE001 - see the module docstring
                err = _crash(name, exc)
                self._keep(TableError(err.code, msg.table_message(err.fr, err.en)))
                continue
            still.append((k, name, check))
            for f in findings or []:
                idx = np.asarray(f.idx, dtype=np.int64)
                if len(idx):
                    pos = self.header.position(f.field) if f.field else None
                    groups.append(_Group(f.code, idx, (G_CUSTOM + k, pos or 0, 0),
                                         _finding_errors(f, pos, cols[pos - 1] if pos else None, first)))
        self.running = still


class _Group:
    """Errors of one kind in one batch: their batch rows, sort key, and how to build them for given rows."""

    __slots__ = ("code", "rows", "key", "make")

    def __init__(self, code: str, rows: np.ndarray, key: tuple, make: Callable[[np.ndarray], list[TableError]]):
        self.code, self.rows, self.key, self.make = code, rows, key, make


def _type_errors(c: ColumnResult, spec, pos: int, name, first: int):
    def make(sel):
        return [TableError("type-error", msg.type_message(spec.type, spec.format, t, spec.descriptor, row=first + i,
                                                          column=pos, field=name),
                           row=first + i, column=pos, field=name, cell=t) for i, t in zip(sel.tolist(), c.texts(sel))]
    return make


def _constraint_errors(c: ColumnResult, cname: str, pos: int, name, first: int):
    spec = c.spec
    item = cname.startswith("item-")
    cons = cname[5:] if item else cname

    def make(sel):
        out = []
        for i, t in zip(sel.tolist(), c.texts(sel)):
            loc = {"row": first + i, "column": pos, "field": name}
            if cname == "item-type":
                text = msg.type_message(spec.item.type, spec.item.format, t, spec.item.descriptor, **loc)
                out.append(TableError("type-error", text, cell=t, **loc))
            else:
                text = msg.constraint_message(cons, t, spec.descriptor, item, **loc)
                out.append(TableError("constraint-error", text, cell=None if c.absent[i] else t, **loc))
        return out
    return make


def _extra_cells(raw: pa.Array, pos: int, first: int):
    def make(sel):
        texts = raw.take(pa.array(sel)).to_pylist()
        return [TableError("extra-cell", msg.simple("extra-cell", t, row=first + i, column=pos), row=first + i,
                           column=pos, cell=t) for i, t in zip(sel.tolist(), texts)]
    return make


def _overflow_cells(cells: list[str], i: int, start: int, first: int):
    def make(sel):
        return [TableError("extra-cell", msg.simple("extra-cell", t, row=first + i, column=start + k + 1),
                           row=first + i, column=start + k + 1, cell=t) for k, t in zip(range(len(sel)), cells)]
    return make


def _finding_errors(f, pos: int | None, col: ColumnResult | None, first: int):
    field = f.field if pos else None

    def make(sel):
        out = []
        for i in sel.tolist():
            fr, en = f.message(i)
            if f.cell is not None:
                cell = f.cell(i)
            else:
                cell = col.value(i) if col is not None else None
            out.append(TableError(f.code, msg.located(fr, en, row=first + i, column=pos, field=field), row=first + i,
                                  column=pos, field=field, cell=None if cell is None else str(cell)))
        return out
    return make


class _LazyColumns:
    """Mapping label → `TypedColumn`, built on first use (custom checks read few columns)."""

    def __init__(self, labels: list[str], cols: list[ColumnResult]):
        self._index = {label: j for j, label in enumerate(labels)}
        self._cols = cols
        self._built: dict[str, Any] = {}

    def get(self, name, default=None):
        if name in self._built:
            return self._built[name]
        j = self._index.get(name)
        if j is None:
            return default
        tc = self._built[name] = typed_column(self._cols[j], name)
        return tc

    def __contains__(self, name) -> bool:
        return name in self._index

    def __getitem__(self, name):
        tc = self.get(name)
        if tc is None:
            raise KeyError(name)
        return tc


def _nulls(raw: pa.Array) -> np.ndarray:
    if not raw.null_count:
        return np.zeros(len(raw), dtype=bool)
    return raw.is_null().to_numpy(zero_copy_only=False)


def _crash(name: str, exc: Exception):
    from .custom import StartError

    return StartError("check-error", f"'{name}' : le contrôle a échoué ({type(exc).__name__} : {exc}).",
                      f"'{name}': the check failed ({type(exc).__name__}: {exc}).")


def _bom_mismatch_error() -> TableError:
    return TableError("encoding-error", msg.table_message(
        "Le fichier commence par la marque d'octets (BOM) de l'UTF-8 mais n'est pas encodé en UTF-8 : Validata, "
        "qui se fie à cette marque, ne peut pas le lire (« problème d'encodage »). Il a été lu ici en Windows-1252. "
        "Enregistrez-le en UTF-8.",
        "The file starts with the UTF-8 byte order mark (BOM) but is not UTF-8 encoded: Validata, which trusts "
        "the mark, cannot read it (encoding error). It was read here as Windows-1252. Save it as UTF-8."))


def _header_schema_message(note: str, schema: dict, labels: list[str]) -> dict[str, str]:
    """Why the schema cannot be applied to this file's header (it passed its own check)."""
    if note.startswith("example value for field"):
        name = note.split('"')[1]
        last = labels[-1] if labels else ""
        return msg.table_message(
            f"La dernière colonne du fichier, « {last} », a un exemple dans le schéma : Validata vérifie alors les "
            f"exemples des colonnes du fichier, et celui de « {name} » (ou son absence, pour une colonne "
            "obligatoire) ne respecte pas son propre champ ; il refuse de valider le fichier. Placez les colonnes "
            "dans l'ordre du modèle du schéma.",
            f"The file's last column, '{last}', has an example in the schema: Validata then checks the examples of "
            f"the file's columns, and the one of '{name}' (or its absence, for a required column) breaks its own "
            "field; it refuses to validate the file. "
            "Put the columns in the order of the schema's template.")
    keys = [str(k) for k in primary_key(schema)] if note.startswith("primary key") else []
    if not keys:
        fks = schema.get("foreignKeys") if isinstance(schema.get("foreignKeys"), list) else []
        for fk in fks:
            names = fk.get("fields", []) if isinstance(fk, dict) else []
            keys += [str(n) for n in (names if isinstance(names, list) else [names])]
    absent = [k for k in dict.fromkeys(keys) if k not in labels]
    shown = ", ".join(f"« {k} »" for k in absent) or note
    shown_en = ", ".join(f"'{k}'" for k in absent) or note
    what_fr, what_en = ("La clé primaire", "The primary key") if note.startswith("primary key") else \
        ("Une clé étrangère", "A foreign key")
    return msg.table_message(
        f"{what_fr} du schéma porte sur des colonnes absentes du fichier ({shown}) : Validata refuse de valider le "
        "fichier. Ajoutez ces colonnes.",
        f"{what_en} of the schema uses columns missing from the file ({shown_en}): Validata refuses to validate "
        "the file. Add these columns.")


def _schema_message(code: str, note: str) -> dict[str, str]:
    if note.startswith("example value for field"):
        name = note.split('"')[1]
        return msg.table_message(
            f"Le schéma est invalide : l'exemple donné pour le champ « {name} » ne respecte pas ce champ. Validata "
            "refuse alors de valider tout fichier avec ce schéma.",
            f"The schema is invalid: the example of field '{name}' does not follow the field. Validata then "
            "refuses to validate any file against this schema.")
    if code == "field-error":
        return msg.table_message(f"Un champ du schéma est invalide ({note}) : Validata refuse alors de valider tout "
                                 "fichier avec ce schéma.",
                                 f"A schema field is invalid ({note}): Validata then refuses to validate any file "
                                 "against this schema.")
    return msg.table_message(f"Le schéma est invalide ({note}) : Validata refuse alors de valider tout fichier avec "
                             "ce schéma.", f"The schema is invalid ({note}): Validata then refuses to validate any "
                             "file against this schema.")
