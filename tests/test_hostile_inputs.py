"""Hostile inputs get a clear French error within a bounded time and memory, never a crash or a hang
(issue 11: one regression test per input seen)."""
from __future__ import annotations

import time

from tests.service_helpers import run_cli


def alias_bomb() -> str:
    """A « billion laughs »: nine levels of nine aliases, 10⁹ strings once expanded, in 400 bytes."""
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i in range(ord("b"), ord("k")):
        prev = chr(i - 1)
        text += f"{chr(i)}: &{chr(i)} [{', '.join(['*' + prev] * 9)}]\n"
    return text + "titre: Délibérations\n"


def test_yaml_alias_bomb_in_a_description_is_refused_at_once(tmp_path, capsys):
    path = tmp_path / "metadata.yaml"
    path.write_text(alias_bomb(), encoding="utf-8")
    started = time.monotonic()
    code, out, err = run_cli(capsys, "check", str(path))
    assert time.monotonic() - started < 5
    assert code == 1 and "FILE-01" in out and "alias" in out and "Traceback" not in (out + err)  # a finding


def test_the_service_answers_every_hostile_input_with_a_french_4xx(tmp_path, monkeypatch):
    """Whatever a reader raises on a hostile file (its own clean error, or anything else: recursion, memory,
    a value it did not expect), the page and the API refuse the input with 422 in French, never a 500; a
    JSON body nested too deep, an address nothing can parse and a broken history store likewise."""
    import io
    from html import unescape

    from auditor.interfaces.server.app import ServeOptions, create_app
    from auditor.tabular.source import ReadError

    raised: list[BaseException] = []

    def checker(path, name, schema, lang, options):
        raise raised[-1]

    opts = ServeOptions(store_path=tmp_path / "absent.sqlite", work_dir=tmp_path / "work")
    c = create_app(opts, checker=checker).test_client()
    cases = [(ReadError("unreadable", "Fichier illisible : en-tête de 3 Go.", "Unreadable file."),
              "Fichier illisible : en-tête de 3 Go."),
             (RecursionError("maximum recursion depth exceeded"), "Ce fichier n'a pas pu être vérifié"),
             (MemoryError(), "Ce fichier n'a pas pu être vérifié"),
             (ValueError("could not convert string to float: 'x'"), "Ce fichier n'a pas pu être vérifié"),
             (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), "Ce fichier n'a pas pu être vérifié"),
             (KeyError("rows"), "Ce fichier n'a pas pu être vérifié")]
    for exc, expected in cases:
        raised.append(exc)
        for path in ("/api/v1/check", "/verifier"):
            r = c.post(path, data={"file": (io.BytesIO(b"a,b\n1,2\n"), "x.csv")})
            body = r.get_json()["error"]["message"] if path.startswith("/api/") else unescape(r.get_data(as_text=True))
            assert r.status_code == 422 and expected in body, (exc, path, body[:300])
            assert "Traceback" not in body and "recursion" not in body and "KeyError" not in body
    r = c.post("/api/v1/check?lang=en", data={"file": (io.BytesIO(b"a\n"), "x.csv")})
    assert r.status_code == 422 and r.get_json()["error"]["message"].startswith("This file could not be checked")
    assert not any((tmp_path / "work").iterdir())
    # a JSON body nested a hundred thousand deep
    r = c.post("/api/v1/check", data="[" * 100_000, content_type="application/json")
    assert r.status_code == 400 and "trop imbriqué" in r.get_json()["error"]["message"]
    r = c.post("/api/v1/check", data='{"url": ' + "[" * 100_000 + "]" * 100_000 + "}", content_type="application/json")
    assert r.status_code == 400
    # an address the downloader cannot even parse (no name is ever looked up here)

    def unparsable(url, **kw):
        raise UnicodeError("encoding with 'idna' codec failed")

    monkeypatch.setattr("auditor.crawling.netsafe.download", unparsable)
    r = c.post("/api/v1/check", json={"url": "http://\u202e.example/x.csv"})
    assert r.status_code == 400 and r.get_json()["error"]["message"] == "Adresse illisible : UnicodeError"
    # a history store that is not a database: unavailable for now, not a crash
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"ceci n'est pas une base SQLite" * 100)
    c = create_app(ServeOptions(store_path=broken, work_dir=tmp_path / "work2")).test_client()
    for path in ("/tableau-de-bord", "/ecarts", "/communes/59350", "/api/v1/communes/59350", "/audits", "/api/v1/runs"):
        r = c.get(path)
        assert r.status_code == 503, (path, r.status_code)
        assert "L'historique des audits est illisible" in r.get_data(as_text=True).replace("&#39;", "'"), path


