"""Schéma déclaré : un jeu du Socle Commun des Données Locales dit quel schéma il suit.

Un jeu que son titre ou ses mots-clés désignent comme un jeu du SCDL (subventions,
délibérations, budget, catalogue, prénoms, équipements, menus) ou comme des données
essentielles de la commande publique doit déclarer le schéma correspondant de
schema.data.gouv.fr sur au moins une de ses ressources : c'est ce qui permet sa validation
(Validata), sa consolidation nationale et son repérage par data.gouv.fr. Pour les
subventions, l'arrêté du 17 novembre 2017 impose en outre le format du référentiel.

La déclaration peut figurer sur n'importe quelle copie du jeu (son moissonnage sur
data.gouv.fr, par exemple). Un jeu qui ne ressemble à aucun jeu du SCDL n'est pas concerné. La conformité du contenu
au schéma relève de la validation des fichiers.
"""
from __future__ import annotations

from typing import Iterator

from ...crawling.classify import KIND_SCHEMAS, classify
from ...model import Dataset
from .base import CheckContext, Problem

ID = "schema-declare"
SCOPE = "dataset"
PARAMS: dict = {}


def check(d: Dataset, params: dict, ctx: CheckContext) -> Iterator[Problem]:
    records = [d] + ctx.copies(d)  # a copy that declares it (a data.gouv.fr harvest) counts
    if any(x.schema_name or x.schema_url for r in records for x in r.distributions):
        return
    kinds = [k for k in classify(d) if k.kind in KIND_SCHEMAS]
    if not kinds:
        return
    expected = ", ".join(sorted({KIND_SCHEMAS[k.kind] for k in kinds}))
    yield Problem(fr=f"« {d.title} » ressemble à un jeu {expected} ({kinds[0].evidence}) mais aucune "
                     f"ressource ne déclare de schéma",
                  en=f"“{d.title}” looks like a {expected} dataset but no resource declares a schema")
