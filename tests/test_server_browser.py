"""The self-check page of ``auditor serve`` in headless Chromium (Debian's chromium and chromedriver,
driven by selenium, as in tests/test_browser.py) against a real waitress server: a valid and an
invalid SCDL example are uploaded through the form and the verdict, the grouped errors (the fix once per
group, no regex nor code outside the small labels) and the preview with its highlighted cells read; the
schema picker is searched by name, a version picked, and an unusable schema version is never called
compliant; an oversized file, on a server started with a tiny upload limit, gets a clear refusal in French."""
from __future__ import annotations

import time

import pytest

from auditor.interfaces.server.app import ServeOptions, create_app
from tests.schema_server import SCHEMAS, SchemaServer
from tests.service_helpers import waitress_server
from tests.test_browser import browser  # noqa: F401 - the shared headless Chromium fixture

from selenium.webdriver.common.by import By  # noqa: E402 (test_browser skips first when selenium is missing)
from selenium.webdriver.support.ui import Select  # noqa: E402

SUB = SCHEMAS / "scdl__subventions" / "2.1.1"
VALID = SUB / "exemple_valide.csv"
CELLS = SUB / "exemple_invalide_erreurs_cellules.csv"

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Two real servers: the default upload limit, and a tiny one (2 Ko)."""
    root = tmp_path_factory.mktemp("serve-browser")
    with SchemaServer() as schemas:
        made = {}
        opts = {}
        for name, limit in (("normal", 50 * 1024 * 1024), ("tiny", 2048)):
            opts[name] = ServeOptions(store_path=root / "absent.sqlite", work_dir=root / name / "work",
                                      max_upload=limit, schema_base=schemas.url,
                                      cache_dir=root / "cache")
            made[name] = create_app(opts[name])
        with waitress_server(made["normal"], opts["normal"]) as normal, \
                waitress_server(made["tiny"], opts["tiny"]) as tiny:
            yield {"normal": normal, "tiny": tiny}
    for name in ("normal", "tiny"):
        assert not any((root / name / "work").iterdir())  # every upload was removed


def submit(driver, base: str, path, schema: str | None = None) -> None:
    driver.get(f"{base}/")
    driver.find_element(By.ID, "file").send_keys(str(path))
    if schema is not None:
        Select(driver.find_element(By.ID, "schema")).select_by_value(schema)
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.ID, "submit").click()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if old.id != driver.find_element(By.TAG_NAME, "html").id and \
                    driver.execute_script("return document.readyState") == "complete":
                return
        except Exception:  # noqa: BLE001 - the page is being replaced
            pass
        time.sleep(0.05)
    raise AssertionError("the result page did not load")


def problems(driver) -> list[dict]:
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_valid_example_is_compliant(browser, servers):  # noqa: F811
    browser.get(f"{servers['normal']}/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Vérifier un fichier de données"
    assert browser.find_element(By.ID, "max-size").text == "Taille maximale : 50 Mo."
    options = [o.get_attribute("value") for o in browser.find_elements(By.CSS_SELECTOR, "#schema option")]
    assert options[0] == "" and "scdl/subventions" in options and "scdl/subventions@2.1.0" in options
    submit(browser, servers["normal"], VALID, schema="scdl/subventions")
    assert browser.find_element(By.ID, "verdict").text == "Fichier conforme"
    assert "scdl/subventions" in browser.find_element(By.TAG_NAME, "body").text
    assert "29 lignes lues" in browser.find_element(By.TAG_NAME, "body").text
    assert "décret n° 2017-779" in browser.find_element(By.ID, "basis").text
    assert not browser.find_elements(By.ID, "findings") and not browser.find_elements(By.CSS_SELECTOR, "td.bad")
    assert problems(browser) == []


def test_invalid_example_shows_grouped_errors_and_highlighted_cells(browser, servers):  # noqa: F811
    submit(browser, servers["normal"], CELLS)  # schema left to the guess
    verdict = browser.find_element(By.ID, "verdict").text
    assert verdict.startswith("Fichier non conforme — 65 erreur(s) en ") and verdict.endswith("groupe(s) à corriger")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "(deviné, certain)" in body and "À corriger" in body
    groups = browser.find_elements(By.CSS_SELECTOR, "#groups section.group")
    heads = [g.find_element(By.TAG_NAME, "h3").text for g in groups]
    assert len(groups) == int(verdict.split(" en ")[1].split()[0]) + 1  # the errors' groups and one warning
    siret = next(g for g, h in zip(groups, heads) if h.startswith("Colonne 2 « idAttribuant » — Numéro SIRET"))
    assert "29 ligne(s)" in siret.text and "FILE-06 · french-siret-value" in siret.find_element(
        By.CSS_SELECTOR, "code.label").text
    # the fix once per group (not on each of the 49 SIRET rows), the examples without row and column inside
    fixes = browser.find_elements(By.CSS_SELECTOR, "#groups p.fix")
    assert len(fixes) == len(groups)
    assert body.count("Retrouver chaque numéro SIRET") == 2  # idAttribuant and idBeneficiaire
    examples = siret.find_elements(By.CSS_SELECTOR, "table.examples tbody tr")
    assert [[td.text for td in r.find_elements(By.TAG_NAME, "td")] for r in examples] == [
        ["2", "21860194600000", "La valeur « 21860194600000 » n'est pas un numéro SIRET français valide."],
        ["7", "218601946", "La valeur « 218601946 » n'est pas un numéro SIRET français valide."]]
    # plain French: no regex, and codes only in the small labels
    assert "\\d" not in body and "^W" not in body and "Ligne 5, colonne 3" not in body
    labels = " ".join(e.text for e in browser.find_elements(By.CSS_SELECTOR, "code.label"))
    assert body.count("type-error") == labels.count("type-error") > 0
    rna = next(g for g, h in zip(groups, heads) if "rnaBeneficiaire" in h)
    assert "« W380475558 »" in rna.find_element(By.CSS_SELECTOR, "p.fix").text
    assert "Numéro d'identification RNA" in rna.find_element(By.CSS_SELECTOR, "p.expected").text
    # the preview: the first rows, the faulty cells highlighted and linked to their group
    preview = browser.find_element(By.ID, "preview")
    rows = preview.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == 15 and rows[0].find_element(By.TAG_NAME, "th").text == "2"
    date_cell = rows[3].find_elements(By.TAG_NAME, "td")[2]  # row 5, column 3
    assert date_cell.text == "05/12/2016" and "bad" in date_cell.get_attribute("class")
    assert date_cell.get_attribute("title") == "Format incorrect (date attendue)"
    assert date_cell.value_of_css_property("background-color") == "rgba(253, 236, 234, 1)"
    plain_cell = rows[0].find_elements(By.TAG_NAME, "td")[0]
    assert plain_cell.text == "Ville de Poitiers" and "bad" not in (plain_cell.get_attribute("class") or "")
    bad = preview.find_elements(By.CSS_SELECTOR, "td.bad")
    assert 20 < len(bad) < 15 * 15
    date_cell.find_element(By.TAG_NAME, "a").click()
    target = browser.execute_script("return location.hash")
    assert "dateConvention" in browser.find_element(By.CSS_SELECTOR, f"{target} h3").text
    # every finding stays available, folded, without its location repeated
    details = browser.find_element(By.ID, "all-findings")
    assert details.get_attribute("open") is None
    assert problems(browser) == []
    browser.find_element(By.LINK_TEXT, "Vérifier un autre fichier").click()
    assert browser.find_element(By.ID, "file").is_displayed()


def test_schema_picker_searches_by_name_and_offers_versions(browser, servers):  # noqa: F811
    browser.get(f"{servers['normal']}/")
    search = browser.find_element(By.ID, "schema-search")
    every = len(browser.find_elements(By.CSS_SELECTOR, "#schema optgroup"))
    assert every > 50
    search.send_keys("subvention")
    shown = browser.find_elements(By.CSS_SELECTOR, "#schema optgroup")
    assert 1 <= len(shown) < every and all("subvention" in g.get_attribute("label").lower() for g in shown)
    assert browser.find_element(By.ID, "schema-count").text.endswith("correspondent : choisissez la version.")
    versions = [o.get_attribute("value") for o in shown[0].find_elements(By.TAG_NAME, "option")]
    assert versions[:3] == ["scdl/subventions", "scdl/subventions@2.1.0", "scdl/subventions@2.0.2"]
    # accents and case ignored; every word must match
    search.clear()
    search.send_keys("DELIBERATIONS scdl")
    assert [g.get_attribute("data-name") for g in browser.find_elements(By.CSS_SELECTOR, "#schema optgroup")] == [
        "scdl/deliberations"]
    search.clear()
    search.send_keys("aucun schéma ne s'appelle ainsi")
    assert not browser.find_elements(By.CSS_SELECTOR, "#schema optgroup")
    assert browser.find_element(By.ID, "schema-count").text == "Aucun schéma ne correspond."
    search.clear()
    search.send_keys("subventions")
    Select(browser.find_element(By.ID, "schema")).select_by_value("scdl/subventions@2.1.0")
    browser.find_element(By.ID, "file").send_keys(str(VALID))
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.ID, "submit").click()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and old.id == browser.find_element(By.TAG_NAME, "html").id:
        time.sleep(0.05)
    assert browser.find_element(By.ID, "schema-line").text.startswith("Schéma : scdl/subventions 2.1.0")
    assert problems(browser) == []


def test_unusable_schema_is_never_compliant(browser, servers):  # noqa: F811
    """subventions 2.0.0 is a schema Validata refuses (its own example breaks its field): nothing is validated."""
    submit(browser, servers["normal"], VALID, schema="scdl/subventions@2.0.0")
    verdict = browser.find_element(By.ID, "verdict")
    assert verdict.text == "Contenu non validé : le schéma est inutilisable (voir ci-dessous)"
    assert "ko" in verdict.get_attribute("class") and "conforme" not in verdict.text.replace("non validé", "")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "Fichier conforme" not in body and "✓" not in body
    group = browser.find_element(By.CSS_SELECTOR, "#groups section.group")
    assert group.find_element(By.CSS_SELECTOR, "code.label").text == "FILE-02 · schema-error"
    assert "Le schéma lui-même est en défaut" in group.find_element(By.CSS_SELECTOR, "p.fix").text
    assert problems(browser) == []


def test_oversized_upload_is_refused_in_french(browser, servers):  # noqa: F811
    browser.get(f"{servers['tiny']}/")
    assert browser.find_element(By.ID, "max-size").text == "Taille maximale : 2 Ko."
    submit(browser, servers["tiny"], VALID)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Impossible de traiter la demande"
    assert browser.find_element(By.ID, "error-message").text == "Fichier trop volumineux : la limite est de 2 Ko."
    assert "Traceback" not in browser.page_source
    browser.find_element(By.LINK_TEXT, "Retour").click()
    assert browser.find_element(By.ID, "submit").is_displayed()
