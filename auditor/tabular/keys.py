"""Unique and primary-key checks over a whole file in bounded memory.

Frictionless remembers every value of a ``unique`` column (and every primary-key tuple) with the row where it was
last seen, and reports each repeat as "the same as in the row at position N" (N = the previous occurrence). We keep
no values, only a 64-bit hash of each distinct parsed value and its last row position, in numpy arrays: 16 bytes per
distinct value (16 MB per million distinct values), merged as sorted runs (a log-structured set), so that each
batch is checked with binary searches. Two different values with the same 64-bit hash would be taken for a repeat:
the probability is below 10⁻⁶ for 5 million distinct values.

Values hash by their parsed value (so ``1.0`` repeats ``1`` in a number column): strings by their UTF-8 bytes,
integers/dates/years by their integer key, numbers by their float value when they have at most 15 significant
digits (equal floats then mean equal decimals) and by their exact Decimal otherwise, other types by Python
``hash``. NaN never repeats (``NaN != NaN``).
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .patterns import np_bool, string_offsets
from .vector import ColumnResult, byte_lengths as byte_len, key_of

_P1 = np.uint64(0x100000001B3)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_NONE = np.uint64(0x9E3779B97F4A7C15)
_MAXLEN_POW = 1 << 12


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser (uint64 → well-spread uint64)."""
    x = x.astype(np.uint64, copy=True)
    with np.errstate(over="ignore"):
        x ^= x >> np.uint64(30)
        x *= _MIX1
        x ^= x >> np.uint64(27)
        x *= _MIX2
        x ^= x >> np.uint64(31)
    return x


_POW_CACHE: list[np.ndarray] = []


def _powers(n: int) -> np.ndarray:
    if not _POW_CACHE or len(_POW_CACHE[0]) < n:
        size = max(n, _MAXLEN_POW)
        p = np.empty(size, dtype=np.uint64)
        acc = 1
        for i in range(size):
            p[i] = acc
            acc = (acc * int(_P1)) & 0xFFFFFFFFFFFFFFFF
        _POW_CACHE[:] = [p]
    return _POW_CACHE[0]


def hash_strings(arr: pa.Array) -> np.ndarray:
    """64-bit hash of each string's UTF-8 bytes (polynomial, then mixed with the length)."""
    n = len(arr)
    offsets = string_offsets(arr).astype(np.int64)
    lengths = np.diff(offsets)
    total = int(offsets[-1] - offsets[0])
    out = np.zeros(n, dtype=np.uint64)
    if total:
        data = np.frombuffer(arr.buffers()[2], dtype=np.uint8, count=total, offset=int(offsets[0]))
        pos = np.arange(total, dtype=np.int64) - np.repeat(offsets[:-1] - offsets[0], lengths)
        with np.errstate(over="ignore"):
            terms = (data.astype(np.uint64) + np.uint64(1)) * _powers(int(lengths.max()))[pos]
        nonempty = lengths > 0
        starts = (offsets[:-1] - offsets[0])[nonempty]
        out[nonempty] = np.add.reduceat(terms, starts)
    with np.errstate(over="ignore"):
        return _mix(out ^ _mix(lengths.astype(np.uint64)))


def value_hashes(r: ColumnResult) -> np.ndarray:
    """Hash of every present parsed value (0 elsewhere; rows to ignore, such as NaN, are not ``present``)."""
    spec = r.spec
    out = np.zeros(r.n, dtype=np.uint64)
    if spec.type in ("string", "any"):
        h = hash_strings(r.raw.fill_null(""))
        out[r.present] = h[r.present]
        return out
    fast = (r.present & r.fast) if r.fast is not None else np.zeros(r.n, dtype=bool)
    if spec.type == "number" and fast.any() and not spec.float_number:
        # float keys tell decimals apart only up to 15 significant digits: longer texts, exponents and
        # infinities are hashed from their exact Decimal value
        short = byte_len(r.raw) <= 15
        simple = fast & short & np_bool(pc.match_substring_regex(r.raw, _SIMPLE_DECIMAL))
        for i in np.nonzero(fast & ~simple)[0].tolist():
            out[i] = _scalar_hash(r, r.value(i))
        fast = simple
    if fast.any():
        key = r.key
        if spec.type == "number":
            k = np.where(key == 0, 0.0, key)  # -0.0 is 0
            out[fast] = _mix(k[fast].view(np.uint64))
        else:
            out[fast] = _mix(np.asarray(key, dtype=np.int64)[fast].view(np.uint64))
    for i, v in r.slow.items():
        out[i] = _scalar_hash(r, v)
    return out


