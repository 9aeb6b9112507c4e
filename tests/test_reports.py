"""Reports rendered from the store of two simulated months: dashboard, commune sheet, gap
report; HTML, Markdown, CSV, XLSX and JSON; escaping and formula neutralisation of the
hostile titles planted in the second month."""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
from html.parser import HTMLParser

import pytest

from auditor.auditing.scores.datagouv import CRITERIA
from jsonschema import Draft202012Validator
from openpyxl import load_workbook

from auditor.interfaces.cli import main
from auditor.render import csv as csv_out, html, json as json_out, markdown, xlsx
from auditor.render.data import (OBLIGATIONS, ReportError, commune_report, gap_report, obligation_status,
                                 territory_report)
from auditor.render.tables import neutralise
from auditor.render.templates import md_escape, safe_url
from auditor.simulate.evolve import HOSTILE_FORMULA, HOSTILE_HTML, audit_months
from auditor.simulate.generator import generate
from auditor.history.store import Store


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    data = tmp_path_factory.mktemp("reports")
    months = audit_months(generate(7), 2, data, hostile_in=1)
    hostile = [k for d, k in months[1].evolution.planted if d == "hostile-title"]
    world = months[1].world
    hostile_html, hostile_formula = (world.dataset(k) for k in hostile)
    store = Store(data / "auditor.sqlite")
    yield store, months, hostile_html, hostile_formula
    store.close()


