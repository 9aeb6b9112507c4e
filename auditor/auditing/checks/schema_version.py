"""Version de schéma publiée : le schéma déclaré existe sur schema.data.gouv.fr.

Quand une ressource déclare un schéma du SCDL ou le format des données essentielles de la
commande publique, le nom doit en être un et la version (si elle est donnée) une version
publiée du schéma. Une version inconnue (faute de frappe, brouillon, version retirée comme
``scdl/equipements`` 1.0.0) empêche la validation. La liste des schémas vient du catalogue
de schema.data.gouv.fr livré avec auditor.

Les schémas hors SCDL ne sont pas jugés ici ; une ancienne version encore publiée est
acceptée.
"""
from __future__ import annotations

from typing import Iterator

from ...crawling.classify import known_schemas
from ...model import Dataset
from .base import CheckContext, Problem

ID = "schema-version"
SCOPE = "dataset"
PARAMS: dict = {}


def check(d: Dataset, params: dict, ctx: CheckContext) -> Iterator[Problem]:
    known = known_schemas()
    seen = set()
    for x in d.distributions:
        name, version = x.schema_name, x.schema_version
        if not name or (name, version) in seen:
            continue
        seen.add((name, version))
        if not (name.startswith("scdl/") or "commande-publique" in name):
            continue
        info = known.get(name)
        if info is None:
            yield Problem(fr=f"schéma « {name} » inconnu de schema.data.gouv.fr",
                          en=f"schema “{name}” unknown to schema.data.gouv.fr", distribution=x.url,
                          key=f"{name}@{version}")
        elif version and version not in info.versions:
            yield Problem(fr=f"version {version} du schéma {name} inconnue (versions publiées : "
                             f"{', '.join(info.versions)})",
                          en=f"version {version} of schema {name} is not published (published: "
                             f"{', '.join(info.versions)})", distribution=x.url, key=f"{name}@{version}")
