"""Workbooks (XLS, ODS) whose reading by Validata is recorded in ``tests/data/validata-workbooks.json``
(`generate_workbooks.py`) and compared in ``tests/test_validata_parity.py``: the two real files of
``<shared>/data/files/xls-ods/`` and a small ODS built here by hand (XML in a ZIP, no office suite needed), each
with the schemas it is validated against. Standard library only: the generator imports it in Validata's
environment, the tests in ours."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

REAL = "data/files/xls-ods"
XLS = f"{REAL}/DEP_Deux Sèvres_Convention_de_subventions_-_CD79.xls"
ODS = f"{REAL}/DEP_Pyrénées Orientales_recensement_conventions_DEFINITIF_pour_publication_.ods"
SUBVENTIONS = "data/schemas/scdl__subventions/2.1.1/schema.json"

# the real XLS file's own columns, typed as a producer would type them: its cells are checked one by one
XLS_SCHEMA = {"fields": [
    {"name": "Autorité administrative", "type": "string"},
    {"name": "SIRET autorité administrative", "type": "string", "constraints": {"pattern": "^\\d{14}$"}},
    {"name": "Date convention", "type": "date"},
    {"name": "Référence délibération\n", "type": "string"},
    {"name": "Nom attributaire", "type": "string"},
    {"name": "N° SIRET attributaire", "type": "string", "constraints": {"pattern": "^\\d{14}$"}},
    {"name": "Objet convention", "type": "string"},
    {"name": "Montant décidé ligne", "type": "integer"},
    {"name": "Nature subvention", "type": "string", "constraints": {"enum": ["Financier", "Matériel"]}},
    {"name": "Date premier mandat ligne", "type": "date", "constraints": {"required": True}},
    {"name": "Date solde ligne", "type": "date"},
]}

ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def cell(value=None, kind: str | None = None, text: str | None = None, repeat: int = 1, xml: str | None = None) -> str:
    """One ``<table:table-cell>``: ``kind`` the office value type, ``value`` its value attribute, ``text`` the text
    shown (escaped), ``xml`` the paragraphs as raw XML instead."""
    attrs = f' table:number-columns-repeated="{repeat}"' if repeat != 1 else ""
    if kind == "string" or (kind is None and text is not None):
        attrs += ' office:value-type="string"'
    elif kind:
        name = {"date": "date-value", "time": "time-value", "boolean": "boolean-value"}.get(kind, "value")
        attrs += f' office:value-type="{kind}" office:{name}="{value}"'
    body = xml if xml is not None else (f"<text:p>{escape(text)}</text:p>" if text is not None else "")
    return f"<table:table-cell{attrs}>{body}</table:table-cell>" if body else f"<table:table-cell{attrs}/>"


def row(*cells: str, repeat: int = 1) -> str:
    attrs = f' table:number-rows-repeated="{repeat}"' if repeat != 1 else ""
    return f"<table:table-row{attrs}>{''.join(cells)}</table:table-row>"


def ods(*rows: str, sheets: int = 1, mimetype_first: bool = True) -> bytes:
    """An ODS workbook whose first sheet holds ``rows`` (a second sheet, when asked, holds one other row)."""
    tables = f'<table:table table:name="Feuille1">{"".join(rows)}</table:table>'
    for k in range(1, sheets):
        tables += f'<table:table table:name="Feuille{k + 1}">{row(cell(text="autre feuille"))}</table:table>'
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS} office:version="1.2">'
               f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>"
               "</office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                'opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
                'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    members = [("mimetype", MIMETYPE, zipfile.ZIP_STORED), ("content.xml", content.encode(), zipfile.ZIP_DEFLATED),
               ("META-INF/manifest.xml", manifest.encode(), zipfile.ZIP_DEFLATED)]
    if not mimetype_first:
        members.reverse()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data, method in members:
            zf.writestr(name, data, compress_type=method)
    return buf.getvalue()


def small_ods() -> bytes:
    """What LibreOffice writes for a small table: typed cells, rich text, a repeated row, a blank row in between,
    the run of empty cells at the end of each row and the empty rows down to row 1 048 576."""
    tail = cell(repeat=1013)
    return ods(
        row(cell(text="nom"), cell(text="montant"), cell(text="taux"), cell(text="date"), cell(text="signée"),
            cell(text="heure"), cell(text="note"), tail),
        row(cell(text="Lille"), cell(40000, "float", "40 000"), cell(0.125, "percentage", "12,50 %"),
            cell("2017-07-24", "date", "24/07/2017"), cell("true", "boolean", "VRAI"),
            cell("PT10H30M00S", "time", "10:30"),
            cell(kind="string", xml='<text:p>deux<text:s text:c="2"/>espaces, <text:span>un lien</text:span></text:p>'
                                    "<text:p>et une ligne</text:p>"), tail),
        row(cell(text="Hem"), cell(12.5, "currency", "12,50 €"), cell(2, "float", "2"),
            cell("2017-07-24T10:30:00", "date", "24/07/2017 10:30"), cell("false", "boolean", "FAUX"), tail,
            repeat=2),
        row(cell(repeat=1020)),
        row(cell(text="Croix"), cell(text="x"), tail),
        row(cell(repeat=1024), repeat=1048570),
    )


def cases(shared: Path) -> dict[str, dict]:
    """name -> {"file": path, "schemas": {label: schema path or inline schema}}."""
    return {
        "xls-deux-sevres": {"file": shared / XLS, "schemas": {"subventions-2.1.1": shared / SUBVENTIONS,
                                                               "own-columns": XLS_SCHEMA}},
        "ods-pyrenees-orientales": {"file": shared / ODS, "schemas": {}},
        "ods-small": {"file": None, "schemas": {"own-columns": SMALL_ODS_SCHEMA}},
    }


SMALL_ODS_SCHEMA = {"fields": [
    {"name": "nom", "type": "string"}, {"name": "montant", "type": "number"}, {"name": "taux", "type": "number"},
    {"name": "date", "type": "date"}, {"name": "signée", "type": "boolean"}, {"name": "heure", "type": "string"},
    {"name": "note", "type": "string"}]}
