"""Command-line entry points. Thin compositions of the stages; only :mod:`auditor.interfaces.cli_selfcheck` (the
self-check commands) imports this.

Exit codes: 0 done; 1 findings at or above the chosen severity (checks); 2 usage,
configuration or input error; 3 nothing could be crawled.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from .. import __version__
from ..config import DEFAULT_CONFIG, Config, ConfigError, load_config
from ..crawling.crawl import CrawlResult, collected, crawl, now_iso, portal_coverage
from ..exit_codes import EXIT_FINDINGS, EXIT_NOTHING, EXIT_OK, EXIT_USAGE
from ..i18n import t
from ..render.neutral import terminal_document, terminal_line
from ..history.store import Store


def main(argv: list[str] | None = None) -> int:
    from .cli_language import argparse_language, help_in, language

    argv = sys.argv[1:] if argv is None else argv
    lang = language(argv)
    with argparse_language(lang):  # argparse's own words, and the help texts, in the user's language
        parser = help_in(build_parser(), lang)
        args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except ConfigError as exc:
        print(t("error.config", args.lang or "fr", error=exc), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `auditor rules | head`: the reader left, nothing more to say
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="auditor", description="Audit de conformité open data des communes.")
    p.add_argument("--version", action="version", version=f"auditor {__version__}", help="afficher la version et quitter")
    sub = p.add_subparsers(title="commandes")

    c = sub.add_parser("crawl", help="collecter tous les portails du territoire et enregistrer le catalogue")
    _common(c)
    c.add_argument("--source", action="append", help="ne collecter que cette source (répétable)")
    c.add_argument("--output", type=Path, help="écrire aussi le catalogue normalisé (JSON lines) dans ce fichier")
    c.add_argument("--no-probe", action="store_true", help="ne pas vérifier la disponibilité des fichiers")
    c.set_defaults(func=cmd_crawl)

    r = sub.add_parser("rules", help="lister les règles : code, fondement, gravité")
    _selection(r)
    r.add_argument("--format", choices=["text", "json"], default="text", help="format de sortie (défaut : text)")
    r.add_argument("--lang", choices=["fr", "en"], default="fr", help="langue des messages (défaut : fr)")
    r.add_argument("--doc", action="store_true", help="afficher aussi la documentation de chaque contrôle")
    r.set_defaults(func=cmd_rules)

    a = sub.add_parser("audit", help="collecter, appliquer les règles et enregistrer les constats")
    _common(a)
    _selection(a)
    a.add_argument("--source", action="append", help="ne collecter que cette source (répétable)")
    a.add_argument("--as-of", help="instant auquel l'audit juge : AAAA-MM-JJ (00:00 UTC ce jour-là) ou date-heure "
                                    "ISO 8601 AAAA-MM-JJTHH:MM[:SS][+HH:MM] (UTC sans décalage) ; défaut : maintenant")
    a.add_argument("--fail-on", choices=["error", "warning", "info", "never"], default="never",
                   help="code de sortie 1 si un constat non dérogé atteint cette gravité (défaut : jamais)")
    a.add_argument("--no-probe", action="store_true", help="ne pas vérifier la disponibilité des fichiers")
    a.set_defaults(func=cmd_audit)

    d = sub.add_parser("demo", help="servir le territoire simulé sur 127.0.0.1, l'auditer et l'enregistrer (hors ligne)")
    d.add_argument("--seed", type=int, default=2026, help="graine du territoire simulé (défaut 2026)")
    d.add_argument("--months", type=int, default=1,
                   help="nombre d'audits mensuels simulés, le dernier aujourd'hui (défaut 1 ; 2 ou plus : "
                        "tendances, nouveautés et corrections)")
    d.add_argument("--data-dir", type=Path, default=None,
                   help="dossier de la configuration, de l'historique et du cache (défaut : le dossier de données "
                        "de l'utilisateur, $XDG_DATA_HOME/auditor/demo, où report, history et serve le trouvent)")
    d.add_argument("--faults", type=float, default=0.0, help="part des requêtes en erreur (0 à 1)")
    d.add_argument("--keep-serving", action="store_true", help="laisser les portails simulés en service après la collecte")
    d.add_argument("--format", choices=["text", "json"], default="text",
                   help="text, ou json : le résumé du dernier audit")
    d.add_argument("--output", type=Path, help="écrire aussi le catalogue normalisé (JSON lines) dans ce fichier")
    d.add_argument("--lang", choices=["fr", "en"], default=None, help="langue des messages (défaut : fr)")
    d.add_argument("-q", "--quiet", action="store_true", help="n'afficher que le résumé")
    d.add_argument("--crawl-only", action="store_true", help="collecter sans appliquer les règles")
    d.set_defaults(func=cmd_demo)
    _report_parsers(sub)
    from .cli_selfcheck import add_parsers

    add_parsers(sub)
    return p


def _selection(c: argparse.ArgumentParser) -> None:
    c.add_argument("--select", action="append", help="règles à appliquer : code, préfixe, famille ou étiquette (répétable)")
    c.add_argument("--ignore", action="append", help="règles à écarter (répétable)")
    c.add_argument("--profile", help="profil de règles (complet, legal, qualite, commune)")


def _load_selected(args: argparse.Namespace):
    from ..auditing.rules import RuleError, load_rules, select_rules

    try:
        return select_rules(load_rules(), args.select, args.ignore, args.profile)
    except RuleError as exc:
        raise ConfigError(str(exc)) from None


def _common(c: argparse.ArgumentParser) -> None:
    c.add_argument("--config", default=DEFAULT_CONFIG,
                   help="fichier de configuration du territoire (TOML ; défaut : la MEL)")
    c.add_argument("--data-dir", type=Path, help="dossier de l'historique et du cache (défaut : auditor-data/ à côté de la configuration)")
    c.add_argument("--format", choices=["text", "json"], default="text",
                   help="format du résumé : texte ou JSON pour une machine (défaut : text)")
    c.add_argument("--lang", choices=["fr", "en"], default=None, help="langue des messages (défaut : celle de la configuration)")
    c.add_argument("-q", "--quiet", action="store_true", help="n'afficher que le résumé")


# -- crawl -------------------------------------------------------------------------------------
def cmd_crawl(args: argparse.Namespace) -> int:
    config = load_config(args.config, data_dir=args.data_dir)
    if args.no_probe:
        config.probe = False
    return run_crawl(config, args, only=args.source)


def run_crawl(config: Config, args: argparse.Namespace, only: list[str] | None = None) -> int:
    lang = args.lang or config.lang
    out = sys.stdout
    text = args.format == "text"
    try:
        store = Store(config.store_path)
    except Exception as exc:  # sqlite3.Error, OSError
        print(t("error.store", lang, path=config.store_path, error=exc), file=sys.stderr)
        return EXIT_USAGE
    with store:
        n_sources = len([s for s in config.sources if s.enabled and (not only or s.name in only)])
        if text:
            print(t("crawl.start", lang, territory=config.territory_name, n=n_sources), file=out, flush=True)
        run_id = store.begin_run("crawl", now_iso(), config.territory_name, config.source_file)
        try:
            result = crawl(config, only=only)
        except BaseException as exc:
            store.fail_run(run_id, now_iso(), f"la collecte s'est interrompue sur une erreur : {exc!r}")
            raise
        if collected(result.portals):
            store.save_crawl(run_id, result)
        else:
            from ..auditing.audit import nothing_collected

            store.fail_run(run_id, now_iso(), nothing_collected(result), portals=portal_coverage(result.portals))
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            for d in result.catalogue.datasets:
                fh.write(json.dumps(d.to_dict(), ensure_ascii=False) + "\n")
    summary = crawl_summary(result, run_id, config)
    if text:
        print_summary(summary, result, lang, args.quiet)
        print(t("crawl.stored", lang, run=run_id, store=config.store_path))
    else:
        json.dump(summary, out, ensure_ascii=False, indent=2)
        out.write("\n")
    if config_errors(result.events, result.portals, lang):
        return EXIT_USAGE
    if not collected(result.portals):
        print(t("crawl.nothing", lang), file=sys.stderr)
        return EXIT_NOTHING
    return EXIT_OK


def config_errors(events, portals, lang: str) -> bool:
    """Print the configuration errors the sources found (a reference that designates nothing…);
    True when a source could collect nothing at all because of its configuration (exit code 2)."""
    for e in events:
        if e.code == "config-error":
            print(t("error.config", lang, error=e.message), file=sys.stderr)
    return any(p.status == "failed" and p.error_code == "config-error" for p in portals)


def crawl_summary(result: CrawlResult, run_id: int, config: Config) -> dict:
    cat = result.catalogue
    per: Counter = Counter()
    for d in cat.datasets:
        if d.copy_of is None:
            per[d.publisher.code or f"({d.publisher.kind})"] += 1
    distributions = [x for d in cat.datasets for x in d.distributions]
    probed = {x.url: x.availability for x in distributions if x.availability}
    return {
        "run": run_id,
        "store": str(config.store_path),
        "territory": config.territory_name,
        "started_at": result.started_at,
        "finished_at": result.finished_at,
        "duration_s": round(result.duration, 2),
        "records": len(cat.datasets),
        "datasets": sum(1 for d in cat.datasets if d.copy_of is None),
        "copies": sum(1 for d in cat.datasets if d.copy_of is not None),
        "distributions": len(distributions),
        "publishing_communes": len({d.publisher.insee for d in cat.datasets if d.publisher.kind == "commune"}),
        "per_publisher": dict(sorted(per.items(), key=lambda kv: (-kv[1], kv[0]))),
        "portals": [vars(p) for p in result.portals],
        "unresolved_publishers": [{"raw": u.raw, "portals": sorted(u.portals), "datasets": u.datasets}
                                  for u in cat.unresolved],
        "http": {"requests": result.stats.requests, "not_modified": result.stats.not_modified,
                 "conditional": result.stats.conditional, "retries": result.stats.retries,
                 "failures": result.stats.failures, "bytes": result.stats.bytes},
        "probes": {"urls": len(probed), "unreachable": sum(1 for a in probed.values() if not a.ok)},
        "events": Counter(e.code for e in result.events),
    }


def print_summary(s: dict, result: CrawlResult, lang: str, quiet: bool) -> None:
    for p in result.portals:
        key = f"crawl.portal.{p.status}"
        error = terminal_line(p.error_message or t("crawl.missing-pages", lang))  # a portal's words
        print(t(key, lang, name=p.name, kind=p.kind, datasets=p.datasets, duration=p.duration, error=error))
    print(t("crawl.summary", lang, datasets=s["records"], distinct=s["datasets"], copies=s["copies"],
            communes=s["publishing_communes"], unresolved=len(s["unresolved_publishers"])))
    print(t("crawl.http", lang, probes=s["probes"]["urls"], broken=s["probes"]["unreachable"], **s["http"]))
    if not quiet:
        registry = result.registry
        print(t("crawl.communes.title", lang))
        for code, n in s["per_publisher"].items():
            name = registry.name_of(code) if not code.startswith("(") else t(
                f"publisher.{code.strip('()')}", lang)
            print(t("crawl.communes.item", lang, name=name[:32], n=n))
        if s["unresolved_publishers"]:
            print(t("crawl.unresolved.title", lang))
            for u in s["unresolved_publishers"]:
                print(t("crawl.unresolved.item", lang, raw=terminal_line(u["raw"] or t("unresolved.none", lang)),
                        n=len(u["datasets"]), portals=", ".join(u["portals"])))


# -- rules -------------------------------------------------------------------------------------
def cmd_rules(args: argparse.Namespace) -> int:
    rules = sorted(_load_selected(args), key=lambda r: (r.group, r.code))
    lang = args.lang
    if args.format == "json":
        json.dump([{"code": r.code, "group": r.group, "check": r.check, "severity": r.severity, "scope": r.scope,
                    "title": r.title, "fix": r.fix, "basis": r.basis, "applies_when": r.applies_when,
                    "params": r.params, "source": r.source, "documentation": r.documentation()} for r in rules],
                  sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    group = None
    for r in rules:
        if r.group != group:
            group = r.group
            print(f"\n[{group}]")
        title = r.title.get(lang) or r.title["fr"]
        when = _applies_text(r.applies_when, lang)
        print(f"  {r.code:<10} {t('severity.' + r.severity, lang):<13} {title}")
        print(f"  {'':<10} {t('rules.basis', lang)} {r.basis['text']}{when}")
        if args.doc:
            for line in r.documentation().splitlines():
                print(f"  {'':<10}   {line}")
    print(f"\n{t('rules.count', lang, n=len(rules))}")
    return EXIT_OK


def _applies_text(cond: dict, lang: str) -> str:
    parts = []
    if "population_min" in cond:
        parts.append(t("rules.population", lang, n=cond["population_min"]))
    if "agents_min" in cond:
        parts.append(t("rules.agents", lang, n=cond["agents_min"]))
    if "portal_kinds" in cond:
        parts.append(", ".join(cond["portal_kinds"]))
    return f" ({t('rules.when', lang)} {' ; '.join(parts)})" if parts else ""


# -- audit -------------------------------------------------------------------------------------
def cmd_audit(args: argparse.Namespace) -> int:
    from ..auditing.audit import parse_as_of

    config = load_config(args.config, data_dir=args.data_dir)
    if args.no_probe:
        config.probe = False
    rules = _load_selected(args)
    try:
        as_of = parse_as_of(args.as_of)
    except ValueError:
        raise ConfigError(f"--as-of {args.as_of!r} : une date AAAA-MM-JJ ou une date-heure ISO 8601 "
                          f"(AAAA-MM-JJTHH:MM, éventuellement suivie d'un décalage comme +01:00) est attendue") from None
    return run_audit_command(config, args, rules, as_of)


def run_audit_command(config: Config, args: argparse.Namespace, rules, as_of) -> int:
    from ..auditing.audit import audit_and_store

    lang = args.lang or config.lang
    text = args.format == "text"
    from ..auditing.audit import NothingCollected
    from ..history.store import RunLocked

    with Store(config.store_path) as store:
        if text:
            only = getattr(args, "source", None)
            n = len([s for s in config.sources if s.enabled and (not only or s.name in only)])
            print(t("crawl.start", lang, territory=config.territory_name, n=n), flush=True)
        try:
            run_id, result, audit = audit_and_store(config, store, rules, as_of=as_of,
                                                    only=getattr(args, "source", None))
        except RunLocked as exc:
            print(t("audit.locked", lang, why=exc), file=sys.stderr)
            return EXIT_USAGE
        except NothingCollected as exc:
            print(t("audit.nothing", lang, why=exc), file=sys.stderr)
            if not text:
                json.dump({"status": "failed", "error": str(exc)}, sys.stdout, ensure_ascii=False, indent=2)
                sys.stdout.write("\n")
            failed = (store.runs()[-1]["stats"].get("portals") or {}).get("failed") or []
            return EXIT_USAGE if any(p.get("code") == "config-error" for p in failed) else EXIT_NOTHING
    summary = audit_summary(audit, run_id, config)
    if text:
        print_summary(crawl_summary(result, run_id, config), result, lang, quiet=True)
        print_audit(summary, audit, lang, args.quiet)
        print(t("audit.stored", lang, run=run_id, store=config.store_path))
    else:
        json.dump(summary, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    if config_errors(result.events, result.portals, lang):
        return EXIT_USAGE
    from ..selfcheck.ci.verdict import exit_code

    return exit_code(audit.findings, getattr(args, "fail_on", "never"))


def audit_summary(audit, run_id: int, config: Config) -> dict:
    from ..crawling.crawl import portal_coverage
    from ..render.data import audit_totals

    sev = Counter(f.severity for f in audit.findings if not f.waived)
    return {
        "totals": audit_totals(audit),
        "portals": portal_coverage(audit.crawl.portals),
        "crawl": crawl_summary(audit.crawl, run_id, config),
        "run": run_id, "store": str(config.store_path), "as_of": audit.as_of.isoformat(),
        "rules": len(audit.rules),
        "findings": {"error": sev["error"], "warning": sev["warning"], "info": sev["info"],
                     "waived": sum(1 for f in audit.findings if f.waived)},
        "by_rule": dict(sorted(Counter(f.rule for f in audit.findings if not f.waived).items())),
        "bound": sorted(c for c, a in audit.applicability.items() if a.bound),
        "communes": {c: s["findings"] for c, s in audit.communes.items() if any(s["findings"].values())},
        "expired_waivers": [w.to_dict() for w in audit.expired_waivers],
        "files": audit.file_stats,
    }


def print_audit(s: dict, audit, lang: str, quiet: bool) -> None:
    f, tot = s["findings"], s["totals"]
    print(t("audit.summary", lang, rules=s["rules"], error=f["error"], warning=f["warning"], info=f["info"],
            waived=f["waived"]))
    ob = tot["obligations"]
    print(t("audit.bodies", lang, bound=tot["bound"] + tot["presumed"], communes=tot["communes"],
            metropole=t("audit.and_metropole", lang) if (tot["metropole"] or {}).get("bound") else "",
            met=ob["met"], owed=ob["owed"], not_evaluated=ob["not_evaluated"]))
    missing = s["portals"]["failed"] + s["portals"]["partial"] + s["portals"]["skipped"]  # not "gone": closed
    if missing:
        print(t("audit.partial", lang, portals=", ".join(p["name"] for p in missing)))
    fs = s.get("files")
    if fs:
        print(t("audit.files", lang, validated=fs["validated"], candidates=fs["candidates"], valid=fs["valid"],
                rows=fs["rows"], failed=len(fs["failed"]), unvalidated=len(fs.get("unvalidated", [])),
                seconds=fs["seconds"]))
    if not quiet:
        print(t("audit.by_rule", lang))
        titles = {r.code: r.title.get(lang) or r.title["fr"] for r in audit.rules}
        for code, n in s["by_rule"].items():
            print(f"  {code:<10} {n:>5}  {titles.get(code, '')}")
    for w in audit.expired_waivers:
        print(t("audit.expired", lang, rule=w.rule, expires=w.expires.isoformat(), why=w.justification))


# -- demo --------------------------------------------------------------------------------------
def cmd_demo(args: argparse.Namespace) -> int:
    from ..history.default_store import demo_dir
    from ..simulate.demo import NotADemoFolder, reset_history
    from ..simulate.evolve import MONTH, served_months
    from ..simulate.generator import generate
    from ..simulate.world import Faults

    lang = args.lang or "fr"
    if not 1 <= args.months <= 24:
        raise ConfigError(f"--months {args.months} : un nombre de mois entre 1 et 24 est attendu")
    data_dir = (args.data_dir or demo_dir()).resolve()
    text = args.format == "text"
    try:
        if reset_history(data_dir) and text:
            print(t("demo.fresh", lang, path=data_dir))
    except NotADemoFolder as exc:
        raise ConfigError(str(exc)) from None
    today = date.today()
    world = generate(args.seed, with_dead_portal=True, as_of=today - timedelta(days=MONTH * (args.months - 1)))
    if args.faults:
        for i, portal in enumerate(world.portals.values()):
            portal.faults = Faults(rate=args.faults, seed=args.seed + i, timeout_sleep=3.0)
    code = EXIT_OK
    for month in served_months(world, args.months):
        code, config = _demo_month(month, args, data_dir, lang)
        if code not in (EXIT_OK, EXIT_FINDINGS):
            return code
        if args.keep_serving and month.index == args.months - 1:
            print(t("demo.keep", lang))
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    if not args.crawl_only:
        _demo_reports(config, data_dir, lang)
        if text:
            _demo_next(config, lang)
    return code


def _demo_month(month, args: argparse.Namespace, data_dir: Path, lang: str) -> tuple[int, Config]:
    """Crawl (or audit and store) the month being served; its exit code and configuration."""
    import contextlib
    import io

    from ..auditing.audit import parse_as_of
    from ..auditing.rules import load_rules
    from ..simulate.demo import write_config
    from ..simulate.schemas import write_schema_folder

    text, last = args.format == "text", month.index == args.months - 1
    territory = month.territory
    if text and month.index == 0:
        print(t("demo.serving", lang, seed=args.seed))
        for name, portal in month.world.portals.items():
            print(t("demo.portal", lang, name=name, kind=portal.kind, url=territory.source_url(name)))
    schemas = write_schema_folder(data_dir / "schemas-simules")
    path = write_config(territory, data_dir, http={"timeout": 2.0} if args.faults else {},
                        validation={"enabled": True, "schemas": str(schemas), "max_age": 0},
                        store={"path": "auditor.sqlite", "cache": "http-cache"}, lang=lang)
    if text and month.index == 0:
        print(t("demo.config", lang, path=path))
    if text and args.months > 1:
        print(t("demo.month", lang, n=month.index + 1, months=args.months, as_of=month.world.as_of))
    config = load_config(path)  # the configuration names its store: what report, history and serve read
    # every month but the last is summed up in a few lines; in JSON only the last month's summary is printed
    quiet = argparse.Namespace(**{**vars(args), "quiet": args.quiet or not last})
    out = contextlib.nullcontext() if text or last else contextlib.redirect_stdout(io.StringIO())
    with out:
        if args.crawl_only:
            return run_crawl(config, quiet), config
        return run_audit_command(config, quiet, load_rules(), parse_as_of(month.world.as_of)), config


def _demo_next(config: Config, lang: str) -> None:
    """The three commands to try next, with the options they need to find the demo's history."""
    import shlex

    from ..history.default_store import territory_config

    found, _ = territory_config()
    option = "" if found.store_path == config.store_path else f" --config {shlex.quote(config.source_file)}"
    with Store(config.store_path) as store:
        audits = [r["id"] for r in store.audit_runs()]
    history = f"auditor history{option}" + (f" --compare {audits[0]} {audits[-1]}" if len(audits) > 1 else "")
    print(t("demo.next", lang))
    print(t("demo.next.report", lang, command=f"auditor report{option} --output rapport/"))
    print(t("demo.next.compare" if len(audits) > 1 else "demo.next.history", lang, command=history))
    print(t("demo.next.serve", lang, command=f"auditor serve{option}"))


