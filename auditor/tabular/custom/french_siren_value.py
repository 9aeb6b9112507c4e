"""Contrôle ``french-siren-value`` : la colonne contient un numéro SIREN valide.

Ce qui est vérifié
    Comme Validata (python-stdnum 1.19, ``stdnum.fr.siren.is_valid``) : la valeur, débarrassée de ses espaces et
    de ses points (y compris les espaces insécables, fines et autres variantes Unicode d'espace ou de point ; les
    chiffres pleine chasse ou mathématiques comptent pour des chiffres) puis des blancs de début et de fin, doit
    compter exactement 9 chiffres et respecter la clé de Luhn. ``"732 829 320"`` est donc valide, ``"732829321"``
    ne l'est pas.

Paramètres
    ``column`` : le nom de la colonne.

Exemple
    ``{"name": "french-siren-value", "params": {"column": "siren"}}``

Ce qui est ignoré
    Le contrôle ne s'applique pas si la colonne est absente du fichier ; une cellule vide, manquante, en erreur de
    type ou de valeur « fausse » (``0``, ``False``) n'est pas contrôlée.

Valeurs non textuelles
    Une valeur lue comme nombre (colonne ``integer`` ou ``number``), date, booléen... n'est jamais un SIREN valide
    (stdnum refuse ce qui n'est pas du texte) : elle est signalée, comme par Validata.

Message
    « La valeur « 123456789 » n'est pas un numéro SIREN français valide. » (code ``french-siren-value``).

Mise en œuvre
    Vectorisée : les valeurs faites de chiffres, d'espaces et de points sont nettoyées et vérifiées par pyarrow et
    numpy (clé de Luhn sur une matrice de chiffres) ; les autres (caractères Unicode, blancs) passent par la
    fonction de référence `compact`. Ce module fournit aussi ces outils au contrôle SIRET.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..patterns import fixed_width_matrix
from . import TEXT_TYPES, SingleColumnCheck, cell_findings, matches, np_bool, quoted

CODE = "french-siren-value"

# python-stdnum's character normalisation, restricted to what matters for a number made of digits: the Unicode
# spaces and dots it turns into " " / "." (both then removed), and the digits it turns into ASCII digits.
_SPACES = "\u0020\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_DOTS = ("\u002e\u00b7\u02d9\u0387\u06d4\u0701\u0702\u0830\u0f0b\u0f0c\u16eb\u2022\u2024\u2027\u2219\u22c5\u2e31"
         "\u2e33\u3002\u30fb\ufbb2\ufbb3\ufe52\uff0e\uff65\U00010101\U0001091f\U00010a50")
_TABLE: dict[int, str | None] = {ord(c): None for c in _SPACES + _DOTS}
_TABLE.update({0xFF10 + d: str(d) for d in range(10)})  # fullwidth digits
_TABLE.update({cp: str((cp - 0x1D7CE) % 10) for cp in range(0x1D7CE, 0x1D800)})  # mathematical digits
_FAST = r"^[0-9 .]+$"  # values cleaned by pyarrow; any other value goes through `compact`


def compact(value) -> str | None:
    """The value as stdnum's ``compact`` sees it (separators removed, stripped), or None when stdnum cannot read
    it (not text)."""
    try:
        text = "".join(x for x in value)  # stdnum accepts any iterable of strings, refuses the rest
    except Exception:  # noqa: BLE001 - exactly stdnum's behaviour: anything unreadable is an invalid format
        return None
    return text.translate(_TABLE).strip()


_DOUBLED = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.uint8)  # digit -> digit sum of its double


def luhn_ok(digits: np.ndarray) -> np.ndarray:
    """Luhn key of each row of an (n, width) uint8 matrix of digits: True where the key is right."""
    width = digits.shape[1]
    total = np.zeros(len(digits), dtype=np.uint8)  # at most 9 per digit: no overflow below 28 digits
    for j in range(width):
        column = digits[:, j]
        total += _DOUBLED[column] if (width - 1 - j) % 2 else column  # every second digit from the right
    return total % 10 == 0


def digit_matrix(arr: pa.Array, width: int) -> np.ndarray:
    """(n, width) uint8 matrix of the digits of a null-free array of ``width``-character ASCII digit strings."""
    if not len(arr):
        return np.zeros((0, width), dtype=np.uint8)
    arr = arr.cast(pa.string())
    return fixed_width_matrix(arr, np.arange(len(arr)), width) - np.uint8(48)


def compact_column(col, idx: np.ndarray) -> pa.Array:
    """``compact`` of the parsed values of rows ``idx`` (null where stdnum cannot read the value)."""
    if col.type in TEXT_TYPES:  # the value is the cell text: pyarrow cleans the usual ones
        values = col.raw.take(pa.array(idx))
        other = ~np_bool(pc.ascii_is_decimal(values))  # texts made of ASCII digits only are already clean
        if not other.any():
            return values
        rest = np.nonzero(other)[0]
        sub = values.take(pa.array(rest))
        cleaned = pc.replace_substring_regex(sub, r"[ .]", "")
        slow = ~matches(sub, _FAST)
        if slow.any():
            slow_values = [compact(col.value(int(idx[rest[k]]))) for k in np.nonzero(slow)[0]]
            cleaned = pc.replace_with_mask(cleaned, pa.array(slow), pa.array(slow_values, type=pa.string()))
        return pc.replace_with_mask(values, pa.array(other), cleaned)
    if col.type in ("array", "object", "geojson"):  # stdnum joins an iterable of strings
        return pa.array([compact(col.value(int(i))) for i in idx], type=pa.string())
    return pa.nulls(len(idx), pa.string())  # numbers, dates, booleans, points: never text for stdnum


def valid_numbers(cleaned: pa.Array, width: int) -> tuple[np.ndarray, pa.Array, np.ndarray]:
    """(mask of the cleaned values made of exactly ``width`` ASCII digits, those values, their digit matrix)."""
    ok = np_bool(pc.ascii_is_decimal(cleaned)) & np_bool(pc.equal(pc.binary_length(cleaned), width))
    numbers = cleaned.filter(pa.array(ok))
    return ok, numbers, digit_matrix(numbers, width)


def siren_valid(cleaned: pa.Array) -> np.ndarray:
    """stdnum's SIREN verdict for compacted values."""
    ok, _, digits = valid_numbers(cleaned, 9)
    ok[ok] = luhn_ok(digits)
    return ok


class Check(SingleColumnCheck):
    code = CODE
    noun = ("SIREN", "SIREN")

    def verdict(self, cleaned: pa.Array) -> np.ndarray:
        return siren_valid(cleaned)

    def check_values(self, col, idx):
        cleaned = compact_column(col, idx)
        bad = idx[~self.verdict(cleaned)]
        fr_noun, en_noun = self.noun

        def message(i):
            v = quoted(col.value(i))
            return (f"La valeur « {v} » n'est pas un numéro {fr_noun} français valide.",
                    f"'{v}' is not a valid French {en_noun} number.")

        return cell_findings(self.code, col, bad, message)
