"""An audit: the crawled catalogue → who is bound → rules → findings, scores, and one summary
per commune (what it owes, what it publishes and where, how fresh, its SCDL coverage).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from .applicability import PRADA_THRESHOLD, applicability
from .checks.base import Applicability, CheckContext, CommuneView, PortalView
from ..crawling.classify import KIND_SCHEMAS, classify, known_schemas
from .checks.jeu_obligatoire_a_jour import last_update
from ..crawling.crawl import CrawlResult
from ..model import Finding
from .obligations import obligation_states
from .rules import Rule, Verdict, Waiver, applies, apply_waivers, evaluate, evaluate_files, shipped_rules

DEFAULT_AUDIT_DEADLINE = 6 * 3600.0  # seconds an audit may take, crawl and file stage ([crawl] audit_deadline)


class NothingCollected(Exception):
    """No source of the territory could be collected: what ran is not an audit (it is recorded as a
    failed run with this French message, and the last complete audit stays the one reports show)."""


@dataclass
class AuditResult:
    crawl: CrawlResult
    as_of: datetime
    rules: list[Rule]
    findings: list[Finding]
    applicability: dict[str, Applicability]
    communes: dict[str, dict[str, Any]]  # code -> summary
    scores: dict[str, dict[str, Any]] = field(default_factory=dict)  # uid -> {"datagouv": ..., "mqa": ...}
    commune_scores: dict[str, dict[str, Any]] = field(default_factory=dict)
    expired_waivers: list[Waiver] = field(default_factory=list)
    file_stats: dict[str, Any] | None = None  # the file stage's statistics, when it ran


def build_context(crawl: CrawlResult, as_of: datetime, apps: dict[str, Applicability]) -> tuple[CheckContext, list[PortalView]]:
    cat = crawl.catalogue
    registry = crawl.registry
    views: dict[str, CommuneView] = {}
    for code, app in apps.items():
        body = registry.get(code)
        views[code] = CommuneView(commune=body, code=code, applicability=app, datasets=[], records=[])
    for d in cat.datasets:
        code = d.publisher.code
        if code in views:
            views[code].records.append(d)
            if d.copy_of is None:
                views[code].datasets.append(d)
    portals = [PortalView(name=p.name, kind=p.kind, url=p.url, status=p.status, error_code=p.error_code,
                          error_message=p.error_message, datasets=p.datasets, owner=p.owner) for p in crawl.portals]
    ctx = CheckContext(as_of=as_of, registry=registry, catalogue=cat, applicability=apps, communes=views,
                       portals=portals)
    return ctx, portals


def run_audit(crawl: CrawlResult, rules: list[Rule], *, as_of: datetime | None = None,
              waivers: list[Waiver] | None = None, assume_bound: bool = True,
              files: list | None = None) -> AuditResult:
    """Apply ``rules`` to a crawl; ``files`` are the validated files of the file stage
    (:func:`auditor.auditing.validation.validate_files`), judged by the file rules."""
    as_of = as_of or datetime.now(timezone.utc)
    if as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=timezone.utc)
    apps = applicability(crawl.registry, assume_bound)
    ctx, portals = build_context(crawl, as_of, apps)
    verdicts: dict[tuple[str, str], Verdict] = {}
    findings = evaluate(rules, ctx, portals, verdicts)
    if files:
        findings += evaluate_files(rules, files, ctx)
    expired = apply_waivers(findings, waivers or [], as_of)
    catalogue = shipped_rules()

    def owes(code: str, body: str) -> bool:
        return code in catalogue and applies(catalogue[code], ctx, body)

    states = obligation_states(verdicts, findings, ctx.communes, [r.code for r in rules], owes)
    result = AuditResult(crawl=crawl, as_of=as_of, rules=rules, findings=findings, applicability=apps,
                         communes=summaries(ctx, findings, states), expired_waivers=expired)
    add_scores(result, ctx)
    return result


def summaries(ctx: CheckContext, findings: list[Finding],
              states: dict[str, dict[str, dict[str, Any]]] | None = None) -> dict[str, dict[str, Any]]:
    """Per body: duty, the state of each obligation, publications by kind with where and how
    fresh, SCDL coverage, the portals examined and those that could not be."""
    by_commune: dict[str, list[Finding]] = {}
    for f in findings:
        if f.commune:
            by_commune.setdefault(f.commune, []).append(f)
    schemas = known_schemas()
    out = {}
    for code, view in ctx.communes.items():
        kinds: dict[str, list[dict[str, Any]]] = {}
        for d in view.datasets:
            copies = [r for r in view.records if r.copy_of == d.uid]
            declared = sorted({x.schema_name for x in d.distributions + [y for c in copies for y in c.distributions]
                               if x.schema_name})
            for k in classify(d):
                kinds.setdefault(k.kind, []).append({
                    "dataset": d.uid, "title": d.title, "portals": sorted({d.portal} | {c.portal for c in copies}),
                    "last_update": last_update(d), "declared_schemas": declared, "evidence": k.evidence})
        coverage = {}
        for kind, schema in KIND_SCHEMAS.items():
            items = kinds.get(kind, [])
            coverage[kind] = {"schema": schema, "title": schemas[schema].title if schema in schemas else schema,
                              "published": bool(items),
                              "declares_schema": any(schema in i["declared_schemas"] for i in items),
                              "datasets": items}
        fs = by_commune.get(code, [])
        app = view.applicability
        out[code] = {
            "code": code, "name": view.commune.name, "kind": view.commune.kind,
            "population": app.population, "agents": app.agents, "status": app.status,
            "reasons": app.reasons, "prada": (app.population or 0) >= PRADA_THRESHOLD,
            "datasets": len(view.datasets), "records": len(view.records),
            "portals": sorted({r.portal for r in view.records}),
            "coverage": coverage,
            "findings": {s: sum(1 for f in fs if f.severity == s and not f.waived) for s in ("error", "warning", "info")},
            "obligations": (states or {}).get(code, {}),
            "examined": sorted(p.name for p in ctx.examined(code)),
            "blind_spots": sorted(p.name for p in ctx.blind_spots(code)),
        }
    return out


def add_scores(result: AuditResult, ctx: CheckContext) -> None:
    """data.gouv.fr quality and data.europa.eu MQA, per record and per commune."""
    try:
        from .scores.datagouv import quality
        from .scores.mqa import mqa, mqa_for
    except ImportError:  # pragma: no cover - scores are part of the package
        return
    for d in ctx.catalogue.datasets:
        result.scores[d.uid] = {"datagouv": quality(d, result.as_of), "mqa": mqa(d).to_dict()}
    for code, view in ctx.communes.items():
        if view.datasets:
            result.commune_scores[code] = {"mqa": mqa_for(view.datasets).to_dict()}


def parse_as_of(text: str | None) -> datetime | None:
    """The audit's « now » from ``--as-of``: an ISO 8601 date (``2026-11-15``, meaning 00:00 UTC
    that day) or date-time (``2026-11-15T14:30``, UTC unless it gives an offset such as
    ``+01:00``). Raises ValueError on anything else."""
    if not text:
        return None
    text = text.strip()
    if len(text) == 10:
        d = date.fromisoformat(text)
        return datetime(d.year, d.month, d.day, tzinfo=timezone.utc)
    when = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def file_stage(config, crawl: CrawlResult, progress=None, deadline: float | None = None) -> tuple[list, dict | None]:
    """The file stage when the configuration enables it (``[validation]``): (targets, statistics).
    ``deadline``: the audit's (``time.monotonic()`` clock), past which files are left not evaluated."""
    if not config.validation.enabled:
        return [], None
    from pathlib import Path

    from .validation import validate_files

    # a "validation" folder inside the configured cache (beside the HTTP cache's own files), else beside the store
    cache = Path(config.cache_dir) / "validation" if config.cache_dir else Path(config.store_path).parent / "file-cache"
    targets, stats = validate_files(crawl.catalogue, config.validation, cache, http=config.http, progress=progress,
                                    deadline=deadline)
    return targets, stats.to_dict()


