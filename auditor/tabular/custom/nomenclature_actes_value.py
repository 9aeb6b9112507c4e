"""Contrôle ``nomenclature-actes-value`` : la matière d'un acte suit la nomenclature Actes.

Ce qui est vérifié
    La valeur doit commencer par l'un des neuf préfixes de la nomenclature Actes, suivi d'une barre oblique :
    Commande publique, Urbanisme, Domaine et patrimoine, Fonction publique, Institutions et vie politique,
    Libertés publiques et pouvoirs de police, Finances locales, Domaines de compétences par thèmes, Autres domaines
    de compétences. Le préfixe (ce qui précède la première barre oblique) est comparé sans tenir compte des
    majuscules ni des accents (``"FINANCES LOCALES/Subventions"``, ``"libertes publiques et pouvoirs de
    police/..."`` sont acceptés) ; aucune espace ne doit suivre une barre oblique, ni précéder la première.

Paramètres
    ``column`` : le nom de la colonne.

Exemple
    ``{"name": "nomenclature-actes-value", "params": {"column": "DELIB_MATIERE_NOM"}}``

Ce qui est ignoré
    Le contrôle ne s'applique pas si la colonne est absente du fichier ; une cellule vide, manquante ou en erreur
    de type n'est pas contrôlée.

Messages (code ``nomenclature-actes-value``)
    « La valeur « Urbanisme » ne respecte pas le format des nomenclatures d'actes (le signe oblique « / » est
    manquant). » ; autres précisions : « le signe oblique ne doit pas être précédé ni suivi d'espace » (préfixe
    reconnu une fois les blancs de fin retirés, ou « / » suivi d'une espace), « le préfixe de nomenclature Actes
    « Urbanism » n'est pas reconnu ».

Écart documenté
    Une valeur qui n'est pas du texte fait planter Validata ; elle est ici contrôlée sous sa forme écrite.

Mise en œuvre
    Les matières se répètent beaucoup : pyarrow réduit le lot à ses valeurs distinctes (``unique``), chacune est
    jugée une fois en Python, et le verdict est reporté sur les lignes (``index_in``).
"""

from __future__ import annotations

import unicodedata

from . import SingleColumnCheck, cell_findings, failing_distinct, quoted, texts

CODE = "nomenclature-actes-value"

PREFIXES = [
    "Commande publique",
    "Urbanisme",
    "Domaine et patrimoine",
    "Fonction publique",
    "Institutions et vie politique",
    "Libertés publiques et pouvoirs de police",
    "Finances locales",
    "Domaines de compétences par thèmes",
    "Autres domaines de compétences",
]


def normalised(text: str) -> str:
    """Lower case, then accents removed (NFD decomposition without its combining marks), as Validata does."""
    return "".join(c for c in unicodedata.normalize("NFD", text.lower()) if unicodedata.category(c) != "Mn")


_KNOWN = frozenset(normalised(p) for p in PREFIXES)


def problem(text: str) -> tuple[str, str] | None:
    """Why ``text`` breaks the nomenclature (French, English), None when it follows it."""
    if "/" not in text:
        return "le signe oblique « / » est manquant", "the slash '/' is missing"
    prefix = text[: text.find("/")]
    if normalised(prefix) in _KNOWN and "/ " not in text:
        return None
    if normalised(prefix.rstrip()) in _KNOWN or "/ " in text:
        return ("le signe oblique ne doit pas être précédé ni suivi d'espace",
                "the slash must not be preceded or followed by a space")
    return (f"le préfixe de nomenclature Actes « {quoted(prefix)} » n'est pas reconnu",
            f"the Actes nomenclature prefix '{quoted(prefix)}' is unknown")


class Check(SingleColumnCheck):
    code = CODE

    def check_values(self, col, idx):
        bad = idx[failing_distinct(texts(col, idx), lambda text: problem(text) is not None)]

        def message(i):
            text = str(col.value(i))
            fr, en = problem(text)
            return (f"La valeur « {quoted(text)} » ne respecte pas le format des nomenclatures d'actes ({fr}).",
                    f"'{quoted(text)}' does not follow the Actes nomenclature ({en}).")

        return cell_findings(CODE, col, bad, message)
