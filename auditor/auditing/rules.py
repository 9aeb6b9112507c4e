"""The rule catalogue: load ``rules/*.yaml``, validate, select, evaluate, waive.

A rule file is YAML validated by ``rules/rule.schema.json`` when loaded; an invalid file
fails with its path, the line of the offending value and the reason, in French. Each rule
names a check module (:mod:`auditor.auditing.checks`) by its ``ID``; parameters are checked against
the module's ``PARAMS``.

Selection takes codes (``RN-LIC-02``), code prefixes (``RN-LIC``), families
(``republique-numerique``) or tags, and profiles (``rules/profiles.yaml``) are named
selections. Evaluation calls each rule's check on every target of its scope where the rule
applies, and turns each problem into a :class:`~auditor.model.Finding` with a stable
fingerprint. Waivers (rule, scope, justification, expiry) mark matching findings as
waived; an expired waiver no longer applies.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any, Iterable, Iterator

import yaml
from jsonschema import Draft202012Validator

from . import checks as checks_pkg
from .checks.base import CheckContext, NotEvaluated, PortalView, Problem
from ..shipped import shipped_dir
from ..model import Dataset, Finding


class RuleError(Exception):
    """A rule file that cannot be used; the message names the file, the line and why."""


@dataclass
class Rule:
    code: str
    group: str
    check: str
    severity: str
    scope: str
    title: dict[str, str]
    fix: dict[str, str]
    basis: dict[str, str]
    params: dict[str, Any] = field(default_factory=dict)
    applies_when: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    description: dict[str, str] = field(default_factory=dict)
    source: str = ""  # file:line

    @property
    def module(self) -> ModuleType:
        return checks_pkg.get(self.check)

    def documentation(self) -> str:
        return (self.module.__doc__ or "").strip()


@dataclass
class Waiver:
    """An accepted exception: findings of ``rule`` (a code or prefix) on the given scope are
    shown as waived until ``expires``."""

    rule: str
    justification: str
    expires: date
    commune: str | None = None
    dataset: str | None = None
    distribution: str | None = None
    by: str | None = None

    def matches(self, f: Finding) -> bool:
        return (_code_matches(f.rule, self.rule)
                and (self.commune is None or self.commune == f.commune)
                and (self.dataset is None or self.dataset == f.dataset)
                and (self.distribution is None or self.distribution == f.distribution))

    def active(self, as_of: datetime) -> bool:
        return self.expires >= as_of.date()

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "justification": self.justification, "expires": self.expires.isoformat(),
                "commune": self.commune, "dataset": self.dataset, "distribution": self.distribution,
                "by": self.by}


# -- loading ------------------------------------------------------------------------------------
def rules_dir() -> Path:
    """Where the shipped rule catalogue is: the package's copy when installed, else the
    repository's ``rules/`` folder."""
    return shipped_dir("rules_catalogue", "rules", "rule.schema.json")


def _schema(directory: Path) -> Draft202012Validator:
    schema = json.loads((directory / "rule.schema.json").read_text("utf-8"))
    return Draft202012Validator(schema)


def load_rules(directory: str | Path | None = None, extra: Iterable[str | Path] = ()) -> list[Rule]:
    """Every rule of every ``*.yaml`` family file of ``directory`` (default: the shipped
    catalogue) plus the ``extra`` files. Codes must be unique across files."""
    directory = Path(directory) if directory else rules_dir()
    validator = _schema(rules_dir())
    files = sorted(p for p in directory.glob("*.yaml") if p.name != "profiles.yaml") + [Path(p) for p in extra]
    out: list[Rule] = []
    seen: dict[str, str] = {}
    for path in files:
        for rule in load_rule_file(path, validator):
            if rule.code in seen:
                raise RuleError(f"{rule.source} : code {rule.code} déjà défini ({seen[rule.code]})")
            seen[rule.code] = rule.source
            out.append(rule)
    return out


@lru_cache(maxsize=1)
def shipped_rules() -> dict[str, Rule]:
    """The shipped catalogue by code (read once)."""
    return {r.code: r for r in load_rules()}


def applies(rule: Rule, ctx: CheckContext, body: str | None) -> bool:
    """Whether ``rule``'s conditions (population, staff, kind of body) hold for ``body``."""
    return _applies(rule, ctx, body, None)


