"""Contrôle ``cohesive-columns-value`` : des colonnes toutes remplies ou toutes vides.

Ce qui est vérifié
    Sur chaque ligne, ``column`` et chacune des ``othercolumns`` doivent toutes avoir une valeur, ou toutes être
    vides. Une cellule est « vide » quand sa valeur manque (cellule vide ou valeur manquante du schéma, erreur de
    type) ou est le texte vide (possible si ``""`` n'est pas une valeur manquante du schéma) ; ``0`` ou ``false``
    sont des valeurs.

Paramètres
    ``column`` : la colonne de référence (l'erreur y est rattachée) ; ``othercolumns`` : la liste des autres.

Exemple
    ``{"name": "cohesive-columns-value", "params": {"column": "BUDGET_ANNEE", "othercolumns": ["BUDGET_NOM"]}}``

Ce qui est ignoré
    Le contrôle ne s'applique pas si aucune de ses colonnes n'est dans le fichier. Les lignes vides sont contrôlées
    comme les autres (elles sont cohérentes : tout y est vide).

Erreurs de démarrage (``check-error``, le contrôle n'est alors pas appliqué)
    ``column`` absente (« La colonne « X » est manquante. ») ; sinon liste ``othercolumns`` vide, ou une erreur par
    colonne à comparer absente. Écart documenté : un paramètre ``othercolumns`` absent ou qui n'est pas une liste
    fait planter Validata ; c'est ici une erreur de démarrage.

Message
    « Incohérence relevée : les colonnes VOTE_EFFECTIF, VOTE_REEL doivent toutes comporter une valeur ou toutes
    être vides. » La valeur citée (``cell``) est celle de ``column`` (``None`` quand elle manque), comme Validata.

Mise en œuvre
    Vectorisée (masques numpy) ; une colonne absente qui serait tout de même contrôlée compte comme vide, comme
    chez Validata.
"""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc

from . import TEXT_TYPES, Finding, MultiColumnCheck, check_error, missing_column_error, np_bool, shown

CODE = "cohesive-columns-value"


def valued(col, n: int) -> np.ndarray:
    """Rows where the column has a value that is not the empty text (Validata's ``valued``)."""
    if col is None:
        return np.zeros(n, dtype=bool)
    mask = np.array(col.present, dtype=bool)
    if col.type in TEXT_TYPES:
        mask &= ~np_bool(pc.equal(col.raw, ""))
    return mask


class Check(MultiColumnCheck):
    code = CODE

    def start_columns(self, cols, names):
        column, others = self.params.get("column"), self.params.get("othercolumns")
        if not isinstance(others, list):
            return [check_error(CODE, "le paramètre « othercolumns » doit être une liste de colonnes.",
                                "the parameter 'othercolumns' must be a list of columns.")]
        if column not in names:
            return [missing_column_error(CODE, f"La colonne « {column} » est manquante.",
                                         f"Column '{column}' is missing.")]
        if not others:
            return [check_error(CODE, "La liste de colonnes à comparer est vide.", "The list of columns is empty.")]
        return [missing_column_error(CODE, f"La colonne à comparer « {c} » est manquante.",
                                     f"Column to compare '{c}' is missing.")
                for c in others if c not in names]

    def run(self, view):
        column, others = self.params.get("column"), self.params.get("othercolumns")
        if not isinstance(others, list):
            return []
        status = valued(view.column(column), view.n)
        bad = np.zeros(view.n, dtype=bool)
        for other in others:
            bad |= valued(view.column(other), view.n) != status
        idx = np.nonzero(bad)[0]
        if not len(idx):
            return []
        names = ", ".join([column] + list(others))
        fr = f"Incohérence relevée : les colonnes {names} doivent toutes comporter une valeur ou toutes être vides."
        en = f"Inconsistent row: columns {names} must all have a value or all be empty."
        col = view.column(column)
        return [Finding(CODE, idx, lambda i: (fr, en), field=column, cell=lambda i: shown(col, i))]
