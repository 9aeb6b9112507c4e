"""``pattern`` constraints on whole columns: ``re.compile("^" + pattern + "$").match`` as Validata runs it.

Three engines, most exact-and-fast first:

1. byte engine: most schema patterns (``\\d{14}``, ``W\\d{9}``, ``\\d{4}-\\d{2}-\\d{2}(_...)?``, ``[A-Z0-9]{5,20}``)
   describe strings as a few alternatives of ASCII character classes, each with at most one variable-length run.
   Those are checked with numpy on the column's bytes (class tests on a position×row matrix; for the run, the
   bytes outside its class and the value each belongs to) — several times faster than a regex engine, and exact: a non-ASCII value can match no ASCII
   class (unless the pattern uses ``\\d \\w \\s``, which Python reads in Unicode: such values go to Python ``re``),
   and a value ending with a newline, which Python's ``$`` accepts before, goes to Python ``re``;
2. RE2 (pyarrow): other patterns whose syntax RE2 reads as Python does, anchored ``^(?:^pattern$)`` (Validata does
   not group the pattern: ``^a|b$`` keeps its two anchored alternatives); values with a newline (and non-ASCII values
   when the pattern uses ``\\d \\w \\s \\b``) go to Python ``re``;
3. Python ``re`` for everything else, cached per distinct value of the batch.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

try:  # Python ≥ 3.11
    import re._constants as sre_c
    import re._parser as sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as sre_c  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

MAX_ALTERNATIVES = 32
MAX_POSITIONS = 64
INF = 1 << 30


def np_bool(arr: pa.Array) -> np.ndarray:
    """Boolean pyarrow array → numpy bool (null → False)."""
    if arr.null_count:
        arr = arr.fill_null(False)
    return arr.to_numpy(zero_copy_only=False)


def string_offsets(raw: pa.Array) -> np.ndarray:
    """The ``len(raw) + 1`` int32 offsets of a string array's values in its data buffer (no copy)."""
    return np.frombuffer(raw.buffers()[1], dtype=np.int32, count=len(raw) + 1, offset=4 * raw.offset)


def byte_lengths(raw: pa.Array) -> np.ndarray:
    """Byte length of each string (-1 for null), computed from the offsets buffer."""
    lengths = np.diff(string_offsets(raw))
    if raw.null_count:
        lengths = np.where(np_bool(raw.is_null()), -1, lengths)
    return lengths


def fixed_width_matrix(raw: pa.Array, idx: np.ndarray, width: int) -> np.ndarray:
    """uint8 matrix ``len(idx)`` × ``width`` of the values at ``idx``, which are all ``width`` bytes long."""
    sub = raw if len(idx) == len(raw) else raw.take(pa.array(idx))  # the candidates, copied contiguously
    start = int(string_offsets(sub)[0])
    return np.frombuffer(sub.buffers()[2], dtype=np.uint8, count=width * len(sub), offset=start).reshape(len(sub),
                                                                                                        width)


# ----------------------------------------------------------------------------------------------- byte engine


class Unsupported(Exception):
    """The pattern is outside what the byte engine reads exactly."""


_DIGITS = frozenset(range(48, 58))
_WORD = frozenset(list(range(48, 58)) + list(range(65, 91)) + list(range(97, 123)) + [95])
_SPACE = frozenset([9, 10, 11, 12, 13, 28, 29, 30, 31, 32])  # str.isspace() among ASCII characters
_CATEGORIES = {sre_c.CATEGORY_DIGIT: _DIGITS, sre_c.CATEGORY_WORD: _WORD, sre_c.CATEGORY_SPACE: _SPACE}


def _class_of(items) -> frozenset:
    out: set[int] = set()
    for op, av in items:
        if op is sre_c.LITERAL and av < 128:
            out.add(av)
        elif op is sre_c.RANGE and av[1] < 128:
            out.update(range(av[0], av[1] + 1))
        elif op is sre_c.CATEGORY and av in _CATEGORIES:
            out.update(_CATEGORIES[av])
        else:
            raise Unsupported(op)
    return frozenset(out)