# -- reports and history (read the store; never crawl) ----------------------------------------
def _report_parsers(sub) -> None:
    r = sub.add_parser("report", help="produire un rapport depuis l'historique (sans nouvelle collecte)")
    _store_options(r)
    r.add_argument("--run", type=int, help="numéro de l'audit (défaut : le dernier audit terminé)")
    r.add_argument("--commune", help="fiche d'une commune (code INSEE, MEL ou nom)")
    r.add_argument("--gaps", action="store_true", help="rapport d'écarts du territoire")
    r.add_argument("--format", choices=["html", "md", "csv", "xlsx", "json"], default="html",
                   help="html (défaut), md, csv, xlsx ou json")
    r.add_argument("--table", choices=["findings", "communes", "gaps", "portals", "unresolved", "quality"], default=None,
                   help="CSV : la table exportée (défaut : les constats ; les écarts avec --gaps ; portals : les "
                        "portails et leur collecte ; unresolved : les producteurs non attribués ; quality : les neuf "
                        "critères data.gouv.fr de chaque jeu)")
    r.add_argument("--csv-dialect", choices=CSV_DIALECTS, default="tableur",
                   help="CSV : tableur (défaut ; en français « ; » et virgule décimale, comme les lisent Excel et "
                        "LibreOffice ; en anglais « , » et point) ou machine (« , », point décimal, sans BOM : RFC 4180)")
    r.add_argument("--output", help="fichier à écrire (défaut : la sortie standard) ; un dossier (nom terminé par « / », "
                                    "dossier existant, ou sans extension en HTML) est créé au besoin : en HTML il reçoit "
                                    "le tableau de bord, le rapport d'écarts et toutes les fiches, sinon un fichier "
                                    "nommé d'après le rapport")
    r.set_defaults(func=cmd_report)

    h = sub.add_parser("history", help="lister les audits enregistrés, ou en comparer deux")
    _store_options(h)
    h.add_argument("--compare", nargs=2, type=int, metavar=("A", "B"), help="comparer l'audit A à l'audit B")
    h.add_argument("--format", choices=["text", "json"], default="text", help="format de sortie (défaut : text)")
    h.set_defaults(func=cmd_history)


