"""Effectif connu : l'assujettissement à l'ouverture par défaut peut être établi.

L'article L312-1-1 du CRPA oblige les collectivités d'au moins 3 500 habitants dont
l'effectif atteint 50 agents en équivalents temps plein (art. D312-1-1-1). La population
est publiée par l'INSEE, l'effectif ne l'est pas : il se renseigne dans la configuration
du territoire (``[communes.<INSEE>] agents = …``). Tant qu'il manque pour une commune qui
atteint le seuil de population, l'audit la présume assujettie et le signale ici.

Les communes de moins de 3 500 habitants ne sont pas concernées : elles sont déclarées non
assujetties, jamais en défaut.
"""
from __future__ import annotations

from typing import Iterator

from .base import CheckContext, CommuneView, Problem

ID = "applicabilite-effectif"
SCOPE = "commune"
PARAMS: dict = {}


def check(view: CommuneView, params: dict, ctx: CheckContext) -> Iterator[Problem]:
    app = view.applicability
    if app.status == "presumed":
        yield Problem(
            fr=f"{view.commune.name} compte {app.population} habitants ; son effectif n'est pas renseigné : "
               f"assujettissement présumé",
            en=f"{view.commune.name} has {app.population} inhabitants; its staff count is unknown: presumed bound")