# -- the network (issue: items 5, 6 and 9) ------------------------------------------------------------------------

MALFORMED_URLS = ["http://example.org:99999/subventions.csv", "http://[::1/subventions.csv"]


def test_check_of_a_url_with_a_bad_port_or_broken_ipv6_is_a_usage_error(capsys):
    """`auditor check http://host:99999/…` and `http://[::1/…` gave a traceback and exit 1: a French refusal, exit 2."""
    for url in MALFORMED_URLS:
        started = time.monotonic()
        code, out, err = run_cli(capsys, "check", url)
        assert time.monotonic() - started < 5
        assert code == 2 and "adresse invalide" in err and "Traceback" not in (out + err), (url, out, err)


def test_service_refuses_a_url_with_a_bad_port_or_broken_ipv6(tmp_path):
    """The same URLs gave HTTP 500 in the service: a 400 with the French reason."""
    from auditor.interfaces.server.app import ServeOptions, create_app
    from tests.schema_server import SchemaServer

    with SchemaServer() as schemas:
        opts = ServeOptions(store_path=tmp_path / "absent.sqlite", work_dir=tmp_path / "work",
                            schema_base=schemas.url, cache_dir=tmp_path / "cache")
        client = create_app(opts).test_client()
        for url in MALFORMED_URLS:
            r = client.post("/api/v1/check", json={"url": url})
            assert r.status_code == 400 and "adresse invalide" in r.get_json()["error"]["message"], r.get_data()


def test_two_slow_urls_do_not_hold_the_service(tmp_path):
    """Two URLs that trickle their bytes held the service 100 s (its health check timed out): each check ends
    at the service's url_timeout, and the health check answers meanwhile."""
    import threading

    import requests

    from auditor.interfaces.server.app import ServeOptions, create_app
    from tests.schema_server import SchemaServer
    from tests.service_helpers import waitress_server
    from tests.test_deadlines import Trickler

    with SchemaServer() as schemas, Trickler() as slow:
        opts = ServeOptions(store_path=tmp_path / "absent.sqlite", work_dir=tmp_path / "work",
                            schema_base=schemas.url, cache_dir=tmp_path / "cache", allow_private_urls=True,
                            url_timeout=2.0)
        with waitress_server(create_app(opts), opts, threads=4) as base:
            answers: list[tuple[int, float]] = []

            def check(path: str) -> None:
                started = time.monotonic()
                r = requests.post(base + "/api/v1/check", json={"url": slow.base + path}, timeout=30)
                answers.append((r.status_code, time.monotonic() - started))

            workers = [threading.Thread(target=check, args=(p,)) for p in ("/headers", "/body")]
            for w in workers:
                w.start()
            time.sleep(0.5)
            started = time.monotonic()
            assert requests.get(base + "/api/v1/health", timeout=5).status_code == 200
            assert time.monotonic() - started < 1
            for w in workers:
                w.join(30)
    assert sorted(code for code, _ in answers) == [422, 422]
    assert all(took < 2 + 1.5 for _, took in answers), answers


# -- the readers' budgets (issue: items 1, 2, 3, 4, 9 and 10) ------------------------------------------------------
# Each hostile file is checked by `auditor check` in a child process limited to 1 GiB of address space and 60 s;
# the child reports its exit code, its output and its own peak resident memory. Every reading budget is in
# auditor/tabular/budgets.py.