def _store_options(c: argparse.ArgumentParser) -> None:
    c.add_argument("--config", default=None, help="configuration du territoire (pour trouver l'historique ; défaut : "
                                                   "./auditor-data/ s'il existe, sinon l'historique de auditor demo)")
    c.add_argument("--data-dir", type=Path, help="dossier de l'historique (défaut : celui de la configuration)")
    c.add_argument("--store", type=Path, help="chemin de la base d'historique SQLite (prioritaire)")
    c.add_argument("--lang", choices=["fr", "en"], default=None, help="langue (défaut : celle de la configuration)")


def _open_store(args: argparse.Namespace) -> tuple[Store | None, str, Path]:
    """The existing history store the options name (None when there is none) and the language;
    given none, the territory's history in ./auditor-data/, else the demo's (:mod:`auditor.history.default_store`)."""
    from ..history.default_store import territory_config

    lang = args.lang
    if args.store:
        path = args.store
    else:
        config, demo = territory_config(args.config, args.data_dir)
        path, lang = config.store_path, lang or config.lang
        if demo:
            print(t("store.demo", lang, store=path), file=sys.stderr)
    lang = lang or "fr"
    return (Store(path) if Path(path).exists() else None), lang, Path(path)


def cmd_report(args: argparse.Namespace) -> int:
    from ..render import csv as csv_out, html, json as json_out, markdown, xlsx
    from ..render.data import ReportError, commune_report, gap_report, territory_report

    store, lang, path = _open_store(args)
    if store is None:
        print(t("cli.no_run", lang, store=path), file=sys.stderr)
        return EXIT_USAGE
    fmt, table = args.format, args.table or ("gaps" if args.gaps else "findings")
    try:
        with store:
            if args.commune:
                report = commune_report(store, args.commune, args.run, lang)
            elif args.gaps and fmt not in ("csv", "xlsx"):
                report = gap_report(store, args.run, lang)
            else:
                report = territory_report(store, args.run, lang, findings=fmt in ("csv", "xlsx", "json"))
            folder = _output_folder(args.output, fmt == "html" and report["report"] == "territory")
            if folder and fmt == "html" and report["report"] == "territory":
                return _html_bundle(store, report, folder, lang)
    except ReportError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # the folder cannot be made or written (a file of that name, no permission)
        print(t("cli.unwritable", lang, path=args.output, error=exc.strerror or exc), file=sys.stderr)
        return EXIT_USAGE
    if fmt == "html":
        body: str | bytes = html.render(report)
    elif fmt == "md":
        body = markdown.render(report)
    elif fmt == "json":
        body = json_out.render(report)
    elif fmt == "csv":
        body = csv_out.render(report, table, args.csv_dialect)
    else:
        if not args.output:
            print(t("cli.xlsx_needs_output", lang), file=sys.stderr)
            return EXIT_USAGE
        body = xlsx.render(report)
    if args.output:
        target = folder / _report_file(report, fmt, table) if folder else Path(args.output)
        data = body.encode("utf-8") if isinstance(body, str) else body
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        except OSError as exc:
            print(t("cli.unwritable", lang, path=target, error=exc.strerror or exc), file=sys.stderr)
            return EXIT_USAGE
        print(t("cli.written", lang, path=target), file=sys.stderr)
    elif sys.stdout.isatty():  # nothing from a portal may drive the terminal (already neutralised: twice safe)
        sys.stdout.write(terminal_document(body.decode("utf-8-sig") if isinstance(body, bytes) else body))
    elif isinstance(body, bytes):
        sys.stdout.flush()
        sys.stdout.buffer.write(body)
    else:
        sys.stdout.write(body)
    return EXIT_OK


