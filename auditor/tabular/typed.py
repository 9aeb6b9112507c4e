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
        self._truthy = truthy
        self._text_fn = text
        self._number_fn = number
        self._text = None
        self._number = None

    def value(self, i: int) -> Any:
        return self._value_at(int(i)) if self.present[i] else None

    def truthy(self) -> np.ndarray:
        if callable(self._truthy):
            self._truthy = self._truthy()
        if self._truthy is None:
            out = self.present.copy()
            for i in np.nonzero(out)[0]:
                out[i] = bool(self._value_at(int(i)))
            self._truthy = out
        return self._truthy

    def text(self) -> np.ndarray:
        if self._text is None:
            if self._text_fn is not None:
                self._text = self._text_fn()
            else:
                out = np.full(self.n, None, dtype=object)
                for i in np.nonzero(self.present)[0]:
                    out[i] = str(self._value_at(int(i)))
                self._text = out
        return self._text

    def number(self) -> np.ndarray:
        if self._number is None:
            if self._number_fn is not None:
                self._number = self._number_fn()
            else:
                out = np.full(self.n, np.nan)
                for i in np.nonzero(self.present)[0]:
                    out[i] = _as_float(self._value_at(int(i)))
                self._number = out
        return self._number

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


def _as_float(value: Any) -> float:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value)  # Decimal, numeric strings
    except (TypeError, ValueError, OverflowError):
        return float("nan")
