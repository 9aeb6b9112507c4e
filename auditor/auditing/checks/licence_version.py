"""Licence Ouverte en version 2.0 : la version du décret n° 2017-638 (CRPA art. D323-2-1).

La version 1.0 (2011) de la Licence Ouverte reste une licence autorisée, mais la version
2.0, publiée avec le décret n° 2017-638 qui a fixé la liste des licences, l'a remplacée :
elle clarifie la mention de la source, la compatibilité avec les licences internationales
(CC BY 4.0, ODC-By) et la réutilisation des données personnelles.

Signale, à titre d'information, un jeu sous Licence Ouverte 1.0 (identifiant ``fr-lo``,
PDF Etalab de 2011–2014…) ou sous une Licence Ouverte dont la version n'est pas dite
(« Licence Ouverte (Etalab) » sans lien vers le texte) : dans les deux cas, publier sous
« Licence Ouverte v2.0 (Etalab) ».

Ne juge pas les autres licences (contrôles « licence-presente » et « licence-homologuee »).
"""
from __future__ import annotations

from typing import Iterator

from ...model import Dataset
from ...normalize.licences import read_licence
from .base import CheckContext, Problem

ID = "licence-version"
SCOPE = "dataset"
PARAMS: dict = {}


def check(d: Dataset, params: dict, ctx: CheckContext) -> Iterator[Problem]:
    label, url, lic = read_licence(d.licence, d.licence_url)
    if lic is None or lic.id not in ("lov1", "lo"):
        return
    shown = label or url
    where = {"licence": label or None, "licence_url": url or None, "licence_id": lic.id}
    if lic.id == "lov1":
        yield Problem(fr=f"licence « {shown} » : Licence Ouverte version 1.0, remplacée par la version 2.0 depuis "
                         f"le décret n° 2017-638",
                      en=f"licence “{shown}”: Licence Ouverte version 1.0, superseded by version 2.0 (décret "
                         f"2017-638)", location=where, key="lov1")
    else:
        yield Problem(fr=f"licence « {shown} » : Licence Ouverte sans numéro de version ; préciser la version 2.0",
                      en=f"licence “{shown}”: Licence Ouverte with no version; state version 2.0",
                      location=where, key="lo")
