"""The web service: ``auditor serve``.

For commune staff, a page (``/``) where a file is uploaded or a URL given, the schema
picked or guessed, and the report read in French; the same through a JSON API
(``/api/v1/...``, described by ``/api/v1/openapi.json``). For coordinators, the latest
territory dashboard, gap report and commune sheets from the store, the list of audits, and
an audit started on demand or on a schedule (off by default), with its progress.

Safety: uploads are limited in size and streamed to disk by the WSGI layer; URLs are
fetched through :mod:`auditor.crawling.netsafe` (public addresses only, bounded redirects, size and
time caps); uploaded names are never used as paths; every error is a clear page or a JSON
error, never a stack trace, and an input the service cannot read is refused (422), never a 500.

As a web application (:mod:`auditor.interfaces.server.guard`): a request whose ``Host`` is not one of the
service's names is refused (DNS rebinding); a state-changing request (POST) whose ``Origin``, or
failing that ``Referer``, is another origin, or that a browser marks as cross-site
(``Sec-Fetch-Site``), is refused (CSRF), and the form that starts an audit also carries a token
only the service's own page knows; every response says ``X-Content-Type-Options: nosniff``, may not
be framed (``X-Frame-Options: DENY``, ``frame-ancestors 'none'``) and carries its
Content-Security-Policy as a header, the reports served included. :func:`make_server` sets
waitress' connection limits and timeouts explicitly, so that idle connections cannot make the
service unreachable.
"""
from __future__ import annotations

import hmac
import logging
import os
import shutil
import sqlite3
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, request
from jinja2 import Environment, PackageLoader, select_autoescape

from ...render.checkgroups import unlocated
from ...render.templates import plain
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ... import __version__
from ...selfcheck.archive import ArchiveError
from ...config import ServeConfig
from ...tabular.catalog import CatalogError, SchemaNotFound
from ...history.store import Store
from ...i18n import t
from . import guard
from .openapi import openapi_document
from .runner import AuditRunner

log = logging.getLogger("auditor.interfaces.server")


@dataclass
class ServeOptions:
    store_path: Path
    work_dir: Path  # where uploads and downloads are written (and nowhere else)
    max_upload: int = 50 * 1024 * 1024
    url_max_bytes: int = 50 * 1024 * 1024
    url_timeout: float = 60.0
    allow_private_urls: bool = False
    allowed_hosts: frozenset[str] = frozenset()
    schema_base: str = "https://schema.data.gouv.fr"
    token: str | None = None  # required to start an audit through the API, when set
    cache_dir: Path | None = None  # schema documents (None: auditor.auditing.filecheck.default_cache_dir())
    # the names the service answers to (Host header), besides the loopback ones; "*": any
    host_names: tuple[str, ...] = ()
    limits: ServeConfig = field(default_factory=ServeConfig)  # waitress' threads, connections and timeouts


