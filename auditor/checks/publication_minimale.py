"""Publication effective : une collectivité assujettie publie des données.

L'article L312-1-1 du CRPA fait de la publication en ligne la règle (« open data par
défaut ») pour les collectivités d'au moins 3 500 habitants et 50 agents. Une collectivité
assujettie dont aucun jeu de données n'a été trouvé sur les portails du territoire est en
défaut.

Ne juge que la présence : la nature et la qualité des jeux publiés relèvent des autres règles.
Les jeux dont le producteur n'a pas pu être attribué ne comptent pour personne (voir les
producteurs non résolus du rapport de collecte).
"""
from __future__ import annotations

from typing import Iterator

from .base import CheckContext, CommuneView, Problem

ID = "publication-minimale"
SCOPE = "commune"
PARAMS: dict = {}


def check(view: CommuneView, params: dict, ctx: CheckContext) -> Iterator[Problem]:
    if view.applicability.bound and not view.datasets:
        portals = ", ".join(sorted({p.name for p in ctx.extra.get("portals", [])})) or "aucun"
        yield Problem(fr=f"aucun jeu de données de {view.commune.name} trouvé (portails examinés : {portals})",
                      en=f"no dataset of {view.commune.name} found (portals searched: {portals})")
