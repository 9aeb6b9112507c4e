"""Whether a finding fails the CI job: the one rule the exit code of ``auditor ci`` and every report
(JUnit failures, the text output) follow, so that they always agree.

A finding fails when it is not waived, its severity is at or above ``--fail-on`` (``never``: nothing
fails) and, with a baseline, its fingerprint is not in it."""
from __future__ import annotations

from typing import Iterable

from ...exit_codes import EXIT_FINDINGS, EXIT_OK
from ...model import Finding
from ...auditing.rules import SEVERITY_ORDER


def fails(f: Finding, fail_on: str, known: set[str] | None = None) -> bool:
    if f.waived or fail_on == "never" or SEVERITY_ORDER[f.severity] < SEVERITY_ORDER[fail_on]:
        return False
    return known is None or f.fingerprint not in known


def exit_code(findings: Iterable[Finding], fail_on: str, known: set[str] | None = None) -> int:
    return EXIT_FINDINGS if any(fails(f, fail_on, known) for f in findings) else EXIT_OK
