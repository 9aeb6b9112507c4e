"""The command line in its user's language: argparse's own words (``usage:``, ``options``, its error messages) in
French, and every help text in English when English is asked.

The language is read before parsing, since ``--help`` prints during it: ``--lang en`` (or ``--lang=en``) anywhere on
the command line, else the ``AUDITOR_LANG`` environment variable, else French. Help texts are written in French
where the options are declared; `HELP_EN` gives each one's English, keyed by command and destination
(``("", "crawl")`` is the help line of the command ``crawl`` itself). tests/test_cli_language.py holds both: every
option has a help text in each language, and no English entry is left without its option.
"""
from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager

ARGPARSE_FR = {
    "usage: ": "utilisation : ",
    "options": "options",
    "positional arguments": "arguments positionnels",
    "show this help message and exit": "afficher cette aide et quitter",
    "show program's version number and exit": "afficher la version et quitter",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "ambiguous option: %(option)s could match %(matches)s": "option ambiguë : %(option)s peut être %(matches)s",
    "expected one argument": "une valeur attendue",
    "expected at most one argument": "au plus une valeur attendue",
    "expected at least one argument": "au moins une valeur attendue",
    "expected %s argument": "%s valeur attendue",
    "expected %s arguments": "%s valeurs attendues",
    "ignored explicit argument %r": "valeur %r ignorée",
    "invalid %(type)s value: %(value)r": "valeur invalide (%(type)s) : %(value)r",
    "invalid choice: %(value)r (choose from %(choices)s)": "choix invalide : %(value)r (possibles : %(choices)s)",
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "one of the arguments %s is required": "l'un des arguments %s est obligatoire",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "unrecognized arguments: %s": "arguments inconnus : %s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "commande inconnue %(parser_name)r (possibles : %(choices)s)",
    "can't open '%(filename)s': %(error)s": "impossible d'ouvrir « %(filename)s » : %(error)s",
}


def language(argv: list[str]) -> str:
    """``en`` when asked by ``--lang en`` / ``--lang=en`` or ``AUDITOR_LANG=en``, else ``fr``."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return "en" if argv[i + 1] == "en" else "fr"
        if arg.startswith("--lang="):
            return "en" if arg.split("=", 1)[1] == "en" else "fr"
    return "en" if os.environ.get("AUDITOR_LANG", "").lower().startswith("en") else "fr"


@contextmanager
def argparse_language(lang: str) -> Iterator[None]:
    """argparse's own strings in ``lang`` while the parser is built and used (they are looked up through the
    module's ``_`` and ``ngettext`` at both times)."""
    if lang != "fr":
        yield
        return
    gettext, ngettext = argparse._, argparse.ngettext  # type: ignore[attr-defined]

    def french(message: str) -> str:
        return ARGPARSE_FR.get(message, message)

    def french_plural(singular: str, plural: str, n: int) -> str:
        return french(singular if n == 1 else plural)

    argparse._, argparse.ngettext = french, french_plural  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = gettext, ngettext  # type: ignore[attr-defined]


def help_in(parser: argparse.ArgumentParser, lang: str) -> argparse.ArgumentParser:
    """``parser`` with every help text in ``lang`` (French as declared; English from `HELP_EN`)."""
    if lang == "fr":
        return parser
    parser.description = HELP_EN.get(("", ""), parser.description)
    for group in parser._action_groups:
        if group.title == "commandes":
            group.title = "commands"
    for command, action in walk(parser):
        if action.help and action.help is not argparse.SUPPRESS:
            action.help = english(command, action.dest) or action.help
    for sub in _subparsers(parser):
        for choice in sub._choices_actions:  # the commands' own help lines
            choice.help = HELP_EN.get(("", choice.dest), choice.help)
        for name, child in sub.choices.items():
            child.description = HELP_EN.get(("", name), child.description)
    return parser


def english(command: str, dest: str) -> str | None:
    """The English help of option ``dest`` of ``command``: its own, else the one shared by every command."""
    return HELP_EN.get((command, dest)) or HELP_EN.get(("*", dest))