def _expand(sub) -> list[list[Any]]:
    """Alternatives of a parsed regex: lists of ``(class, min, max)`` items and "^"/"$" anchors."""
    alts: list[list[Any]] = [[]]
    for op, av in sub:
        if op is sre_c.LITERAL:
            if av >= 128:
                raise Unsupported(op)
            seqs = [[(frozenset([av]), 1, 1)]]
        elif op is sre_c.IN:
            seqs = [[(_class_of(av), 1, 1)]]
        elif op is sre_c.CATEGORY:
            if av not in _CATEGORIES:
                raise Unsupported(av)
            seqs = [[(_CATEGORIES[av], 1, 1)]]
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            lo, hi, inner_sub = av
            inner = _expand(inner_sub)
            hi = INF if hi is sre_c.MAXREPEAT else hi
            if len(inner) == 1 and len(inner[0]) == 1 and inner[0][0][1:] == (1, 1):
                seqs = [[(inner[0][0][0], lo, hi)]]
            elif hi <= 4 and hi != INF:
                seqs = []
                for k in range(lo, hi + 1):
                    parts: list[list[Any]] = [[]]
                    for _ in range(k):
                        parts = [p + q for p in parts for q in inner]
                        if len(parts) > MAX_ALTERNATIVES:
                            raise Unsupported("too many alternatives")
                    seqs.extend(parts)
            else:
                raise Unsupported("repeated group")
        elif op is sre_c.SUBPATTERN:
            _group, add_flags, del_flags, p = av
            if add_flags or del_flags:
                raise Unsupported("flags")
            seqs = _expand(p)
        elif op is sre_c.BRANCH:
            seqs = [s for branch in av[1] for s in _expand(branch)]
        elif op is sre_c.AT and av in (sre_c.AT_BEGINNING, sre_c.AT_END):
            seqs = [["^" if av is sre_c.AT_BEGINNING else "$"]]
        else:
            raise Unsupported(op)
        alts = [a + s for a in alts for s in seqs]
        if len(alts) > MAX_ALTERNATIVES:
            raise Unsupported("too many alternatives")
    return alts


class Alternative:
    """Fixed classes (prefix), at most one run ``(class, min, max)``, fixed classes (suffix)."""

    def __init__(self, prefix: list[frozenset], mid: tuple[frozenset, int, int] | None, suffix: list[frozenset]):
        self.prefix, self.mid, self.suffix = prefix, mid, suffix
        self.fixed = len(prefix) + len(suffix)


def _alternatives(seq: list[Any]) -> list[Alternative]:
    while seq and seq[0] == "^":
        seq = seq[1:]
    if not seq or seq[-1] != "$":
        raise Unsupported("not anchored at the end")  # a prefix match: not a whole-value rule
    while seq and seq[-1] == "$":
        seq = seq[:-1]
    if "^" in seq or "$" in seq:
        raise Unsupported("inner anchor")
    merged: list[list[Any]] = []
    for cls, lo, hi in seq:
        if merged and merged[-1][0] == cls:
            merged[-1][1] += lo
            merged[-1][2] = min(INF, merged[-1][2] + hi)
        else:
            merged.append([cls, lo, hi])
    variable = [k for k, (_, lo, hi) in enumerate(merged) if lo != hi]
    if len(variable) > 1:
        # keep the widest run variable, spell out the short ranges of the others (\d{1,2}\.\d{1,2} → 2 forms)
        keep = max(variable, key=lambda k: merged[k][2] - merged[k][1])
        k = next(k for k in variable if k != keep)
        cls, lo, hi = merged[k]
        if hi - lo > 3:
            raise Unsupported("several variable runs")
        out: list[Alternative] = []
        for count in range(lo, hi + 1):
            seq2 = [(c, a, b) for c, a, b in merged[:k]] + [(cls, count, count)] + [(c, a, b) for c, a, b in merged[k + 1:]]
            out.extend(_alternatives(seq2 + ["$"]))
            if len(out) > MAX_ALTERNATIVES:
                raise Unsupported("too many alternatives")
        return out
    cut = variable[0] if variable else len(merged)
    prefix = [cls for cls, lo, _ in merged[:cut] for _ in range(lo)]
    suffix = [cls for cls, lo, _ in merged[cut + 1:] for _ in range(lo)] if variable else []
    mid = tuple(merged[cut]) if variable else None
    if len(prefix) + len(suffix) > MAX_POSITIONS:
        raise Unsupported("too long")
    return [Alternative(prefix, mid, suffix)]


