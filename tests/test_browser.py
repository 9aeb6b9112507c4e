"""The dashboard and a commune sheet in headless Chromium (Debian's chromium and
chromedriver, driven by selenium): the pages load with no console error, the table holds
the 95 communes, filtering and sorting work, the charts are there, and a ``<script>``
planted in a dataset title stays text."""
from __future__ import annotations

import time

import pytest

from auditor.render import html
from auditor.render.data import commune_report, territory_report
from auditor.simulate.evolve import HOSTILE_HTML, audit_months
from auditor.simulate.generator import generate
from auditor.history.store import Store

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.browser import CHROMEDRIVER, CHROMIUM, require_browser

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module", autouse=True)
def _browser_present():
    """Before any costly fixture: skipped (or failed under AUDITOR_REQUIRE_BROWSER) without Chromium."""
    require_browser()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    data = tmp_path_factory.mktemp("browser")
    months = audit_months(generate(7), 2, data, hostile_in=1)
    hostile = next(k for d, k in months[1].evolution.planted if d == "hostile-title")
    owner = months[1].world.dataset(hostile).owner
    with Store(data / "auditor.sqlite") as store:
        report = territory_report(store)
        (data / "dashboard.html").write_text(html.render(report), encoding="utf-8")
        (data / "fiche.html").write_text(html.render(commune_report(store, owner)), encoding="utf-8")
    return data, report


def chromium(profile, *extra: str):
    """A headless Chromium driven by chromedriver, its console log kept; ``extra``: more switches."""
    require_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1280,1000", f"--user-data-dir={profile}", *extra):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


def load(driver, path):
    driver.get(path.as_uri())
    deadline = time.monotonic() + 10
    while driver.execute_script("return document.readyState") != "complete" and time.monotonic() < deadline:
        time.sleep(0.05)
    return [entry for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]


def visible_rows(driver):
    return [r for r in driver.find_elements(By.CSS_SELECTOR, "#communes-body tr") if r.is_displayed()]


def test_dashboard_loads_filters_sorts_and_draws(browser, pages):
    data, report = pages
    problems = load(browser, data / "dashboard.html")
    assert problems == []
    rows = browser.find_elements(By.CSS_SELECTOR, "#communes-body tr")
    assert len(rows) == 95 and len(visible_rows(browser)) == 95
    assert browser.find_element(By.ID, "filters").is_displayed()  # the script ran (CSP allowed it)

    # filtering by name, accents and case ignored
    search = browser.find_element(By.ID, "q")
    search.send_keys("MARCQ EN BAROEUL")
    shown = visible_rows(browser)
    assert [r.get_attribute("data-code") for r in shown] == ["59378"]
    assert browser.find_element(By.ID, "shown").text == "1"
    search.clear()
    search.send_keys("lez")
    assert {r.get_attribute("data-code") for r in visible_rows(browser)} == \
        {c["code"] for c in report["communes"] if c["kind"] == "commune" and "lez" in c["name"].lower()}
    search.clear()
    browser.execute_script("arguments[0].dispatchEvent(new Event('input'))", search)
    Select(browser.find_element(By.ID, "status")).select_by_value("not-bound")
    not_bound = {c["code"] for c in report["communes"] if c["kind"] == "commune" and c["status"] == "not-bound"}
    assert {r.get_attribute("data-code") for r in visible_rows(browser)} == not_bound
    Select(browser.find_element(By.ID, "status")).select_by_value("")
    browser.find_element(By.ID, "unmet").click()
    unmet = {c["code"] for c in report["communes"] if c["kind"] == "commune" and c["unmet"]}
    assert {r.get_attribute("data-code") for r in visible_rows(browser)} == unmet
    browser.find_element(By.ID, "unmet").click()
    assert len(visible_rows(browser)) == 95

    # sorting by population, both ways
    header = browser.find_elements(By.CSS_SELECTOR, "#communes-table thead th")[1]
    header.click()
    pops = [int(r.find_elements(By.TAG_NAME, "td")[1].get_attribute("data-sort")) for r in visible_rows(browser)]
    assert pops == sorted(pops) and header.get_attribute("aria-sort") == "ascending"
    header.click()
    first = visible_rows(browser)[0]
    assert first.get_attribute("data-code") == "59350"  # Lille, the most populated

    # charts drawn inline
    charts = browser.find_elements(By.CSS_SELECTOR, "svg.chart")
    assert len(charts) == 3 and all(c.is_displayed() and c.size["width"] > 100 for c in charts)
    assert browser.find_elements(By.CSS_SELECTOR, "svg.chart polyline.series")
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.chart rect.bar")) == 19

    # the planted <script> is text on the page and never ran
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    assert HOSTILE_HTML in browser.find_element(By.ID, "changes").text


def test_commune_sheet_loads_and_keeps_the_planted_script_as_text(browser, pages):
    data, _ = pages
    problems = load(browser, data / "fiche.html")
    assert problems == []
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    assert browser.execute_script("return document.scripts.length") == 0
    titles = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".dataset-title")]
    assert any(HOSTILE_HTML in t for t in titles)
    groups = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#findings h3")]
    assert groups and groups[0].startswith("Priorité 1")
    assert browser.find_elements(By.CSS_SELECTOR, ".finding .fix")