def walk(parser: argparse.ArgumentParser, command: str = "") -> Iterator[tuple[str, argparse.Action]]:
    """Every option and argument of ``parser`` and of its commands, with the command's name."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            yield command, action
    for sub in _subparsers(parser):
        for name, child in sub.choices.items():
            yield from walk(child, name)


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse._SubParsersAction]:
    return [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]


HELP_EN: dict[tuple[str, str], str] = {
    ("", ""): "Open-data compliance audit of French local authorities.",
    ("", "version"): "show the version and exit",
    ("", "crawl"): "crawl every portal of the territory and store the catalogue",
    ("", "rules"): "list the rules: code, legal basis, severity",
    ("", "audit"): "crawl, apply the rules and store the findings",
    ("", "demo"): "serve the simulated territory on 127.0.0.1, audit it and store the audit (offline)",
    ("", "report"): "write a report from the history (no new crawl)",
    ("", "history"): "list the stored audits, or compare two of them",
    ("", "check"): "check a file (or an address) against its schema, before publishing",
    ("", "ci"): "check a repository of datasets (continuous integration)",
    ("", "serve"): "serve the check page, the API and the territory's reports",
    # options that mean the same in every command
    ("*", "config"): "territory configuration file (TOML; default: the MEL)",
    ("*", "data_dir"): "folder of the history and cache (default: auditor-data/ beside the configuration)",
    ("*", "format"): "output format (default: text)",
    ("*", "lang"): "language of the messages (default: the configuration's)",
    ("*", "quiet"): "print the summary only",
    ("*", "source"): "crawl this source only (repeatable)",
    ("*", "output"): "also write the normalised catalogue (JSON lines) to this file",
    ("*", "no_probe"): "do not check that files are reachable",
    ("*", "select"): "rules to apply: code, prefix, family or tag (repeatable)",
    ("*", "ignore"): "rules to leave out (repeatable)",
    ("*", "profile"): "rule profile (complet, legal, qualite, commune)",
    ("*", "fail_on"): "exit code 1 when a finding reaches this severity (default: error)",
    ("*", "schemas"): "schema catalogue: a mirror's URL or a local folder (default: schema.data.gouv.fr)",
    ("*", "cache_dir"): "schema cache (default: ~/.cache/auditor)",
    ("*", "max_mb"): "largest file read (MB, default 500)",
    ("*", "no_guess"): "do not guess the schema from the header",
    ("*", "all"): "show every row of each error group (default: 20 per group)",
    ("*", "color"): "colours in the terminal: auto (when it is a terminal), always or never (default: auto)",
    ("*", "store"): "path of the SQLite history (takes precedence)",
    ("crawl", "format"): "summary format: text, or JSON for a machine (default: text)",
    ("audit", "format"): "summary format: text, or JSON for a machine (default: text)",
    ("rules", "lang"): "language of the messages (default: fr)",
    ("rules", "doc"): "also print each check's documentation",
    ("audit", "as_of"): "the instant the audit judges at: YYYY-MM-DD (00:00 UTC that day) or an ISO 8601 date-time "
                        "YYYY-MM-DDTHH:MM[:SS][+HH:MM] (UTC without offset); default: now",
    ("audit", "fail_on"): "exit code 1 when a finding not waived reaches this severity (default: never)",
    ("demo", "seed"): "seed of the simulated territory (default 2026)",
    ("demo", "months"): "number of simulated monthly audits, the last one today (default 1; 2 or more: trends, new "
                        "and fixed findings)",
    ("demo", "data_dir"): "folder of the configuration, history and cache (default: the user's data folder, "
                          "$XDG_DATA_HOME/auditor/demo, where report, history and serve find it)",
    ("demo", "faults"): "share of requests answered with an error (0 to 1)",
    ("demo", "keep_serving"): "keep the simulated portals serving after the crawl",
    ("demo", "format"): "text, or json: the last audit's summary",
    ("demo", "lang"): "language of the messages (default: fr)",
    ("demo", "crawl_only"): "crawl without applying the rules",
    ("report", "config"): "territory configuration (to find the history; default: ./auditor-data/ when it exists, "
                          "else the history of auditor demo)",
    ("report", "data_dir"): "folder of the history (default: the configuration's)",
    ("report", "lang"): "language (default: the configuration's)",
    ("report", "run"): "number of the audit (default: the last complete audit)",
    ("report", "commune"): "one commune's sheet (INSEE code, MEL or name)",
    ("report", "gaps"): "the territory's gap report",
    ("report", "format"): "html (default), md, csv, xlsx or json",
    ("report", "table"): "CSV: the table exported (default: the findings; the gaps with --gaps; portals: the portals "
                         "and their crawl; unresolved: the publishers not attributed; quality: the nine data.gouv.fr "
                         "criteria of each dataset)",
    ("report", "csv_dialect"): "CSV: tableur (default; in French « ; » and a decimal comma, as Excel and LibreOffice "
                               "read them; in English « , » and a point) or machine (« , », decimal point, no BOM: "
                               "RFC 4180)",
    ("report", "output"): "file to write (default: standard output); a folder (name ending with « / », an existing "
                          "folder, or no extension in HTML) is created when needed: in HTML it receives the "
                          "dashboard, the gap report and every sheet, otherwise one file named after the report",
    ("history", "config"): "territory configuration (to find the history; default: ./auditor-data/ when it exists, "
                           "else the history of auditor demo)",
    ("history", "data_dir"): "folder of the history (default: the configuration's)",
    ("history", "lang"): "language (default: the configuration's)",
    ("history", "compare"): "compare audit A with audit B",
    ("check", "target"): "CSV, XLSX, XLS, ODS or JSON file, dataset description (datapackage.json, metadata.yaml), ZIP "
                         "archive, folder or http(s) address",
    ("check", "schema"): "schema: the catalogue's name[@version] (scdl/subventions@2.1.1), its address or a local file",
    ("check", "lang"): "language of the messages (default: fr)",
    ("check", "format"): "result format: readable text or JSON (reports/check.schema.json; default: text)",
    ("ci", "path"): "folder of the repository to check, or one of its files (default: the current folder)",
    ("ci", "lang"): "language of the messages (default: fr)",
    ("ci", "schema"): "a file's schema: SCHEMA (scdl/subventions@2.1.1, an address or a local file) when one file is "
                      "checked, PATTERN=SCHEMA for the files of a folder (« data/*.csv=... », repeatable); takes "
                      "precedence over descriptions and .auditor.toml",
    ("ci", "root"): "root of the repository, from which SARIF and GitHub paths start (default: git rev-parse "
                    "--show-toplevel, else the current folder)",
    ("ci", "format"): "result format: text, JSON, SARIF 2.1.0, JUnit XML or GitHub annotations (default: text)",
    ("ci", "output"): "write the result to this file (default: standard output)",
    ("ci", "baseline"): "findings already known (JSON): only new ones fail",
    ("ci", "write_baseline"): "record today's findings as the baseline",
    ("ci", "annotations"): "also write the GitHub annotations to standard output (with --output)",
    ("serve", "host"): "address to listen on (default 127.0.0.1)",
    ("serve", "port"): "port to listen on (default: 8080)",
    ("serve", "config"): "territory configuration (default: the MEL)",
    ("serve", "data_dir"): "folder of the history (default: the configuration's)",
    ("serve", "schedule"): "scheduled audit, e.g. « monthly 1 03:00 » or « every 30 days » (default: none)",
    ("serve", "token"): "token required to start an audit through the API (default: $AUDITOR_TOKEN)",
    ("serve", "max_upload_mb"): "largest upload (MB, default 50)",
    ("serve", "schemas"): "schema catalogue (default: schema.data.gouv.fr)",
    ("serve", "allow_private_urls"): "accept addresses of the internal network for files to check",
    ("serve", "allowed_host"): "host name the service answers to, besides 127.0.0.1, localhost and ::1 (repeatable; "
                               "« * »: any, behind a proxy that checks it); also [serve] allowed_hosts",
    ("serve", "threads"): "requests handled at once (default 8, or [serve] threads)",
    ("serve", "connection_limit"): "connections open at once (default 1000, or [serve] connection_limit)",
    ("serve", "channel_timeout"): "seconds after which an idle connection is closed (default 20)",
    ("serve", "cleanup_interval"): "seconds between two searches for idle connections (default 5)",
}