def audit_deadline(config, seconds: float | None = None) -> float:
    """The audit's deadline on the ``time.monotonic()`` clock: ``seconds`` from now, else the configuration's
    ``audit_deadline`` (``[crawl]``), else :data:`DEFAULT_AUDIT_DEADLINE`."""
    import time

    return time.monotonic() + float(seconds or getattr(config, "audit_deadline", None) or DEFAULT_AUDIT_DEADLINE)


def audit_and_store(config, store, rules: list[Rule], *, as_of: datetime | None = None,
                    only: list[str] | None = None, progress=None,
                    max_seconds: float | None = None) -> tuple[int, CrawlResult, AuditResult]:
    """The territory audit as ``auditor audit`` and the service run it: a run opened in ``store``, the
    crawl, the file stage, the rules (with the configured waivers), saved; the run is marked failed on any
    error. Returns (run id, crawl, audit). The crawl and the file stage end by the audit's deadline
    (``max_seconds``, else ``audit_deadline`` of the configuration, else 6 h): portals and files not read by
    then are recorded as such (« délai de l'audit dépassé ») and the audit is saved with what was seen."""
    from ..crawling.crawl import collected, crawl, now_iso, portal_coverage

    deadline = audit_deadline(config, max_seconds)
    run_id = store.begin_run("audit", now_iso(), config.territory_name, config.source_file)
    try:
        result = crawl(config, only=only, progress=progress, deadline=deadline)
        if not collected(result.portals):
            raise NothingCollected(nothing_collected(result))
        if progress:
            progress("files", "*", 0)
        files, file_stats = file_stage(config, result, progress, deadline=deadline)
        if progress:
            progress("rules", "*", 0)
        audit = run_audit(result, rules, as_of=as_of, waivers=[Waiver(**w) for w in config.waivers],
                          assume_bound=config.assume_bound, files=files)
        audit.file_stats = file_stats
        add_file_verdicts(audit, files, file_stats)
        store.save_audit(run_id, audit)
    except NothingCollected as exc:
        store.fail_run(run_id, now_iso(), str(exc), portals=portal_coverage(result.portals))
        raise
    except BaseException as exc:
        store.fail_run(run_id, now_iso(), f"l'audit s'est interrompu sur une erreur : {exc!r}")
        raise
    return run_id, result, audit