def load_rule_file(path: Path, validator: Draft202012Validator | None = None) -> list[Rule]:
    validator = validator or _schema(rules_dir())
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(f"{path} : lecture impossible ({exc})") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", ligne {mark.line + 1}" if mark else ""
        raise RuleError(f"{path}{where} : YAML invalide ({getattr(exc, 'problem', exc)})") from None
    if node is None:
        raise RuleError(f"{path} : fichier vide")
    data, lines = _plain(node)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        where = _line(lines, tuple(e.absolute_path))
        at = "/".join(str(p) for p in e.absolute_path) or "(racine)"
        raise RuleError(f"{path}, ligne {where} : {at} : {_french(e)}")
    rules = []
    for i, r in enumerate(data["rules"]):
        line = _line(lines, ("rules", i))
        source = f"{path.name}:{line}"
        try:
            module = checks_pkg.get(r["check"])
        except KeyError:
            raise RuleError(f"{path}, ligne {_line(lines, ('rules', i, 'check'))} : contrôle inconnu "
                            f"« {r['check']} » (contrôles disponibles : {', '.join(sorted(checks_pkg.all_ids()))})") from None
        if module.SCOPE != r["scope"]:
            raise RuleError(f"{path}, ligne {_line(lines, ('rules', i, 'scope'))} : le contrôle « {r['check']} » "
                            f"porte sur « {module.SCOPE} », pas sur « {r['scope']} »")
        params = dict(getattr(module, "PARAMS", {}))
        unknown = set(r.get("params", {})) - set(params)
        if unknown:
            raise RuleError(f"{path}, ligne {_line(lines, ('rules', i, 'params'))} : paramètre(s) inconnu(s) "
                            f"{', '.join(sorted(unknown))} pour « {r['check']} » (possibles : {', '.join(sorted(params)) or 'aucun'})")
        params.update(r.get("params", {}))
        rules.append(Rule(code=r["code"], group=data["group"], check=r["check"], severity=r["severity"],
                          scope=r["scope"], title=r["title"], fix=r["fix"], basis=r["basis"], params=params,
                          applies_when=r.get("applies_when", {}), tags=r.get("tags", []),
                          description=r.get("description", {}), source=source))
    return rules


def _plain(node: yaml.Node, path: tuple = ()) -> tuple[Any, dict[tuple, int]]:
    """Python value of a composed YAML node and the line of every path inside it."""
    lines = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        out = {}
        for k, v in node.value:
            key = k.value
            value, sub = _plain(v, path + (key,))
            out[key] = value
            lines.update(sub)
            lines[path + (key,)] = k.start_mark.line + 1
        return out, lines
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, v in enumerate(node.value):
            value, sub = _plain(v, path + (i,))
            items.append(value)
            lines.update(sub)
        return items, lines
    loader = yaml.SafeLoader("")
    return loader.construct_object(node, deep=True), lines


def _line(lines: dict[tuple, int], path: tuple) -> int:
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path, 1)


def _french(error) -> str:
    v = error.validator
    if v == "required":
        missing = [m for m in error.validator_value if m not in (error.instance or {})]
        return f"champ obligatoire manquant : {', '.join(missing)}"
    if v == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return f"champ inconnu : {', '.join(extra)}"
    if v == "enum":
        return f"valeur {error.instance!r} non permise (possibles : {', '.join(map(str, error.validator_value))})"
    if v == "pattern":
        return f"valeur {error.instance!r} mal formée (motif attendu : {error.validator_value})"
    if v == "type":
        return f"type {type(error.instance).__name__} au lieu de {error.validator_value}"
    return error.message


# -- selection -----------------------------------------------------------------------------------
def load_profiles(directory: str | Path | None = None) -> dict[str, dict[str, Any]]:
    path = Path(directory or rules_dir()) / "profiles.yaml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text("utf-8")) or {}
    return data.get("profiles", {})