def create_app(options: ServeOptions, runner: AuditRunner | None = None, checker=None) -> Flask:
    """The Flask application. ``checker(path, name, schema, lang) -> dict`` validates one
    file (default: :func:`auditor.selfcheck.selfcheck.check_for_service`)."""
    app = Flask("auditor")
    app.config["MAX_CONTENT_LENGTH"] = options.max_upload
    options.work_dir.mkdir(parents=True, exist_ok=True)
    env = Environment(loader=PackageLoader("auditor.interfaces.server", "templates"), finalize=plain,
                      autoescape=select_autoescape(default=True, default_for_string=True))
    env.filters["unlocated"] = unlocated
    if checker is None:
        from ...selfcheck.selfcheck import check_for_service as checker  # noqa: N813
    schema_choices = _schema_chooser(options)

    def lang() -> str:
        value = request.args.get("lang")
        if not value and request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
            try:
                value = request.form.get("lang")
            except Exception:  # noqa: BLE001 - an oversized or broken body: its error page still needs a language
                value = None
        return value if value in ("fr", "en") else "fr"

    def text(key: str, **kw: Any) -> str:
        return t(key, lang(), **kw)

    def page(template: str, status: int = 200, scripts: bool = False, **ctx: Any) -> Response:
        """``template`` rendered; ``scripts``: the page loads this service's own scripts (none inline)."""
        language = lang()
        body = env.get_template(template).render(lang=language, version=__version__,
                                                 _=lambda key, **kw: t(key, language, **kw), **ctx)
        resp = Response(body, status=status, mimetype="text/html")
        resp.headers["Content-Security-Policy"] = guard.PAGE_POLICY + ("; script-src 'self'" if scripts else "")
        return resp

    def wants_json() -> bool:
        return request.path.startswith("/api/")

    def problem(status: int, message: str) -> Response:
        if wants_json():
            return jsonify({"error": {"status": status, "message": message}}), status
        return page("error.html.j2", status=status, status_code=status, message=message)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_exc):
        return problem(413, text("service.too_large", size=human_size(options.max_upload, lang())))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code == 404:
            return problem(404, text("service.not_found"))
        if exc.code == 405:
            return problem(405, text("service.method"))
        if exc.code == 400:
            return problem(400, text("service.bad_request"))
        return problem(exc.code or 400, exc.description or exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, sqlite3.Error):  # the history store, not the request: unavailable for now
            log.exception("store error on %s", request.path)
            return problem(503, text("service.store"))
        log.exception("unexpected error on %s", request.path)  # a fault of the service, never of the input
        return problem(500, text("service.error"))

    names = guard.host_names(options.host_names)
    form_token = guard.FormToken()

    @app.before_request
    def screen():
        """Refuse a foreign Host (DNS rebinding) and a cross-origin state-changing request (CSRF)."""
        refusal = guard.refuse_host(request, names) or guard.refuse_cross_origin(request)
        if refusal is not None:
            key, status, detail = refusal
            log.warning("refused %s %s: %s (%s)", request.method, request.path, key, detail)
            return problem(status, text(key, detail=detail))
        return None

    @app.after_request
    def headers(resp: Response) -> Response:
        guard.secure_headers(resp)
        return resp

    # -- self-check ---------------------------------------------------------------------------
    def run_check() -> tuple[dict[str, Any] | None, Response | None]:
        schema = (request.form.get("schema") or request.args.get("schema") or "").strip() or None
        url = (request.form.get("url") or "").strip()
        if request.is_json:
            try:
                body = request.get_json(silent=True)
            except RecursionError:  # json gives up on a deeply nested body: refused, not a crash
                return None, problem(400, text("service.bad_json"))
            body = body if isinstance(body, dict) else {}
            url = str(body.get("url") or "").strip()
            schema = (str(body.get("schema")) if body.get("schema") else None) or schema
        upload = request.files.get("file")
        work = Path(tempfile.mkdtemp(prefix="check-", dir=options.work_dir))
        try:
            if upload is not None and upload.filename:
                path = work / "upload"
                upload.save(path)  # never the client's name
                name = os.path.basename(upload.filename)[:200]
            elif url:
                from ...crawling.netsafe import DownloadError, UnsafeURL, download

                try:
                    with _cancelled_when_client_leaves(request.environ) as budget:
                        d = download(url, max_bytes=options.url_max_bytes, max_seconds=options.url_timeout,
                                     allow_private=options.allow_private_urls, allowed_hosts=options.allowed_hosts,
                                     directory=str(work), budget=budget)
                except UnsafeURL as exc:
                    return None, problem(400, str(exc))
                except DownloadError as exc:
                    return None, problem(422, str(exc))
                except Exception as exc:  # noqa: BLE001 - an address nothing can parse (IDNA, ports…): refused
                    log.warning("URL refused: %r", exc)
                    return None, problem(400, text("service.bad_url", detail=type(exc).__name__))
                path, name = Path(d.path), d.filename or url
            else:
                return None, problem(400, text("service.no_input"))
            try:
                return checker(path, name, schema, lang(), options), None
            except SchemaNotFound as exc:  # (a KeyError of a reader is no unknown schema)
                return None, problem(400, text("service.bad_schema", detail=exc))
            except ArchiveError as exc:
                return None, problem(422, str(exc) if lang() == "fr" else exc.en)
            except CatalogError as exc:
                log.warning("schema catalogue unavailable: %s", exc)
                return None, problem(503, text("service.catalog", detail=exc))
            except Exception as exc:  # noqa: BLE001 - whatever the readers raise on a hostile file: refused
                log.warning("input refused (%s): %r", name, exc, exc_info=not _clean(exc))
                return None, problem(422, _refusal(exc, lang()) or text("service.unreadable"))
        finally:
            shutil.rmtree(work, ignore_errors=True)

    @app.get("/")
    def home():
        return page("check.html.j2", scripts=True, title=text("service.title"),
                    max_size=human_size(options.max_upload, lang()), schemas=picker_order(schema_choices()))

    picker_script = env.loader.get_source(env, "schema-picker.js")[0]

    @app.get("/schema-picker.js")
    def schema_picker():
        """The check page's schema search (the list works without it, as a plain select)."""
        resp = Response(picker_script, mimetype="text/javascript")
        resp.headers["Cache-Control"] = "public, max-age=3600"
        return resp

    @app.post("/verifier")
    def check_page():
        result, error = run_check()
        if error is not None:
            return error
        return page("result.html.j2", result=result)

    @app.post("/api/v1/check")
    def check_api():
        result, error = run_check()
        return error if error is not None else jsonify(result)

    @app.get("/api/v1/schemas")
    def schemas_api():
        return jsonify({"schemas": schema_choices()})

    @app.get("/api/v1/openapi.json")
    def openapi():
        return jsonify(openapi_document(__version__))

    @app.get("/api/v1/health")
    def health():
        return jsonify({"status": "ok", "version": __version__})

    # -- coordinators --------------------------------------------------------------------------
    def report_html(kind: str, code: str | None = None) -> Response:
        from ...render import html
        from ...render.data import ReportError, commune_report, gap_report, territory_report

        if not options.store_path.exists():
            return problem(404, text("service.no_run"))
        with Store(options.store_path) as store:
            try:
                if kind == "commune":
                    report = commune_report(store, code or "", None, lang())
                elif kind == "gaps":
                    report = gap_report(store, None, lang())
                else:
                    report = territory_report(store, None, lang(), findings=False)
            except ReportError as exc:
                return problem(404, str(exc))
        resp = Response(html.render(report, links=True), mimetype="text/html")
        resp.headers["Content-Security-Policy"] = html.policy(report, header=True)
        return resp

    @app.get("/tableau-de-bord")
    def dashboard():
        return report_html("territory")

    @app.get("/ecarts.html")
    @app.get("/ecarts")
    def gaps():
        return report_html("gaps")

    @app.get("/communes/<code>.html")
    @app.get("/communes/<code>")
    def commune(code: str):
        return report_html("commune", code)

    @app.get("/index.html")
    def index_alias():
        return report_html("territory")

    @app.get("/audits")
    def audits_page():
        return page("audits.html.j2", runs=_runs(options), progress=runner.progress.to_dict() if runner else None,
                    can_start=may_start(False), csrf=form_token.value)

    def may_start(bearer: bool) -> bool:
        """With a token, only its bearer (API) starts an audit; without one, only this machine."""
        if runner is None:
            return False
        if options.token:
            given = request.headers.get("Authorization", "")
            return bearer and hmac.compare_digest(given.encode(), f"Bearer {options.token}".encode())
        return request.remote_addr in ("127.0.0.1", "::1")

    def start(bearer: bool):
        """Start an audit; the error answer when this request may not, or one is already running."""
        if not may_start(bearer):
            return problem(403, text("service.forbidden"))
        if not runner.start():
            return problem(409, text("service.busy"))
        return None

    @app.post("/audits")
    def start_audit_page():
        if not form_token.matches(request.form.get("csrf")):  # a form this service did not serve
            return problem(403, text("service.stale_form"))
        refused = start(False)
        return refused if refused is not None else page(
            "audits.html.j2", runs=_runs(options), progress=runner.progress.to_dict(), can_start=False,
            notice=text("service.started"))

    @app.get("/api/v1/runs")
    def runs_api():
        return jsonify({"runs": _runs(options), "progress": runner.progress.to_dict() if runner else None})

    @app.post("/api/v1/runs")
    def start_audit_api():
        refused = start(True)
        return refused if refused is not None else (jsonify({"started": True,
                                                             "progress": runner.progress.to_dict()}), 202)

    @app.get("/api/v1/runs/progress")
    def progress_api():
        return jsonify(runner.progress.to_dict() if runner else {"state": "idle"})

    @app.get("/api/v1/communes/<code>")
    def commune_api(code: str):
        if not options.store_path.exists():
            return problem(404, text("service.no_run"))
        with Store(options.store_path) as store:
            run = store.latest_run("audit")
            if run is None:
                return problem(404, text("service.no_run"))
            summaries = store.commune_summaries(run)
            if code not in summaries:
                return problem(404, text("service.not_found"))
            findings = [f.__dict__ for f in store.findings(run, code)]
        return jsonify({"run": run, "summary": summaries[code], "findings": findings})

    return app