CSV_DIALECTS = ("tableur", "machine")
CSV_FILES = {"findings": "constats", "communes": "communes", "gaps": "ecarts", "portals": "portails",
             "unresolved": "producteurs-non-attribues", "quality": "qualite"}


def _output_folder(output: str | None, several: bool) -> Path | None:
    """The folder ``--output`` names, if it names one: a name ending with a separator, an existing
    folder, or a name without extension when the report is several files (the HTML dashboard)."""
    if not output:
        return None
    path = Path(output)
    if output.endswith(("/", os.sep)) or path.is_dir() or (several and not path.suffix):
        return path
    return None


def _report_file(report: dict, fmt: str, table: str) -> str:
    """The name of a one-file report written into a folder: the commune's code, ``ecarts``, the CSV
    table's name, else ``rapport``."""
    ext = {"md": "md", "json": "json", "xlsx": "xlsx", "csv": "csv", "html": "html"}[fmt]
    if report["report"] == "commune":
        stem = report["commune"]["code"]
    elif fmt == "csv":
        stem = CSV_FILES[table]
    else:
        stem = "ecarts" if report["report"] == "gaps" else "rapport"
    return f"{stem}.{ext}"


def _demo_reports(config: Config, data_dir: Path, lang: str) -> None:
    """The demo ends as the monthly job does: the dashboard, the gap report and every
    commune sheet, rendered from the store into ``data_dir/rapport``."""
    from ..render.data import territory_report

    folder = data_dir / "rapport"
    with Store(config.store_path) as store:
        report = territory_report(store, None, lang, findings=False)
        _html_bundle(store, report, folder, lang)


