"""``auditor check``, ``auditor ci`` and ``auditor serve``: the self-check commands for commune staff and
dataset repositories (the territory commands are in :mod:`auditor.interfaces.cli`).

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings at or above it; 2 usage or input error
(unknown schema, missing file, unreadable baseline, schema catalogue unreachable when needed).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from .. import __version__
from ..exit_codes import EXIT_OK, EXIT_USAGE
from ..render.neutral import json_text, terminal_line

OUTPUT_VERSION = 1


def add_parsers(sub) -> None:
    c = sub.add_parser("check", help="vérifier un fichier (ou une adresse) contre son schéma, avant publication")
    c.add_argument("target", help="fichier CSV, XLSX, JSON, description de jeu (datapackage.json, metadata.yaml), "
                                  "archive ZIP, dossier ou adresse http(s)")
    c.add_argument("--schema", help="schéma : nom[@version] du catalogue (scdl/subventions@2.1.1) ou fichier local")
    _shared(c)
    c.add_argument("--format", choices=["text", "json"], default="text",
                   help="format du résultat : texte lisible ou JSON (reports/check.schema.json ; défaut : text)")
    c.set_defaults(func=cmd_check)

    ci = sub.add_parser("ci", help="vérifier un dépôt de jeux de données (intégration continue)")
    ci.add_argument("path", nargs="?", default=".",
                    help="dossier du dépôt à vérifier, ou un seul de ses fichiers (défaut : dossier courant)")
    _shared(ci)
    ci.add_argument("--schema", action="append", metavar="[MOTIF=]SCHÉMA",
                    help="schéma d'un fichier : SCHÉMA (scdl/subventions@2.1.1, adresse ou fichier local) quand un "
                         "seul fichier est vérifié, MOTIF=SCHÉMA pour les fichiers d'un dossier (« data/*.csv=... », "
                         "répétable) ; l'emporte sur les descriptions et .auditor.toml")
    ci.add_argument("--root", type=Path,
                    help="racine du dépôt, dont les chemins SARIF et GitHub partent (défaut : git rev-parse "
                         "--show-toplevel, sinon le dossier courant)")
    ci.add_argument("--format", choices=["text", "json", "sarif", "junit", "github"], default="text",
                    help="format du résultat : texte, JSON, SARIF 2.1.0, JUnit XML ou annotations GitHub (défaut : text)")
    ci.add_argument("--output", type=Path, help="écrire le résultat dans ce fichier (défaut : sortie standard)")
    ci.add_argument("--baseline", type=Path, help="constats déjà connus (JSON) : seuls les nouveaux font échouer")
    ci.add_argument("--write-baseline", type=Path, help="enregistrer les constats actuels comme référence")
    ci.add_argument("--annotations", action="store_true",
                    help="écrire aussi les annotations GitHub sur la sortie standard (avec --output)")
    ci.set_defaults(func=cmd_ci)

    s = sub.add_parser("serve", help="servir la page de vérification, l'API et les rapports du territoire")
    s.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (défaut 127.0.0.1)")
    s.add_argument("--port", type=int, default=8080, help="port d'écoute (défaut : 8080)")
    s.add_argument("--config", default=None, help="configuration du territoire (défaut : la MEL)")
    s.add_argument("--data-dir", type=Path, help="dossier de l'historique (défaut : celui de la configuration)")
    s.add_argument("--schedule", help="audit planifié, ex. « monthly 1 03:00 » ou « every 30 days » (défaut : aucun)")
    s.add_argument("--token", default=os.environ.get("AUDITOR_TOKEN"),
                   help="jeton exigé pour lancer un audit par l'API (défaut : $AUDITOR_TOKEN)")
    s.add_argument("--max-upload-mb", type=int, default=50, help="taille maximale d'un envoi (Mo, défaut 50)")
    s.add_argument("--schemas", default=None, help="catalogue des schémas (défaut : schema.data.gouv.fr)")
    s.add_argument("--allow-private-urls", action="store_true",
                   help="accepter les adresses du réseau interne pour les fichiers à vérifier")
    s.add_argument("--allowed-host", action="append", metavar="NOM",
                   help="nom d'hôte auquel le service répond, en plus de 127.0.0.1, localhost et ::1 (répétable ; "
                        "« * » : tous, derrière un mandataire qui le vérifie) ; aussi [serve] allowed_hosts")
    s.add_argument("--threads", type=int, help="requêtes traitées en même temps (défaut 8, ou [serve] threads)")
    s.add_argument("--connection-limit", type=int,
                   help="connexions ouvertes en même temps (défaut 1000, ou [serve] connection_limit)")
    s.add_argument("--channel-timeout", type=int,
                   help="secondes au bout desquelles une connexion inactive est fermée (défaut 20)")
    s.add_argument("--cleanup-interval", type=int,
                   help="secondes entre deux recherches de connexions inactives (défaut 5)")
    s.set_defaults(func=cmd_serve)


def _shared(c: argparse.ArgumentParser) -> None:
    c.add_argument("--fail-on", choices=["error", "warning", "info", "never"], default="error",
                   help="code de sortie 1 si un constat atteint cette gravité (défaut : error)")
    c.add_argument("--schemas", default=None,
                   help="catalogue des schémas : URL d'un miroir ou dossier local (défaut : schema.data.gouv.fr)")
    c.add_argument("--cache-dir", type=Path, help="cache des schémas (défaut : ~/.cache/auditor)")
    c.add_argument("--max-mb", type=int, default=500, help="taille maximale d'un fichier lu (Mo, défaut 500)")
    c.add_argument("--no-guess", action="store_true", help="ne pas deviner le schéma d'après les en-têtes")
    c.add_argument("--select", action="append", help="règles à appliquer (répétable)")
    c.add_argument("--ignore", action="append", help="règles à écarter (répétable)")
    c.add_argument("--all", action="store_true", help="afficher toutes les lignes de chaque groupe d'erreurs (défaut : 20 par groupe)")
    c.add_argument("--color", choices=["auto", "always", "never"], default="auto",
                   help="couleurs dans le terminal : auto (si c'est un terminal), toujours ou jamais (défaut : auto)")
    c.add_argument("--lang", choices=["fr", "en"], default="fr", help="langue des messages (défaut : fr)")


def _checker(args):
    from ..auditing.rules import RuleError, load_rules, select_rules
    from ..auditing.filecheck import CheckOptions
    from ..selfcheck.selfcheck import Checker

    try:
        rules = select_rules(load_rules(), args.select, args.ignore, None)
    except RuleError as exc:
        raise UsageError(str(exc)) from None
    options = CheckOptions(max_bytes=args.max_mb * 1024 * 1024, guess=not args.no_guess, rules=rules,
                           cache_dir=args.cache_dir)
    if args.schemas:
        options.schema_base = _schema_base(args.schemas)
    return Checker(options)


def _schema_base(given: str) -> str:
    """``--schemas``: a mirror's address as given; a folder (or ``file://`` URI) must exist and hold a
    catalogue, else a usage error rather than a silent fall back."""
    from urllib.parse import unquote, urlsplit

    if given.startswith(("http://", "https://")):
        return given
    folder = Path(unquote(urlsplit(given).path)) if given.startswith("file://") else Path(given)
    if not folder.is_dir():
        raise UsageError(f"--schemas « {given} » : ce dossier n'existe pas. Donnez l'adresse d'un miroir de "
                         "schema.data.gouv.fr (https://...) ou un dossier de schémas (avec son schemas.json).")
    return given


class UsageError(Exception):
    pass


def cmd_check(args: argparse.Namespace) -> int:
    try:
        return _check(args)
    except UsageError as exc:
        print(f"auditor check : {terminal_line(exc)}", file=sys.stderr)
        return EXIT_USAGE


def _check(args: argparse.Namespace) -> int:
    from ..selfcheck.archive import ArchiveError, is_archive
    from ..auditing.filecheck import SchemaUnavailable
    from ..tabular.catalog import CatalogError, SchemaNotFound

    checker = _checker(args)
    target = args.target
    with tempfile.TemporaryDirectory(prefix="auditor-check-") as work:
        try:
            if target.startswith(("http://", "https://")):
                path, name = _fetch(target, Path(work), args.max_mb)
                if is_archive(path, name=name.split("?", 1)[0]):
                    results = checker.check_archive(path, name=name, schema=args.schema, work_dir=work)
                else:
                    results = [checker.check_file(path, name=name, schema=args.schema)]
            else:
                path = Path(target)
                if not path.exists():
                    raise UsageError(f"« {target} » introuvable" if args.lang == "fr" else f"“{target}” not found")
                if path.is_dir():
                    results = checker.check_tree(path)
                elif is_archive(path):
                    results = checker.check_archive(path, name=target, schema=args.schema, work_dir=work)
                elif _is_description(path) and not args.schema:  # with the resources it declares schemas for
                    results = checker.check_package(path, name=target)
                else:
                    results = [checker.check_file(path, name=target, schema=args.schema)]
        except ArchiveError as exc:
            raise UsageError(f"archive refusée : {exc}" if args.lang == "fr" else f"archive refused: {exc.en}") from None
        except SchemaNotFound as exc:  # only an unknown schema: any other LookupError is a defect, shown as one
            raise UsageError(f"schéma inconnu : {exc}" if args.lang == "fr" else f"unknown schema: {exc}") from None
        except SchemaUnavailable as exc:  # its sentence names the file, the schema and the fix
            raise UsageError(exc.message) from None
        except CatalogError as exc:
            raise UsageError(f"catalogue des schémas indisponible : {exc}") from None
    dicts = [r.to_dict() for r in results]
    if args.format == "json":
        print(json_text(json.dumps(output_document(dicts), ensure_ascii=False, indent=1)))
    else:
        from ..render.checktext import render_results

        sys.stdout.write(render_results(dicts, lang=args.lang, colour=_colour(args.color),
                                        max_shown=None if args.all else 20))
    from ..selfcheck.ci.verdict import exit_code

    return exit_code([f for r in results for f in r.findings], args.fail_on)


def _is_description(path: Path) -> bool:
    from ..selfcheck.selfcheck import is_description

    return is_description(path) or path.suffix.lower() in (".yaml", ".yml")


def _fetch(url: str, work: Path, max_mb: int) -> tuple[Path, str]:
    from ..crawling.netsafe import DownloadError, UnsafeURL, download

    try:
        d = download(url, max_bytes=max_mb * 1024 * 1024, max_seconds=300, allow_private=True,
                     directory=str(work))
    except (UnsafeURL, DownloadError) as exc:
        raise UsageError(str(exc)) from None
    return Path(d.path), url


def output_document(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``--format json`` document (described by ``reports/check.schema.json``)."""
    counts = {"error": 0, "warning": 0, "info": 0}
    for r in results:
        for f in r["findings"]:
            counts[f["severity"]] = counts.get(f["severity"], 0) + 1
    return {"version": OUTPUT_VERSION, "tool": {"name": "auditor", "version": __version__},
            "valid": all(r["valid"] for r in results), "counts": counts, "results": results}


