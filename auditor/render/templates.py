"""The jinja2 environments of the reports (``reports/*.j2``) and the filters they share.

HTML templates autoescape every value. Markdown templates escape every value too, for
Markdown (:func:`md_escape`): an e-mail client that renders Markdown as HTML shows a
``<script>`` in a title as text, and a ``|`` or a line break in a title does not break a
table. Values a renderer built itself (SVG charts) are passed as ``Markup``. In both, control
characters and bidirectional overrides of a value are replaced (:func:`plain`), so that a title
cannot reverse the text after it.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from ..i18n import format_date, t
from ..shipped import shipped_dir
from .neutral import text as neutral_text
from .texts import applicability_reason, translator


def templates_dir() -> Path:
    """The shipped templates: the package's copy when installed, else ``reports/``."""
    return shipped_dir("report_templates", "reports", "dashboard.html.j2")


# what can open markup or break a line's structure; "(" is harmless once "[" is escaped, and
# "_" only opens emphasis at a word boundary
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|~])|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")


def md_escape(value: Any) -> Any:
    """Escape a value for Markdown (and for the HTML a Markdown renderer makes of it)."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return str(value)
    if not isinstance(value, str):
        return value
    text = neutral_text(" ".join(value.split()))  # no line break may end a list item or a table row
    text = _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), text)
    text = re.sub(r"^(\d+)\.", r"\1\\.", text)  # not an ordered list item
    return re.sub(r"^([-=#+])", r"\\\1", text)  # nor a bullet, a heading or an underline


def plain(value: Any) -> Any:
    """A template value without control characters or bidirectional overrides (``Markup`` that a
    renderer built itself passes as it is); the ``finalize`` of the HTML environments."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return neutral_text(value)
    return value


def number(value: Any, lang: str = "fr", digits: int = 0) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    if lang == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def safe_url(value: Any) -> str | None:
    """``value`` when it is an http(s) URL, else None (no ``javascript:`` link from a portal)."""
    if not isinstance(value, str):
        return None
    try:
        scheme = urlsplit(value.strip()).scheme.lower()
    except ValueError:
        return None
    return value.strip() if scheme in ("http", "https") else None


@lru_cache(maxsize=4)
def _environment(kind: str) -> Environment:
    if kind == "html":
        env = Environment(loader=FileSystemLoader(str(templates_dir())), autoescape=True, finalize=plain,
                          undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    else:
        env = Environment(loader=FileSystemLoader(str(templates_dir())), autoescape=False, finalize=md_escape,
                          undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["safe_url"] = safe_url
    return env


def render_template(kind: str, name: str, report: dict[str, Any], **extra: Any) -> str:
    """Render ``reports/<name>`` (``kind``: ``html`` or ``md``) for ``report``."""
    lang = report.get("lang", "fr")
    env = _environment(kind)
    _ = translator(lang)
    if kind == "md":  # our own texts go out as they are; the values put in them are escaped
        _ = lambda key, **v: Markup(t(key, lang, **{k: md_escape(x) for k, x in v.items()}))  # noqa: E731
    return env.get_template(name).render(
        r=report, lang=lang, _=_,
        num=lambda v, digits=0: Markup(number(v, lang, digits)),
        date=lambda iso: Markup(format_date(iso, lang) if iso else "—"),
        reason=lambda body: applicability_reason(body, lang),
        **extra)
