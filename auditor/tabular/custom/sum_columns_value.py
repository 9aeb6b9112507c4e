"""Contrôle ``sum-columns-value`` : une colonne est la somme d'autres colonnes.

Ce qui est vérifié
    Sur chaque ligne, la partie entière de la valeur de ``column`` doit être égale à la somme des parties entières
    des valeurs des ``columns`` (Python ``int()`` comme Validata : ``int(2.7) = 2``, le texte ``" 12 "`` vaut 12).

Paramètres
    ``column`` : la colonne du total (l'erreur y est rattachée) ; ``columns`` : la liste des colonnes à additionner
    (au moins deux).

Exemple
    ``{"name": "sum-columns-value", "params": {"column": "VOTE_REEL", "columns": ["VOTE_POUR", "VOTE_CONTRE",
    "VOTE_ABSTENTION"]}}``

Ce qui est ignoré
    Le contrôle ne s'applique pas si aucune de ses colonnes n'est dans le fichier. Une ligne n'est pas contrôlée si
    l'une des valeurs manque (cellule vide, valeur manquante, erreur de type).

Erreurs de démarrage (``check-error``, le contrôle n'est alors pas appliqué)
    une par colonne absente (« La colonne X n'est pas trouvée. ») ; moins de deux colonnes à additionner.

Messages
    « La somme des valeurs des colonnes VOTE_POUR (3), VOTE_CONTRE (1), VOTE_ABSTENTION (0) est 4, ce nombre est
    différent de celui trouvé dans la colonne VOTE_REEL (5). »

Écarts documentés (Validata s'interrompt)
    Une valeur dont Python ne tire pas d'entier (texte ``"abc"`` ou ``"1.5"``, nombre ``NaN`` ou infini, date...)
    arrête toute la validation de Validata (``task-error``). Ici la ligne reçoit l'erreur « La somme de colonne ne
    peut être calculée : la valeur « abc » de la colonne X n'est pas un nombre entier. » et la validation continue.
    Un paramètre ``columns`` absent ou qui n'est pas une liste est une erreur de démarrage (Validata plante).

Mise en œuvre
    Vectorisée : entiers (et nombres non entiers) sommés en int64 par numpy, textes d'entiers lus par pyarrow ;
    les très grands nombres, les nombres à valeur entière de colonnes ``number`` (leur partie entière exacte
    demande le décimal), les textes inhabituels et les autres types passent par Python.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import TEXT_TYPES, Finding, MultiColumnCheck, absent_columns, check_error, matches, quoted, shown

CODE = "sum-columns-value"

_EXACT = 2.0 ** 52  # below, float64 holds integers exactly and sums of a few of them stay exact in int64
_PLAIN_INT = r"^[+-]?[0-9]{1,15}$"


def integers(col, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(int64 ``int()`` of the values of ``rows``, mask of the rows only Python can read)."""
    n = len(rows)
    out = np.zeros(n, dtype=np.int64)
    slow = np.ones(n, dtype=bool)
    if col.type in ("integer", "year", "number"):
        x = np.asarray(col.number(), dtype=float)[rows]
        ok = np.isfinite(x) & (np.abs(x) < _EXACT)
        if col.type == "number":  # an integral float may come from a decimal just below it: ask Python
            ok &= x != np.trunc(x)
        out[ok] = np.trunc(x[ok]).astype(np.int64)
        slow = ~ok
    elif col.type in TEXT_TYPES:
        s = col.raw.take(pa.array(rows))
        ok = matches(s, _PLAIN_INT)
        if ok.any():
            out[ok] = np.asarray(pc.cast(s.filter(pa.array(ok)), pa.int64()), dtype=np.int64)
        slow = ~ok
    return out, slow


def as_int(value) -> int | None:
    """Python's ``int(value)``, None when it fails."""
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError, ArithmeticError):
        return None


class Check(MultiColumnCheck):
    code = CODE

    def start_columns(self, cols, names):
        problems = absent_columns(CODE, cols, names)
        columns = self.params.get("columns")
        if not isinstance(columns, list) or len(columns) < 2:
            problems.append(check_error(CODE, "le nombre de colonnes est insuffisant pour l'addition.",
                                        "too few columns to add."))
        return problems

    def run(self, view):
        total_name, parts = self.params.get("column"), self.params.get("columns")
        if not isinstance(parts, list):
            return []
        cols = [view.column(c) for c in [total_name] + parts]
        if any(c is None for c in cols):  # an absent column has no value: no row is checked
            return []
        rows = np.nonzero(self.all_present(view))[0]
        if not len(rows):
            return []
        read = [integers(c, rows) for c in cols]
        slow = np.logical_or.reduce([s for _, s in read])
        fast = ~slow
        total = read[0][0]
        added = np.sum([v for v, _ in read[1:]], axis=0)
        bad = list(rows[fast][total[fast] != added[fast]])
        unreadable = {}  # row -> (column, value) of the first value int() cannot read
        order = list(zip(parts, cols[1:])) + [(total_name, cols[0])]  # Validata reads the parts first
        for i in rows[slow].tolist():
            ints = []
            for name, col in order:
                value = as_int(col.value(i))
                if value is None:
                    unreadable[i] = (name, shown(col, i))
                    break
                ints.append(value)
            if i in unreadable or ints[-1] != sum(ints[:-1]):
                bad.append(i)
        if not bad:
            return []
        bad = np.sort(np.asarray(bad, dtype=np.int64))
        cols_by_name = list(zip(parts, cols[1:]))

        def message(i):
            if i in unreadable:
                name, v = unreadable[i]
                return (f"La somme de colonne ne peut être calculée : la valeur « {quoted(v)} » de la colonne {name} "
                        "n'est pas un nombre entier.",
                        f"The sum cannot be computed: the value '{quoted(v)}' of column {name} is not an integer.")
            values = [(name, int(col.value(i))) for name, col in cols_by_name]
            listed = ", ".join(f"{name} ({v})" for name, v in values)
            added, total = sum(v for _, v in values), int(cols[0].value(i))
            return (f"La somme des valeurs des colonnes {listed} est {added}, ce nombre est différent de celui trouvé "
                    f"dans la colonne {total_name} ({total}).",
                    f"The sum of the values of columns {listed} is {added}, which differs from the value of column "
                    f"{total_name} ({total}).")

        return [Finding(CODE, bad, message, field=total_name, cell=lambda i: shown(cols[0], i))]