def select_rules(rules: list[Rule], select: Iterable[str] | None = None, ignore: Iterable[str] | None = None,
                 profile: str | None = None) -> list[Rule]:
    sel = list(select or [])
    ign = list(ignore or [])
    _check_tokens(rules, sel + ign)
    if profile:
        profiles = load_profiles()
        if profile not in profiles:
            raise RuleError(f"profil inconnu « {profile} » (profils : {', '.join(sorted(profiles))})")
        sel = sel or list(profiles[profile].get("select", ["*"]))
        ign = ign + list(profiles[profile].get("ignore", []))
    sel = sel or ["*"]
    return [r for r in rules if any(_selects(r, t) for t in sel) and not any(_selects(r, t) for t in ign)]


def _check_tokens(rules: list[Rule], tokens: list[str]) -> None:
    known = {r.code for r in rules} | {r.group for r in rules} | {t for r in rules for t in r.tags}
    for token in tokens:
        if token != "*" and token not in known and not any(_code_matches(r.code, token) for r in rules):
            raise RuleError(f"sélection « {token} » : aucune règle, famille ou étiquette de ce nom")


def _selects(rule: Rule, token: str) -> bool:
    return token == "*" or token == rule.group or token in rule.tags or _code_matches(rule.code, token)


def _code_matches(code: str, token: str) -> bool:
    return code == token or code.startswith(token + "-")


# -- evaluation ----------------------------------------------------------------------------------
@dataclass
class Verdict:
    """What one rule concluded on one body (commune-scope rules): ``met``, ``unmet``, ``not-open``
    (published, but not as open data), ``not-owed`` (the rule's conditions exclude the body) or
    ``not-evaluated`` (``reason`` says why, ``detail`` what exactly). Waivers turn an unmet
    verdict into ``waived`` later (:func:`auditor.auditing.obligations.obligation_states`)."""

    state: str
    reason: str | None = None
    detail: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "reason": self.reason, "detail": dict(self.detail)}


def evaluate(rules: list[Rule], ctx: CheckContext, portals: list[PortalView],
             verdicts: dict[tuple[str, str], Verdict] | None = None) -> list[Finding]:
    """Findings of ``rules``; ``verdicts``, when given, receives every commune-scope rule's
    verdict per body, keyed ``(rule code, body code)``."""
    out: list[Finding] = []
    for rule in rules:
        for target, commune, dataset, portal in _targets(rule, ctx, portals):
            keep = verdicts is not None and rule.scope == "commune" and commune is not None
            if not _applies(rule, ctx, commune, dataset):
                if keep:
                    verdicts[(rule.code, commune)] = Verdict("not-owed")
                continue
            verdict = Verdict("met")
            for p in rule.module.check(target, rule.params, ctx):
                if isinstance(p, NotEvaluated):
                    verdict = Verdict("not-evaluated", p.reason, {"fr": p.fr, "en": p.en or p.fr})
                    continue
                out.append(_finding(rule, p, commune, dataset, portal, _resource(target, rule.scope)))
                if verdict.state != "not-evaluated":
                    verdict = Verdict(p.state if p.state in ("unmet", "not-open") else "unmet")
            if keep:
                verdicts[(rule.code, commune)] = verdict
    return out


def evaluate_files(rules: list[Rule], targets: list[Any], ctx: CheckContext) -> list[Finding]:
    """Findings of the file-scope rules on validated files (``FileTarget`` s). An error code
    named by a rule belongs to it; ``*`` takes what no rule names."""
    file_rules = [r for r in rules if r.scope == "file"]
    claimed = {(code, level) for r in file_rules for code in r.params.get("codes", []) if code != "*"
               for level in r.params.get("levels", ["error"])}
    out: list[Finding] = []
    for target in targets:
        target.claimed = claimed
        for rule in file_rules:
            if target.commune and not _applies(rule, ctx, target.commune, None):
                continue
            for p in rule.module.check(target, rule.params, ctx):
                if isinstance(p, NotEvaluated):
                    continue
                f = _finding(rule, p, target.commune, None, target.portal)
                f.dataset = target.dataset
                # a file of a dataset: the dataset and the resource's own key, never its URL (a portal's
                # host or port changes nothing); a file checked alone: its path as given
                if target.dataset:
                    f.fingerprint = fingerprint(rule.code, target.dataset, target.resource, p.key)
                else:  # as before this identity existed, so that CI baselines of checked files still hold
                    f.fingerprint = fingerprint(rule.code, "", target.location, p.key)
                out.append(f)
    return out


