"""Text from the outside (portal titles, cell values, file names, error messages) made safe for the
medium it is written to. One list of dangerous characters, one function per medium:

- control characters: C0 (U+0000–U+001F), DEL (U+007F) and C1 (U+0080–U+009F), which drive a terminal
  (``ESC [ 2 J`` clears it, ``ESC ] 0 ;`` retitles it, U+009B is an 8-bit CSI), break XML (JUnit must
  stay well-formed), and make openpyxl refuse a cell;
- the bidirectional embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069 (« Trojan
  Source »): a U+202E in a title shows the rest of the line reversed, so that ``vsc.exe`` reads
  ``exe.csv``;
- lone surrogates (U+D800–U+DFFF: a file name of bytes that are not UTF-8, as Python reads it), which
  no UTF-8 output can even write;
- in XML, the other characters XML 1.0 excludes (U+FFFE, U+FFFF).

Tab and newline are kept where the medium allows them (CSV cells, XLSX cells, XML text, GitHub
messages, whose newlines are escaped); a terminal line gets spaces instead. What is removed is
replaced by a visible mark (``?`` on a terminal, U+FFFD elsewhere), never silently dropped. JSON is
escaped without loss instead (:func:`json_text`): the data stays the same once parsed.
"""
from __future__ import annotations

import re
from typing import Any

#: characters that are never written as they are (tab, newline and carriage return are handled per medium)
DANGEROUS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_DANGEROUS = re.compile(f"[{DANGEROUS}]")
_TERMINAL = re.compile(f"[{DANGEROUS}\r]")
_TERMINAL_DOC = re.compile(f"[{DANGEROUS}]|\r(?!\n)")
_NOT_XML = re.compile(f"[{DANGEROUS}\ufffe\uffff]")
_IN_JSON = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
REPLACEMENT = "\ufffd"
XLSX_MAX = 32767  # characters Excel keeps in a cell


def has_dangerous(text: str) -> bool:
    return bool(_DANGEROUS.search(text))


def terminal_line(value: Any) -> str:
    """One line for a terminal: line breaks and tabs become spaces, every other control character and
    bidirectional override a ``?``."""
    text = str(value).replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _TERMINAL.sub("?", text)


def terminal_document(value: str) -> str:
    """A whole document (CSV, Markdown, HTML, JSON) printed on a terminal: lines and tabs kept, a carriage
    return only before a newline (CRLF line ends), every other control character and override a ``?``."""
    return _TERMINAL_DOC.sub("?", value)


def text(value: Any, *, replacement: str = REPLACEMENT) -> Any:
    """A cell or message that may hold line breaks and tabs (CSV, XLSX, GitHub, SARIF): a bare carriage
    return becomes a newline, every other control character and override ``replacement``. Anything that
    is not a string is returned as it is."""
    if not isinstance(value, str):
        return value
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _DANGEROUS.sub(replacement, value)


def xml_text(value: Any) -> str:
    """Text for an XML element or attribute: always well-formed XML 1.0 (ElementTree escapes markup and
    line breaks in attributes; this removes what no escaping can carry), overrides neutralised."""
    return _NOT_XML.sub(REPLACEMENT, text(str(value)))


def xlsx_cell(value: Any) -> Any:
    """A cell value openpyxl accepts (it refuses C0 controls) and Excel keeps (32 767 characters)."""
    value = text(value)
    if isinstance(value, str) and len(value) > XLSX_MAX:
        value = value[:XLSX_MAX - 1] + "…"
    return value


def json_text(document: str) -> str:
    """A JSON document (from :func:`json.dumps`, which already escapes C0) with C1 controls, overrides and
    the line separators escaped as ``\\uXXXX``: the same data once parsed, nothing raw that a terminal or
    a viewer would act on. These characters can only stand inside JSON strings, so escaping is safe."""
    return _IN_JSON.sub(lambda m: f"\\u{ord(m.group(0)):04x}", document)
