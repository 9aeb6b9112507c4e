"""What every check shares.

A check is a small module of :mod:`auditor.auditing.checks`, the yamllint way: its docstring is its
documentation (shown by ``auditor rules``), and it exposes::

    ID = "licence-homologuee"         # what rules/*.yaml name in ``check:``
    SCOPE = "dataset"                 # portal | commune | dataset | distribution
    PARAMS = {"...": default}         # parameters a rule may set

    def check(target, params, ctx) -> Iterator[Problem]:
        ...

``target`` is a :class:`PortalView`, a :class:`CommuneView`, a
:class:`~auditor.model.Dataset`, or a ``(Dataset, Distribution)`` pair, by scope. A check
yields :class:`Problem` s — what is wrong, in French and English — and the rule engine turns
them into findings (code, severity, basis, fix, fingerprint). A check that cannot judge its
target (a portal where the body could publish was not collected, nothing was published so
freshness cannot be judged) yields one :class:`NotEvaluated` instead, with its reason: the
audit then says « non évaluée » and why, never « respectée » nor « non respectée ».
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ...crawling.catalogue import Catalogue
from ...model import Commune, Dataset
from ...crawling.territory.registry import Registry


@dataclass
class Problem:
    fr: str
    en: str = ""
    distribution: str | None = None  # URL, when the problem is one file's
    location: dict[str, Any] = field(default_factory=dict)
    key: str = ""  # tells two problems of one rule on one target apart (fingerprint)
    state: str = "unmet"  # for an obligation: unmet, or not-open (published, but not as open data)
    portal: str | None = None  # the portal the problem is seen on, when the target is not one portal's
    fix: dict[str, str] | None = None  # a fix more precise than the rule's, for this problem


#: Why an obligation could not be judged (stable codes; texts in the report catalogue).
NOT_EVALUATED_REASONS = ("portal-unreachable", "nothing-published", "file-unavailable", "catalogue-unavailable")


@dataclass
class NotEvaluated:
    """What a check yields when it cannot judge its target: the stable ``reason``
    (:data:`NOT_EVALUATED_REASONS`) and what exactly, in French and English."""

    reason: str
    fr: str
    en: str = ""


@dataclass
class Applicability:
    """Whether a commune is bound by the open-data-by-default duty (CRPA L312-1-1)."""

    code: str
    population: int | None
    agents: int | None
    status: str  # bound | not-bound | presumed (population reached, agents unknown)
    reasons: list[str] = field(default_factory=list)

    @property
    def bound(self) -> bool:
        return self.status in ("bound", "presumed")


@dataclass
class CommuneView:
    commune: Commune
    code: str  # INSEE code or MEL
    applicability: Applicability
    datasets: list[Dataset]  # primary records of the distinct datasets it publishes
    records: list[Dataset]  # every record, copies included


@dataclass
class PortalView:
    name: str
    kind: str
    url: str
    status: str
    error_code: str | None
    error_message: str | None
    datasets: int
    owner: str | None = None


@dataclass
class CheckContext:
    as_of: datetime  # the audit's "now" (aware, UTC)
    registry: Registry
    catalogue: Catalogue
    applicability: dict[str, Applicability]
    communes: dict[str, CommuneView]
    extra: dict[str, Any] = field(default_factory=dict)
    portals: list[PortalView] = field(default_factory=list)  # every configured source of the run

    def could_hold(self, portal: PortalView, code: str) -> bool:
        """Whether ``portal`` could hold data of body ``code``: an aggregator (no owner), the
        body's own portal, or a shared platform (owned by a body that is not a commune, such
        as the metropolis); never another commune's own portal."""
        if portal.owner is None or portal.owner == code:
            return True
        owner = self.registry.get(portal.owner)
        return owner is None or owner.kind != "commune"

    def examined(self, code: str) -> list[PortalView]:
        """The portals collected (in full or in part) that could hold body ``code``'s data."""
        return [p for p in self.portals if p.status in ("ok", "partial") and self.could_hold(p, code)]

    def blind_spots(self, code: str) -> list[PortalView]:
        """The portals that could hold body ``code``'s data but were not collected in full
        (failed, read in part, or left out of this run): a missing dataset may be there. A portal
        that answers 410 Gone is closed for good and holds nothing: it is no blind spot."""
        return [p for p in self.portals if p.status != "ok" and p.error_code != "gone" and self.could_hold(p, code)]

    def commune_of(self, d: Dataset) -> CommuneView | None:
        return self.communes.get(d.publisher.code) if d.publisher.code else None

    def copies(self, d: Dataset) -> list[Dataset]:
        """The other records of the same dataset (its copies on other portals)."""
        index = self.extra.get("_copies")
        if index is None:
            index = {}
            for r in self.catalogue.datasets:
                if r.copy_of:
                    index.setdefault(r.copy_of, []).append(r)
            self.extra["_copies"] = index
        return index.get(d.copy_of or d.uid, []) if d.copy_of is None else []


def unseen(view: CommuneView, ctx: CheckContext) -> NotEvaluated | None:
    """The « not evaluated » verdict of a body whose data may sit on a portal that was not
    collected in full (None when every portal that could hold its data was collected)."""
    spots = ctx.blind_spots(view.code)
    if not spots:
        return None
    names = ", ".join(sorted(p.name for p in spots))
    return NotEvaluated(
        "portal-unreachable",
        fr=f"{view.commune.name} : non évaluée, car un portail où elle publie ou pourrait publier n'a pas pu être "
           f"collecté en entier ({names})",
        en=f"{view.commune.name}: not evaluated, because a portal where it publishes or could publish could not be "
           f"crawled in full ({names})")


def examined_names(view: CommuneView, ctx: CheckContext) -> str:
    """The portals searched for a body's data, as a reader sees them (« aucun » when none)."""
    return ", ".join(sorted(p.name for p in ctx.examined(view.code))) or "aucun"
