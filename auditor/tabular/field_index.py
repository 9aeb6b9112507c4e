"""The catalogue's guessing index: the field names (and required fields) of every table schema version, read once
per catalogue (fetched in parallel) for `auditor.tabular.guess`, and which versions could not be read."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from .catalog import SchemaCatalog
from .catalog_model import CatalogError, TableFields


def table_fields(catalog: SchemaCatalog, name: str, version: str) -> TableFields | None:
    """Field names and required fields of one table schema version (cached); None if unusable."""
    info = catalog.get(name)
    ver = catalog.version_of(info, version)
    key = ver.url
    if key in catalog._fields:
        return catalog._fields[key]
    doc = catalog._document(ver.url)
    tf = None
    if isinstance(doc, dict) and isinstance(doc.get("fields"), list):
        names, required = [], set()
        for f in doc["fields"]:
            if isinstance(f, dict) and isinstance(f.get("name"), str):
                names.append(f["name"])
                if isinstance(f.get("constraints"), dict) and f["constraints"].get("required") is True:
                    required.add(f["name"])
        if names:
            rank = [v.name for v in info.versions].index(ver.name)
            tf = TableFields(info.name, ver.name, tuple(names), frozenset(required), listed=ver.listed,
                             prerelease=ver.prerelease, rank=rank)
    catalog._fields[key] = tf
    return tf


def field_index(catalog: SchemaCatalog, *, include_unlisted: bool = True, workers: int = 8) -> list[TableFields]:
    """Field lists of every table schema version of the catalogue (fetched in parallel once)."""
    todo = [(info.name, v.name) for info in catalog.schemas() for v in info.versions
            if (v.type or info.type) == "tableschema" and (include_unlisted or v.listed)]
    missing: list[str] = []

    def one(nv: tuple[str, str]) -> TableFields | None:
        try:
            return table_fields(catalog, *nv)
        except CatalogError:
            missing.append("@".join(nv))
            return None

    if catalog.root is None and len(todo) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(one, todo))
    else:
        results = [one(nv) for nv in todo]
    catalog.unindexed = sorted(missing)
    return [r for r in results if r is not None]


def unindexed_note(catalog: SchemaCatalog) -> str | None:
    """Why a guess may have missed: the schema versions the guessing index could not read (said only where a
    guess found nothing, never on every result)."""
    if not catalog.unindexed:
        return None
    if catalog.snapshot_used:
        return (f"{len(catalog.unindexed)} version(s) de schéma absente(s) de l'instantané n'ont pas pu être "
                "comparées à ces colonnes")
    return (f"{len(catalog.unindexed)} version(s) de schéma indisponible(s) n'ont pas pu être comparées à ces "
            "colonnes : " + ", ".join(catalog.unindexed[:10]) + (" ..." if len(catalog.unindexed) > 10 else ""))
