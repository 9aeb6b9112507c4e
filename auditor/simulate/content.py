"""The bytes of simulated files: tables that follow the declared SCDL schema's columns,
rendered as CSV (UTF-8 and commas unless the file says otherwise: Windows-1252, a BOM before
Windows-1252 bytes, semicolons), XLSX (with formatted empty rows after the data when asked),
JSON or GeoJSON, and small PDF and ZIP placeholders.

Deterministic: the same dataset always yields the same bytes (so ETags are stable and a
second crawl sees only 304s).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import zipfile

from .world import SimDataset, SimFile

COLUMNS = {
    "prenoms": ["COLL_INSEE", "COLL_NOM", "ENFANT_SEXE", "ENFANT_PRENOM", "NOMBRE_OCCURRENCES", "ANNEE"],
    "equipements": ["COLL_NOM", "COLL_SIRET", "EQUIP_UID", "EQUIP_THEME", "EQUIP_CODE", "EQUIP_TYPE",
                    "EQUIP_NOM", "ADR_NUMERO", "ADR_NOMVOIE", "ADR_CODEPOSTAL", "ADR_COMMUNE",
                    "EQUIP_LAT", "EQUIP_LONG"],
    "subventions": ["nomAttribuant", "idAttribuant", "dateConvention", "referenceDecision",
                    "nomBeneficiaire", "idBeneficiaire", "rnaBeneficiaire", "objet", "montant",
                    "nature", "conditionsVersement", "datesPeriodeVersement", "idRAE",
                    "notificationUE", "pourcentageSubvention", "dispositifAide"],
    "deliberations": ["COLL_NOM", "COLL_SIRET", "DELIB_ID", "DELIB_DATE", "DELIB_MATIERE_CODE",
                      "DELIB_MATIERE_NOM", "DELIB_OBJET", "VOTE_EFFECTIF", "VOTE_POUR",
                      "VOTE_CONTRE", "VOTE_ABSTENTION", "DELIB_URL"],
    "budget": ["BGT_NATDEC", "BGT_ANNEE", "BGT_SIRET", "BGT_NOM", "BGT_CONTNAT", "BGT_CONTNAT_LABEL",
               "BGT_NATURE", "BGT_NATURE_LABEL", "BGT_SECTION", "BGT_OPBUDG", "BGT_CODRD", "BGT_MTREAL"],
    "catalogue": ["COLL_NOM", "COLL_SIRET", "ID", "TITRE", "DESCRIPTION", "THEME", "PRODUCTEUR_NOM",
                  "PRODUCTEUR_SIRET", "COUV_SPAT_MAILLE", "COUV_SPAT_NOM", "COUV_TEMP_DEBUT",
                  "COUV_TEMP_FIN", "DATE_PUBL", "FREQ_MAJ", "DATE_MAJ", "MOTS_CLES", "LICENCE",
                  "NOMBRE_RESSOURCES", "FORMAT_RESSOURCES", "URL"],
    "misc": ["identifiant", "nom", "adresse", "commune", "latitude", "longitude"],
}
COLUMNS["ecoles"] = COLUMNS["parcs-jardins"] = COLUMNS["equipements"]

PRENOMS = ["Léa", "Louis", "Emma", "Gabriel", "Jade", "Raphaël", "Chloé", "Arthur", "Zoé", "Noé"]


def rows(d: SimDataset) -> list[dict[str, object]]:
    rng = random.Random(hashlib.sha1(d.key.encode()).hexdigest())
    cols = COLUMNS.get(d.kind, COLUMNS["misc"])
    out = []
    for i in range(d.rows):
        row: dict[str, object] = {}
        for c in cols:
            row[c] = _value(c, i, d, rng)
        out.append(row)
    return out


def _value(col: str, i: int, d: SimDataset, rng: random.Random) -> object:
    if col in ("COLL_INSEE",):
        return d.owner if d.owner.isdigit() else "59350"
    if col.endswith("_NOM") or col in ("nomAttribuant", "COLL_NOM"):
        return "Hôtel de ville"
    if col in ("ENFANT_PRENOM",):
        return PRENOMS[i % len(PRENOMS)]
    if col == "ENFANT_SEXE":
        return "F" if i % 2 else "M"
    if "invalid-cells" in d.defects and i == 1:
        if "DATE" in col or col.startswith("date"):
            return "31/12/2023"
        if col in ("NOMBRE_OCCURRENCES", "VOTE_EFFECTIF", "montant"):
            return "douze"
    if col in ("NOMBRE_OCCURRENCES", "VOTE_EFFECTIF", "VOTE_POUR", "VOTE_CONTRE", "VOTE_ABSTENTION"):
        return rng.randint(1, 40)
    if col in ("ANNEE", "BGT_ANNEE"):
        return 2020 + i % 5
    if col in ("montant", "BGT_MTREAL"):
        return round(rng.uniform(23001, 150000), 2)
    if col in ("latitude", "EQUIP_LAT"):
        return round(50.6 + rng.uniform(-0.1, 0.1), 6)
    if col in ("longitude", "EQUIP_LONG"):
        return round(3.06 + rng.uniform(-0.1, 0.1), 6)
    if "DATE" in col or col.startswith("date"):
        return f"202{i % 5}-0{1 + i % 9}-1{i % 9}"
    return f"{col.lower()}-{i + 1}"


FORMAT_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIXED = (2024, 1, 1, 0, 0, 0)


def _columns(table: list[dict[str, object]], f: SimFile) -> list[dict[str, object]]:
    return [{k: v for k, v in row.items() if k not in f.drop_columns} for row in table] if f.drop_columns else table


def _xlsx(table: list[dict[str, object]], blank_rows: int) -> bytes:
    """A workbook of ``table``; ``blank_rows`` formatted rows without values after it (what Excel
    leaves when a user formats a row). Same bytes every time (fixed dates), so ETags are stable."""
    from datetime import datetime

    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    header = list(table[0]) if table else ["vide"]
    ws.append(header)
    for row in table:
        ws.append([row[c] for c in header])
    for i in range(blank_rows):
        for col in range(1, len(header) + 1):
            ws.cell(row=len(table) + 2 + i, column=col).font = Font(bold=True)
    wb.properties.created = wb.properties.modified = datetime(*FIXED)
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=FIXED), src.read(info.filename))
    return out.getvalue()


def render(d: SimDataset, f: SimFile, fmt: str | None = None) -> tuple[bytes, str]:
    """``(body, content_type)`` of file ``f`` of dataset ``d`` (``fmt`` overrides its format)."""
    fmt = fmt or f.format
    if fmt == "csv":
        buf = io.StringIO()
        table = _columns(rows(d), f)
        w = csv.DictWriter(buf, fieldnames=list(table[0]) if table else ["vide"], delimiter=f.delimiter)
        w.writeheader()
        w.writerows(table)
        text = buf.getvalue()
        if f.encoding == "cp1252":
            return text.encode("cp1252"), "text/csv; charset=windows-1252"
        if f.encoding == "bom-cp1252":
            return b"\xef\xbb\xbf" + text.encode("cp1252"), "text/csv"
        return text.encode("utf-8"), "text/csv; charset=utf-8"
    if fmt == "xlsx" and f.content == "table":
        return _xlsx(_columns(rows(d), f), f.blank_rows), FORMAT_XLSX
    if fmt == "json":
        return json.dumps(rows(d), ensure_ascii=False).encode(), "application/json; charset=utf-8"
    if fmt == "geojson":
        feats = []
        for r in rows(d):
            lat = float(r.get("latitude") or r.get("EQUIP_LAT") or 50.63)
            lon = float(r.get("longitude") or r.get("EQUIP_LONG") or 3.06)
            feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                          "properties": r})
        body = json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False)
        return body.encode(), "application/geo+json"
    if fmt == "pdf":
        text = f"%PDF-1.4\n% {d.title}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
        return text.encode("utf-8"), "application/pdf"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:  # fixed timestamp: same bytes, same ETag, every time
        z.writestr(zipfile.ZipInfo(f"{d.key}.txt", date_time=(2024, 1, 1, 0, 0, 0)), d.title)
    return buf.getvalue(), "application/zip"
