"""`TypedColumn`: one column of one batch after type parsing, as the custom checks see it.

The validator (`auditor.tabular.validate`) builds one per file column per batch; custom checks
(`auditor.tabular.custom`) read them through a `BatchView`. Vectorised accessors come first; ``value(i)`` gives
the parsed Python value of one row, for the rare rows that reach Python (failures, messages).

Parsed values are what Validata's checks see: ``str`` for string fields (and untyped ``any`` columns), ``int``,
``decimal.Decimal`` (numbers), ``bool``, ``datetime.date`` / ``datetime.datetime`` / ``datetime.time``, ``int``
for years, ``[lon, lat]`` (Decimals) for geopoints; ``None`` for a missing value or a type error.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
import pyarrow as pa


class TypedColumn:
    """A column of ``n`` rows: raw cell text, which rows hold a typed value, and lazy typed views.

    - ``raw``: pyarrow string array of the cell text (null where the row has no such cell);
    - ``present``: numpy bool mask, True where the parsed value is not None;
    - ``truthy()``: mask of Python-truthy parsed values (present, and not "" / 0 / False); the constructor takes
      the mask or a function computing it on first use;
    - ``text()``: numpy object array of ``str(value)`` (None where not present), the text Validata prints;
    - ``number()``: float64 array of the numeric reading of the value (NaN where absent or not numeric:
      numbers, and strings that ``float()`` reads);
    - ``value(i)``: the parsed value of row ``i``.
    """

    def __init__(self, name: str, field: dict[str, Any], raw: pa.Array, present: np.ndarray,
                 value_at: Callable[[int], Any], *, truthy: np.ndarray | Callable[[], np.ndarray] | None = None,
                 text: Callable[[], np.ndarray] | None = None, number: Callable[[], np.ndarray] | None = None):
        self.name = name
        self.field = field
        self.type = field.get("type", "any")
        self.raw = raw
        self.present = present
        self.n = len(present)
        self._value_at = value_at
        # the validator hands vectorised views (`auditor.tabular.vector.typed_column`); a column built from Python
        # values (`from_values`, tests) reads its present rows one by one instead
        self._views: dict[str, Any] = {
            "truthy": truthy if truthy is not None else lambda: self._per_row(bool, False, bool),
            "text": text or (lambda: self._per_row(str, None, object)),
            "number": number or (lambda: self._per_row(as_float, np.nan, np.float64)),
        }

    def value(self, i: int) -> Any:
        return self._value_at(int(i)) if self.present[i] else None

    def truthy(self) -> np.ndarray:
        return self._view("truthy")

    def text(self) -> np.ndarray:
        return self._view("text")

    def number(self) -> np.ndarray:
        return self._view("number")

    def _view(self, name: str) -> np.ndarray:
        view = self._views[name]
        if callable(view):
            view = self._views[name] = view()
        return view

    def _per_row(self, convert: Callable[[Any], Any], fill: Any, dtype) -> np.ndarray:
        out = np.full(self.n, fill, dtype=dtype)
        for i in np.nonzero(self.present)[0].tolist():
            out[i] = convert(self._value_at(i))
        return out

    @classmethod
    def from_values(cls, name: str, values: Sequence[Any], field: dict[str, Any] | None = None,
                    raw: Sequence[str | None] | None = None) -> "TypedColumn":
        """A column from already-parsed Python values (None = missing or type error); for tests and small
        tables."""
        vals = list(values)
        if raw is None:
            raw = [None if v is None else str(v) for v in vals]
        present = np.array([v is not None for v in vals], dtype=bool)
        return cls(name, field or {"name": name, "type": "any"}, pa.array(list(raw), type=pa.string()), present,
                   vals.__getitem__)


def as_float(value: Any) -> float:
    """The float reading of a parsed value: numbers (bools included) and strings ``float()`` reads; NaN for the
    rest (dates, points, texts that are no number)."""
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return float("nan")