class Parsed(HTMLParser):
    """Tags, scripts and visible text of a page, as a browser's parser sees them."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        (self.scripts if self._in_script else self.text).append(data)


def test_dashboard_is_self_contained_and_holds_every_commune(history):
    store, months, hostile, _ = history
    report = territory_report(store)
    page = html.render(report)
    doc = Parsed(page)
    rows = [a for t, a in doc.tags if t == "tr" and a.get("class") == "commune"]
    assert len(rows) == 95 and len({a["data-code"] for a in rows}) == 95
    assert [a for t, a in doc.tags if t == "tr" and a.get("class") == "metropole"][0]["data-code"] == "MEL"
    # nothing fetched: no external script, stylesheet, image or font
    for tag, attrs in doc.tags:
        for attr in ("src", "href"):
            value = attrs.get(attr) or ""
            assert not value or value.startswith(("data:", "#")) or tag == "a", (tag, attrs)
    assert "@import" not in page and "url(" not in page
    # one script, ours, allowed by its hash in the Content-Security-Policy
    assert len(doc.scripts) == 1
    digest = base64.b64encode(hashlib.sha256(doc.scripts[0].encode("utf-8")).digest()).decode()
    csp = next(a["content"] for t, a in doc.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert f"script-src 'sha256-{digest}'" in csp and "default-src 'none'" in csp
    # the hostile title (a new finding this month) is text, not markup
    assert HOSTILE_HTML not in page and "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert any(HOSTILE_HTML in t for t in doc.text)
    # charts: coverage over the two months, two histograms
    assert page.count('<svg class="chart') == 3
    assert len(re.findall(r"<polyline class=\"series\"", page)) == 2 and page.count('<rect class="bar"') == 19


def test_dashboard_totals_and_trend(history):
    store, months, _, _ = history
    report = territory_report(store)
    t = report["totals"]
    assert t["communes"] == 95 and t["bound"] + t["presumed"] + t["not_bound"] == 95
    assert t["changes"]["new"] > 0 and t["changes"]["fixed"] > 0
    assert len(report["changes"]["new"]) == t["changes"]["new"]
    assert [p["as_of"] for p in report["history"]] == ["2026-11-15", "2026-12-15"]
    grants = next(k for d, k in months[1].evolution.fixed if d == "grants-missing")
    owner = months[1].world.dataset(grants).owner  # started publishing its grants
    started = next(c for c in report["communes"] if c["code"] == owner)
    assert started["obligations"]["SUB-01"] == "met" and started["obligations_met_delta"] >= 1
    assert started["changes"]["fixed"] >= 1
    small = [c for c in report["communes"] if (c["population"] or 0) < 3500]
    assert small and all(c["obligations_owed"] == 0 and not c["unmet"] for c in small)
    hist = report["histograms"]
    assert sum(b["count"] for b in hist["mqa"]) == t["datasets"]
    assert len(hist["mqa"]) == 9 and len(hist["datagouv"]) == 10


def test_commune_sheet_groups_findings_by_priority_with_the_fix(history):
    store, months, hostile, _ = history
    report = commune_report(store, hostile.owner)
    assert [g["severity"] for g in report["findings"]] == ["error", "warning", "info"]
    findings = [f for g in report["findings"] for f in g["findings"]]
    assert findings and all(f["fix"] and f["basis"] for f in findings)
    assert len(findings) == len(store.finding_rows(report["run"]["id"], hostile.owner))
    assert {f["change"] for f in findings} <= {"new", "open"} and any(f["change"] == "new" for f in findings)
    assert report["changes"]["open"] + len(report["changes"]["new"]) == len(findings)
    assert any(p["title"] == hostile.title for p in report["publications"])
    page = html.render(report)
    assert HOSTILE_HTML not in page and "&lt;script&gt;" in page
    assert page.index("Priorité 1") < page.index("Priorité 2") < page.index("Priorité 3")
    assert "Comment corriger" in page
    assert "Ce que la commune doit publier" in page and "Ce que la commune publie" in page
    # a commune found by its name too; unknown communes and runs are refused
    assert commune_report(store, "lille")["commune"]["code"] == "59350"
    with pytest.raises(ReportError):
        commune_report(store, "99999")
    with pytest.raises(ReportError):
        territory_report(store, 999)


def test_commune_sheet_shows_what_was_fixed(history):
    store, months, _, _ = history
    grants = next(k for d, k in months[1].evolution.fixed if d == "grants-missing")
    report = commune_report(store, months[1].world.dataset(grants).owner)
    fixed = {f["rule"] for f in report["changes"]["fixed"]}
    assert "SUB-01" in fixed
    owed = {o["rule"]: o["status"] for o in report["owes"]}
    assert owed["SUB-01"] == "met" and set(owed) == set(OBLIGATIONS)
    md = markdown.render(report)
    assert "corrigé : Données essentielles des subventions non publiées" in md


def test_gap_report_ranks_missing_obligations_and_scdl(history):
    store, _, _, _ = history
    report = gap_report(store)
    gaps = report["gaps"]
    counts = [g["communes"] for g in gaps["obligations"]]
    assert counts == sorted(counts, reverse=True) and counts[0] > 10
    assert [r["rank"] for r in gaps["rows"]] == list(range(1, len(gaps["rows"]) + 1))
    kinds = [r["type"] for r in gaps["rows"]]
    assert kinds == sorted(kinds, key=["obligation", "scdl", "scdl-schema"].index)
    t = territory_report(store)
    unmet = sum(len(c["unmet"]) for c in t["communes"])
    assert kinds.count("obligation") == unmet
    by_commune = {c["code"]: c for c in t["communes"]}
    for r in gaps["rows"]:  # a missing grants dataset is one gap (SUB-01), not two
        if r["type"] == "scdl" and r["item"] == "subventions":
            assert by_commune[r["code"]]["obligations"]["SUB-01"] != "unmet"
    page = html.render(report)
    assert "Obligations manquantes" in page and page.count("<tr>") >= len(gaps["rows"])


def test_markdown_reads_as_text_and_escapes(history):
    store, _, hostile, formula = history
    text = markdown.render(territory_report(store))
    assert text.startswith("# Tableau de bord open data du territoire\n")
    assert "\\<script\\>window.\\_\\_pwned=1\\</script\\>" in text and HOSTILE_HTML not in text
    rows = [line for line in text.splitlines() if re.match(r"\| .* \| \d+/\d+ \| ", line)]
    assert len(rows) == sum(1 for c in territory_report(store)["communes"] if c["unmet"])
    assert all(line.count(" | ") == 4 for line in rows)
    assert md_escape("a | b\nc <b>") == "a \\| b c \\<b\\>"
    assert md_escape("- x") == "\\- x" and md_escape("1. x") == "1\\. x"
    sheet = markdown.render(commune_report(store, formula.owner))
    assert "## Constats, par priorité" in sheet and "Comment corriger : " in sheet


def test_csv_is_utf8_bom_semicolon_one_row_per_finding_and_neutralised(history):
    store, _, _, formula = history
    report = territory_report(store, findings=True)
    data = csv_out.render(report)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[:6] == ["Depuis le mois dernier", "Code INSEE", "Commune", "Règle", "Gravité", "Constat"]
    assert len(body) == len(store.finding_rows(report["run"]["id"]))
    assert len({r[-1] for r in body}) == len(body)  # fingerprints
    title_col = header.index("Titre du jeu")
    cell = next(r[title_col] for r in body if HOSTILE_FORMULA in r[title_col])
    assert cell == "'" + formula.title
    for r in body:
        assert not any(v.startswith(("=", "+", "-", "@")) for v in r), r
    communes = list(csv.reader(io.StringIO(csv_out.render(report, "communes")[3:].decode()), delimiter=";"))
    assert len(communes) == 1 + 96  # the 95 communes and the Metropolis
    gaps = list(csv.reader(io.StringIO(csv_out.render(report, "gaps")[3:].decode()), delimiter=";"))
    assert len(gaps) == 1 + len(report["gaps"]["rows"])
    assert [neutralise(v) for v in ("=1+1", "+33", "-2", "@SUM(A1)", "ok", -2)] == \
           ["'=1+1", "'+33", "'-2", "'@SUM(A1)", "ok", -2]


def test_xlsx_sheets_hold_strings_never_formulas(history, tmp_path):
    store, _, _, formula = history
    report = territory_report(store, findings=True)
    path = tmp_path / "r.xlsx"
    path.write_bytes(xlsx.render(report))
    wb = load_workbook(path)
    assert wb.sheetnames == ["Communes", "Constats", "Écarts", "Portails", "Producteurs non attribués",
                             "Qualité data.gouv.fr"]
    assert wb["Qualité data.gouv.fr"].max_row == 1 + len(report["quality"]) and len(report["quality"]) > 100
    # every dataset's nine criteria as udata leaves them (absent when udata omits one) and its score
    for q in report["quality"]:
        assert q["score"] == round(sum(1 for v in q["criteria"].values() if v) / 9, 15)
    rows = list(csv.reader(io.StringIO(csv_out.render(report, "quality")[3:].decode()), delimiter=";"))
    assert rows[0][6:15] == list(CRITERIA) and len(rows) == 1 + len(report["quality"])
    assert {r[6] for r in rows[1:]} <= {"true", "false", ""}
    assert wb["Communes"].max_row == 1 + 96 and wb["Constats"].max_row == 1 + len(report["findings"])
    title_col = [c.value for c in wb["Constats"][1]].index("Titre du jeu") + 1
    hostile = [row[title_col - 1] for row in wb["Constats"].iter_rows(min_row=2) if row[title_col - 1].value
               and HOSTILE_FORMULA in row[title_col - 1].value]
    assert hostile and all(c.data_type == "s" and c.value == "'" + formula.title for c in hostile)
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f" and not (isinstance(c.value, str) and c.value.startswith("="))
    assert isinstance(wb["Communes"]["C2"].value, int)  # numbers stay numbers
    assert load_workbook(io.BytesIO(xlsx.render(territory_report(store, lang="en", findings=True)))).sheetnames == \
        ["Communes", "Findings", "Gaps", "Portals", "Unresolved publishers", "data.gouv.fr quality"]


def test_json_export_follows_its_schema(history):
    store, _, _, _ = history
    schema = json_out.schema()
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    reports = [territory_report(store, findings=True), commune_report(store, "59350"), gap_report(store),
               territory_report(store, 1, findings=True), commune_report(store, "MEL", 1, lang="en")]
    for report in reports:
        doc = json.loads(json_out.render(report))
        errors = [e.message for e in validator.iter_errors(doc)]
        assert not errors, (report["report"], errors[:3])
    broken = json.loads(json_out.render(reports[0]))
    broken["communes"][0]["obligations"]["SUB-01"] = "maybe"
    assert list(validator.iter_errors(broken))


def test_english_reports(history):
    store, _, _, _ = history
    page = html.render(territory_report(store, lang="en"))
    assert '<html lang="en">' in page and "Territory open-data dashboard" in page and "Obligations" in page
    text = markdown.render(commune_report(store, "59350", lang="en"))
    assert text.startswith("# Open-data sheet: Lille") and "### Priority " in text
    # why the duty binds Lille, in English too (it was the stored French sentence: « … habitants et … agents »)
    assert "inhabitants" in text and "habitants" not in text.replace("inhabitants", "")
    assert "habitants" in markdown.render(commune_report(store, "59350"))


def test_obligations_owed_met_and_not_evaluated():
    big = {"code": "1", "kind": "commune", "population": 12000, "agents": None, "status": "presumed"}
    rows = [{"rule": "SUB-01", "waived": False}, {"rule": "ACT-01", "waived": True}]
    st = obligation_status(big, rows, None)
    assert st["SUB-01"] == "unmet" and st["ACT-01"] == "waived" and st["DECP-01"] == "met"
    assert st["RN-PUB-01"] == "met"  # presumed bound: owed
    few_agents = dict(big, agents=20, status="not-bound")
    st = obligation_status(few_agents, [], None)
    assert st["RN-PUB-01"] == "not-owed" and st["SUB-01"] == "met"  # the grants duty has no staff condition
    assert set(obligation_status(dict(big, population=900), [], None).values()) == {"not-owed"}
    assert obligation_status(big, [], ["RN-PUB-01"])["SUB-01"] == "not-evaluated"


def test_links_from_portals_are_http_only():
    assert safe_url("https://example.org/x") == "https://example.org/x"
    assert safe_url("javascript:alert(1)") is None and safe_url(" JavaScript:x") is None and safe_url(None) is None


def test_cli_report_writes_every_format(history, tmp_path, capsys):
    store, _, _, _ = history
    path = str(store.path)
    for fmt in ("html", "md", "csv", "json", "xlsx"):
        out = tmp_path / f"rapport.{fmt}"
        assert main(["report", "--store", path, "--format", fmt, "--output", str(out)]) == 0
        assert out.stat().st_size > 1000
    assert main(["report", "--store", path, "--format", "md", "--commune", "59350"]) == 0
    assert capsys.readouterr().out.startswith("# Fiche open data : Lille")
    assert main(["report", "--store", path, "--format", "json", "--gaps", "--run", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["report"] == "gaps"
    folder = tmp_path / "site"
    folder.mkdir()
    assert main(["report", "--store", path, "--output", str(folder)]) == 0
    assert (folder / "index.html").exists() and (folder / "ecarts.html").exists()
    assert len(list((folder / "communes").glob("*.html"))) == 96
    assert 'href="communes/59350.html"' in (folder / "index.html").read_text("utf-8")
    assert main(["report", "--store", path, "--format", "xlsx"]) == 2  # a file is needed
    assert main(["report", "--store", path, "--commune", "Nulle-Part"]) == 2
    assert main(["report", "--store", path, "--run", "999"]) == 2
    assert main(["report", "--store", str(tmp_path / "absent.sqlite")]) == 2
    assert not (tmp_path / "absent.sqlite").exists()


def _csv(data: bytes, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))


def test_csv_dialects_french_spreadsheets_get_the_decimal_comma_programs_rfc_4180(history):
    store, _, _, _ = history
    report = territory_report(store)
    mqa = {c["code"]: c["mqa"]["points"] for c in report["communes"] if c["mqa"]}
    assert any(isinstance(v, float) and v != int(v) for v in mqa.values())  # decimals to write

    def column(rows, name):
        i = rows[0].index(name)
        return {r[0]: r[i] for r in rows[1:] if r[i]}

    tableur = csv_out.render(report, "communes")  # the default, in French
    assert tableur.startswith(b"\xef\xbb\xbf") and b"\r\n" in tableur
    cells = column(_csv(tableur, ";"), "MQA")
    assert cells and all(re.fullmatch(r"\d+(,\d+)?", v) for v in cells.values())
    assert {code: float(v.replace(",", ".")) for code, v in cells.items()} == mqa
    assert any("," in v for v in cells.values())  # e.g. « MQA;335,26 »
    machine = csv_out.render(report, "communes", "machine")
    assert not machine.startswith(b"\xef\xbb\xbf")
    cells = column(_csv(machine, ","), "MQA")
    assert {code: float(v) for code, v in cells.items()} == mqa and not any("," in v for v in cells.values())
    english = csv_out.render(territory_report(store, lang="en"), "communes")  # English spreadsheets: « , » and point
    assert english.startswith(b"\xef\xbb\xbf") and {c: float(v) for c, v in column(_csv(english, ","), "MQA").items()} == mqa
    with pytest.raises(ValueError):
        csv_out.render(report, "communes", "excel")


def test_cli_output_folders_are_made(history, tmp_path, capsys):
    store, _, _, _ = history
    path = str(store.path)
    assert main(["report", "--store", path, "--output", str(tmp_path / "site") + "/"]) == 0  # did not exist
    assert (tmp_path / "site" / "index.html").is_file() and len(list((tmp_path / "site" / "communes").iterdir())) == 96
    assert main(["report", "--store", path, "--output", str(tmp_path / "sans-extension")]) == 0  # several files
    assert (tmp_path / "sans-extension" / "ecarts.html").is_file()
    assert main(["report", "--store", path, "--output", str(tmp_path / "seul.html")]) == 0  # one file, as named
    assert (tmp_path / "seul.html").is_file()
    assert main(["report", "--store", path, "--format", "csv", "--table", "communes", "--csv-dialect", "machine",
                 "--output", str(tmp_path / "exports") + "/"]) == 0
    rows = _csv((tmp_path / "exports" / "communes.csv").read_bytes(), ",")
    assert rows[0][:2] == ["Code INSEE", "Commune"] and len(rows) == 1 + 96
    assert main(["report", "--store", path, "--format", "csv", "--output", str(tmp_path / "exports")]) == 0
    assert (tmp_path / "exports" / "constats.csv").is_file()  # an existing folder
    assert main(["report", "--store", path, "--format", "md", "--commune", "Lille",
                 "--output", str(tmp_path / "fiches") + "/"]) == 0
    assert (tmp_path / "fiches" / "59350.md").read_text("utf-8").startswith("# Fiche open data : Lille")
    capsys.readouterr()
    (tmp_path / "fichier").write_text("x")
    assert main(["report", "--store", path, "--output", str(tmp_path / "fichier") + "/"]) == 2  # a file is there
    assert "Écriture impossible dans" in capsys.readouterr().err


# -- control characters and bidirectional overrides from the portals ---------------------------------------
# an escape sequence that clears the terminal and retitles it, a NUL, a vertical tab, an 8-bit CSI, and a
# right-to-left override that shows « exe.csv » for « vsc.exe »
HOSTILE_CONTROLS = "\x1b[2J\x1b]0;pwned\x07 Parc\x00\x0b\x9b31m \u202evsc.exe\u2066"
DANGEROUS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def controls(tmp_path_factory):
    """A store of one audit whose portal titles and dataset titles carry control characters."""
    data = tmp_path_factory.mktemp("controls")
    audit_months(generate(7), 1, data)
    with Store(data / "auditor.sqlite") as store:
        store.db.execute("UPDATE portals SET title = ? || title", (HOSTILE_CONTROLS,))
        store.db.execute("UPDATE datasets SET title = ? || title", (HOSTILE_CONTROLS,))
        store.db.commit()
    store = Store(data / "auditor.sqlite")
    yield store
    store.close()


def test_xlsx_export_never_crashes_on_control_characters(controls, tmp_path):
    report = territory_report(controls, findings=True)
    assert any(HOSTILE_CONTROLS in (p["title"] or "") for p in report["portals"])
    wb = load_workbook(io.BytesIO(xlsx.render(report)))  # openpyxl refused the cell: IllegalCharacterError
    titles = [c.value for c in wb["Portails"]["B"][1:]]
    assert titles and all(t.startswith("\ufffd[2J\ufffd]0;pwned\ufffd Parc\ufffd\ufffd\ufffd31m \ufffdvsc.exe\ufffd")
                          for t in titles)
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                assert not (isinstance(c.value, str) and DANGEROUS.search(c.value)), (ws.title, c.coordinate)
    assert main(["report", "--store", str(controls.path), "--format", "xlsx", "--output", str(tmp_path / "r.xlsx")]) == 0


def test_csv_json_markdown_and_html_neutralise_control_characters(controls):
    report = territory_report(controls, findings=True)
    for table in ("findings", "portals", "quality"):
        text = csv_out.render(report, table).decode("utf-8")
        assert HOSTILE_CONTROLS not in text and not DANGEROUS.search(text), table
        assert "\ufffdvsc.exe" in text, table
    # JSON keeps the data exactly, escaped: nothing raw that a terminal would act on
    text = json_out.render(report)
    assert not DANGEROUS.search(text) and "\\u202evsc.exe" in text
    assert any(p["title"].startswith(HOSTILE_CONTROLS) for p in json.loads(text)["portals"])
    sheet = commune_report(controls, "59350")
    shown = next(f for g in sheet["findings"] for f in g["findings"] if f["dataset_title"])
    shown["dataset_title"] = HOSTILE_CONTROLS + shown["dataset_title"]
    for page in (markdown.render(sheet), html.render(sheet), html.render(report), markdown.render(report),
                 html.render(gap_report(controls))):
        assert not DANGEROUS.search(page)
    assert "\ufffdvsc.exe" in html.render(sheet) and "\ufffdvsc.exe" in markdown.render(sheet)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_report_on_a_terminal_cannot_drive_it(controls, monkeypatch):
    for fmt in ("csv", "md", "json", "html"):
        screen = Terminal()
        monkeypatch.setattr("sys.stdout", screen)
        args = ["report", "--store", str(controls.path), "--format", fmt]
        assert main(args + (["--table", "portals"] if fmt == "csv" else [])) == 0
        text = screen.getvalue()
        assert ("vsc.exe" in text or fmt in ("md", "html")) and not DANGEROUS.search(text), fmt  # (no portal titles)
        assert "\r" not in text.replace("\r\n", ""), fmt  # a bare carriage return would overwrite the line


def test_a_portal_failure_is_told_in_the_report_language():
    from auditor.crawling.http import ERROR_CODES, explain, explain_in, failure

    assert all(failure(code, "fr") != failure(code, "en") for code in ERROR_CODES)  # every code in both languages
    stored = explain("gone", "410 Gone", "http://127.0.0.1:9/")
    assert explain_in("gone", stored, "fr") == stored
    assert explain_in("gone", stored, "en") == \
        "portal closed: it answers 410 Gone, it publishes nothing any more (technical detail: 410 Gone ; http://127.0.0.1:9/)"
    assert explain_in("internal-error", "x", "en") == "x"  # a sentence it cannot translate stays as written
