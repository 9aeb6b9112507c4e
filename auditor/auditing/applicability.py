"""Who the open-data-by-default duty binds: a commune of at least 3 500 inhabitants and 50 agents
(CRPA L312-1-1, D312-1-1-1), and who must also name a PRADA (CRPA R330-2).

Below both the audit (:mod:`auditor.auditing.audit`) and the dataset descriptions (:mod:`auditor.selfcheck.describe`),
which each judge with it.
"""
from __future__ import annotations

from .checks.base import Applicability
from ..crawling.territory.registry import MEL_CODE, Registry

POPULATION_THRESHOLD = 3500  # CRPA L312-1-1
AGENTS_THRESHOLD = 50  # CRPA D312-1-1-1
PRADA_THRESHOLD = 10000  # CRPA R330-2


def applicability(registry: Registry, assume_bound_when_agents_unknown: bool = True) -> dict[str, Applicability]:
    """Who the open-data-by-default duty binds (CRPA L312-1-1, D312-1-1-1)."""
    out: dict[str, Applicability] = {}
    bodies = list(registry.communes.values()) + [registry.metropole]
    for c in bodies:
        code = MEL_CODE if c.kind == "metropole" else c.insee
        pop, agents = c.population, c.agents
        reasons = []
        if pop is None or pop < POPULATION_THRESHOLD:
            status = "not-bound"
            reasons.append(f"moins de {POPULATION_THRESHOLD} habitants ({pop if pop is not None else '?'})")
        elif agents is None:
            status = "presumed" if assume_bound_when_agents_unknown else "not-bound"
            reasons.append(f"{pop} habitants ; effectif non renseigné")
        elif agents < AGENTS_THRESHOLD:
            status = "not-bound"
            reasons.append(f"moins de {AGENTS_THRESHOLD} agents ({agents})")
        else:
            status = "bound"
            reasons.append(f"{pop} habitants et {agents} agents")
        out[code] = Applicability(code=code, population=pop, agents=agents, status=status, reasons=reasons)
    return out