_CHILD = r"""
import contextlib, io, json, resource, sys, time, traceback
limit = int(sys.argv[1]) << 20
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from auditor.interfaces.cli import main
out, err = io.StringIO(), io.StringIO()
started = time.monotonic()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    try:
        code = main(sys.argv[2:])
    except BaseException:
        traceback.print_exc()
        code = "crash"
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB; counts the parent's image before exec:
try:                                                         # VmHWM is this process's own peak
    peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    pass
print(json.dumps({"code": code, "out": out.getvalue(), "err": err.getvalue(),
                  "seconds": time.monotonic() - started, "rss_mib": peak / 1024}), file=sys.__stdout__)
"""


def run_bounded(*argv: str, memory_mib: int = 1024, timeout: float = 60) -> dict:
    """``auditor *argv`` in a child process with ``memory_mib`` MiB of address space: its exit code, output
    (``doc``: the JSON document when ``--format json`` was given), seconds and peak resident memory (MiB)."""
    import json
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", _CHILD, str(memory_mib), *argv], capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "Traceback" not in result["out"] + result["err"], result["err"][-2000:]
    if "--format" in argv and result["out"].strip():
        result["doc"] = json.loads(result["out"])
    return result


def _check_args(tmp_path, *extra: str) -> list[str]:
    from tests.schema_server import SCHEMAS

    return ["--schemas", str(SCHEMAS), "--cache-dir", str(tmp_path / "cache"), "--format", "json", *extra]


def _messages(result: dict) -> list[tuple[str, str]]:
    """(rule, French message) of every finding, the reading errors' own messages included."""
    out = []
    for r in result["doc"]["results"]:
        for f in r["findings"]:
            out.append((f["rule"], _fr(f["detail"])))
        for e in (r.get("report") or {}).get("errors", []):
            out.append(("report", e["message"]["fr"]))
    return out


def _fr(text) -> str:
    return (text.get("fr") or "") if isinstance(text, dict) else (text or "")


def _assert_refused(result: dict, *needles: str, seconds: float = 20, mib: float = 512) -> None:
    """A FILE-01 finding whose message holds every needle, within ``seconds`` and ``mib``."""
    assert result["code"] == 1, result
    assert result["seconds"] < seconds and result["rss_mib"] < mib, (result["seconds"], result["rss_mib"])
    messages = _messages(result)
    assert any(rule == "FILE-01" for rule, _ in messages), messages
    text = " ".join(m for _, m in messages)
    for needle in needles:
        assert needle in text, (needle, text[:2000])


TABLE_SCHEMA = {"fields": [{"name": "id", "type": "integer"}, {"name": "nom", "type": "string"},
                           {"name": "montant", "type": "number"}]}


def _schema_file(tmp_path) -> str:
    import json

    path = tmp_path / "schema.json"
    path.write_text(json.dumps(TABLE_SCHEMA), encoding="utf-8")
    return str(path)


def test_csv_row_of_100_000_separators_is_refused_at_that_row_in_bounded_memory(tmp_path):
    """Item 1: 100 000 normal rows then one row of 100 000 « ; » passed 8 GB in 21 s (ragged rows were merged column
    by column); 500 KB of « ; » alone took 1.8 GB. A row may have at most 16 384 cells: the rows before it are
    validated, the row stops the reading with a FILE-01 naming it."""
    from auditor.tabular.budgets import fmt

    path = tmp_path / "subventions.csv"
    rows = "".join(f"{i};n{i};{i}\n" for i in range(100_000))
    path.write_text("id;nom;montant\n" + rows + ";" * 100_000 + "\n", encoding="utf-8")
    result = run_bounded("check", str(path), "--schema", _schema_file(tmp_path), *_check_args(tmp_path))
    _assert_refused(result, f"La ligne 100002 compte {fmt(100_001)} cellules", f"limite de {fmt(16_384)} colonnes")
    assert result["doc"]["results"][0]["report"]["rows"] == 100_000
    semis = tmp_path / "semis.csv"
    semis.write_text(";" * 500_000, encoding="utf-8")
    for args in ([], ["--schema", _schema_file(tmp_path)]):
        _assert_refused(run_bounded("check", str(semis), *args, *_check_args(tmp_path)), "L'en-tête compte",
                        seconds=10, mib=256)


