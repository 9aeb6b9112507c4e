"""Findings as JUnit XML, the format every CI server shows as a test report.

One ``testsuite`` per checked target (a file, a dataset), one ``testcase`` per rule that
found something (with one ``failure`` — or ``skipped`` when waived — listing its
findings), and a passing ``testcase`` for a target without findings. Errors and warnings
fail; information does not.

Always well-formed XML: every name and text goes through :func:`~auditor.render.neutral.xml_text`
(a control character in a cell or a file name would otherwise make the whole report unreadable to
the CI server, and a bidirectional override would reverse what it shows).
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable
from xml.etree import ElementTree as ET

from ..model import Finding
from ..render.neutral import xml_text as x


def to_junit(findings: Iterable[Finding], targets: Iterable[str] = (), *, lang: str = "fr") -> str:
    by_target: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_target[f.distribution or f.dataset or f.commune or f.portal or "territoire"].append(f)
    for t in targets:
        by_target.setdefault(t, [])
    suites = ET.Element("testsuites", name="auditor")
    total = failures = 0
    for target in sorted(by_target):
        items = by_target[target]
        suite = ET.SubElement(suites, "testsuite", name=x(target))
        by_rule: dict[str, list[Finding]] = defaultdict(list)
        for f in items:
            by_rule[f.rule].append(f)
        cases = fails = 0
        if not by_rule:
            ET.SubElement(suite, "testcase", classname=x(target), name="conforme" if lang == "fr" else "compliant")
            cases = 1
        for rule in sorted(by_rule):
            fs = by_rule[rule]
            cases += 1
            case = ET.SubElement(suite, "testcase", classname=x(target),
                                 name=x(f"{rule} {fs[0].title.get(lang) or fs[0].title['fr']}"))
            live = [f for f in fs if not f.waived]
            body = x("\n".join(_line(f, lang) for f in fs))
            if not live:
                ET.SubElement(case, "skipped", message="dérogé" if lang == "fr" else "waived").text = body
            elif all(f.severity == "info" for f in live):
                ET.SubElement(case, "system-out").text = body
            else:
                fails += 1
                worst = "error" if any(f.severity == "error" for f in live) else "warning"
                fail = ET.SubElement(case, "failure", type=worst, message=x(f"{len(live)} constat(s) {rule}"))
                fail.text = body
        suite.set("tests", str(cases))
        suite.set("failures", str(fails))
        suite.set("errors", "0")
        total += cases
        failures += fails
    suites.set("tests", str(total))
    suites.set("failures", str(failures))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _line(f: Finding, lang: str) -> str:
    where = []
    if f.location.get("row"):
        where.append(f"ligne {f.location['row']}" if lang == "fr" else f"row {f.location['row']}")
    if f.location.get("field"):
        where.append(f"colonne {f.location['field']}" if lang == "fr" else f"column {f.location['field']}")
    prefix = f"[{', '.join(where)}] " if where else ""
    fix = f.fix_text(lang)
    return f"{prefix}{f.text(lang)}" + (f" — {fix}" if fix else "")
