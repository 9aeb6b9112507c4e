"""Date de mise à jour indiquée : chaque jeu dit quand il a été mis à jour (CRPA art. L322-1).

La réutilisation d'informations publiques est soumise à la condition « que leurs sources
et la date de leur dernière mise à jour soient mentionnées » (L322-1) : le réutilisateur
ne peut la mentionner que si le producteur la publie. La Licence Ouverte 2.0 reprend la
même obligation.

Compte comme date de mise à jour : la date de modification des données du jeu
(``modified``), à défaut celle de ses métadonnées (``metadata_modified``), à défaut la date
de modification d'une de ses ressources. Une date illisible sur le portail est traitée
comme absente (le texte brut reste dans la fiche).

Ne juge pas si la date est récente (contrôle « mise-a-jour-reguliere »).
"""
from __future__ import annotations

from typing import Iterator

from ...model import Dataset
from .base import CheckContext, Problem

ID = "date-mise-a-jour"
SCOPE = "dataset"
PARAMS: dict = {}


def check(d: Dataset, params: dict, ctx: CheckContext) -> Iterator[Problem]:
    if d.modified or d.metadata_modified or any(x.modified for x in d.distributions):
        return
    yield Problem(fr="aucune date de dernière mise à jour (ni sur le jeu de données, ni sur ses métadonnées, "
                     "ni sur ses ressources)",
                  en="no date of last update (neither on the dataset, nor on its metadata, nor on its resources)",
                  key="missing")
