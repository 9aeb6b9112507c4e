"""What the reports need of the message catalogue (:mod:`auditor.i18n`): ``_`` for the templates and why the
open-data-by-default duty binds a body or not, in the report's language."""
from __future__ import annotations

from ..i18n import t


def applicability_reason(body: dict, lang: str = "fr") -> str:
    """Why the open-data-by-default duty binds ``body`` or not (CRPA L312-1-1, D312-1-1-1), in ``lang``: from its
    status, population and staff count (the stored reasons are French sentences)."""
    from ..auditing.applicability import AGENTS_THRESHOLD, POPULATION_THRESHOLD

    pop, agents, status = body.get("population"), body.get("agents"), body.get("status")
    values = {"population": "?" if pop is None else pop, "agents": "?" if agents is None else agents}
    if status == "bound":
        return t("reason.bound", lang, **values)
    if status == "presumed":
        return t("reason.presumed", lang, **values)
    if pop is None or pop < POPULATION_THRESHOLD:
        return t("reason.few-inhabitants", lang, threshold=POPULATION_THRESHOLD, **values)
    if agents is None:
        return t("reason.agents-unknown", lang, **values)
    return t("reason.few-agents", lang, threshold=AGENTS_THRESHOLD, **values)


def translator(lang: str):
    """``_`` for templates: ``_(key, **values)`` in ``lang``."""
    return lambda key, **values: t(key, lang, **values)
