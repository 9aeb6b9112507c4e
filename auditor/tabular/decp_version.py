"""Which DECP release a file is read against: is it a DECP file at all (`looks_like_decp`), the release it
declares, else the layout of ``marches`` and the keys of its first contract (2.0 fields mean 2.0.0), and the
checker of that release (`checker_for`)."""
from __future__ import annotations

import re
from typing import Any, Callable
from urllib.parse import urlsplit

from .catalog import CatalogError, ResolvedSchema, SchemaCatalog, version_key
from .decp_schema import _Checker, _SchemaProblem
from .decp_stream import CHUNK, _opener

DECP_SCHEMA = "139bercy/format-commande-publique"
# keys only 2.0 contracts have (any 2.0.x release): one of them in the first contract of a list means 2.0.0
ERA2_KEYS = frozenset({
    "actesSousTraitance", "attributionAvance", "ccag", "considerationsEnvironnementales", "considerationsSociales",
    "idAccordCadre", "marcheInnovant", "modificationsActesSousTraitance", "offresRecues", "origineFrance",
    "origineUE", "sousTraitanceDeclaree", "tauxAvance", "typeGroupementOperateurs", "technique", "techniques",
    "modaliteExecution", "modalitesExecution", "typePrix", "typesPrix"})
CONTRACT_KEYS = frozenset({"acheteur", "autoriteConcedante", "titulaires", "concessionnaires"})
CONTRACT_KEYS = frozenset({"acheteur", "autoriteConcedante", "titulaires", "concessionnaires"})


def looks_like_decp(source: Any) -> bool:
    """Whether a file (path or bytes) looks like a DECP JSON document, from its first 64 KiB."""
    try:
        opener, _ = _opener(source)
        with opener() as f:
            head = f.read(CHUNK)
    except (OSError, TypeError):
        return False
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    if not text.startswith("{"):
        return False
    if re.search(r'"marches"\s*:\s*[\[{]', text):
        return True
    return "format-commande-publique" in text[:2000] and bool(re.search(r'"(acheteur|autoriteConcedante)"', text))


def _era(item: Any) -> int:
    return 2 if isinstance(item, dict) and ERA2_KEYS & set(item) else 1


def _major(name: str) -> int:
    nums = version_key(name)[0]
    return nums[0] if nums else 0


def _siblings(catalog: SchemaCatalog | None, resolved: ResolvedSchema) -> Callable[[str], Any] | None:
    if catalog is None:
        return None
    return lambda filename: catalog.sibling(resolved, filename)


def checker_for(resolved: ResolvedSchema, catalog: SchemaCatalog | None = None) -> _Checker:
    """A resolved DECP schema made ready to validate (its sibling documents fetched through ``catalog``)."""
    return _Checker(resolved.document, siblings=_siblings(catalog, resolved))


_DECLARED = re.compile(r"/schemas/(?P<name>[^/]+/[^/]+)/(?P<version>[^/]+)/[^/]+$")


def declared_release(catalog: SchemaCatalog, declared: Any, name: str = DECP_SCHEMA) -> str | None:
    """The release named by a document's ``$schema`` (``https://schema.data.gouv.fr/schemas/139bercy/
    format-commande-publique/1.5.0/marches.json``), when it is one of the catalogue's; else None."""
    m = _DECLARED.search(urlsplit(declared).path) if isinstance(declared, str) else None
    if not m or m.group("name").lower() != name.lower() or m.group("version") == "latest":
        return None
    try:
        return catalog.version_of(catalog.get(name), m.group("version")).name
    except CatalogError:
        return None


def detect_version(catalog: SchemaCatalog, shape: str | None, first: Any, list_path: str | None = None,
                   name: str = DECP_SCHEMA) -> tuple[ResolvedSchema, _Checker, str]:
    """The release a document follows, from what ``marches`` holds (``shape``: array | object; None for a
    document that is a single contract) and its first contract ``first`` (found in ``list_path``).

    Candidates are the listed releases of the same layout (and, for a list, of the same era: 2.0 fields in the
    first contract mean 2.0.0), newest first; the first one the first contract fits is chosen, else the newest.
    Returns the resolved schema, its checker and the French reason."""
    info = catalog.get(name)
    releases = [v for v in reversed(info.versions) if v.listed and not v.prerelease] or list(reversed(info.versions))
    era = _era(first)
    cands: list[tuple[ResolvedSchema, _Checker]] = []
    for v in releases:
        if shape != "object" and _major(v.name) != era:
            continue
        r = catalog.resolve(info.name, v.name)
        try:
            checker = checker_for(r, catalog)
        except _SchemaProblem:
            continue
        if shape is None or checker.layout == shape:  # None: a single contract fits any layout
            cands.append((r, checker))
    if shape == "object":
        what = "« marches » contient les listes « marche » et « contrat-concession » (format 2.0)"
    elif shape == "array":
        what = "« marches » est une liste de contrats " + ("aux champs du format 2.0" if era == 2 else "(format 1.x)")
    else:
        what = f"un seul contrat, sans liste « marches » (format {'2.0' if era == 2 else '1.x'})"
    if not cands:
        r = catalog.resolve(info.name)
        return r, checker_for(r, catalog), (f"format DECP non reconnu dans le document : dernière version "
                                            f"publiée ({r.version}) utilisée")
    if first is not None and len(cands) > 1:
        for r, checker in cands:
            if not checker.item_errors(checker.rule(list_path), first):
                return r, checker, f"version {r.version} déduite du document : {what}, premier contrat conforme"
        r, checker = cands[0]
        return r, checker, (f"version {r.version} déduite du document : {what} ; le premier contrat ne suit "
                            "exactement aucune version, la plus récente est utilisée")
    r, checker = cands[0]
    return r, checker, f"version {r.version} déduite du document : {what}"
