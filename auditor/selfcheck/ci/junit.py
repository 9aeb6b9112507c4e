"""Findings as JUnit XML, the format every CI server shows as a test report.

One ``testsuite`` per checked target (a file, a dataset), one ``testcase`` per rule that found something,
and a passing ``testcase`` for a target without findings. A test case fails (one ``failure`` listing its
failing findings) only when one of its findings would fail the job: not waived, at or above ``fail_on``
(``never``: nothing fails) and, with a baseline, not already known. Its other findings (warnings under the
threshold, information, findings of the baseline) are listed in the case's ``system-out``, the test passing;
a case whose findings are all waived is ``skipped`` with the message « dérogé ». So the report and the exit
code of ``auditor ci`` always agree: the job fails exactly when the report counts a failure.

Always well-formed XML: every name and text goes through :func:`~auditor.render.neutral.xml_text`
(a control character in a cell or a file name would otherwise make the whole report unreadable to
the CI server, and a bidirectional override would reverse what it shows).
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable
from xml.etree import ElementTree as ET

from ...model import Finding
from ...render.neutral import xml_text as x
from .verdict import fails


def to_junit(findings: Iterable[Finding], targets: Iterable[str] = (), *, lang: str = "fr",
             fail_on: str = "error", known: set[str] | None = None) -> str:
    by_target: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_target[f.distribution or f.dataset or f.commune or f.portal or "territoire"].append(f)
    for t in targets:
        by_target.setdefault(t, [])
    suites = ET.Element("testsuites", name="auditor")
    total = failures = skipped = 0
    for target in sorted(by_target):
        by_rule: dict[str, list[Finding]] = defaultdict(list)
        for f in by_target[target]:
            by_rule[f.rule].append(f)
        suite = ET.SubElement(suites, "testsuite", name=x(target))
        cases = fails_here = skips = 0
        if not by_rule:
            ET.SubElement(suite, "testcase", classname=x(target), name="conforme" if lang == "fr" else "compliant")
            cases = 1
        for rule in sorted(by_rule):
            fs = by_rule[rule]
            cases += 1
            case = ET.SubElement(suite, "testcase", classname=x(target),
                                 name=x(f"{rule} {fs[0].title.get(lang) or fs[0].title['fr']}"))
            live = [f for f in fs if not f.waived]
            failing = [f for f in live if fails(f, fail_on, known)]
            if not live:
                skips += 1
                ET.SubElement(case, "skipped", message="dérogé" if lang == "fr" else "waived").text = \
                    x("\n".join(_line(f, lang, known) for f in fs))
                continue
            if failing:
                fails_here += 1
                worst = "error" if any(f.severity == "error" for f in failing) else failing[0].severity
                n = len(failing)
                message = f"{n} constat(s) {rule}" if lang == "fr" else f"{n} finding(s) {rule}"
                ET.SubElement(case, "failure", type=worst, message=x(message)).text = \
                    x("\n".join(_line(f, lang, known) for f in failing))
            others = [f for f in fs if f not in failing]
            if others:
                ET.SubElement(case, "system-out").text = x("\n".join(_line(f, lang, known) for f in others))
        suite.set("tests", str(cases))
        suite.set("failures", str(fails_here))
        suite.set("errors", "0")
        suite.set("skipped", str(skips))
        total += cases
        failures += fails_here
        skipped += skips
    suites.set("tests", str(total))
    suites.set("failures", str(failures))
    suites.set("errors", "0")
    suites.set("skipped", str(skipped))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


SEVERITY_WORDS = {"fr": {"error": "erreur", "warning": "avertissement", "info": "information"},
                  "en": {"error": "error", "warning": "warning", "info": "information"}}


def _line(f: Finding, lang: str, known: set[str] | None) -> str:
    where = []
    if f.location.get("row"):
        where.append(f"ligne {f.location['row']}" if lang == "fr" else f"row {f.location['row']}")
    if f.location.get("field"):
        where.append(f"colonne {f.location['field']}" if lang == "fr" else f"column {f.location['field']}")
    marks = [SEVERITY_WORDS[lang if lang in SEVERITY_WORDS else "fr"].get(f.severity, f.severity)]
    if f.waived:
        marks.append("dérogé" if lang == "fr" else "waived")
    elif known is not None and f.fingerprint in known:
        marks.append("connu" if lang == "fr" else "known")
    prefix = f"[{', '.join([*marks, *where])}] "
    fix = f.fix_text(lang)
    return f"{prefix}{f.text(lang)}" + (f" — {fix}" if fix else "")
