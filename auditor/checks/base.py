"""What every check shares.

A check is a small module of :mod:`auditor.checks`, the yamllint way: its docstring is its
documentation (shown by ``auditor rules``), and it exposes::

    ID = "licence-homologuee"         # what rules/*.yaml name in ``check:``
    SCOPE = "dataset"                 # portal | commune | dataset | distribution
    PARAMS = {"...": default}         # parameters a rule may set

    def check(target, params, ctx) -> Iterator[Problem]:
        ...

``target`` is a :class:`PortalView`, a :class:`CommuneView`, a
:class:`~auditor.model.Dataset`, or a ``(Dataset, Distribution)`` pair, by scope. A check
yields :class:`Problem` s — what is wrong, in French and English — and nothing else: the
rule engine turns them into findings (code, severity, basis, fix, fingerprint).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..catalogue import Catalogue
from ..model import Commune, Dataset
from ..territory.registry import Registry


@dataclass
class Problem:
    fr: str
    en: str = ""
    distribution: str | None = None  # URL, when the problem is one file's
    location: dict[str, Any] = field(default_factory=dict)
    key: str = ""  # tells two problems of one rule on one target apart (fingerprint)


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