def fingerprint(*parts: str | None) -> str:
    """A finding's stable identity: the rule code, the portal-independent key of what it is about
    and the problem's own key (column, resource, licence…), hashed; never a URL, host or port."""
    return hashlib.sha1("|".join(p or "" for p in parts).encode("utf-8")).hexdigest()[:20]


def _resource(target: Any, scope: str) -> str | None:
    """The key of the resource a distribution-scope target is about (see :func:`resource_key`)."""
    if scope != "distribution":
        return None
    d, dist = target
    return resource_key(d, dist)


def resource_key(d: Dataset, dist: Any) -> str:
    """A resource's identity inside its dataset: the portal's own resource id, else its position
    (an Opendatasoft export, an OGC API link): never its URL."""
    if dist.source_id:
        return f"id:{dist.source_id}"
    return f"#{next((i for i, x in enumerate(d.distributions) if x is dist), 0)}"


def _targets(rule: Rule, ctx: CheckContext, portals: list[PortalView]) -> Iterator[tuple[Any, str | None, Dataset | None, str | None]]:
    if rule.scope == "portal":
        for p in portals:
            if p.status != "skipped":
                yield p, p.owner, None, p.name
        return
    if rule.scope == "commune":
        for code, view in ctx.communes.items():
            yield view, code, None, None
        return
    if rule.scope == "file":
        return  # file rules run on validated files (evaluate_files)
    portal_kinds = rule.applies_when.get("portal_kinds")
    records = [d for d in ctx.catalogue.datasets
               if (d.portal_kind in portal_kinds if portal_kinds else d.copy_of is None)]
    for d in records:
        if rule.scope == "dataset":
            yield d, d.publisher.code, d, d.portal
        else:  # distribution (file-level rules run in the validation stage)
            seen = set()
            for dist in d.distributions:
                if dist.url in seen:
                    continue
                seen.add(dist.url)
                yield (d, dist), d.publisher.code, d, d.portal


def _applies(rule: Rule, ctx: CheckContext, commune: str | None, dataset: Dataset | None) -> bool:
    cond = rule.applies_when
    if not cond or set(cond) <= {"portal_kinds"}:
        return True
    app = ctx.applicability.get(commune) if commune else None
    if app is None:
        return False  # conditions on a body we cannot identify cannot be met
    if "kinds" in cond:
        body = ctx.registry.get(commune)
        if body is None or body.kind not in cond["kinds"]:
            return False
    if "population_min" in cond and (app.population or 0) < cond["population_min"]:
        return False
    if "agents_min" in cond:
        if app.agents is None:
            return app.status == "presumed"
        if app.agents < cond["agents_min"]:
            return False
    return True


def _finding(rule: Rule, p: Problem, commune: str | None, dataset: Dataset | None, portal: str | None,
             resource: str | None = None) -> Finding:
    uid = dataset.uid if dataset else None
    if rule.scope == "portal":
        where = f"portal:{portal}"
    elif rule.scope == "commune":
        where = f"body:{commune or ''}"
    else:
        where = uid or ""
    detail = {"fr": p.fr}
    if p.en:
        detail["en"] = p.en
    return Finding(rule=rule.code, severity=rule.severity, title=rule.title, detail=detail,
                   fix=dict(p.fix) if p.fix else rule.fix, basis=rule.basis, group=rule.group, scope=rule.scope,
                   portal=p.portal or portal, commune=commune, dataset=uid, distribution=p.distribution,
                   location=dict(p.location), fingerprint=fingerprint(rule.code, where, resource, p.key))


def apply_waivers(findings: list[Finding], waivers: list[Waiver], as_of: datetime) -> list[Waiver]:
    """Mark findings covered by an active waiver; returns the expired waivers (to report)."""
    active = [w for w in waivers if w.active(as_of)]
    for f in findings:
        for w in active:
            if w.matches(f):
                f.waived, f.waiver = True, w.to_dict()
                break
    return [w for w in waivers if not w.active(as_of)]


SEVERITY_ORDER = {"info": 0, "warning": 1, "error": 2}
