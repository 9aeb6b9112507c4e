"""Contrôle ``one-of-required`` : au moins l'une de deux colonnes doit être renseignée.

Ce qui est vérifié
    Sur chaque ligne, ``column1`` ou ``column2`` (ou les deux) doit avoir une valeur. Une valeur manque quand la
    cellule est vide ou est une valeur manquante du schéma, quand elle est en erreur de type, ou quand sa colonne
    est absente du fichier. Comme chez Validata, le texte vide (possible si ``""`` n'est pas une valeur manquante
    du schéma), ``0`` ou ``false`` sont des valeurs.

Paramètres
    ``column1``, ``column2`` : les deux colonnes.

Exemple
    ``{"name": "one-of-required", "params": {"column1": "idBeneficiaire", "column2": "rnaBeneficiaire"}}``

Ce qui est ignoré
    Rien : les lignes vides sont contrôlées aussi (elles reçoivent l'erreur, en plus de ``blank-row``).

Erreurs
    Les deux colonnes absentes du fichier : une erreur de table (code ``one-of-required``, sans ligne) « Les deux
    colonnes « a » et « b » sont manquantes. », et aucune erreur de ligne. Sinon, par ligne fautive, une erreur de
    ligne (sans colonne) « Au moins l'une des colonnes « a » ou « b » doit comporter une valeur. »

Mise en œuvre
    Vectorisée (masques numpy).
"""

from __future__ import annotations

import numpy as np

from . import CustomCheck, Finding, StartError

CODE = "one-of-required"


def has_value(col, n: int) -> np.ndarray:
    """Rows where the column has a parsed value (an absent column has none)."""
    return np.zeros(n, dtype=bool) if col is None else np.array(col.present, dtype=bool)


class Check(CustomCheck):
    code = CODE

    def start(self, names):
        a, b = self.params.get("column1"), self.params.get("column2")
        if a not in names and b not in names:
            return [StartError(CODE, f"Les deux colonnes « {a} » et « {b} » sont manquantes.",
                               f"Both columns '{a}' and '{b}' are missing.")]
        return []

    def run(self, view):
        a, b = self.params.get("column1"), self.params.get("column2")
        ca, cb = view.column(a), view.column(b)
        if ca is None and cb is None:  # already reported once, for the table
            return []
        idx = np.nonzero(~has_value(ca, view.n) & ~has_value(cb, view.n))[0]
        if not len(idx):
            return []
        fr = f"Au moins l'une des colonnes « {a} » ou « {b} » doit comporter une valeur."
        en = f"At least one of the columns '{a}' or '{b}' must have a value."
        return [Finding(CODE, idx, lambda i: (fr, en))]