def _colour(choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


# -- ci -----------------------------------------------------------------------------------------
def cmd_ci(args: argparse.Namespace) -> int:
    try:
        return _ci(args)
    except UsageError as exc:
        print(f"auditor ci : {terminal_line(exc)}", file=sys.stderr)
        return EXIT_USAGE


def _ci(args: argparse.Namespace) -> int:
    from ..selfcheck.ci.baseline import BaselineError, read_baseline, write_baseline
    from ..selfcheck.ci.declared import DeclarationError
    from ..selfcheck.ci.run import check_repository
    from ..selfcheck.ci.verdict import exit_code
    from ..tabular.catalog import CatalogError, CatalogUnavailable, SchemaNotFound
    from ..writable import file_problem

    target = Path(args.path)
    if not target.exists():
        raise UsageError(f"« {target} » n'existe pas : donnez un dossier du dépôt (ou un de ses fichiers)")
    if args.root is not None and not (args.root.is_dir() and target.resolve().is_relative_to(args.root.resolve())):
        raise UsageError(f"--root « {args.root} » doit être un dossier qui contient « {target} »")
    for out in (args.output, args.write_baseline):
        problem = file_problem(out) if out is not None else None
        if problem:
            raise UsageError(problem)
    try:
        known = read_baseline(args.baseline) if args.baseline else None
        run = check_repository(_checker(args), target, schemas=args.schema, root=args.root)
    except (BaselineError, DeclarationError) as exc:
        raise UsageError(str(exc)) from None
    except SchemaNotFound as exc:  # a schema given for a single file
        raise UsageError(f"schéma inconnu : {exc}") from None
    except CatalogUnavailable as exc:
        raise UsageError(f"catalogue des schémas indisponible : {exc}") from None
    except CatalogError as exc:  # a declared schema that cannot be had: its sentence names the file and the fix
        raise UsageError(str(exc)) from None
    if target.is_dir():
        for unused in run.unused:
            print(f"auditor ci : {terminal_line(unused)} ne désigne aucun fichier vérifié", file=sys.stderr)
    findings = [f for r in run.results for f in r.findings]
    if args.write_baseline:
        n = _write(args.write_baseline, lambda: write_baseline(args.write_baseline, findings))
        print(f"{n} constat(s) enregistré(s) dans {args.write_baseline} : ils ne feront plus échouer la "
              "vérification", file=sys.stderr)
        known = {f.fingerprint for f in findings}  # today's findings are accepted: this run passes too
    text = _ci_output(args, run, findings, known)
    if args.output:
        _write(args.output, lambda: args.output.write_text(text, encoding="utf-8"))
    else:
        sys.stdout.write(text)
    if args.annotations and (args.output or args.format != "github"):
        sys.stdout.write(_annotations(args, run, findings, known))
    return exit_code(findings, args.fail_on, known)


def _write(path: Path, write):
    from ..writable import os_error_sentence

    try:
        return write()
    except OSError as exc:
        raise UsageError(os_error_sentence(exc, path)) from None


def _ci_output(args, run, findings, known) -> str:
    if args.format == "sarif":
        from ..selfcheck.ci.sarif import to_sarif

        log = to_sarif(findings, known=known, lang=args.lang, base_uri=run.root.as_uri(), locator=run.locator())
        return json_text(json.dumps(log, ensure_ascii=False, indent=1)) + "\n"
    if args.format == "junit":
        from ..selfcheck.ci.junit import to_junit

        return to_junit(findings, [r.target for r in run.results], lang=args.lang, fail_on=args.fail_on, known=known)
    if args.format == "github":
        return _annotations(args, run, findings, known)
    dicts = [r.to_dict() for r in run.results]
    if args.format == "json":
        doc = output_document(dicts)
        if known is not None:
            doc["new"] = sorted({f.fingerprint for f in findings if f.fingerprint not in known})
        return json_text(json.dumps(doc, ensure_ascii=False, indent=1)) + "\n"
    from ..render.checktext import render_results

    return render_results(dicts, lang=args.lang, colour=_colour(args.color) and not args.output,
                          max_shown=None if args.all else 20, known=known)


def _annotations(args, run, findings, known) -> str:
    """GitHub annotations of the findings not in the baseline, file paths relative to the repository root."""
    from ..selfcheck.ci.github import to_annotations

    new = [f for f in findings if known is None or f.fingerprint not in known]
    return to_annotations(new, lang=args.lang, locator=run.locator())


# -- serve --------------------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from ..config import ConfigError
    from ..history.default_store import territory_config
    from ..i18n import t
    from .server.app import ServeOptions, create_app, make_server
    from .server.guard import host_names
    from .server.runner import AuditRunner, Schedule
    from ..writable import folder_problem, os_error_sentence

    try:
        config, demo = territory_config(args.config, args.data_dir)  # none given: ./auditor-data/, else the demo's
        if demo:
            print(f"auditor serve : {t('store.demo', config.lang, store=config.store_path)}", file=sys.stderr)
        schedule = Schedule.parse(args.schedule)
        limits = replace(config.serve, **{k: getattr(args, k) for k in LIMITS if getattr(args, k) is not None})
        for k in LIMITS:
            if getattr(limits, k) < 1:
                raise ValueError(f"--{k.replace('_', '-')} doit être un entier ≥ 1")
        if not 0 <= args.port <= 65535:
            raise ValueError(bind_problem(OverflowError(), args.host, args.port))
    except (ConfigError, ValueError) as exc:
        print(f"auditor serve : {terminal_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    store_path = Path(config.store_path)
    names = host_names((*config.serve.allowed_hosts, *(args.allowed_host or [])), listen=args.host)
    options = ServeOptions(store_path=store_path, work_dir=store_path.parent / "serve-work",
                           max_upload=args.max_upload_mb * 1024 * 1024, token=args.token,
                           allow_private_urls=args.allow_private_urls, host_names=tuple(sorted(names)),
                           limits=limits)
    if args.schemas:
        options.schema_base = args.schemas
    runner = AuditRunner(config, schedule)
    try:  # the folders and the port first: a clear sentence, and no scheduler left running, when they fail
        problem = folder_problem(options.work_dir) or folder_problem(store_path.parent)
        if problem:
            raise UsageError(problem)
        try:
            app = create_app(options, runner)
        except OSError as exc:
            raise UsageError(os_error_sentence(exc, options.work_dir)) from None
        server = make_server(app, options, host=args.host, port=args.port)
    except UsageError as exc:
        print(f"auditor serve : {terminal_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except (OSError, OverflowError, ValueError) as exc:  # waitress: ValueError for a host it cannot resolve
        print(f"auditor serve : {terminal_line(bind_problem(exc, args.host, args.port))}", file=sys.stderr)
        return EXIT_USAGE
    runner.start_scheduler()
    print(f"auditor serve : http://{args.host}:{server.effective_port}/ (Ctrl-C pour arrêter) ; noms acceptés : "
          f"{', '.join(sorted(names))}", file=sys.stderr)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        runner.stop()
        server.close()
    return EXIT_OK


LIMITS = ("threads", "connection_limit", "channel_timeout", "cleanup_interval")


def bind_problem(exc: Exception, host: str, port: int) -> str:
    """Why the service cannot listen on ``host:port``, in one French sentence."""
    import errno
    import socket

    where = f"{host}:{port}"
    if isinstance(exc, OverflowError) or not 0 <= port <= 65535:
        return f"port {port} impossible : un port est un nombre de 0 à 65535 (--port)."
    if isinstance(exc, (socket.gaierror, ValueError)):
        return f"adresse d'écoute « {host} » inconnue : donnez une adresse de cette machine (--host), ex. 127.0.0.1."
    code = getattr(exc, "errno", None)
    if code == errno.EADDRINUSE:
        return (f"le port {port} est déjà utilisé sur {host} (par un autre auditor serve ou un autre service) : "
                "choisissez-en un autre avec --port, ou arrêtez celui qui l'occupe.")
    if code in (errno.EACCES, errno.EPERM):
        return (f"écoute sur {where} refusée : les ports inférieurs à 1024 demandent des droits d'administrateur ; "
                "choisissez un port plus grand avec --port (ex. 8080).")
    if code == errno.EADDRNOTAVAIL:
        return f"l'adresse « {host} » n'appartient pas à cette machine : donnez-en une de ses adresses avec --host."
    return f"impossible d'écouter sur {where} : {getattr(exc, 'strerror', None) or exc}."
