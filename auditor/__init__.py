"""auditor: audit de conformité open data des communes (Métropole européenne de Lille).

The pipeline, one folder per stage, in the order data flows through it:

- below them all, the shared vocabulary: ``model`` (datasets, distributions, bodies, findings), ``normalize/``
  (dates, formats, licences, frequencies, text), ``i18n``, ``legal_bases``, ``exit_codes``, ``render/neutral``
  (outside text made safe for each medium).
- ``crawling/``: the territory's configuration (``config``) → each portal read by its source
  (``crawling/sources/``, one module per portal software) through one HTTP client (``http``, its cache
  ``httpcache``, its network safety ``netsafe``) → every dataset attributed to a body
  (``crawling/territory/``) → one normalised catalogue (``catalogue``, records of ``model``), classified
  (``classify``). Out: a ``CrawlResult``.
- ``tabular/``: the engine that reads a table (CSV, XLSX, XLS, ODS, JSON) and validates it against a Table
  Schema, and the schema catalogue (schema.data.gouv.fr, its offline snapshot). Out: a ``TableReport``.
- ``auditing/``: who the duty binds (``applicability``) → rules (``rules``, the YAML catalogue in ``rules/``)
  that each name a check (``auditing/checks/``) → findings; metadata scores (``auditing/scores/``); the file
  stage (``validation``, on the file checker ``filecheck``, on ``tabular/``). Out: an ``AuditResult``.
- ``selfcheck/``: the same rules and file checker on a producer's own files, descriptions, archives and
  repositories (``auditor check``, ``auditor ci`` in ``selfcheck/ci/``). Out: ``CheckResult`` s.
- ``history/``: every audit stored in SQLite (``store``), read back as runs and evolutions (``history``).
- ``render/``: reports from the history (``data`` assembles them as dicts; one module per format; templates
  in ``reports/``). ``simulate/``: the offline demo territory (portals on 127.0.0.1, evolving histories).
- ``interfaces/``: the command line (``cli``, ``cli_selfcheck``, ``cli_language``) and the web service
  (``interfaces/server/``); ``frames`` gives notebooks the history as DataFrames.

Where things live, and how to add one:

- a rule: an entry in a ``rules/*.yaml`` family (code, check, severity, scope, basis citing its article, fix;
  ``rules/rule.schema.json`` says what is allowed); profiles in ``rules/profiles.yaml``.
- a check: one module in ``auditing/checks/`` exposing ``ID``, ``SCOPE``, ``PARAMS`` and ``check()``, its
  docstring its documentation (see ``auditing/checks/base.py``); found by ``ID``, then named by a rule.
- a source: one module in ``crawling/sources/`` turning a portal into ``model.Dataset`` records, listed in
  ``crawling/sources/__init__.py`` ``KINDS``; a portal of that kind is then a ``[[sources]]`` entry of the
  territory's TOML (``crawling/territory/mel.toml``).
- a report: its data in ``render/data.py``, its templates in ``reports/`` (French and English), its format
  module in ``render/``, its choice in ``auditor report`` (``interfaces/cli.py``).
- a message: French and English side by side, keyed, in the one catalogue ``i18n.py`` (``t()`` in code,
  ``_()`` in templates; ``tests/test_messages.py`` checks each key used is there); a check's own words are in
  its ``Problem`` s.
- a command: a parser and a function in ``interfaces/cli.py`` (``cli_selfcheck.py`` for check, ci and
  serve), with French help and its English in ``cli_language.HELP_EN``; exit codes in ``exit_codes``.

Layers, from the bottom up. A module imports only from its own layer or the layers below it, and no two
modules import each other, even through others (``tests/test_layers.py`` reads this list and checks both;
the package itself, which holds only its version, is below them all). Names are relative to ``auditor``;
a package name covers its modules, and a module named on its own wins over its package. Two modules sit in a
lower layer than their folder: ``render/neutral`` (no dependency; the CI writers use it) and
``render/checkgroups`` (what a check result means to a clerk, built by the file checker).

1. vocabulary: model, normalize, i18n, legal_bases, shipped, writable, exit_codes, render.neutral
2. crawling: crawling, config
3. tabular: tabular
4. auditing: auditing, render.checkgroups
5. selfcheck: selfcheck
6. history: history
7. rendering: render
8. simulation: simulate
9. interfaces: interfaces, frames, __main__
"""

__version__ = "0.1.0"
