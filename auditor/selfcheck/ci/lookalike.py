"""A data file that looks like a table of the schema catalogue but fits no version of it well enough fails
``auditor ci`` (rule FILE-03), naming the closest schema versions, instead of passing as « readable, not
validated ».

The header is compared with every table schema version of the catalogue (:mod:`auditor.tabular.guess`). When the
best fit is good enough (« certain », « probable ») the schema is used and the file validated. Otherwise the file
*looks like* a catalogue table when the best fit is « possible » (a score of at least 0.4), or when at least
``MIN_DISTINCTIVE`` of its columns are fields of that schema that at most one other schema uses
(``idAttribuant``, ``DELIB_ID``; not ``nom`` or ``commune``) and at least half of its columns are fields of it:
a subventions file that kept five of its sixteen columns, a délibérations file cut down to its first four.
A file of ordinary columns (``nom``, ``adresse``, ``capacite``) matches no schema and stays « readable, not
validated ». A schema declared for the file (description, ``.auditor.toml``, ``--schema``) is always used as it
is, and ``--no-guess`` turns the comparison off.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from ...tabular.guess import Guess, guess_schema, normalise
from ...tabular.report import TableError

MIN_DISTINCTIVE = 3
MIN_SHARE = 0.5
SHOWN = 8  # missing columns named


def closest(header: list[str], catalog: Any) -> list[Guess]:
    """The closest schema versions (best first, at most three) when ``header`` looks like a catalogue table that
    no version fits well enough; an empty list otherwise."""
    guesses = guess_schema(header, catalog, limit=None)
    if not guesses or guesses[0].confidence in ("certain", "probable"):
        return []
    best = guesses[0]
    if best.confidence != "possible":
        users = Counter(normalise(raw) for g in guesses for raw, _ in g.matched)
        distinctive = [raw for raw, _ in best.matched if users[normalise(raw)] <= 2]
        labels = [h for h in header if isinstance(h, str) and normalise(h)]
        if len(distinctive) < MIN_DISTINCTIVE or len(best.matched) < MIN_SHARE * len(labels):
            return []
    return [g for g in guesses if g.score >= best.score / 2][:3]


def mismatch_error(guesses: list[Guess], latest: str | None = None) -> TableError:
    """The FILE-03 error of a file that looks like ``guesses[0]`` without fitting it (``latest``: the latest
    published version of that schema)."""
    best = guesses[0]
    pct = round(100 * best.score)
    more = len(best.missing) - SHOWN
    missing = ", ".join(best.missing[:SHOWN])
    missing_fr = missing + (f" et {more} autre(s)" if more > 0 else "")
    missing_en = missing + (f" and {more} more" if more > 0 else "")
    required_fr = f", dont {len(best.missing_required)} obligatoire(s)" if best.missing_required else ""
    required_en = f", {len(best.missing_required)} of them required" if best.missing_required else ""
    others = [f"{g.ref} ({round(100 * g.score)} %)" for g in guesses[1:]]
    fr = (f"Ces colonnes ressemblent au schéma {best.name} sans y correspondre assez pour être validées : version "
          f"la plus proche {best.version} ({pct} % de correspondance")
    en = (f"These columns look like the schema {best.name} without fitting it well enough to be validated: closest "
          f"version {best.version} ({pct} % match")
    if latest and latest != best.version:
        fr += f" ; dernière version publiée : {latest}"
        en += f"; latest published version: {latest}"
    fr += ")"
    en += ")"
    if best.missing:
        fr += f", {len(best.missing)} colonne(s) du schéma absente(s){required_fr} : {missing_fr}"
        en += f", {len(best.missing)} column(s) of the schema missing{required_en}: {missing_en}"
    if best.extra:
        fr += f" ; {len(best.extra)} colonne(s) inconnue(s) du schéma"
        en += f"; {len(best.extra)} column(s) unknown to the schema"
    if others:
        fr += f". Autres schémas proches : {', '.join(others)}"
        en += f". Other close schemas: {', '.join(others)}"
    fr += (f". Déclarez le schéma du fichier (metadata.yaml, datapackage.json, .auditor.toml ou "
           f"--schema \"fichier={best.name}@{latest or best.version}\") pour le valider, ou reprenez les colonnes du modèle du schéma.")
    en += (f". Declare the file's schema (metadata.yaml, datapackage.json, .auditor.toml or "
           f"--schema \"file={best.name}@{latest or best.version}\") to validate it, or use the columns of the schema's template.")
    return TableError(code="header-schema-error", message={"fr": fr, "en": en})
