"""Collection sans fiche : chaque collection publiée sur une plateforme a sa fiche dans le catalogue.

Sur une plateforme qui associe un catalogue (GeoNetwork) à une OGC API (celle de la MEL), une
collection de l'OGC API qu'aucune fiche du catalogue ne nomme est publiée sans description :
ni titre ni objet rédigés, ni producteur, ni licence, ni date de mise à jour, ni fréquence. Le
répertoire des informations publiques (CRPA art. L322-6 et R322-7), que tient le catalogue,
ne la recense pas, et personne ne peut savoir quelle collectivité l'a produite : elle n'est
donc pas comptée comme un jeu de données d'une commune ni de la métropole, mais signalée ici,
comme un défaut de la plateforme, une fois par collection.

Comment il décide : la collecte de la source GeoNetwork lit toutes les collections de l'OGC
API et rattache à une fiche celles que ses liens nomment (``.../collections/{id}``) ; les
autres sont notées dans le journal de collecte (événement ``uncatalogued-collection``), que
ce contrôle relit pour le portail.

Ne juge pas : une OGC API collectée seule (source ``ogcapi``, où chaque collection est un jeu),
ni un portail qui n'a pas pu être collecté (contrôle « portail-accessible »).
"""
from __future__ import annotations

from typing import Iterator

from .base import CheckContext, PortalView, Problem

ID = "collection-sans-fiche"
SCOPE = "portal"
PARAMS: dict = {}

EVENT = "uncatalogued-collection"


def check(portal: PortalView, params: dict, ctx: CheckContext) -> Iterator[Problem]:
    seen: set[str] = set()
    for e in ctx.catalogue.events:
        cid = e.detail.get("collection") if isinstance(e.detail, dict) else None
        if e.portal != portal.name or e.code != EVENT or not cid or cid in seen:
            continue
        seen.add(cid)
        title = e.detail.get("title") or cid
        yield Problem(
            fr=f"la collection « {title} » ({cid}) est publiée sur {portal.name} sans fiche dans son catalogue : "
               f"ni producteur, ni licence, ni date de mise à jour ne sont indiqués ({e.url})",
            en=f"collection “{title}” ({cid}) is published on {portal.name} without a catalogue record: "
               f"no publisher, licence or update date is given ({e.url})",
            location={"collection": cid, "url": e.url}, key=cid)