def test_yaml_alias_bomb_in_a_zip_sent_to_the_service_is_a_finding(tmp_path):
    """Item 2: the alias bomb of a description is refused (auditor/selfcheck/describe.py load_yaml) also when it comes
    inside a ZIP of a few hundred bytes posted to the service, and through `auditor check`."""
    import io
    import zipfile

    from auditor.interfaces.server.app import ServeOptions, create_app
    from tests.schema_server import SchemaServer

    archive = tmp_path / "jeu.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("metadata.yaml", alias_bomb())
    assert archive.stat().st_size < 400
    with SchemaServer() as schemas:
        opts = ServeOptions(store_path=tmp_path / "absent.sqlite", work_dir=tmp_path / "work",
                            schema_base=schemas.url, cache_dir=tmp_path / "cache")
        client = create_app(opts).test_client()
        started = time.monotonic()
        r = client.post("/api/v1/check", data={"file": (io.BytesIO(archive.read_bytes()), "jeu.zip")})
        assert time.monotonic() - started < 5
    body = r.get_json()
    assert r.status_code == 200 and body["kind"] == "archive", body
    assert any(f["rule"] == "FILE-01" and "alias" in _fr(f["detail"]) for f in body["findings"]), body["findings"]
    _assert_refused(run_bounded("check", str(archive), *_check_args(tmp_path)), "alias", seconds=10, mib=256)


def _raw_zip(path, members: dict[str, bytes], bomb: tuple[str, int] | None = None) -> None:
    """A ZIP of ``members`` (deflated) and, with ``bomb`` = (name, size), a member of ``size`` bytes of « A »
    inside an XML text element, compressed by blocks of 1 MiB each flushed in full (about 1 KB per MiB): the
    decompression bomb is real (its CRC is right), written in a second."""
    import struct
    import zlib

    entries = []
    with open(path, "wb") as out:
        def member(name: str, data: bytes, crc: int, size: int) -> None:
            raw = name.encode()
            offset = out.tell()
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size, len(raw), 0))
            out.write(raw)
            out.write(data)
            entries.append((raw, crc, len(data), size, offset))

        for name, content in members.items():
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            member(name, c.compress(content) + c.flush(), zlib.crc32(content), len(content))
        if bomb is not None:
            name, size = bomb
            head, tail = b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/' \
                b'main" count="1" uniqueCount="1"><si><t>', b"</t></si></sst>"
            block = b"A" * (1 << 20)
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
            again = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
            blocks = size >> 20
            crc = zlib.crc32(head)
            for _ in range(blocks):
                crc = zlib.crc32(block, crc)
            crc = zlib.crc32(tail, crc)
            data = first + again * blocks + c.compress(tail) + c.flush()
            member(name, data, crc, len(head) + (blocks << 20) + len(tail))
        start = out.tell()
        for raw, crc, csize, size, offset in entries:
            out.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, csize, size, len(raw),
                                  0, 0, 0, 0, 0, offset))
            out.write(raw)
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), out.tell() - start, start, 0))


_MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _xlsx_parts(sheet: str, shared: bool = False) -> dict[str, bytes]:
    """The parts of a one-sheet workbook whose sheet XML is ``sheet`` (``<row>`` elements)."""
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                               'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                               'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                               f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
                               f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/>'
                               + (f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml"/>'
                                  if shared else "") + "</Types>",
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                       f'relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
                       "</Relationships>",
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook {_MAIN} xmlns:r="{rel}"><sheets><sheet name="S" '
                           'sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                                      f'package/2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" '
                                      'Target="worksheets/sheet1.xml"/>'
                                      + (f'<Relationship Id="rId2" Type="{rel}/sharedStrings" '
                                         'Target="sharedStrings.xml"/>' if shared else "") + "</Relationships>",
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0"?><worksheet {_MAIN}>{sheet}</worksheet>',
    }
    return {k: v.encode() for k, v in parts.items()}


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def test_xlsx_shared_strings_of_1_gb_are_refused_before_being_read(tmp_path):
    """Item 3: a 1 MB upload whose shared-strings table decompresses to 1 GB took the service to 4.2 GB. Every part
    of a workbook is checked before openpyxl reads it: its declared size (which zipfile enforces) and its ratio."""
    path = tmp_path / "bombe.xlsx"
    parts = _xlsx_parts('<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>', shared=True)
    _raw_zip(path, parts, bomb=("xl/sharedStrings.xml", 1 << 30))
    assert path.stat().st_size < 1_200_000
    result = run_bounded("check", str(path), *_check_args(tmp_path))
    _assert_refused(result, "xl/sharedStrings.xml", "compressée", "bombe de décompression", seconds=10, mib=256)


