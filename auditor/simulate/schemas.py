"""A simulated schema catalogue for the offline demo: the schema names and versions the simulated datasets
declare, laid out like a local copy of schema.data.gouv.fr (``_catalog/schemas.json`` and
``{owner}__{name}/{version}/schema.json``), so that the audit's file stage runs without network.

The documents are *simulated* Table Schemas: the column names of :mod:`auditor.simulate.content` with
types and constraints that the simulated files follow, plus the French checks of the real schemas where the
simulated values allow them. They are not the real SCDL schemas (those are fetched from schema.data.gouv.fr
by a real audit).
"""
from __future__ import annotations

import json
from pathlib import Path

from .content import COLUMNS
from .generator import REQUIRED, SCHEMAS

INTEGER = {"NOMBRE_OCCURRENCES", "VOTE_EFFECTIF", "VOTE_POUR", "VOTE_CONTRE", "VOTE_ABSTENTION"}
YEAR = {"ANNEE", "BGT_ANNEE"}
NUMBER = {"montant", "BGT_MTREAL", "latitude", "longitude", "EQUIP_LAT", "EQUIP_LONG"}
SITE = "https://schema.data.gouv.fr/schemas"


def field_for(column: str) -> dict:
    f: dict = {"name": column, "title": column, "type": "string"}
    if column in INTEGER:
        f["type"] = "integer"
        f["constraints"] = {"minimum": 0}
    elif column in YEAR:
        f["type"] = "year"
    elif column in NUMBER:
        f["type"] = "number"
    elif "DATE" in column or column.startswith("date"):
        f["type"] = "date"
    if column == "ENFANT_SEXE":
        f["constraints"] = {"enum": ["F", "M"]}
    if column in REQUIRED:
        f["constraints"] = {"required": True}
    return f


def table_schema(kind: str, name: str, version: str) -> dict:
    cols = COLUMNS.get(kind, COLUMNS["misc"])
    return {"$schema": "https://frictionlessdata.io/schemas/table-schema.json", "name": name.split("/")[-1],
            "title": f"{name} (simulé)", "version": version, "fields": [field_for(c) for c in cols],
            "missingValues": [""]}


def write_schema_folder(directory: Path) -> Path:
    """Write the simulated catalogue under ``directory``; returns it (a ``[validation] schemas`` value)."""
    directory = Path(directory)
    entries: dict[str, dict] = {}
    for kind, (name, version) in SCHEMAS.items():
        if kind == "marches" or name in entries:
            continue
        owner, short = name.split("/")
        folder = directory / f"{owner}__{short}" / version
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "schema.json").write_text(json.dumps(table_schema(kind, name, version), ensure_ascii=False,
                                                       indent=1), "utf-8")
        entries[name] = {"name": name, "title": f"{name} (simulé)", "schema_type": "tableschema",
                         "labels": ["Socle Commun des Données Locales"], "examples": [],
                         "versions": [{"version_name": version,
                                       "schema_url": f"{SITE}/{name}/{version}/schema.json"}]}
    catalog = directory / "_catalog"
    catalog.mkdir(parents=True, exist_ok=True)
    (catalog / "schemas.json").write_text(json.dumps({"version": 1, "schemas": list(entries.values())},
                                                     ensure_ascii=False, indent=1), "utf-8")
    return directory
