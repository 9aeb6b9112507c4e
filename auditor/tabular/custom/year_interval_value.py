"""Contrôle ``year-interval-value`` : une année ou un intervalle d'années ``AAAA/AAAA``.

Ce qui est vérifié
    La valeur doit être un intervalle ``AAAA/AAAA`` (quatre chiffres, barre oblique, quatre chiffres) dont la
    première année est strictement antérieure à la seconde (``2017/2018``). Avec ``allow-year-only`` à ``"true"``
    ou ``"yes"`` (textes exactement ; un booléen JSON ``true`` ne compte pas, comme chez Validata), une année
    seule ``AAAA`` est aussi acceptée. Comme Validata (expressions régulières Python), les chiffres non latins
    comptent pour des chiffres et un retour à la ligne final est toléré.

Paramètres
    ``column`` : le nom de la colonne ; ``allow-year-only`` (facultatif) : ``"true"`` / ``"yes"``.

Exemple
    ``{"name": "year-interval-value", "params": {"column": "BUDGET_ANNEE", "allow-year-only": "yes"}}``

Ce qui est ignoré
    Le contrôle ne s'applique pas si la colonne est absente du fichier ; une cellule vide, manquante, en erreur de
    type ou de valeur « fausse » (``0``) n'est pas contrôlée.

Messages (code ``year-interval-value``)
    « L'année ou l'intervalle d'années « 2018/2017 » est incorrect (la deuxième année (2017) doit être postérieure
    à la première (2018)). » ; autres précisions : « format attendu : AAAA/AAAA », « format attendu : année (AAAA)
    ou intervalle (AAAA/AAAA) », « les deux années doivent être différentes ».

Écarts documentés
    Validata écrit « la deuxième année (2018) doit être postérieure à la première ({year2}) » (première année à la
    place de la seconde, variable non remplacée) : le message donne ici les deux bonnes années. Une valeur qui
    n'est pas du texte (colonne ``year`` ou ``integer``) fait planter Validata ; elle est ici contrôlée sous sa
    forme écrite (``2020`` comme ``"2020"``).

Mise en œuvre
    Vectorisée par pyarrow (expressions régulières, années extraites et comparées) ; seules les valeurs non ASCII
    passent par le module ``re`` de Python.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import SingleColumnCheck, cell_findings, matches, np_bool, quoted, texts

CODE = "year-interval-value"

_INTERVAL_RE = re.compile(r"^(\d{4})/(\d{4})$")  # Python's: Unicode digits, "$" before a final newline
_YEAR_RE = re.compile(r"^\d{4}$")
_INTERVAL = r"^[0-9]{4}/[0-9]{4}\n?$"  # the same for ASCII texts, in pyarrow's syntax
_YEAR = r"^[0-9]{4}\n?$"

# Reasons, by number: 1 not an interval (year alone refused), 2 neither a year nor an interval, 3 same years,
# 4 second year before the first.
NOTES = {
    1: ("format attendu : AAAA/AAAA", "expected format: YYYY/YYYY"),
    2: ("format attendu : année (AAAA) ou intervalle (AAAA/AAAA)",
        "expected format: year (YYYY) or interval (YYYY/YYYY)"),
    3: ("les deux années doivent être différentes", "the two years must differ"),
}


def reason(text: str, allow_year: bool) -> int:
    """The reference verdict of one text: 0 when valid, else the reason number."""
    match = _INTERVAL_RE.match(text)
    if not match:
        if allow_year:
            return 0 if _YEAR_RE.match(text) else 2
        return 1
    first, second = int(match.group(1)), int(match.group(2))
    return 3 if first == second else 4 if first > second else 0


class Check(SingleColumnCheck):
    code = CODE

    def __init__(self, params):
        super().__init__(params)
        self.allow_year = self.params.get("allow-year-only") in ("true", "yes")

    def reasons(self, values: pa.Array) -> np.ndarray:
        """The reason number of each text (0: valid)."""
        interval = matches(values, _INTERVAL)
        out = np.where(interval, 0, 2 if self.allow_year else 1)
        if self.allow_year:
            out[matches(values, _YEAR)] = 0
        if interval.any():
            pick = values.filter(pa.array(interval))
            first = np.asarray(pc.cast(pc.utf8_slice_codeunits(pick, 0, 4), pa.int64()))
            second = np.asarray(pc.cast(pc.utf8_slice_codeunits(pick, 5, 9), pa.int64()))
            out[interval] = np.where(first == second, 3, np.where(first > second, 4, 0))
        other = np.nonzero(~np_bool(pc.string_is_ascii(values)))[0]
        for k in other:
            out[k] = reason(values[int(k)].as_py(), self.allow_year)
        return out

    def check_values(self, col, idx):
        found = self.reasons(texts(col, idx))
        bad = idx[found != 0]
        why = dict(zip(bad.tolist(), found[found != 0].tolist()))

        def message(i):
            text = str(col.value(i))
            if why[i] == 4:
                match = _INTERVAL_RE.match(text)
                first, second = int(match.group(1)), int(match.group(2))
                fr = f"la deuxième année ({second}) doit être postérieure à la première ({first})"
                en = f"the second year ({second}) must come after the first ({first})"
            else:
                fr, en = NOTES[why[i]]
            v = quoted(text)
            return (f"L'année ou l'intervalle d'années « {v} » est incorrect ({fr}).",
                    f"The year or year interval '{v}' is incorrect ({en}).")

        return cell_findings(CODE, col, bad, message)
