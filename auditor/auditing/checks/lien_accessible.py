"""Fichier accessible : l'adresse de chaque ressource répond.

La collecte interroge chaque adresse de téléchargement (requête HEAD, puis GET partiel
quand HEAD est refusé) ; une ressource qui répond par une erreur (404, 410, 500…), ne
répond pas, ou dont le nom de domaine ou le certificat est en défaut n'est pas publiée au
sens de l'article L312-1-1 du CRPA. Les réponses 2xx et 3xx comptent comme accessibles.

Ne juge pas le contenu du fichier (voir la validation des fichiers) ni les ressources que
la collecte n'a pas pu vérifier (vérification désactivée).
"""
from __future__ import annotations

from typing import Iterator

from ...model import Dataset, Distribution
from .base import CheckContext, Problem

ID = "lien-accessible"
SCOPE = "distribution"
PARAMS: dict = {}


def check(target: tuple[Dataset, Distribution], params: dict, ctx: CheckContext) -> Iterator[Problem]:
    dataset, dist = target
    a = dist.availability
    if a is None or a.ok:
        return
    what = f"HTTP {a.status}" if a.status else (a.error or "pas de réponse")
    name = dist.title or dist.url
    yield Problem(fr=f"« {name} » ne répond pas ({what}) : {dist.url}",
                  en=f"“{name}” does not answer ({what}): {dist.url}",
                  distribution=dist.url, location={"status": a.status, "error": a.error})