def _html_bundle(store: Store, report: dict, folder: Path, lang: str) -> int:
    """The dashboard (index.html), the gap report (ecarts.html) and every commune sheet
    (communes/<code>.html), linked to each other."""
    from ..render import html
    from ..render.data import commune_report, gaps_of

    run = report["run"]["id"]
    (folder / "communes").mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(html.render(report, links=True), encoding="utf-8")
    (folder / "ecarts.html").write_text(html.render(gaps_of(report), links=True), encoding="utf-8")
    for c in report["communes"]:
        sheet = commune_report(store, c["code"], run, lang)
        (folder / "communes" / f"{c['code']}.html").write_text(html.render(sheet, links=True), encoding="utf-8")
    print(t("cli.written", lang, path=folder / "index.html"), file=sys.stderr)
    return EXIT_OK


def cmd_history(args: argparse.Namespace) -> int:
    from ..history.history import compare, runs_table

    store, lang, path = _open_store(args)
    if store is None:
        print(t("cli.history.empty", lang), file=sys.stderr)
        return EXIT_USAGE
    with store:
        if args.compare:
            a, b = args.compare
            known = {r["id"]: r for r in store.runs()}
            for n in (a, b):
                if n not in known or known[n]["kind"] != "audit" or known[n]["status"] != "complete":
                    print(t("cli.unknown_run", lang, run=n, store=path), file=sys.stderr)
                    return EXIT_USAGE
            cmp = compare(store, a, b)
            names = {code: s["name"] for code, s in store.commune_summaries(b).items()}
            return _print_comparison(cmp, names, args.format, lang)
        runs = runs_table(store)
    if args.format == "json":
        json.dump(runs, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    if not runs:
        print(t("cli.history.empty", lang))
        return EXIT_OK
    head = {"id": "n°" if lang == "fr" else "#", "date": t("col.date", lang), "as_of": "as_of", "kind": t("col.kind", lang),
            "status": t("col.run_status", lang), "datasets": t("col.datasets", lang), "error": t("col.errors", lang)[:7],
            "warning": t("col.warnings", lang)[:7], "info": t("col.infos", lang)[:7], "waived": t("col.waived", lang)[:7]}
    print(t("cli.history.header", lang, **head))
    for r in runs:
        f = r["findings"] or {}
        status = t("run.status.partial" if r["partial"] else f"run.status.{r['status']}", lang)
        print(t("cli.history.header", lang, id=r["id"], date=(r["started_at"] or "")[:19], as_of=(r["as_of"] or "")[:10],
                 kind=r["kind"], status=status, datasets=r["datasets"],
                 error=f.get("error", "—"), warning=f.get("warning", "—"), info=f.get("info", "—"),
                 waived=f.get("waived", "—")))
        if r["partial"]:
            print(t("cli.history.not_collected", lang, portals=", ".join(r["not_collected"])))
        elif r["status"] == "failed" and r["error"]:
            print(t("cli.history.failed", lang, error=terminal_line(r["error"])))
    return EXIT_OK


def _print_comparison(cmp, names: dict, fmt: str, lang: str) -> int:
    """The comparison of two audits: its counts, then the communes and the rules that changed
    (a finding new or fixed), each list closed by its total line."""

    if fmt == "json":
        out = cmp.to_dict()
        out["names"] = {code: names.get(code) for code in out["by_commune"] if code}
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    c = cmp.counts()
    print(t("cli.history.compare", lang, a=cmp.before, b=cmp.after, **c))
    if c["unverified"]:
        print(t("cli.history.unverified", lang, n=c["unverified"]))
    communes = {(f"{names.get(code, code)} ({code})" if code else t("publisher.unresolved", lang)): n
                for code, n in cmp.by_commune().items()}
    _changed_lines(t("cli.history.by_commune", lang), communes, lang)
    _changed_lines(t("cli.history.by_rule", lang), cmp.by_rule(), lang)
    return EXIT_OK


def _changed_lines(title: str, counts: dict[str, dict[str, int]], lang: str) -> None:
    """Title, the lines with a new or fixed finding (most changes first), and the total of every line."""

    changed = sorted(((name, n) for name, n in counts.items() if n["new"] or n["fixed"]),
                     key=lambda kv: (-(kv[1]["new"] + kv[1]["fixed"]), kv[0]))
    print(title)
    for name, n in changed:
        print(t("cli.history.line", lang, name=name[:34], **n))
    total = {k: sum(n[k] for n in counts.values()) for k in ("new", "fixed", "open")}
    print(t("cli.history.line", lang, name=t("cli.history.total", lang, changed=len(changed), n=len(counts)), **total))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
