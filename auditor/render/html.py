"""HTML reports: the territory dashboard, a commune sheet, the gap report.

Each is one self-contained file: styles, the small sorting/filtering script and the SVG
charts are inline, nothing is fetched. Templates autoescape every value (a ``<script>`` in a
dataset title is shown as text), links to portals are kept only when they are http(s), and
the page's Content-Security-Policy (:func:`policy`) allows no script but the report's own (by
its hash). A file carries it as a meta tag; the service sends it as a response header too, with
what only a header can say (``frame-ancestors``: no page may frame the report).
"""
from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from typing import Any

from markupsafe import Markup

from ..i18n import t
from ..normalize.text import fold
from . import svg
from .templates import render_template, templates_dir


@lru_cache(maxsize=1)
def _script() -> tuple[Markup, str]:
    text = (templates_dir() / "dashboard.js").read_text("utf-8")
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return Markup(text), f"sha256-{digest}"


STATIC_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
HEADER_ONLY = "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def policy(report: dict[str, Any], *, header: bool = False) -> str:
    """The Content-Security-Policy of ``report``'s page: the meta tag's, or (``header``) the response
    header's, which adds the directives a meta tag cannot carry."""
    parts = [STATIC_POLICY]
    if report["report"] == "territory":
        parts.append(f"script-src '{_script()[1]}'")
    if header:
        parts.append(HEADER_ONLY)
    return "; ".join(parts)


def charts(report: dict[str, Any]) -> dict[str, Markup]:
    lang = report["lang"]
    points = [{"label": f'{p["as_of"][5:7]}/{p["as_of"][:4]}', "obligations": p["obligations"]["pct"], "scdl": p["scdl"]["pct"]}
              for p in report["history"]]
    hist = report["histograms"]
    return {
        "coverage": svg.line_chart(points, [("obligations", t("chart.coverage.obligations", lang)),
                                            ("scdl", t("chart.coverage.scdl", lang))], t("chart.coverage", lang)),
        "mqa": svg.histogram(hist["mqa"], t("chart.mqa", lang)),
        "datagouv": svg.histogram(hist["datagouv"], t("chart.datagouv", lang),
                                  label=lambda b: f"{b['from'] * 100:g}", unit=" %"),
    }


def dashboard(report: dict[str, Any], *, links: bool = False) -> str:
    script, _ = _script()
    search = {c["code"]: f'{fold(c["name"])} {c["code"]}' for c in report["communes"]}
    return render_template("html", "dashboard.html.j2", report, charts=charts(report), script=script,
                           csp=policy(report), search=search, links=links)


def commune_sheet(report: dict[str, Any], *, links: bool = False) -> str:
    return render_template("html", "commune.html.j2", report, script=None, csp=policy(report), links=links)


def gaps_page(report: dict[str, Any], *, links: bool = False) -> str:
    return render_template("html", "gaps.html.j2", report, script=None, csp=policy(report), links=links)


def render(report: dict[str, Any], *, links: bool = False) -> str:
    kind = report["report"]
    if kind == "territory":
        return dashboard(report, links=links)
    if kind == "commune":
        return commune_sheet(report, links=links)
    return gaps_page(report, links=links)
