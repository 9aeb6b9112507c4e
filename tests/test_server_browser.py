"""The self-check page of ``auditor serve`` in headless Chromium (Debian's chromium and chromedriver,
driven by selenium, as in tests/test_browser.py) against a real waitress server: a valid and an
invalid SCDL example are uploaded through the form and the verdict and the errors table read; an
oversized file, on a server started with a tiny upload limit, gets a clear refusal in French."""
from __future__ import annotations

import time

import pytest

from auditor.server.app import ServeOptions, create_app
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
    assert options[0] == "" and "scdl/subventions" in options
    submit(browser, servers["normal"], VALID, schema="scdl/subventions")
    assert browser.find_element(By.ID, "verdict").text == "Fichier conforme"
    assert "scdl/subventions" in browser.find_element(By.TAG_NAME, "body").text
    assert "29 lignes lues" in browser.find_element(By.TAG_NAME, "body").text
    assert not browser.find_elements(By.ID, "findings")
    assert problems(browser) == []


def test_invalid_example_shows_the_errors_table(browser, servers):  # noqa: F811
    submit(browser, servers["normal"], CELLS)  # schema left to the guess
    verdict = browser.find_element(By.ID, "verdict").text
    assert verdict.startswith("Fichier non conforme — ") and verdict.endswith("constat(s)")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "(deviné, certain)" in body and "À corriger" in body
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#findings thead th")]
    assert headers == ["Ligne", "Colonne", "Problème", "Correction"]
    rows = browser.find_elements(By.CSS_SELECTOR, "#findings tbody tr")
    assert len(rows) == int(verdict.split("— ")[1].split()[0]) > 5
    cells = [[td.text for td in r.find_elements(By.TAG_NAME, "td")] for r in rows]
    assert any(c[0] == "5" and c[1] == "dateConvention" and c[2] and c[3] for c in cells)
    assert problems(browser) == []
    browser.find_element(By.LINK_TEXT, "Vérifier un autre fichier").click()
    assert browser.find_element(By.ID, "file").is_displayed()


def test_oversized_upload_is_refused_in_french(browser, servers):  # noqa: F811
    browser.get(f"{servers['tiny']}/")
    assert browser.find_element(By.ID, "max-size").text == "Taille maximale : 2 Ko."
    submit(browser, servers["tiny"], VALID)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Impossible de traiter la demande"
    assert browser.find_element(By.ID, "error-message").text == "Fichier trop volumineux : la limite est de 2 Ko."
    assert "Traceback" not in browser.page_source
    browser.find_element(By.LINK_TEXT, "Retour").click()
    assert browser.find_element(By.ID, "submit").is_displayed()
