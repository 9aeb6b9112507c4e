"""What kind of dataset a record is, for the obligations and the SCDL coverage.

Kinds follow the Socle Commun des Données Locales and the specific obligations:
``subventions``, ``deliberations``, ``budget``, ``marches`` (DECP), ``catalogue``,
``prenoms``, ``equipements`` (schools, parks and gardens included), ``menus``.

The strongest evidence is a declared schema (``scdl/subventions``...); then words of the
title, then (only when the title says nothing) the keywords, matched on folded text ("Délibérations du conseil municipal",
"Données essentielles des marchés publics", "Compte administratif"...). A record matching
nothing has no kind; one matching two kinds by words gets both (rare, and reported as
evidence so a reader can judge).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ..model import Dataset
from ..normalize.text import fold

SCHEMA_KINDS = {
    "scdl/subventions": "subventions",
    "scdl/deliberations": "deliberations",
    "scdl/budget": "budget",
    "scdl/catalogue": "catalogue",
    "scdl/prenoms": "prenoms",
    "scdl/equipements": "equipements",
    "scdl/menus-collectifs": "menus",
    "scdl/plats-menus-collectifs": "menus",
    "139bercy/format-commande-publique": "marches",
    "etalab/format-commande-publique": "marches",
    "etalab/schema-decp-dpa": "marches",
}

# the schema that a kind should declare (the SCDL one, or the regulatory DECP format)
KIND_SCHEMAS = {
    "subventions": "scdl/subventions",
    "deliberations": "scdl/deliberations",
    "budget": "scdl/budget",
    "catalogue": "scdl/catalogue",
    "prenoms": "scdl/prenoms",
    "equipements": "scdl/equipements",
    "menus": "scdl/menus-collectifs",
    "marches": "139bercy/format-commande-publique",
}

_WORDS: dict[str, list[str]] = {
    "subventions": [r"subventions?", r"concours financiers? aux associations"],
    "deliberations": [r"deliberations?", r"actes? administratifs?", r"proces verba(l|ux) du conseil"],
    "budget": [r"budgets?( primitifs?)?", r"comptes? administratifs?", r"comptes? financiers? uniques?"],
    "marches": [r"marches publics", r"commande publique", r"decp", r"donnees essentielles des marches"],
    "catalogue": [r"catalogue des donnees", r"repertoire des (principaux )?documents",
                  r"inventaire des donnees", r"catalogue simplifie"],
    "prenoms": [r"prenoms?"],
    "equipements": [r"equipements? (publics?|collectifs?|municipaux|sportifs?|culturels?)",
                    r"ecoles?", r"parcs? et jardins", r"espaces? verts"],
    "menus": [r"menus? (de la )?(cantine|restauration)", r"restauration (scolaire|collective)"],
}
_PATTERNS = {kind: re.compile(r"\b(" + "|".join(ws) + r")\b") for kind, ws in _WORDS.items()}


@dataclass(frozen=True)
class Kind:
    kind: str
    evidence: str  # "schéma déclaré scdl/subventions" or "titre : « ... »"


def classify(d: Dataset) -> list[Kind]:
    declared = {x.schema_name for x in d.distributions if x.schema_name}
    kinds = [Kind(SCHEMA_KINDS[s], f"schéma déclaré {s}") for s in sorted(declared) if s in SCHEMA_KINDS]
    if kinds:
        return kinds
    title = fold(d.title or "")
    found = [Kind(kind, f"titre : « {d.title} »") for kind, p in _PATTERNS.items() if p.search(title)]
    if found:
        return found
    # keywords only when the title says nothing ("budget" is also a keyword of grant data)
    words = fold(" ; ".join(d.keywords))
    return [Kind(kind, f"mots-clés : {', '.join(d.keywords)}") for kind, p in _PATTERNS.items() if p.search(words)]


def kinds_of(d: Dataset) -> set[str]:
    return {k.kind for k in classify(d)}


@dataclass(frozen=True)
class SchemaInfo:
    name: str
    title: str
    versions: tuple[str, ...]

    @property
    def latest(self) -> str:
        return self.versions[-1]


@lru_cache(maxsize=1)
def known_schemas() -> dict[str, SchemaInfo]:
    """The SCDL schemas and the DECP format with their published versions (a snapshot of
    schema.data.gouv.fr shipped with auditor; the schema catalogue refreshes it)."""
    data = json.loads(resources.files("auditor").joinpath("data/scdl-schemas.json").read_text("utf-8"))
    return {s["name"]: SchemaInfo(s["name"], s["title"], tuple(s["versions"])) for s in data["schemas"]}
