"""Vectorised reading of one column of one batch: missing values, type parsing, constraints.

`evaluate(spec, raw)` turns a pyarrow string array (null = no such cell in the row) into a `ColumnResult`: numpy
masks of missing cells, type errors and present values, one failure mask per constraint, and what the custom
checks and the unique/primary-key tracking need.

Exactness rule: a vectorised reader only *accepts* cells whose parsed value is certain (e.g. ASCII digits for
integers, ``YYYY-MM-DD`` with a valid day for dates); every other non-missing cell is read by the reference
`FieldSpec.read_value` (cached per distinct text in the batch). Constraints are evaluated on vector keys where the
comparison is exact (integers, dates, float comparisons re-checked with ``Decimal`` when equal), with Python for
the rest. Patterns: see `auditor.tabular.patterns`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .patterns import byte_lengths, fixed_width_matrix, np_bool, pattern_check
from .typed import TypedColumn, as_float
from .types import FieldSpec, check

I64_MAX = 2**63 - 1
I64_MIN = -(2**63)


# ----------------------------------------------------------------------------------------------- arrow helpers


def fixed_width(raw: pa.Array, width: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row indices, uint8 matrix rows×width) of the ``rows`` whose text is exactly ``width`` bytes long."""
    sel = rows & (byte_lengths(raw) == width)
    idx = np.nonzero(sel)[0]
    if len(idx) == 0:
        return idx, np.empty((0, width), dtype=np.uint8)
    return idx, fixed_width_matrix(raw, idx, width)


def digits_value(mat_t: np.ndarray, cols: range) -> tuple[np.ndarray, np.ndarray]:
    """(all-digits mask, integer value) of the given byte rows of a position×row matrix (rows contiguous)."""
    ok = np.ones(mat_t.shape[1], dtype=bool)
    val = np.zeros(mat_t.shape[1], dtype=np.int64 if len(cols) > 9 else np.int32)
    for c in cols:
        d = mat_t[c] - np.uint8(48)
        ok &= d <= 9
        val *= 10
        val += d
    return ok, val


