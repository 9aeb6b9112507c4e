"""Licence homologuée : la licence est l'une des deux autorisées pour les données (CRPA art. D323-2-1).

L'article D323-2-1 I autorise sans homologation, pour la réutilisation gratuite
d'informations publiques, « la licence ouverte de réutilisation d'informations publiques »
(Licence Ouverte / Open Licence d'Etalab) et « l'Open Database License » (ODbL). Toute autre
licence doit avoir été homologuée par l'État (D323-2-2).

Signale : une licence reconnue mais hors de cette liste (Creative Commons, y compris CC BY
et CC0, Open Data Commons Attribution, licence « fermée » ou « tous droits réservés »,
mention « domaine public »…) ; une licence de logiciel (MIT, GPL, Apache…) posée sur des
données — la liste D323-2-1 II ne la permet que pour les codes sources ; une licence que
l'audit ne sait pas reconnaître (« licence non reconnue » : le texte publié est cité, à
vérifier à la main, et un alias peut être ajouté à ``auditor/normalize/licences.py``).

Ne juge pas l'absence de licence ni une licence « non précisée » (contrôle
« licence-presente »), ni la version de la Licence Ouverte (contrôle « licence-version »).
Une homologation individuelle accordée à la collectivité n'est pas connue de l'audit : une
dérogation (waiver) la documente.
"""
from __future__ import annotations

from typing import Iterator

from ...model import Dataset
from ...normalize.licences import is_access_statement, read_licence
from .base import CheckContext, Problem

ID = "licence-homologuee"
SCOPE = "dataset"
PARAMS: dict = {}


def check(d: Dataset, params: dict, ctx: CheckContext) -> Iterator[Problem]:
    label, url, lic = read_licence(d.licence, d.licence_url)
    if not label and not url:
        return
    shown = label or url
    if lic is None:
        if not url and is_access_statement(label):
            return  # not a licence at all: « licence-presente » reports it
        yield Problem(fr=f"licence non reconnue : « {shown} » (à vérifier ; seules la Licence Ouverte et l'ODbL "
                         f"sont autorisées)",
                      en=f"unrecognised licence: “{shown}” (to check by hand; only Licence Ouverte and ODbL are "
                         f"allowed)",
                      location={"licence": label or None, "licence_url": url or None}, key="unrecognised")
        return
    if lic.approved_for_data or lic.id == "notspecified":
        return
    where = {"licence": label or None, "licence_url": url or None, "licence_id": lic.id}
    if lic.kind == "software":
        yield Problem(fr=f"licence « {shown} » ({lic.name}) : licence de logiciel appliquée à des données ; "
                         f"l'article D323-2-1 ne l'autorise que pour les codes sources",
                      en=f"licence “{shown}” ({lic.id}): a software licence on data; article D323-2-1 allows it "
                         f"for source code only",
                      location=where, key=lic.id)
        return
    yield Problem(fr=f"licence « {shown} » ({lic.name}) : ne figure pas parmi les licences autorisées pour les "
                     f"données (Licence Ouverte, ODbL)",
                  en=f"licence “{shown}” ({lic.id}): not among the licences allowed for data (Licence Ouverte, "
                     f"ODbL)",
                  location=where, key=lic.id)