_SIMPLE_DECIMAL = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)$"


def _number_key(v) -> float | None:
    """The float standing for a number when it has at most 15 significant digits (so that equal floats mean
    equal values), else None."""
    if isinstance(v, float):
        return v
    if isinstance(v, int):
        v = Decimal(v)
    if not isinstance(v, Decimal) or not v.is_finite():
        return float(v) if isinstance(v, Decimal) and v.is_infinite() else None
    if v == 0:
        return 0.0
    if len(v.normalize().as_tuple().digits) > 15:
        return None
    f = float(v)
    return f if math.isfinite(f) and abs(f) > 1e-300 else None


def _scalar_hash(r: ColumnResult, v) -> np.uint64:
    spec = r.spec
    if spec.type == "number":
        f = _number_key(v)
        if f is not None:
            f = 0.0 if f == 0 else f
            return _mix(np.array([f], dtype=np.float64).view(np.uint64))[0]
        if isinstance(v, Decimal):
            v = ("decimal", str(v.normalize()))
    k = key_of(spec, v)
    if isinstance(k, int) and not isinstance(k, bool) and -(2**63) <= k < 2**63:
        return _mix(np.array([k], dtype=np.int64).view(np.uint64))[0]
    try:
        h = hash(v)
    except TypeError:
        h = hash(repr(v))
    return _mix(np.array([h & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64))[0]


def is_nan(r: ColumnResult) -> np.ndarray:
    """Rows whose value is NaN (they never repeat)."""
    if r.spec.type != "number":
        return np.zeros(r.n, dtype=bool)
    out = np.zeros(r.n, dtype=bool)
    if r.fast is not None and isinstance(r.key, np.ndarray) and r.key.dtype.kind == "f":
        out = r.present & r.fast & np.isnan(r.key)
    for i, v in r.slow.items():
        try:
            out[i] = v != v
        except TypeError:
            pass
    return out


def combine(hashes: list[np.ndarray], presents: list[np.ndarray]) -> np.ndarray:
    """Hash of a tuple of values (None → a fixed marker)."""
    acc = np.zeros(len(hashes[0]), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for h, p in zip(hashes, presents):
            acc = _mix(acc * _P1 + np.where(p, h, _NONE))
    return acc


class SeenKeys:
    """The last row position of each hash seen so far, as sorted runs of (hash, position) arrays."""

    def __init__(self):
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []

    def __len__(self) -> int:
        return sum(len(k) for k, _ in self.runs)

    def nbytes(self) -> int:
        return sum(k.nbytes + p.nbytes for k, p in self.runs)

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Last position of each key in the runs (0 = never seen)."""
        out = np.zeros(len(keys), dtype=np.int64)
        for run_keys, run_pos in self.runs:
            if not len(run_keys):
                continue
            at = np.searchsorted(run_keys, keys)
            at_c = np.minimum(at, len(run_keys) - 1)
            hit = run_keys[at_c] == keys
            out = np.where(hit, np.maximum(out, run_pos[at_c]), out)
        return out

    def add(self, keys: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """Record ``keys`` seen at ``positions`` (increasing); return for each the previous position (0 = first)."""
        if not len(keys):
            return np.zeros(0, dtype=np.int64)
        previous = self.lookup(keys)
        order = np.argsort(keys, kind="stable")
        sk, sp = keys[order], positions[order]
        same = np.zeros(len(sk), dtype=bool)
        same[1:] = sk[1:] == sk[:-1]
        prev_sorted = previous[order]
        # within the batch, a repeat points at the previous occurrence in the batch
        prev_sorted[same] = sp[np.nonzero(same)[0] - 1]
        previous[order] = prev_sorted
        last = np.ones(len(sk), dtype=bool)
        last[:-1] = sk[:-1] != sk[1:]
        self.runs.append((sk[last].copy(), sp[last].astype(np.int64)))
        self._compact()
        return previous

    def _compact(self) -> None:
        while len(self.runs) > 1 and len(self.runs[-2][0]) <= 2 * len(self.runs[-1][0]):
            (k1, p1), (k2, p2) = self.runs[-2], self.runs[-1]
            k = np.concatenate([k1, k2])
            p = np.concatenate([p1, p2])
            order = np.lexsort((p, k))
            k, p = k[order], p[order]
            last = np.ones(len(k), dtype=bool)
            last[:-1] = k[:-1] != k[1:]
            self.runs[-2:] = [(k[last], p[last])]