def compile_bytes(pattern: str) -> list[Alternative] | None:
    """The byte-engine form of Validata's ``"^" + pattern + "$"``, or None when it does not apply."""
    try:
        parsed = sre_parse.parse("^" + pattern + "$")
        alts = [a for seq in _expand(parsed) for a in _alternatives(seq)]
        return alts if len(alts) <= MAX_ALTERNATIVES else None
    except (Unsupported, re.error, RecursionError, OverflowError, TypeError, ValueError):
        return None


def _ranges(cls: frozenset) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for b in sorted(cls):
        if out and out[-1][1] == b - 1:
            out[-1][1] = b
        else:
            out.append([b, b])
    return [(lo, hi) for lo, hi in out]


class _Class:
    """Membership test of bytes: a few ranges in uint8 arithmetic, else a 256-entry table."""

    def __init__(self, cls: frozenset):
        self.ranges = _ranges(cls)
        self.table = np.zeros(256, dtype=bool)
        self.table[list(cls)] = True

    def test(self, x: np.ndarray) -> np.ndarray:
        if len(self.ranges) <= 3:
            out = None
            for lo, hi in self.ranges:
                t = (x - np.uint8(lo)) <= np.uint8(hi - lo)
                out = t if out is None else (out | t)
            return out if out is not None else np.zeros(x.shape, dtype=bool)
        return self.table[x]