def add_file_verdicts(audit: AuditResult, files: list, stats: dict | None) -> None:
    """Each body's checked files in its summary (``files``): ``valid``, ``invalid``, or
    ``not-evaluated`` with its reason when the file could not be downloaded after the retries or
    no schema could be applied — never counted as conforming nor as failing."""
    if stats is None:
        return
    by_body: dict[str, list[dict[str, Any]]] = {}
    for t in files:
        if t.commune:
            by_body.setdefault(t.commune, []).append(
                {"dataset": t.dataset, "url": t.location, "reason": None,
                 "state": "valid" if t.report.get("valid") else "invalid",
                 "schema": (t.report.get("schema") or {}).get("name")})
    for item, reason in [(f, "file-unavailable") for f in stats.get("failed", [])] + \
                        [(f, "schema-unavailable") for f in stats.get("unvalidated", [])]:
        if item.get("commune"):
            by_body.setdefault(item["commune"], []).append(
                {"dataset": item.get("dataset"), "url": item["url"], "state": "not-evaluated", "reason": reason,
                 "schema": None, "error": item.get("error")})
    for code, summary in audit.communes.items():
        summary["files"] = sorted(by_body.get(code, []), key=lambda f: (f["dataset"] or "", f["url"]))


def nothing_collected(crawl: CrawlResult) -> str:
    """Why a run that saw nothing is not an audit, in French, naming each source and its failure."""
    failed = [p for p in crawl.portals if p.status == "failed"]
    if not failed:
        return "aucune source n'est configurée ou sélectionnée : rien n'a été collecté, l'audit n'a pas eu lieu"
    return ("aucune source n'a pu être collectée, l'audit n'a pas eu lieu ; "
            + " ; ".join(f"{p.name} : {p.error_message or p.error_code}" for p in failed))
