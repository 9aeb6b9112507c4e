"""The audit's file stage against a local schema.data.gouv.fr (schemas and files served on 127.0.0.1):
which distributions are validated, with which schema, how downloads are cached and limited, and the
FILE findings an audit draws from them."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from auditor.crawling.catalogue import Catalogue
from auditor.config import ValidationConfig
from auditor.model import Dataset, Distribution, Publisher
from auditor.auditing.rules import evaluate_files, load_rules
from auditor.auditing.filecheck import file_context
from auditor.auditing.validation import FileCache, StageStats, candidates, too_large, validate_files

from .schema_server import SCHEMAS, SchemaServer

SUB = "/schemas/scdl/subventions/2.1.1/"
DECP = "/schemas/139bercy/format-commande-publique/2.0.2/exemples-json/"


@pytest.fixture(scope="module")
def server():
    with SchemaServer() as s:
        yield s


def _dataset(sid: str, title: str, *dists: Distribution) -> Dataset:
    return Dataset(portal="p", portal_kind="udata", source_id=sid, title=title, distributions=list(dists),
                   publisher=Publisher(raw="Ville de Roubaix", kind="commune", insee="59512", name="Roubaix"))


def _catalogue(url: str) -> Catalogue:
    return Catalogue(datasets=[
        _dataset("valid", "Subventions 2023",
                 Distribution(url + SUB + "exemple_valide.csv", format="csv", schema_name="scdl/subventions",
                              schema_version="2.1.1")),
        _dataset("cells", "Aides versées",
                 Distribution(url + SUB + "exemple_invalide_erreurs_cellules.csv", format="csv",
                              schema_name="scdl/subventions", schema_version="2.1.1")),
        _dataset("unknown-version", "Aides",
                 Distribution(url + SUB + "exemple_valide.csv?v=9", format="csv", schema_name="scdl/subventions",
                              schema_version="9.9.9")),
        _dataset("guessed", "Subventions aux associations",
                 Distribution(url + SUB + "exemple_valide.csv?guess", format="csv")),
        _dataset("gone", "Subventions 2019",
                 Distribution(url + "/schemas/nowhere.csv", format="csv", schema_name="scdl/subventions")),
        _dataset("pdf", "Subventions (rapport)", Distribution(url + "/rapport.pdf", format="pdf",
                                                              schema_name="scdl/subventions")),
        _dataset("other", "Horaires des piscines", Distribution(url + "/piscines.csv", format="csv")),
        _dataset("decp", "Données essentielles des marchés publics",
                 Distribution(url + DECP + "concessions.json", format="json"),
                 Distribution(url + DECP + "concessions.csv", format="csv",
                              schema_name="139bercy/format-commande-publique")),
        _dataset("no-such-schema", "Stationnement",
                 Distribution(url + SUB + "exemple_valide.csv?x", format="csv", schema_name="mel/inconnu")),
    ])


def _config(url: str, **kw) -> ValidationConfig:
    return ValidationConfig(enabled=True, schemas=url, workers=3, **kw)


def test_candidates_are_declared_or_scdl_looking_tabular_files(server):
    found = {c.dataset.source_id: c.schema for c in candidates(_catalogue(server.url))}
    assert found == {"valid": "scdl/subventions@2.1.1", "cells": "scdl/subventions@2.1.1",
                     "unknown-version": "scdl/subventions@9.9.9", "guessed": None, "gone": "scdl/subventions",
                     "decp": None, "no-such-schema": "mel/inconnu"}


def test_stage_validates_downloads_and_caches(server, tmp_path):
    cat = _catalogue(server.url)
    targets, stats = validate_files(cat, _config(server.url, max_age=3600), tmp_path)
    by = {t.dataset: t for t in targets}
    assert set(by) == {"p:valid", "p:cells", "p:unknown-version", "p:guessed", "p:decp"}
    decp = by["p:decp"].report
    assert decp["valid"] and decp["schema"]["name"] == "139bercy/format-commande-publique" and decp["rows"] == 2
    assert [u["url"] for u in stats.unvalidated] == [server.url + SUB + "exemple_valide.csv?x"]
    assert by["p:valid"].report["valid"] is True
    assert by["p:valid"].report["schema"]["version"] == "2.1.1"
    assert by["p:unknown-version"].report["schema"]["version"] == "2.1.1"  # latest, not the unknown 9.9.9
    assert by["p:guessed"].report["schema"]["name"] == "scdl/subventions"
    cells = by["p:cells"].report
    assert cells["valid"] is False and cells["counts"].get("french-siret-value", 0) > 0
    assert by["p:cells"].commune == "59512"
    assert stats.validated == 5 and stats.downloaded == 6
    assert [f["url"] for f in stats.failed] == [server.url + "/schemas/nowhere.csv"]

    again_targets, again = validate_files(cat, _config(server.url, max_age=3600), tmp_path)
    assert again.reused == 6 and again.downloaded == 0
    assert [t.report["counts"] for t in again_targets] == [t.report["counts"] for t in targets]
    _, revalidated = validate_files(cat, _config(server.url, max_age=0), tmp_path)
    assert revalidated.not_modified == 6 and revalidated.downloaded == 0


def test_audit_findings_are_grouped_by_code_and_column(server, tmp_path):
    targets, _ = validate_files(_catalogue(server.url), _config(server.url), tmp_path)
    ctx = file_context("grouped")
    ctx.as_of = datetime(2026, 11, 1, tzinfo=timezone.utc)
    findings = evaluate_files(load_rules(), targets, ctx)
    cells = [f for f in findings if f.dataset == "p:cells"]
    assert cells and all(f.rule.startswith("FILE-") for f in cells)
    keys = [(f.rule, f.location["code"], f.location["field"]) for f in cells]
    assert len(keys) == len(set(keys))  # one finding per code and column
    siret = [f for f in cells if f.location["code"] == "french-siret-value"]
    assert siret and siret[0].rule == "FILE-06" and siret[0].location["count"] >= 1
    assert "ligne" in siret[0].detail["fr"]
    assert not [f for f in findings if f.dataset == "p:valid" and f.severity == "error"]


def test_a_file_over_the_limit_is_reported_not_read(server, tmp_path):
    cache = FileCache(tmp_path, max_age=0, max_bytes=100)
    path, refused = cache.fetch(server.url + SUB + "exemple_valide.csv", StageStats())
    assert path is None and refused.stop_reason == "too_large"
    size = len((SCHEMAS / "scdl__subventions" / "2.1.1" / "exemple_valide.csv").read_bytes())
    assert refused.errors[0].code == "too-large"
    assert refused.errors[0].message["fr"] == (f"Fichier de {size} octets, au-delà de la limite de 0 Mo de "
                                               "l'audit : il n'a pas été validé.")
    assert not list(tmp_path.glob("*.part*"))
    # a server that declares no size: the download stops at the limit
    assert too_large(None, 200 * 1024 * 1024).errors[0].message["fr"] == (
        "Fichier de plus de 200 Mo, la limite de l'audit : il n'a pas été validé.")


def test_simulated_territory_files_flagged_are_exactly_the_planted_ones(world, tmp_path):
    """Offline demo path: simulated portals, simulated schema catalogue; only the datasets planted with
    invalid cells get error findings, and each names the row and column of the planted cell."""
    from auditor.auditing.audit import file_stage
    from auditor.config import load_config
    from auditor.crawling.crawl import crawl
    from auditor.simulate.demo import write_config
    from auditor.simulate.schemas import write_schema_folder
    from auditor.simulate.server import SimTerritory

    fast = {"timeout": 2.0, "retries": 6, "backoff": 0.01, "backoff_max": 0.05, "max_retry_wait": 5.0,
            "per_host": 6}
    schemas = write_schema_folder(tmp_path / "schemas")
    with SimTerritory(world) as territory:
        path = write_config(territory, tmp_path / "conf", http=fast, crawl={"probe": False},
                            validation={"enabled": True, "schemas": str(schemas)})
        config = load_config(path, data_dir=tmp_path / "data")
        result = crawl(config)
        targets, stats = file_stage(config, result)
    invalid = ("invalid-cells", "file-missing-required", "file-xlsx-blank-rows", "file-bom-cp1252")
    planted = {d.title for d in world.datasets if set(invalid) & set(d.defects)}
    cells = {d.title for d in world.datasets if "invalid-cells" in d.defects}
    assert len(planted) == 5 and len(cells) == 2
    titles = {d.uid: d.title for d in result.catalogue.datasets}
    bad = {titles[t.dataset] for t in targets if not t.report["valid"]}
    assert bad == planted  # the file in Windows-1252, or separated by « ; », is read right and valid
    assert stats["validated"] >= 20
    findings = evaluate_files(load_rules(), targets, file_context("grouped"))
    errors = [f for f in findings if f.severity == "error"]
    assert errors and {titles[f.dataset] for f in errors} == planted
    assert all(f.location["row"] == 3 for f in errors if titles[f.dataset] in cells)  # the planted row (header = 1)


def test_downloads_are_retried_and_a_file_still_unavailable_is_not_evaluated(server, tmp_path):
    """A 429 (twice) is waited out and the file validated; a file that never comes is recorded in French
    and shown as « non évalué » for its commune, never as conforming nor failing."""
    from types import SimpleNamespace

    from auditor.auditing.audit import add_file_verdicts
    from auditor.crawling.http import HttpConfig

    url = server.url + SUB + "exemple_valide.csv?busy"
    server.throttle[SUB + "exemple_valide.csv"] = 2
    before = server.hits[SUB + "exemple_valide.csv"]
    cat = Catalogue(datasets=[
        _dataset("busy", "Subventions 2023", Distribution(url, format="csv", schema_name="scdl/subventions",
                                                          schema_version="2.1.1")),
        _dataset("never", "Subventions 2022", Distribution(server.url + "/schemas/nowhere.csv", format="csv",
                                                           schema_name="scdl/subventions"))])
    http = HttpConfig(retries=3, backoff=0.01, backoff_max=0.02)
    targets, stats = validate_files(cat, _config(server.url), tmp_path, http=http)
    assert [t.dataset for t in targets] == ["p:busy"] and targets[0].report["valid"]
    assert server.hits[SUB + "exemple_valide.csv"] - before == 3
    assert [f["dataset"] for f in stats.failed] == ["p:never"]
    assert stats.failed[0]["error"].startswith("téléchargement impossible")
    audit = SimpleNamespace(communes={"59512": {}})
    add_file_verdicts(audit, targets, stats.to_dict())
    states = {f["dataset"]: (f["state"], f["reason"]) for f in audit.communes["59512"]["files"]}
    assert states == {"p:busy": ("valid", None), "p:never": ("not-evaluated", "file-unavailable")}


def test_xls_and_ods_distributions_are_validated_too(tmp_path):
    """Communes on LibreOffice or older Excel publish XLS and ODS: declared or SCDL-looking, they are candidates
    like CSV and XLSX; an XLS file is then read (here the real Deux-Sèvres file, against subventions 2.1.1)."""
    from auditor.auditing.filecheck import CheckOptions, FileChecker

    url = "http://127.0.0.1:9/"
    cat = Catalogue(datasets=[
        _dataset("xls", "Subventions 2018", Distribution(url + "conventions.xls", format="XLS")),
        _dataset("ods", "Subventions 2017", Distribution(url + "conventions.ods", format="ods",
                                                         schema_name="scdl/subventions", schema_version="2.1.1"))])
    assert {c.dataset.source_id: c.schema for c in candidates(cat)} == {"xls": None, "ods": "scdl/subventions@2.1.1"}
    real = SCHEMAS.parent / "files" / "xls-ods" / "DEP_Deux Sèvres_Convention_de_subventions_-_CD79.xls"
    checker = FileChecker(CheckOptions(schema_base=str(SCHEMAS), rules=[]))
    result = checker.check_file(real, schema="scdl/subventions@2.1.1")
    assert result.report["dialect"]["format"] == "xls" and result.report["rows"] == 467
    counts = result.report["counts"]
    assert (counts["missing-required-header"], counts["one-of-required"]) == (11, 1)  # as Validata