def picker_order(choices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The schemas in the order a clerk looks for them: the SCDL ones (subventions, délibérations...) first,
    then the others, each by title (case and accents ignored)."""
    import unicodedata

    def folded(text: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).casefold()

    return sorted(choices, key=lambda c: (not c["name"].startswith("scdl/"), folded(c.get("title") or c["name"])))


def _clean(exc: Exception) -> bool:
    """An error that says what is wrong with the input in words (the readers' own errors)."""
    return isinstance(getattr(exc, "message", None), dict) or hasattr(exc, "en")


def _refusal(exc: Exception, lang: str) -> str | None:
    """The words of a reader's clean error (``message`` {fr, en}, or ``str()`` French and ``en``)."""
    message = getattr(exc, "message", None)
    if isinstance(message, dict) and message.get(lang):
        return str(message[lang])
    if hasattr(exc, "en"):
        return str(exc) if lang == "fr" else str(exc.en)
    return None


def human_size(n: int, lang: str = "fr") -> str:
    """``50 Mo``, ``512 Ko``, ``900 octets`` (``MB``, ``KB``, ``bytes`` in English)."""
    units = ("octets", "Ko", "Mo", "Go") if lang == "fr" else ("bytes", "KB", "MB", "GB")
    value, unit = float(n), 0
    while value >= 1024 and unit < len(units) - 1:
        value, unit = value / 1024, unit + 1
    text = f"{value:.0f}" if unit == 0 or value >= 10 or value == int(value) else f"{value:.1f}"
    return f"{text.replace('.', ',') if lang == 'fr' else text} {units[unit]}"


@contextmanager
def _cancelled_when_client_leaves(environ: dict[str, Any], every: float = 0.25):
    """A download budget cancelled as soon as the client that asked for the check has gone (waitress
    tells it through ``waitress.client_disconnected`` when it reads requests ahead): a closed browser
    tab does not keep a worker downloading a slow URL until its deadline."""
    from ...crawling.netsafe import Budget

    budget = Budget(reason="le demandeur est parti : téléchargement annulé")
    gone = environ.get("waitress.client_disconnected")
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(every):
            if gone():
                budget.cancel()
                return

    if callable(gone):
        threading.Thread(target=watch, daemon=True, name="client-watch").start()
    try:
        yield budget
    finally:
        stop.set()


def make_server(app: Flask, options: ServeOptions, host: str = "127.0.0.1", port: int = 8080,
                threads: int | None = None):
    """The waitress server for ``app`` (``port=0``: any free port; ``.effective_port`` tells it).

    waitress spools each request body to disk before the application sees it, and answers by itself
    (in English, as plain text) when the body is over its own cap: the cap is set well above the
    upload limit so that an oversized upload normally reaches the application, which refuses it with
    a clear French page or JSON error; the cap still bounds what a client can make the server store.

    Connections (``options.limits``, a :class:`~auditor.config.ServeConfig`): waitress stops accepting
    once ``connection_limit`` connections are open, and by default closes an idle one only after 120 s,
    looked for every 30 s: 100 idle sockets made the service unreachable for minutes. Here the limit
    is ten times higher (no higher than the process' file limit allows), an idle connection (no
    request being read or answered) is closed after ``channel_timeout`` seconds, looked for every
    ``cleanup_interval`` seconds, and the loop uses ``poll()`` (``select()`` fails past 1 024
    descriptors). Request headers are capped at 64 Kio."""
    from waitress import create_server

    limits = options.limits
    cap = options.max_upload * WAITRESS_CAP_FACTOR + 1024 * 1024
    threads = threads or limits.threads
    return create_server(app, host=host, port=port, threads=threads, max_request_body_size=cap,
                         clear_untrusted_proxy_headers=True, ident="auditor",
                         connection_limit=_fit_file_limit(limits.connection_limit, threads),
                         channel_timeout=limits.channel_timeout, cleanup_interval=limits.cleanup_interval,
                         asyncore_use_poll=True, max_request_header_size=64 * 1024,
                         channel_request_lookahead=1)  # gives waitress.client_disconnected to the app


def _fit_file_limit(connections: int, threads: int) -> int:
    """``connections``, after raising the process' soft limit of open files to hold them (each
    connection is a descriptor; each thread may hold a few more: store, upload, download); fewer
    when the hard limit is lower, so that waitress stops accepting before ``accept()`` fails."""
    try:
        import resource
    except ImportError:  # not a POSIX system
        return connections
    reserve = 64 + 4 * threads
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + reserve
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft != resource.RLIM_INFINITY and soft < wanted:
        fitted = max(16, soft - reserve)
        log.warning("file limit %d: at most %d connections at once (instead of %d)", soft, fitted, connections)
        return fitted
    return connections


WAITRESS_CAP_FACTOR = 4


def _runs(options: ServeOptions) -> list[dict[str, Any]]:
    if not options.store_path.exists():
        return []
    with Store(options.store_path) as store:
        return list(reversed(store.runs()))[:50]


def _schema_chooser(options: ServeOptions):
    """``choices()``: the schemas of the page and of ``/api/v1/schemas``, listed once; when the catalogue is
    unreachable (the guess still works), an empty list, asked again after ``SCHEMA_RETRY`` seconds."""
    state: dict[str, Any] = {"choices": [], "at": None}

    def choices() -> list[dict[str, Any]]:
        if state["choices"] or (state["at"] is not None and time.monotonic() - state["at"] < SCHEMA_RETRY):
            return state["choices"]
        try:
            from ...selfcheck.selfcheck import schema_choices

            state["choices"] = schema_choices(options)
        except Exception:  # noqa: BLE001 - the catalogue is unreachable and not cached
            log.warning("schema catalogue unavailable", exc_info=True)
        state["at"] = time.monotonic()
        return state["choices"]

    return choices


SCHEMA_RETRY = 60.0
