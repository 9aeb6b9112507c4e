"""Text normalisation shared by the resolvers: accents, case, punctuation."""
from __future__ import annotations

import re
import unicodedata

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case ASCII words separated by single spaces.

    >>> fold("Ville d'ARMENTIÈRES")
    'ville d armentieres'
    >>> fold("Marcq-en-Barœul")
    'marcq en baroeul'
    """
    text = text.translate(_LIGATURES)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return _NON_ALNUM.sub(" ", text).strip()


def strip_html(text: str | None) -> str | None:
    """Plain text of an HTML fragment (portals send HTML descriptions)."""
    if text is None:
        return None
    import html

    no_tags = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", html.unescape(no_tags)).strip()
