"""Fichier conforme à son schéma : le contenu suit le schéma déclaré ou reconnu.

Le fichier (CSV, XLSX, JSON) est lu en entier, sans limite de lignes, et validé contre son
schéma de schema.data.gouv.fr : structure (en-têtes manquants, en double, inconnus), lignes
(cellules manquantes ou en trop, lignes vides), types et formats, contraintes (obligatoire,
motif, énumération, bornes, longueur), clés uniques et primaires, et contrôles français de
Validata (SIRET et SIREN avec leur clé de Luhn, comparaisons et cohérence entre colonnes,
sommes, années, horaires d'ouverture, nomenclature des actes, coordonnées GPS). Les données
essentielles de la commande publique (JSON) sont validées contre le schéma JSON officiel.

Le paramètre ``codes`` dit quelles erreurs du rapport de validation relèvent de la règle
(``*`` : toutes celles qu'aucune autre règle ne réclame) ; ``levels`` quels niveaux
(erreur, avertissement). Dans un audit, les erreurs d'un même code et d'une même colonne
forment un seul constat qui les compte, nomme le genre d'erreur en mots (« Format incorrect »)
et cite les premières lignes ; dans une vérification de fichier (``auditor check``, ``auditor
ci``), chaque erreur est un constat, avec sa ligne et sa colonne. Les messages sont ceux du
validateur, en français et en anglais ; la correction est celle du genre d'erreur quand il en a
une propre (SIRET, année, horaires, en-têtes…), sinon celle de la règle.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterator

from .base import CheckContext, Problem

ID = "fichier-conforme"
SCOPE = "file"
PARAMS: dict = {"codes": ["*"], "levels": ["error"]}
EXAMPLES = 5  # rows quoted in a grouped finding


@dataclass
class FileTarget:
    """One validated file: where it is (a path or a URL), its validation report (the
    ``to_dict()`` of a table or DECP report), and which dataset it belongs to, if any."""

    location: str
    report: dict[str, Any]
    dataset: str | None = None
    commune: str | None = None
    portal: str | None = None
    resource: str | None = None  # the resource's key inside its dataset (rules.resource_key), not its URL
    claimed: set[tuple[str, str]] = field(default_factory=set)  # (code, level) named by some rule


def check(target: FileTarget, params: dict, ctx: CheckContext) -> Iterator[Problem]:
    errors = [e for e in target.report.get("errors", []) if _mine(e, params, target)]
    if ctx.extra.get("file_detail", "grouped") == "each":
        seen: dict[tuple, int] = defaultdict(int)
        for e in errors:
            ident = (e["code"], e.get("field"), e.get("cell"))
            seen[ident] += 1
            yield Problem(fr=_text(e, "fr"), en=_text(e, "en"), distribution=target.location,
                          location={"row": e.get("row"), "column": e.get("column"), "field": e.get("field"),
                                    "code": e["code"], "cell": e.get("cell")},
                          key=f"{e['code']}|{e.get('field')}|{e.get('cell')}|{seen[ident]}", fix=_fix(e))
        return
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for e in errors:
        groups[(e["code"], e.get("field"))].append(e)
    for (code, fld), items in groups.items():
        rows = [e["row"] for e in items if e.get("row")]
        first = items[0]
        where_fr = f" dans la colonne « {fld} »" if fld else ""
        where_en = f" in column “{fld}”" if fld else ""
        shown_fr = f" (lignes {', '.join(map(str, rows[:EXAMPLES]))}{'…' if len(rows) > EXAMPLES else ''})" if rows else ""
        shown_en = f" (rows {', '.join(map(str, rows[:EXAMPLES]))}{'…' if len(rows) > EXAMPLES else ''})" if rows else ""
        kind_fr, kind_en = _kind(code)
        yield Problem(
            fr=f"{len(items)} {'avertissement' if first.get('level') == 'warning' else 'erreur'}(s) « {kind_fr} »{where_fr}{shown_fr} ; par exemple : {_text(first, 'fr')}",
            en=f"{len(items)} “{kind_en}” {'warning' if first.get('level') == 'warning' else 'error'}(s){where_en}{shown_en}; e.g. {_text(first, 'en')}",
            distribution=target.location,
            location={"code": code, "field": fld, "count": len(items), "rows": rows[:EXAMPLES],
                      "row": rows[0] if rows else None, "column": first.get("column")},
            key=f"{code}|{fld}", fix=_fix(first))


def _mine(e: dict[str, Any], params: dict, target: FileTarget) -> bool:
    if e.get("level", "error") not in params["levels"]:
        return False
    codes = params["codes"]
    if e["code"] in codes:
        return True
    return "*" in codes and (e["code"], e.get("level", "error")) not in target.claimed


def _kind(code: str) -> tuple[str, str]:
    """The kind of error in words (« Format incorrect »), not its code (``type-error``)."""
    from ...tabular.errors import CODES

    fr, en, _level = CODES.get(code, (code, code, "error"))
    return fr, en


def _fix(e: dict[str, Any]) -> dict[str, str] | None:
    """The fix of this kind of error (a year error is not told about SIRET numbers), None for the rule's own;
    errors of a column's type or constraints keep the rule's (the field they depend on is not known here)."""
    from ...tabular.fixes import FIXES

    code = e["code"]
    if code in FIXES:
        fr, en = FIXES[code]
        return {"fr": fr, "en": en}
    return None


def _text(e: dict[str, Any], lang: str) -> str:
    msg = e.get("message") or {}
    return msg.get(lang) or msg.get("fr") or e["code"]
