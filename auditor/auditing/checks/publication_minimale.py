"""Publication effective : une collectivité assujettie publie des données ouvertes.

L'article L312-1-1 du CRPA fait de la publication en ligne la règle (« open data par
défaut ») pour les collectivités d'au moins 3 500 habitants et 50 agents, dans un standard
ouvert lisible par une machine (L300-4). Une collectivité assujettie dont aucun jeu de
données n'a été trouvé sur les portails du territoire est en défaut ; une collectivité qui
ne publie que des documents (PDF, tableurs bureautiques) a « publié, mais pas en données
ouvertes ».

L'absence n'est constatée que si tous les portails où la collectivité publie ou pourrait
publier ont été collectés en entier ; sinon l'obligation est « non évaluée ».

Ne juge que la présence : la nature et la qualité des jeux publiés relèvent des autres règles.
Les jeux dont le producteur n'a pas pu être attribué ne comptent pour personne (voir les
producteurs non attribués du rapport).
"""
from __future__ import annotations

from typing import Iterator

from .base import CheckContext, CommuneView, NotEvaluated, Problem, examined_names, unseen
from .jeu_obligatoire import not_open, open_data

ID = "publication-minimale"
SCOPE = "commune"
PARAMS: dict = {}


def check(view: CommuneView, params: dict, ctx: CheckContext) -> Iterator[Problem | NotEvaluated]:
    if not view.applicability.bound or open_data(view, view.datasets):
        return
    blind = unseen(view, ctx)
    if blind:
        yield blind
        return
    if view.datasets:
        yield not_open(view, view.datasets, "des jeux de données", "datasets", key="")
        return
    portals = examined_names(view, ctx)
    yield Problem(fr=f"aucun jeu de données de {view.commune.name} trouvé (portails examinés : {portals})",
                  en=f"no dataset of {view.commune.name} found (portals searched: {portals})")