def test_xlsx_cell_at_xfd1048576_is_read_lazily_in_bounded_time_and_memory(tmp_path):
    """Item 4: a 4.8 KB workbook with one cell at XFD1048576 spun a CPU without end. The gap rows are one shared
    row, a far cell does not widen the rows read, and a sheet both tall and wide stops at the cell budget; the
    same holds with a shared-strings header, and an ODS file whose one cell is in its last row is refused at once
    (its first row, the header, is empty: the million empty rows above that cell are never built)."""
    from openpyxl.utils import get_column_letter

    far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    dim = '<dimension ref="A1:XFD1048576"/>'
    header = '<row r="1">' + _cell("A1", "id") + _cell("B1", "nom") + "</row>"
    shared_header = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    wide = '<row r="1">' + "".join(_cell(f"{get_column_letter(k)}1", f"c{k}") for k in range(1, 16385)) + "</row>"
    cases = {"seule.xlsx": (dim + f"<sheetData>{far}</sheetData>", False),
             "loin.xlsx": (dim + f"<sheetData>{header}{far}</sheetData>", False),
             "partages.xlsx": (dim + f"<sheetData>{shared_header}{far}</sheetData>", True),
             "large.xlsx": (dim + f"<sheetData>{wide}{far}</sheetData>", False)}
    for name, (sheet, shared) in cases.items():
        parts = _xlsx_parts(sheet, shared)
        if shared:
            parts["xl/sharedStrings.xml"] = (f'<?xml version="1.0"?><sst {_MAIN} count="2" uniqueCount="2"><si><t>id'
                                             '</t></si><si><t>nom</t></si></sst>').encode()
        _raw_zip(tmp_path / name, parts)
    assert (tmp_path / "seule.xlsx").stat().st_size < 5000
    _assert_refused(run_bounded("check", str(tmp_path / "seule.xlsx"), *_check_args(tmp_path)),
                    "La première ligne de la première feuille du classeur est vide", seconds=10, mib=256)
    for name in ("loin.xlsx", "partages.xlsx"):
        result = run_bounded("check", str(tmp_path / name), *_check_args(tmp_path))
        assert result["code"] == 0 and result["seconds"] < 20 and result["rss_mib"] < 256, result
        assert result["doc"]["results"][0]["report"]["rows"] == 1_048_575
    result = run_bounded("check", str(tmp_path / "large.xlsx"), "--schema", _schema_file(tmp_path),
                         *_check_args(tmp_path))
    _assert_refused(result, "Lecture arrêtée à la ligne", "cellules (lignes × colonnes", seconds=30)
    ods = tmp_path / "loin.ods"
    content = ('<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
               'office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"><office:body>'
               '<office:spreadsheet><table:table><table:table-row table:number-rows-repeated="1048575">'
               '<table:table-cell table:number-columns-repeated="16384"/></table:table-row><table:table-row>'
               '<table:table-cell office:value-type="float" office:value="1"/></table:table-row></table:table>'
               '</office:spreadsheet></office:body></office:document-content>')
    import zipfile

    with zipfile.ZipFile(ods, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    _assert_refused(run_bounded("check", str(ods), *_check_args(tmp_path)),
                    "La première ligne de la première feuille du classeur est vide", seconds=10, mib=256)


def test_json_nested_deep_is_a_finding_in_bounded_memory(tmp_path):
    """Item 9: 40 KB of « [ » in a DECP file took 1 GB (ijson's prefixes grow with the square of the depth); a JSON
    table nested over 1 000 levels raised RecursionError. Nesting is limited to 100 levels, checked as read."""
    decp = tmp_path / "decp.json"
    decp.write_text('{"marches": ' + "[" * 20_000 + "]" * 20_000 + "}", encoding="utf-8")
    _assert_refused(run_bounded("check", str(decp), *_check_args(tmp_path)), "imbriqué sur plus de 100 niveaux",
                    seconds=10, mib=256)
    table = tmp_path / "table.json"
    table.write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    _assert_refused(run_bounded("check", str(table), *_check_args(tmp_path)), "imbriqué sur plus de 100 niveaux",
                    seconds=10, mib=256)


def test_lone_escaped_surrogate_is_a_finding(tmp_path):
    """Item 9: « \\udcff » in a JSON table or a DECP file gave a traceback (no UTF-8 text can hold it)."""
    table = tmp_path / "table.json"
    table.write_text('[{"id": "1", "nom": "x\\udcff", "montant": "2"}]', encoding="utf-8")
    result = run_bounded("check", str(table), "--schema", _schema_file(tmp_path), *_check_args(tmp_path))
    _assert_refused(result, "La ligne 2 contient un caractère invalide", seconds=10, mib=256)
    decp = tmp_path / "decp.json"
    decp.write_text('{"marches": [{"id": "\\udcff", "acheteur": {"id": "1"}}]}', encoding="utf-8")
    _assert_refused(run_bounded("check", str(decp), *_check_args(tmp_path)), "caractère invalide",
                    seconds=10, mib=256)


def test_xlsx_holding_a_control_character_reference_is_a_finding(tmp_path):
    """Item 9: « &#1; » (not allowed in XML 1.0) in a sheet gave a traceback when it came after the header (a sheet
    with a dimension is parsed only as its rows are read)."""
    rows = '<row r="1">' + _cell("A1", "id") + _cell("B1", "nom") + _cell("C1", "montant") + "</row>"
    rows += "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c>{_cell(f"B{r}", "x")}<c r="C{r}"><v>1</v></c></row>'
                    for r in range(2, 3000))
    for name, where in (("debut.xlsx", 2), ("fin.xlsx", 2500)):
        sheet = rows.replace(_cell(f"B{where}", "x"), _cell(f"B{where}", "a&#1;b"))
        _raw_zip(tmp_path / name, _xlsx_parts(f'<dimension ref="A1:C2999"/><sheetData>{sheet}</sheetData>'))
        result = run_bounded("check", str(tmp_path / name), "--schema", _schema_file(tmp_path),
                             *_check_args(tmp_path))
        _assert_refused(result, "Le classeur XLSX est illisible ou corrompu", seconds=10, mib=256)


