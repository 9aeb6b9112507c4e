"""Licence indiquée : chaque jeu dit sous quelle licence le réutiliser (CRPA art. L323-2 et R322-7).

La réutilisation gratuite peut se faire sous licence ; quand elle l'est, la licence « est
choisie parmi celles figurant sur une liste fixée par décret » (L323-2), et le répertoire
des informations publiques indique pour chaque document « les conditions de sa
réutilisation » (R322-7). Sans licence affichée, le réutilisateur ne sait pas ce qu'il peut
faire des données ni quelle mention de source il doit faire.

Signale un jeu de données sans licence, dont la licence est « non précisée » (identifiant
``notspecified`` de data.gouv.fr et CKAN, « License Not Specified »…), ou dont le champ
licence ne contient qu'une mention de restriction d'accès (« Pas de restriction d'accès
public » des fiches INSPIRE), qui n'est pas une licence.

Ne juge pas la licence donnée : une licence non homologuée ou illisible relève du contrôle
« licence-homologuee ».
"""
from __future__ import annotations

from typing import Iterator

from ...model import Dataset
from ...normalize.licences import is_access_statement, read_licence
from .base import CheckContext, Problem

ID = "licence-presente"
SCOPE = "dataset"
PARAMS: dict = {}


def check(d: Dataset, params: dict, ctx: CheckContext) -> Iterator[Problem]:
    label, url, lic = read_licence(d.licence, d.licence_url)
    if not label and not url:
        yield Problem(fr="aucune licence indiquée", en="no licence given", key="missing")
    elif lic is not None and lic.id == "notspecified":
        yield Problem(fr=f"licence « {label or url} » : la licence n'est pas précisée",
                      en=f"licence “{label or url}”: the licence is not specified",
                      location={"licence": label or url}, key="notspecified")
    elif lic is None and not url and is_access_statement(label):
        yield Problem(fr=f"le champ licence ne contient qu'une mention d'accès, « {label} », qui n'est pas une "
                         f"licence de réutilisation",
                      en=f"the licence field only holds an access statement, “{label}”, which is not a reuse "
                         f"licence",
                      location={"licence": label}, key="access-statement")