class ByteMatcher:
    def __init__(self, alts: list[Alternative]):
        self.alts = alts
        self.classes: dict[frozenset, _Class] = {}
        for alt in alts:
            for cls in alt.prefix + alt.suffix + ([alt.mid[0]] if alt.mid else []):
                self.classes.setdefault(cls, _Class(cls))

    def _positions(self, mat_t: np.ndarray, classes: list[frozenset], ok: np.ndarray) -> np.ndarray:
        """AND into ``ok`` the class tests of a position×row matrix (rows contiguous: reductions are fast)."""
        start = 0
        while start < len(classes):
            end = start
            while end < len(classes) and classes[end] == classes[start]:
                end += 1
            ok &= self.classes[classes[start]].test(mat_t[start:end]).all(axis=0)
            start = end
        return ok

    def matches(self, raw: pa.Array, rows: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Mask of the ``rows`` whose bytes match (``lengths`` = byte length of each value, -1 for null)."""
        n = len(raw)
        out = np.zeros(n, dtype=bool)
        offsets = string_offsets(raw)
        base = int(offsets[0])
        total = int(offsets[-1]) - base
        data = np.frombuffer(raw.buffers()[2], dtype=np.uint8, count=total, offset=base) if total else \
            np.zeros(0, dtype=np.uint8)
        starts_all = offsets[:-1].astype(np.int64) - base
        bad_bytes: dict[frozenset, tuple[np.ndarray, np.ndarray]] = {}
        for alt in self.alts:
            if alt.mid is None:
                cand = rows & (lengths == alt.fixed) & ~out
                idx = np.nonzero(cand)[0]
                if not len(idx):
                    continue
                if alt.fixed == 0:
                    out[idx] = True
                    continue
                mat = fixed_width_matrix(raw, idx, alt.fixed)
                ok = self._positions(np.ascontiguousarray(mat.T), alt.prefix, np.ones(len(idx), dtype=bool))
                out[idx[ok]] = True
                continue
            cls, lo, hi = alt.mid
            cand = rows & (lengths >= alt.fixed + lo) & (lengths <= alt.fixed + min(hi, INF)) & ~out
            idx = np.nonzero(cand)[0]
            if not len(idx):
                continue
            starts = starts_all[idx]
            ends = starts + lengths[idx]
            ok = np.ones(len(idx), dtype=bool)
            a, b = len(alt.prefix), len(alt.suffix)
            if a:
                ok = self._positions(data[np.arange(a)[:, None] + starts[None, :]], alt.prefix, ok)
            if b:
                ok = self._positions(data[np.arange(b)[:, None] - b + ends[None, :]], alt.suffix, ok)
            bad_pos = bad_bytes.get(cls)
            if bad_pos is None:  # bytes outside the run's class, and the value each belongs to
                bad_pos = np.flatnonzero(~self.classes[cls].test(data))
                owner = np.searchsorted(starts_all, bad_pos, side="right") - 1
                bad_pos = bad_bytes[cls] = (bad_pos, owner)
            pos, owner = bad_pos
            if len(pos):
                where = np.full(n, -1, dtype=np.int64)
                where[idx] = np.arange(len(idx))
                k = where[owner]
                inside = (k >= 0)
                k, p = k[inside], pos[inside]
                hit = (p >= starts[k] + a) & (p < ends[k] - b)
                ok[k[hit]] = False
            out[idx[ok]] = True
        return out


# ----------------------------------------------------------------------------------------------- RE2 syntax check

_SAFE_ESCAPES = set("dDwWsSbB.\\-/[](){}*+?|^$tnrfv'\",:=!#&~%@<>;_` ")
_UNICODE_CLASSES = re.compile(r"\\[dDwWsSbB]")
_QUANT = re.compile(r"\{\d+(,\d*)?\}")


def re2_compatible(pattern: str) -> bool:
    """True when ``pattern`` only uses syntax that Python ``re`` and RE2 read the same way."""
    if "[:" in pattern or "{," in pattern:
        return False
    i, n, in_class = 0, len(pattern), False
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n or pattern[i + 1] not in _SAFE_ESCAPES:
                return False
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
        elif c == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "^":
                i += 1
            if pattern[i + 1:i + 2] == "]":
                i += 1
        elif c == "(" and pattern[i + 1:i + 2] == "?":
            if pattern[i + 2:i + 3] != ":" and pattern[i + 2:i + 4] != "P<":
                return False
        elif c == "{":
            m = _QUANT.match(pattern, i)
            if not m:
                return False
            i = m.end()
            if pattern[i:i + 1] == "+":
                return False
            continue
        elif c in "*+?" and pattern[i + 1:i + 2] == "+":
            return False
        i += 1
    return not in_class


# ----------------------------------------------------------------------------------------------- the check


class PatternCheck:
    """``re.compile("^" + pattern + "$").match`` on many values at once (see the module docstring)."""

    def __init__(self, pattern: str, compiled: re.Pattern):
        self.pattern = pattern
        self.py = compiled
        self.unicode_classes = bool(_UNICODE_CLASSES.search(pattern))
        alts = compile_bytes(pattern)
        self.bytes = ByteMatcher(alts) if alts is not None else None
        self.re2: str | None = None
        if self.bytes is None and re2_compatible(pattern):
            candidate = "^(?:^" + pattern + "$)"
            try:
                pc.match_substring_regex(pa.array(["x"]), candidate)
                self.re2 = candidate
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                self.re2 = None

    @property
    def engine(self) -> str:
        return "bytes" if self.bytes is not None else ("re2" if self.re2 is not None else "python")

    def matches(self, raw: pa.Array, rows: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Mask (batch length) of the ``rows`` whose text matches."""
        out = np.zeros(len(raw), dtype=bool)
        if not rows.any():
            return out
        if self.bytes is not None:
            # byte matches are Python matches; a failed value may still match in Python when it ends with a
            # newline (before which ``$`` matches) or, if the pattern uses \d \w \s, when it is not ASCII
            out = self.bytes.matches(raw, rows, lengths)
            failed = np.nonzero(rows & ~out)[0]
            if len(failed):
                texts = raw.take(pa.array(failed)).to_pylist()
                unicode_ = self.unicode_classes
                retry = [k for k, t in enumerate(texts) if t.endswith("\n") or (unicode_ and not t.isascii())]
                for k in retry:
                    out[failed[k]] = bool(self.py.match(texts[k]))
            return out
        if self.re2 is not None:
            out = np_bool(pc.match_substring_regex(raw, self.re2)) & rows
            python = rows & np_bool(pc.match_substring(raw, "\n"))
            if self.unicode_classes:
                # Python's \d \w \s \b are Unicode-aware (\s also matches \v and \x1c-\x1f): not RE2's
                python |= rows & ~np_bool(pc.string_is_ascii(raw))
                python |= rows & np_bool(pc.match_substring_regex(raw, "[\\x0b\\x1c-\\x1f]"))
        else:
            python = rows
        idx = np.nonzero(python)[0]
        if len(idx):
            cache: dict[str, bool] = {}
            texts = raw.take(pa.array(idx)).to_pylist()
            for i, t in zip(idx.tolist(), texts):
                hit = cache.get(t)
                if hit is None:
                    hit = cache[t] = bool(self.py.match(t))
                out[i] = hit
        return out


_CACHE: dict[str, PatternCheck] = {}


def pattern_check(pattern: str, compiled: re.Pattern) -> PatternCheck:
    found = _CACHE.get(pattern)
    if found is None:
        found = _CACHE[pattern] = PatternCheck(pattern, compiled)
    return found
