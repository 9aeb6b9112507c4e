"""Jeu de données obligatoire publié : la collectivité publie le jeu qu'un texte lui impose.

Le paramètre ``kind`` nomme le jeu : ``subventions`` (données essentielles des
conventions de subvention, décret n° 2017-779), ``marches`` (données essentielles de la
commande publique, CCP art. R2196-1), ``deliberations`` (actes, CGCT art. L2131-1),
``budget`` (CGCT art. L2313-1), ``catalogue`` (répertoire des informations publiques,
CRPA art. L322-6). Un jeu compte quand il déclare le schéma correspondant
(``scdl/subventions``…) ou, à défaut, quand son titre ou ses mots-clés le désignent
(« Subventions accordées aux associations », « Délibérations du conseil municipal »…).
Le constat dit où la recherche a porté ; quand le jeu existe, le rapport de la commune dit
où il est publié.

Les seuils (population, effectif) sont portés par la règle (``applies_when``), pas par le
contrôle.
"""
from __future__ import annotations

from typing import Iterator

from ..classify import kinds_of
from .base import CheckContext, CommuneView, Problem

ID = "jeu-obligatoire"
SCOPE = "commune"
PARAMS = {"kind": None}

LABELS = {
    "subventions": ("données essentielles des subventions", "grant data"),
    "marches": ("données essentielles des marchés publics (DECP)", "public procurement data (DECP)"),
    "deliberations": ("délibérations", "council decisions"),
    "budget": ("données budgétaires", "budget data"),
    "catalogue": ("catalogue des données (répertoire)", "data catalogue (register)"),
    "prenoms": ("prénoms des nouveau-nés", "first names of newborns"),
    "equipements": ("équipements publics", "public facilities"),
}


def datasets_of_kind(view: CommuneView, kind: str):
    return [d for d in view.datasets if kind in kinds_of(d)]


def check(view: CommuneView, params: dict, ctx: CheckContext) -> Iterator[Problem]:
    kind = params["kind"]
    if datasets_of_kind(view, kind):
        return
    fr, en = LABELS.get(kind, (kind, kind))
    portals = ", ".join(sorted(p.name for p in ctx.extra.get("portals", []))) or "aucun"
    yield Problem(fr=f"{view.commune.name} : aucun jeu de {fr} trouvé (portails examinés : {portals})",
                  en=f"{view.commune.name}: no {en} found (portals searched: {portals})", key=kind)
