"""Portail accessible : la collecte a pu lire le portail.

Un portail qui ne répond pas (certificat TLS expiré, nom de domaine disparu, erreurs 5xx
répétées, réponses illisibles, page HTML au lieu de l'API) rend ses données inaccessibles
aux réutilisateurs comme à l'audit : l'obligation de publication en ligne (CRPA art.
L312-1-1) n'est plus remplie pour les jeux qu'il porte. Un portail lu en partie (des pages
de liste perdues malgré les nouvelles tentatives) est signalé aussi, comme incomplet.

Ne juge pas la lenteur : les erreurs passagères rattrapées par une nouvelle tentative ne
sont pas des constats (elles restent dans le journal de collecte).
"""
from __future__ import annotations

from typing import Iterator

from .base import CheckContext, PortalView, Problem

ID = "portail-accessible"
SCOPE = "portal"
PARAMS: dict = {}


def check(portal: PortalView, params: dict, ctx: CheckContext) -> Iterator[Problem]:
    if portal.status == "failed":
        yield Problem(
            fr=f"le portail {portal.name} ({portal.url}) n'a pas pu être lu : {portal.error_message or portal.error_code}",
            en=f"portal {portal.name} ({portal.url}) could not be read: {portal.error_message or portal.error_code}",
            location={"error": portal.error_code}, key="failed")
    elif portal.status == "partial":
        yield Problem(
            fr=f"le portail {portal.name} n'a été lu qu'en partie ({portal.datasets} jeux lus) : "
               f"{portal.error_message or 'des pages de liste sont restées inaccessibles'}",
            en=f"portal {portal.name} was read only in part ({portal.datasets} datasets read)",
            location={"error": portal.error_code}, key="partial")