def ymd_key(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(valid calendar date mask, order key) of year (0-9999) / month / day arrays. The key
    ``(y * 16 + m) * 32 + d`` orders dates and tells them apart (it is not a day count)."""
    dim = np.where(m == 2, 28, 30 + ((m + (m >> 3)) & 1))  # 31 for months 1 3 5 7 8 10 12
    ok = (y >= 1) & (m >= 1) & (m <= 12) & (d >= 1) & (d <= dim)
    feb29 = (m == 2) & (d == 29)
    if feb29.any():
        yy = y[feb29]
        ok[feb29] = (yy >= 1) & (((yy % 4 == 0) & (yy % 100 != 0)) | (yy % 400 == 0))
    return ok, (y.astype(np.int64) * 16 + m) * 32 + d


def date_key(value: date) -> int:
    return (value.year * 16 + value.month) * 32 + value.day


# ----------------------------------------------------------------------------------------------- results


@dataclass
class ColumnResult:
    """One column of one batch after reading (all arrays have the batch length)."""

    spec: FieldSpec
    raw: pa.Array
    absent: np.ndarray  # the row has no such cell
    missing: np.ndarray  # value None without type error (absent or a missing value)
    type_error: np.ndarray
    present: np.ndarray  # a parsed value exists
    fails: dict[str, np.ndarray] = field(default_factory=dict)  # constraint (or "item-*") -> failing rows
    fast: np.ndarray | None = None  # rows whose value is given by ``key`` (vector readers)
    key: Any = None  # numpy keys (int64 / float64 / date and datetime order keys / bool) or the raw strings
    slow: dict[int, Any] = field(default_factory=dict)  # row -> value read by Python

    @property
    def n(self) -> int:
        return len(self.absent)

    def value(self, i: int) -> Any:
        """The parsed value of row ``i`` (None when missing or a type error)."""
        if not self.present[i]:
            return None
        if i in self.slow:
            return self.slow[i]
        return self.spec.read_value(self.raw[i].as_py())

    def texts(self, rows: np.ndarray) -> list[str]:
        col = self.raw.take(pa.array(rows, type=pa.int64())) if len(rows) else pa.array([], pa.string())
        return ["" if t is None else t for t in col.to_pylist()]


# ----------------------------------------------------------------------------------------------- fast readers
# Each returns (accepted rows mask, key array aligned on the batch) for the candidate rows ``rows``.

_EMAIL_FAST = (r"^[-!#$%&'*+/=?^_`{}|~0-9A-Za-z]+(\.[-!#$%&'*+/=?^_`{}|~0-9A-Za-z]+)*"
               r"@(?:[a-zA-Z0-9](?:[a-zA-Z0-9_-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9][A-Za-z0-9_-]{0,61}[A-Za-z]$")
_UUID_FAST = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_URI_FAST = r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^@]*$"


def _fast_string(spec: FieldSpec, raw: pa.Array, rows: np.ndarray):
    fmt = spec.format
    if fmt == "email":
        ok = np_bool(pc.match_substring_regex(raw, _EMAIL_FAST))
        at = np_bool(pc.less_equal(pc.utf8_length(raw), 317))  # 64 + 1 + 253 at most (checked exactly below)
        ok &= at
        if ok.any():
            user_len = np_bool(pc.less_equal(pc.utf8_length(pc.replace_substring_regex(raw, "@.*$", "")), 64))
            dom_len = np_bool(pc.less_equal(pc.utf8_length(pc.replace_substring_regex(raw, "^[^@]*@", "")), 253))
            ok &= user_len & dom_len
        return rows & ok, raw
    if fmt == "uuid":
        return rows & np_bool(pc.match_substring_regex(raw, _UUID_FAST)), raw
    if fmt == "uri":
        return rows & np_bool(pc.match_substring_regex(raw, _URI_FAST)), raw
    if fmt == "binary":
        return np.zeros(len(raw), dtype=bool), raw
    return rows, raw


def _fast_integer(spec: FieldSpec, raw: pa.Array, rows: np.ndarray):
    lengths = byte_lengths(raw)
    ok = rows & (lengths > 0) & (lengths <= 18) & np_bool(pc.ascii_is_decimal(raw))
    key = np.zeros(len(raw), dtype=np.int64)
    if ok.any():
        filled = pc.if_else(pa.array(ok), raw, "0")
        key = pc.cast(filled, pa.int64()).to_numpy(zero_copy_only=False)
    return ok, key


def _fast_number(spec: FieldSpec, raw: pa.Array, rows: np.ndarray):
    key = np.zeros(len(raw), dtype=np.float64)
    if spec.number_processing or not rows.any():
        return np.zeros(len(raw), dtype=bool), key
    try:  # usually every value reads: one cast (Arrow reads a subset of what Decimal reads, same values)
        return rows, pc.cast(pc.if_else(pa.array(rows), raw, "0"), pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    one_dot = pc.replace_substring(raw, ".", "", max_replacements=1)
    ok = rows & np_bool(pc.ascii_is_decimal(one_dot)) & (byte_lengths(one_dot) > 0)
    if ok.any():
        key = pc.cast(pc.if_else(pa.array(ok), raw, "0"), pa.float64()).to_numpy(zero_copy_only=False)
    rest = rows & ~ok
    if rest.any():
        idx = np.nonzero(rest)[0]
        try:
            # Arrow reads a subset of what Decimal reads (sign, exponent, inf, nan), with the same value
            vals = pc.cast(raw.take(pa.array(idx)), pa.float64()).to_numpy(zero_copy_only=False)
            key = key.copy()
            key[idx] = vals
            ok = ok | rest
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    return ok, key


def _fast_year(spec: FieldSpec, raw: pa.Array, rows: np.ndarray):
    idx, mat = fixed_width(raw, 4, rows)
    ok = np.zeros(len(raw), dtype=bool)
    key = np.zeros(len(raw), dtype=np.int64)
    if len(idx):
        good, val = digits_value(np.ascontiguousarray(mat.T), range(4))
        ok[idx[good]] = True
        key[idx[good]] = val[good]
    return ok, key


_FMT_TOKEN = re.compile(r"%[Ymd]|[-/._ ,:]")


def _date_template(fmt: str) -> list[tuple[str, int]] | None:
    """Fixed-width layout of a strptime format made of %Y %m %d and separators, else None."""
    if fmt == "default":
        fmt = "%Y-%m-%d"
    pos = 0
    out = []
    for m in _FMT_TOKEN.finditer(fmt):
        if m.start() != pos:
            return None
        tok = m.group()
        out.append((tok, {"%Y": 4, "%m": 2, "%d": 2}.get(tok, 1)))
        pos = m.end()
    if pos != len(fmt) or sorted(t for t, _ in out if t.startswith("%")) != ["%Y", "%d", "%m"] or " " in fmt:
        return None
    return out


def _fast_date(spec: FieldSpec, raw: pa.Array, rows: np.ndarray):
    ok = np.zeros(len(raw), dtype=bool)
    key = np.zeros(len(raw), dtype=np.int64)
    tpl = _date_template(spec.format) if spec.format != "any" else None
    if tpl is None:
        return ok, key
    width = sum(w for _, w in tpl)
    idx, mat = fixed_width(raw, width, rows)
    if not len(idx):
        return ok, key
    mat_t = np.ascontiguousarray(mat.T)
    good = np.ones(len(idx), dtype=bool)
    parts = {}
    col = 0
    for tok, w in tpl:
        if tok.startswith("%"):
            g, v = digits_value(mat_t, range(col, col + w))
            good &= g
            parts[tok] = v
        else:
            good &= mat_t[col] == ord(tok)
        col += w
    valid, days = ymd_key(parts["%Y"], parts["%m"], parts["%d"])
    good &= valid
    ok[idx[good]] = True
    key[idx[good]] = days[good]
    return ok, key


def _fast_datetime(spec: FieldSpec, raw: pa.Array, rows: np.ndarray):
    ok = np.zeros(len(raw), dtype=bool)
    key = np.zeros(len(raw), dtype=np.int64)
    if spec.format != "default":
        return ok, key
    idx, mat = fixed_width(raw, 19, rows)
    if not len(idx):
        return ok, key
    t = np.ascontiguousarray(mat.T)
    good = (t[4] == 45) & (t[7] == 45) & ((t[10] == 84) | (t[10] == 32)) & (t[13] == 58) & (t[16] == 58)
    vals = []
    for cols in (range(0, 4), range(5, 7), range(8, 10), range(11, 13), range(14, 16), range(17, 19)):
        g, v = digits_value(t, cols)
        good &= g
        vals.append(v)
    y, mo, d, h, mi, sec = vals
    valid, days = ymd_key(y, mo, d)
    good &= valid & (h <= 23) & (mi <= 59) & (sec <= 59)
    ok[idx[good]] = True
    key[idx[good]] = days[good] * 86400 + h[good] * 3600 + mi[good] * 60 + sec[good]
    return ok, key


def _fast_boolean(spec: FieldSpec, raw: pa.Array, rows: np.ndarray):
    # the mapping is built with the true values first, then the false ones: a text in both reads False
    falses = [v for v in spec.false_values if isinstance(v, str)]
    trues = [v for v in spec.true_values if isinstance(v, str) and v not in falses]
    is_true = np_bool(pc.is_in(raw, value_set=pa.array(trues, pa.string()))) if trues else np.zeros(len(raw), bool)
    is_false = np_bool(pc.is_in(raw, value_set=pa.array(falses, pa.string()))) if falses else np.zeros(len(raw), bool)
    return rows & (is_true | is_false), is_true


def _fast_any(spec: FieldSpec, raw: pa.Array, rows: np.ndarray):
    return rows, raw


FAST_READERS: dict[str, Callable] = {
    "string": _fast_string, "any": _fast_any, "integer": _fast_integer, "number": _fast_number,
    "year": _fast_year, "date": _fast_date, "datetime": _fast_datetime, "boolean": _fast_boolean,
}
STRING_LIKE = ("string", "any")


def key_of(spec: FieldSpec, value: Any) -> Any:
    """A Python value in the key space of the fast reader of ``spec.type`` (None if it has none)."""
    t = spec.type
    try:
        if t == "integer" or t == "year":
            return int(value)
        if t == "number":
            return float(value)
        if t == "date":
            return date_key(value)
        if t == "datetime":
            if value.tzinfo is not None or value.microsecond:
                return None
            return date_key(value) * 86400 + value.hour * 3600 + value.minute * 60 + value.second
        if t == "boolean":
            return bool(value)
    except (TypeError, ValueError, OverflowError, AttributeError):
        return None
    return None


# ----------------------------------------------------------------------------------------------- evaluation


def evaluate(spec: FieldSpec, raw: pa.Array) -> ColumnResult:
    """Read one column of a batch (see the module docstring)."""
    n = len(raw)
    if raw.type != pa.string():
        raw = raw.cast(pa.string())
    absent = np_bool(raw.is_null()) if raw.null_count else np.zeros(n, dtype=bool)
    strings = [v for v in spec.missing_values if isinstance(v, str)]
    missing = absent.copy()
    if strings:
        if strings == [""]:
            missing |= byte_lengths(raw) == 0
        else:
            missing |= np_bool(pc.is_in(raw, value_set=pa.array(strings, pa.string())))
    candidates = ~missing
    reader = FAST_READERS.get(spec.type)
    if reader is not None:
        fast, key = reader(spec, raw, candidates)
    else:
        fast, key = np.zeros(n, dtype=bool), None
    type_error = np.zeros(n, dtype=bool)
    slow: dict[int, Any] = {}
    rest = np.nonzero(candidates & ~fast)[0]
    if len(rest):
        cache: dict[str, Any] = {}
        texts = raw.take(pa.array(rest)).to_pylist()
        for i, t in zip(rest.tolist(), texts):
            if t in cache:
                v = cache[t]
            else:
                v = cache[t] = spec.read_value(t)
            if v is None:
                type_error[i] = True
            else:
                slow[i] = v
    present = candidates & ~type_error
    result = ColumnResult(spec, raw, absent, missing, type_error, present, fast=fast, key=key, slow=slow)
    _constraints(result)
    return result


def _constraints(r: ColumnResult) -> None:
    spec = r.spec
    if not spec.checks and spec.item is None:
        return
    string_like = spec.type in STRING_LIKE
    for cname, arg in spec.checks:
        if cname == "required":
            if arg:
                r.fails[cname] = r.missing.copy()
            continue
        if not r.present.any():
            continue
        if string_like:
            fail = _string_constraint(r, cname, arg)
        else:
            fail = _typed_constraint(r, cname, arg)
        if fail is not None and fail.any():
            r.fails[cname] = fail
    if spec.item is not None and r.present.any():
        _array_items(r)


def _string_constraint(r: ColumnResult, cname: str, arg: Any) -> np.ndarray | None:
    raw, present = r.raw, r.present
    if cname in ("minLength", "maxLength"):
        blen = byte_lengths(raw)
        if cname == "maxLength":
            unsure = present & (blen > arg)
            if not unsure.any():
                return None
            return unsure & (pc.utf8_length(raw).to_numpy(zero_copy_only=False) > arg)
        fail = present & (blen < arg)
        unsure = present & ~fail & (blen < 4 * arg)
        if unsure.any():
            fail |= unsure & (pc.utf8_length(raw).fill_null(0).to_numpy(zero_copy_only=False) < arg)
        return fail
    if cname == "pattern":
        check_ = pattern_check(r.spec.constraints.get("pattern"), arg)
        return present & ~check_.matches(raw, present, byte_lengths(raw))
    if cname == "enum":
        allowed = [v for v in arg if isinstance(v, str)]
        if not allowed:
            return present.copy()
        return present & ~np_bool(pc.is_in(raw, value_set=pa.array(allowed, pa.string())))
    return None


def _typed_constraint(r: ColumnResult, cname: str, arg: Any) -> np.ndarray | None:
    spec = r.spec
    fail = np.zeros(r.n, dtype=bool)
    python_rows: list[int] = list(r.slow)
    fast = r.present & r.fast if r.fast is not None else np.zeros(r.n, dtype=bool)
    if cname in ("minimum", "maximum") and fast.any():
        kb = key_of(spec, arg)
        if kb is None:
            python_rows.extend(np.nonzero(fast)[0].tolist())
        else:
            key = r.key
            if spec.type in ("integer", "year", "datetime") and not (I64_MIN <= kb <= I64_MAX):
                lower = kb < 0  # every int64 key is above a bound below int64, below a bound above it
                bad = np.full(r.n, lower if cname == "maximum" else not lower)
                fail |= fast & bad
            else:
                bad = key < kb if cname == "minimum" else key > kb
                if spec.type == "number":
                    bad = bad | np.isnan(key)
                    python_rows.extend(np.nonzero(fast & (key == kb))[0].tolist())
                    bad = bad & ~(key == kb)
                fail |= fast & bad
    elif cname == "enum" and fast.any():
        idx = np.nonzero(fast)[0]
        sub = r.raw.take(pa.array(idx))
        enc = pc.dictionary_encode(sub)
        verdict = np.array([check("enum", arg, spec.read_value(t)) for t in enc.dictionary.to_pylist()], dtype=bool)
        codes = enc.indices.to_numpy(zero_copy_only=False)
        fail[idx] = ~verdict[codes] if len(verdict) else False
    elif fast.any():
        python_rows.extend(np.nonzero(fast)[0].tolist())
    for i in python_rows:
        if not check(cname, arg, r.value(i)):
            fail[i] = True
    return fail


def _array_items(r: ColumnResult) -> None:
    """Array fields with ``arrayItem``: item type and item constraints (Python; arrays are rare and small)."""
    for i in np.nonzero(r.present)[0].tolist():
        if any(f[i] for f in r.fails.values()):
            continue
        _, failed = r.spec.read_cell(r.raw[i].as_py())
        for name in failed:
            if name.startswith("item-"):
                r.fails.setdefault(name, np.zeros(r.n, dtype=bool))[i] = True


# ----------------------------------------------------------------------------------------------- typed views


def truthy(r: ColumnResult) -> np.ndarray:
    """Python truthiness of the parsed values (``if not value`` in Validata's single-column checks)."""
    t = r.spec.type
    out = r.present.copy()
    if t in STRING_LIKE:
        out &= byte_lengths(r.raw) > 0
        return out
    if t in ("integer", "number", "year") and r.fast is not None:
        f = r.fast & r.present
        out[f] = r.key[f] != 0
    elif t == "boolean" and r.fast is not None:
        f = r.fast & r.present
        out[f] = r.key[f]
    elif t in ("date", "datetime"):
        return out
    else:
        for i in np.nonzero(out)[0].tolist():
            out[i] = bool(r.value(i))
        return out
    for i, v in r.slow.items():
        out[i] = bool(v)
    return out


def text(r: ColumnResult) -> np.ndarray:
    """``str(value)`` of every present value (None elsewhere), the text Validata prints in messages."""
    out = np.full(r.n, None, dtype=object)
    t = r.spec.type
    if t in STRING_LIKE:
        vals = r.raw.to_numpy(zero_copy_only=False)
        out[r.present] = vals[r.present]
        return out
    if t == "date" and r.spec.format == "default" and r.fast is not None:
        # the fast reader only accepts YYYY-MM-DD: the text is already str(date)
        f = r.fast & r.present
        vals = r.raw.to_numpy(zero_copy_only=False)
        out[f] = vals[f]
        for i, v in r.slow.items():
            out[i] = str(v)
        return out
    if t == "integer" and r.fast is not None:
        f = r.fast & r.present
        out[f] = r.key[f].astype(str).astype(object)
        for i, v in r.slow.items():
            out[i] = str(v)
        return out
    for i in np.nonzero(r.present)[0].tolist():
        out[i] = str(r.value(i))
    return out


_NUMERIC_START = r"^\s*[-+]?(?:[0-9]|\.[0-9]|[iInN])"  # what float() may read, ASCII texts
_NUMERIC_START_UNICODE = r"^[\s\p{Z}]*[-+]?(?:\p{Nd}|\.|[iInN])"


def number(r: ColumnResult) -> np.ndarray:
    """float64 reading of the values (NaN where absent or not numeric): numbers, and strings ``float()`` reads."""
    out = np.full(r.n, np.nan)
    t = r.spec.type
    if t in ("integer", "number", "year") and r.fast is not None:
        f = r.fast & r.present
        out[f] = r.key[f]
        for i, v in r.slow.items():
            out[i] = as_float(v)
        return out
    if t in STRING_LIKE:
        ascii_ = np_bool(pc.string_is_ascii(r.raw))
        numeric = r.present & ascii_ & np_bool(pc.match_substring_regex(r.raw, _NUMERIC_START))
        unicode_ = r.present & ~ascii_ & np_bool(pc.match_substring_regex(r.raw, _NUMERIC_START_UNICODE))
        for cand, arrow in ((numeric, True), (unicode_, False)):
            idx = np.nonzero(cand)[0]
            if not len(idx):
                continue
            sub = r.raw.take(pa.array(idx))
            try:
                if not arrow:
                    raise pa.ArrowInvalid("python")
                out[idx] = pc.cast(sub, pa.float64()).to_numpy(zero_copy_only=False)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                for i, s in zip(idx.tolist(), sub.to_pylist()):
                    out[i] = as_float(s)
        return out
    for i in np.nonzero(r.present)[0].tolist():
        out[i] = as_float(r.value(i))
    return out


def typed_column(r: ColumnResult, name: str):
    """The `TypedColumn` custom checks see for this column."""
    return TypedColumn(name, r.spec.descriptor or {"name": name, "type": "any"}, r.raw, r.present, r.value,
                       truthy=lambda: truthy(r), text=lambda: text(r), number=lambda: number(r))
