"""What each body owes and where it stands, obligation by obligation: the audit's verdicts.

Every obligation of every body is in exactly one state:

* ``met`` — respectée: the audit saw what the duty asks (for a publication duty, a dataset with
  a resource in an open machine-readable format);
* ``unmet`` — non respectée: every portal where the body publishes or could publish was
  collected in full, and the duty is not fulfilled;
* ``not-open`` — publiée, mais pas en données ouvertes (a PDF-only publication): unmet, with
  its own fix;
* ``waived`` — dérogée: unmet, but every finding of it is covered by an active waiver;
* ``not-owed`` — non due: the rule's conditions (population, staff, kind of body) exclude it;
* ``not-evaluated`` — non évaluée, with its reason (:data:`REASONS`): the audit could not see
  enough to judge, and says so rather than accuse or absolve.

Ratios count evaluated obligations only (``met + waived`` out of ``met + unmet + not-open +
waived``) and say how many were not evaluated; :func:`tally` is the one count every report,
export and CLI summary uses.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

#: The commune-level rules shown as obligations, in reading order.
OBLIGATIONS = ["RN-PUB-01", "RN-CAT-01", "RN-CAT-02", "SUB-01", "SUB-02", "DECP-01", "DECP-02", "ACT-01", "BUD-01"]
STATES = ("met", "unmet", "not-open", "waived", "not-owed", "not-evaluated")
#: Why an obligation was not evaluated (the check's own reasons, and ``not-selected``: the rule
#: was left out of the run by --select/--ignore/--profile).
REASONS = ("portal-unreachable", "nothing-published", "file-unavailable", "catalogue-unavailable", "not-selected")
MET = ("met", "waived")
EVALUATED = ("met", "unmet", "not-open", "waived")
GAPS = ("unmet", "not-open")


def obligation_states(verdicts: dict[tuple[str, str], Any], findings: Iterable[Any], bodies: Iterable[str],
                      applied: Iterable[str], owes: Callable[[str, str], bool]) -> dict[str, dict[str, dict[str, Any]]]:
    """``{body: {rule: {"state", "reason", "detail"}}}`` for every obligation of every body, from
    the rule engine's verdicts (:class:`auditor.auditing.rules.Verdict`) and the findings with their
    waivers applied; ``owes(rule, body)`` tells whether a rule left out of the run would have
    applied to the body."""
    applied = set(applied)
    waived: dict[tuple[str, str], list[bool]] = {}
    for f in findings:
        if f.commune and f.rule in OBLIGATIONS:
            waived.setdefault((f.rule, f.commune), []).append(bool(f.waived))
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for body in bodies:
        states = out.setdefault(body, {})
        for code in OBLIGATIONS:
            v = verdicts.get((code, body))
            if code not in applied or v is None:
                state = "not-evaluated" if owes(code, body) else "not-owed"
                states[code] = {"state": state, "reason": "not-selected" if state == "not-evaluated" else None,
                                "detail": {}}
                continue
            entry = v.to_dict()
            marks = waived.get((code, body))
            if entry["state"] in GAPS and marks and all(marks):
                entry["state"] = "waived"
            states[code] = entry
    return out


def tally(states: dict[str, Any]) -> dict[str, int]:
    """Counts of one body's obligation states (values are state names or ``{"state": ...}``):
    ``met`` (waived included), ``evaluated``, ``not_evaluated``, ``owed`` (evaluated or not),
    ``unmet`` (not-open included), ``not_open``."""
    names = [v["state"] if isinstance(v, dict) else v for v in states.values()]
    return {
        "met": sum(1 for s in names if s in MET),
        "evaluated": sum(1 for s in names if s in EVALUATED),
        "not_evaluated": sum(1 for s in names if s == "not-evaluated"),
        "owed": sum(1 for s in names if s != "not-owed"),
        "unmet": sum(1 for s in names if s in GAPS),
        "not_open": sum(1 for s in names if s == "not-open"),
    }
