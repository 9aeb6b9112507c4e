"""Dates as portals write them, turned into ISO 8601.

Accepted: ISO dates and timestamps (with ``Z``, an offset, or none; a space instead of
``T``; fractional seconds), ``YYYYMMDD``, French day-first dates (``10/12/2019``,
``10-12-2019``, DKAN's ``mar, 10/12/2019 - 09:23``), French month names
(``5 mai 2017``, ``1er janvier 2020``), English RFC 2822 dates, POSIX timestamps
(seconds or milliseconds) and a bare year. Anything else gives ``None``: the caller keeps the
raw text and reports it; nothing is guessed.
"""
from __future__ import annotations

import email.utils
import re
from datetime import date, datetime, timezone

_FR_MONTHS = {
    "janvier": 1, "janv": 1, "fevrier": 2, "février": 2, "fevr": 2, "févr": 2, "mars": 3,
    "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "août": 8,
    "septembre": 9, "sept": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11,
    "decembre": 12, "décembre": 12, "dec": 12, "déc": 12,
}
_DAY_FIRST = re.compile(r"^(?:[a-zéû]{2,4}\.?,?\s+)?(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:\s*-?\s*(\d{1,2})[:h](\d{2}))?$", re.I)
_FR_TEXT = re.compile(r"^(?:[a-zé]+\s+)?(\d{1,2})(?:er)?\s+([a-zéû]+)\.?\s+(\d{4})$", re.I)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_date(value: object) -> str | None:
    """ISO 8601 text for ``value``: ``YYYY-MM-DD`` for a date, a full timestamp with its
    offset when a time was given, or ``None`` when the value is not a recognisable date."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_epoch(float(value))
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    if re.fullmatch(r"\d{10}(\.\d+)?|\d{13}", text):
        return _from_epoch(float(text))
    m = _COMPACT.match(text)
    if m:
        return _ymd(int(m[1]), int(m[2]), int(m[3]))
    m = _YEAR.match(text)
    if m:
        return f"{m[1]}-01-01" if 1900 <= int(m[1]) <= 2100 else None
    m = _YEAR_MONTH.match(text)
    if m:
        return _ymd(int(m[1]), int(m[2]), 1)
    iso = text.replace("Z", "+00:00").replace("z", "+00:00")
    if " " in iso and re.match(r"^\d{4}-\d{2}-\d{2} \d", iso):
        iso = iso.replace(" ", "T", 1)
    try:
        if "T" in iso:
            return datetime.fromisoformat(iso).isoformat()
        return date.fromisoformat(iso).isoformat()
    except ValueError:
        pass
    m = _DAY_FIRST.match(text)
    if m:
        d = _ymd(int(m[3]), int(m[2]), int(m[1]))
        if d and m[4]:
            return f"{d}T{int(m[4]):02d}:{int(m[5]):02d}:00"
        return d
    m = _FR_TEXT.match(text.lower())
    if m and m[2].rstrip(".") in _FR_MONTHS:
        return _ymd(int(m[3]), _FR_MONTHS[m[2].rstrip(".")], int(m[1]))
    try:
        dt = email.utils.parsedate_to_datetime(text)
        return dt.isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def to_datetime(iso: str | None) -> datetime | None:
    """An aware datetime (UTC when no offset was given) for an ISO text from :func:`parse_date`."""
    if not iso:
        return None
    try:
        dt = datetime.fromisoformat(iso) if "T" in iso else datetime.fromisoformat(iso + "T00:00:00")
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _ymd(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def _from_epoch(n: float) -> str | None:
    if n > 1e12:
        n /= 1000
    try:
        return datetime.fromtimestamp(n, tz=timezone.utc).isoformat()
    except (OverflowError, OSError, ValueError):
        return None
