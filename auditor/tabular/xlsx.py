"""Spreadsheet cells as Validata reads them: the text Excel displays (frictionless 4 ``preserve_formatting``).

Validata (validata-ui) opens XLSX files with frictionless 4's ``preserve_formatting``: a date cell becomes its
value written with the cell's date format (``dd/mm/yyyy`` → ``05/01/2020``), a number cell its value rounded as its
number format says (``0.00`` → ``12.50``, ``0%`` → ``12%``). We read cells the same way, with two differences kept
on purpose (our validator reads text): a number in the ``General`` format, a boolean, or a date whose format cannot
be converted, which Validata hands over as typed values, are read as their plain text (``12``, ``2.5``, ``true``,
``2020-01-05``).

Format conversion rules (frictionless 4.38, quirks included): date formats are codes (``yyyy yy dddd ddd dd d mmmm
mmm mm m hh h ss s am/pm a/p``, ``m``/``mm`` being minutes after an hour code or before a seconds code, months
otherwise), literal characters among ``$+(:^'{<=-/)!&~}> ``, ``\\x`` escapes and ``"quoted"`` text, the first
section only; anything else makes the format unusable. Number formats: the first section (the second for a negative value when there is
one), a trailing ``%`` multiplies by 100, the count of ``0 # ?`` after the decimal point gives the decimals, trailing
``#`` drop trailing zeros.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

_CODES = {"yyyy": "%Y", "yy": "%y", "dddd": "%A", "ddd": "%a", "dd": "%d", "d": "%-d", "mmmmmm": "%b",
          "mmmm": "%B", "mmm": "%b", "hh": "%H", "h": "%-H", "ss": "%S", "s": "%-S", "am/pm": "%p", "a/p": "%p"}
_MINUTES = {"mm": "%M", "m": "%-M"}
_MONTHS = {"mm": "%m", "m": "%-m"}
_LITERALS = set("$+(:^'{<=-/)!&~}> ")


def date_format(excel: str) -> str | None:
    """The strftime format of an Excel date/time number format, or None when it has an unknown code.

    A code ends at a literal character, an escape or a letter that does not continue it (a quoted text does not
    end it: its characters are written at once); ``m``/``mm`` wait for the next code to know whether they are
    minutes (next code ``s``/``ss`` ended inside the format) or months."""
    out: list[str] = []
    code = prev = ""
    escaped = quoted = pending = False
    buffer: list[str] = []

    def write(text: str) -> None:
        (buffer if pending else out).append(text)

    def finish(ec: str) -> bool:
        nonlocal pending, prev, code
        if pending:
            table = _MINUTES if ec in ("ss", "s") else _MONTHS
            out.append(table[prev] + "".join(buffer))
            pending = False
            buffer.clear()
        if ec in _CODES:
            out.append(_CODES[ec])
        elif ec in _MINUTES:
            if prev in ("h", "hh"):
                out.append(_MINUTES[ec])
            else:
                pending = True
        else:
            return False
        prev, code = ec, ""
        return True

    for c in excel:
        ec = code.lower()
        if escaped:
            write(c)
            escaped = False
            continue
        if quoted:
            if c == '"':
                quoted = False
            else:
                write(c)
            continue
        if c == '"':
            quoted = True
            continue
        if c == ";":
            break
        is_escape = c == "\\"
        is_literal = c in _LITERALS and (c != "/" or ec not in ("am", "a"))
        new_code = bool(ec) and not is_escape and not is_literal and not ec.startswith(c.lower()) \
            and (not ec.startswith("a") or ec == "am/pm")
        if (is_escape or is_literal or new_code) and ec and not finish(ec):
            return None
        if is_escape:
            escaped = True
        elif is_literal:
            write(c)
        else:
            code += c
    if pending:
        out.append(_MONTHS[prev] + "".join(buffer))
    if code:
        ec = code.lower()
        if ec in _CODES:
            out.append(_CODES[ec])
        elif ec in _MINUTES:
            out.append(_MINUTES[ec] if prev in ("h", "hh") else _MONTHS[ec])
        else:
            return None
    return "".join(out)


def number_text(excel: str, value: float | int) -> str | None:
    """The text of a number as its Excel format rounds it, or None for the ``General`` format (or an unusable
    one): the value is then read as is."""
    percent = excel.endswith("%")
    if percent:
        value = value * 100
        excel = excel[:-1]
    if excel == "General":
        return None
    sections = excel.split(";")
    excel = sections[1] if value < 0 and len(sections) > 1 else sections[0]
    halves = excel.split(".")
    if len(halves) > 2:
        return None
    if len(halves) < 2:
        text = "{0:.0f}".format(value)
    else:
        decimals = "".join(d for d in halves[1] if d in "0#?")
        text = ("{0:." + str(len(decimals)) + "f}").format(value)
        for _ in range(len(decimals) - len(decimals.rstrip("#"))):
            if text.endswith("0"):
                text = text[:-1]
    return text + "%" if percent else text


def plain_text(value: Any) -> str:
    """A typed value written plainly (ISO dates, no trailing ``.0`` on whole numbers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(timespec="seconds" if not value.microsecond else "auto")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def displayed(value: Any, number_format: str | None) -> str:
    """The text Validata reads for a cell of ``value`` shown with ``number_format``."""
    fmt = number_format or ""
    if isinstance(value, (dt.datetime, dt.time)):
        strf = date_format(fmt)
        if strf:
            try:
                return value.strftime(strf)
            except ValueError:
                return plain_text(value)
        return plain_text(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = number_text(fmt, value)
        return plain_text(value) if text is None else text
    return plain_text(value)