def test_truncated_utf16_csv_is_a_finding(tmp_path):
    """Item 9: a UTF-16 CSV cut in the middle of a character gave a traceback once validated."""
    path = tmp_path / "utf16.csv"
    path.write_bytes("id;nom;montant\n1;abc;2\n2;déf;3\n".encode("utf-16")[:-1])
    result = run_bounded("check", str(path), "--schema", _schema_file(tmp_path), *_check_args(tmp_path))
    _assert_refused(result, "n'est pas un texte UTF-16 valide", seconds=10, mib=256)


def test_descriptions_with_odd_types_are_findings(tmp_path):
    """Item 9: `contributors: 5`, a huge integer as a date, a date in year 9999 (the checks overflow), nesting deeper
    than 100 levels and a lone surrogate gave tracebacks: each is a FILE-01 finding naming the problem."""
    cases = {"contributors: 5\n": "« contributors » doit être une liste",
             "ressources: 3\n": "« ressources » doit être une liste",
             "date_publication: " + "9" * 400 + "\n": "« date_publication » n'est pas une date",
             "date_mise_a_jour: " + "9" * 5000 + "\n": "nombre de plus de 4 300 chiffres",
             "date_mise_a_jour: 9999-12-31\n": "n'est pas une date plausible",
             "description: " + "[" * 3000 + "]" * 3000 + "\n": "imbriqué",
             'titre: "x\\udcff"\n': "caractère invalide"}
    for k, (body, needle) in enumerate(cases.items()):
        folder = tmp_path / f"jeu{k}"
        folder.mkdir()
        (folder / "metadata.yaml").write_text("titre: Subventions\nlicence: Licence Ouverte v2.0\n" + body,
                                              encoding="utf-8")
        _assert_refused(run_bounded("check", str(folder / "metadata.yaml"), *_check_args(tmp_path)), needle,
                        seconds=10, mib=256)
    package = tmp_path / "datapackage.json"
    package.write_text('{"title": "x", "contributors": 5, "created": ' + "1" * 400 + "}", encoding="utf-8")
    _assert_refused(run_bounded("check", str(package), *_check_args(tmp_path)), "« contributors » doit être une liste",
                    seconds=10, mib=256)


def test_zip_with_an_overlong_name_or_a_file_and_folder_of_one_name_is_refused(tmp_path):
    """Item 9: a member name over 255 bytes, or « x.csv » then « x.csv/y.csv », gave a traceback (exit 1, HTTP 500
    in the service): a French refusal, exit 2 and 422."""
    import io
    import zipfile

    from auditor.interfaces.server.app import ServeOptions, create_app
    from tests.schema_server import SchemaServer

    cases = {"long.zip": ({"a" * 300 + ".csv": "a,b\n1,2\n"}, "est trop long"),
             "double.zip": ({"x.csv": "a,b\n1,2\n", "x.csv/y.csv": "a,b\n1,2\n"}, "à la fois un fichier et un dossier"),
             "inverse.zip": ({"x/y.csv": "a,b\n1,2\n", "X": "a,b\n1,2\n"}, "à la fois un fichier et un dossier")}
    with SchemaServer() as schemas:
        opts = ServeOptions(store_path=tmp_path / "absent.sqlite", work_dir=tmp_path / "work",
                            schema_base=schemas.url, cache_dir=tmp_path / "cache")
        client = create_app(opts).test_client()
        for name, (members, needle) in cases.items():
            path = tmp_path / name
            with zipfile.ZipFile(path, "w") as zf:
                for member, text in members.items():
                    zf.writestr(member, text)
            result = run_bounded("check", str(path), *_check_args(tmp_path))
            assert result["code"] == 2 and needle in result["err"] and result["seconds"] < 10, result
            r = client.post("/api/v1/check", data={"file": (io.BytesIO(path.read_bytes()), name)})
            assert r.status_code == 422 and needle in r.get_json()["error"]["message"], r.get_data()
    assert not (tmp_path / "work").exists() or not any((tmp_path / "work").iterdir())


def test_csv_field_of_several_megabytes_is_read_whole(tmp_path):
    """Item 10: a valid CSV with one field over ~1.5 MB (a large geo_shape) was « unreadable, 0 rows » (pyarrow's
    block size): a record longer than a block is read by the csv module, the rows before and after it too."""
    from auditor.tabular.reader import open_table

    shape = '{""type"": ""Polygon"", ""coordinates"": [[' + ", ".join(f"[3.{k:06d}, 50.{k:06d}]"
                                                                     for k in range(80_000)) + "]]}"
    path = tmp_path / "contours.csv"
    rows = [f'{k},commune {k},"{shape if k == 500 else "{}"}"' for k in range(1, 1001)]
    path.write_text("id,nom,geo_shape\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert path.stat().st_size > 1_500_000
    source = open_table(path)
    cells = []
    for batch in source.batches():
        cells += batch.record.column(2).to_pylist()
    assert len(cells) == 1000 and len(cells[499]) == len(shape.replace('""', '"')) and cells[500] == "{}"
    schema = tmp_path / "schema.json"
    schema.write_text('{"fields": [{"name": "id", "type": "integer"}, {"name": "nom", "type": "string"}, '
                      '{"name": "geo_shape", "type": "string"}]}', encoding="utf-8")
    result = run_bounded("check", str(path), "--schema", str(schema), *_check_args(tmp_path))
    assert result["code"] == 0 and result["doc"]["results"][0]["report"]["rows"] == 1000, result
    assert result["seconds"] < 20 and result["rss_mib"] < 512
