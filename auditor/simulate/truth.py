"""Ground truth of an audit of the simulated territory: the findings it must produce.

Computed from what the generator knows (each dataset's real owner and kind, its licence id,
files, dates, frequency and declared schema, which files are broken, which portals are
down), not from what the crawler read: an audit that loses or misreads a fact on the way
(a portal rendering, a source, the classifier, a check) no longer matches. The
data.gouv.fr quality criteria are the ones the simulated data.gouv.fr computed itself, as
the real one does.

Keys are ``(rule, commune, dataset uid)``, plus the file URL for AVL-01.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone

from ..normalize.formats import OPEN_MACHINE_READABLE
from ..normalize.frequency import DELTAS
from ..territory.registry import Registry, load_registry
from .urls import file_url
from .world import SimDataset, World

# sim dataset kind -> obligation kind of the rules
KINDS = {"subventions": "subventions", "marches": "marches", "deliberations": "deliberations",
         "budget": "budget", "catalogue": "catalogue", "prenoms": "prenoms", "equipements": "equipements",
         "ecoles": "equipements", "parcs-jardins": "equipements"}
SCHEMA_PORTALS = ("udata", "dcat")  # portal kinds that can say which schema a file follows
APPROVED = {"lov2", "odbl", "lo1"}
FRESHNESS = {"SUB-02": ("subventions", 456), "DECP-02": ("marches", 183), "RN-CAT-02": ("catalogue", 365)}
PRESENCE = {"SUB-01": "subventions", "DECP-01": "marches", "ACT-01": "deliberations", "BUD-01": "budget"}

Key = tuple


def expected_findings(world: World, urls: dict[str, str], registry: Registry | None = None,
                      dg_rules: dict[str, str] | None = None) -> Counter:
    """The findings an audit of ``world`` (served at ``urls``) as of ``world.as_of`` must give.
    ``dg_rules`` maps data.gouv.fr quality criteria to rule codes (none: not expected)."""
    registry = registry or load_registry()
    as_of = datetime.fromisoformat(world.as_of).replace(hour=12, tzinfo=timezone.utc)
    ok = world.reachable_portals()
    out: Counter = Counter()
    for name, p in world.portals.items():
        if p.broken:
            out[("PORT-01", p.owner, None)] += 1
    originals = [d for d in world.datasets if d.portal in ok]
    for d in originals:
        code = None if d.owner == "other" else d.owner
        uid = f"{d.portal}:{d.source_id}"
        portal = world.portals[d.portal]
        for f in d.files:
            if f.status != 200:
                out[("AVL-01", code, uid, file_url(portal, urls[d.portal], d, f))] += 1
        licence = d.licence if d.record else None  # a bare OGC API collection states no licence
        if licence is None:
            out[("RN-LIC-01", code, uid)] += 1
        elif licence not in APPROVED:
            out[("RN-LIC-02", code, uid)] += 1
        elif licence == "lo1":
            out[("RN-LIC-03", code, uid)] += 1
        if not any(f.format in OPEN_MACHINE_READABLE for f in d.files):
            out[("RN-FMT-01", code, uid)] += 1
        if not d.record:
            out[("RN-MAJ-01", code, uid)] += 1
        elif _stale(d, as_of):
            out[("RN-MAJ-02", code, uid)] += 1
        declaring = [c.portal for c in d.copies if c.portal in ok] + [d.portal]
        declares = d.schema and any(world.portals[p].kind in SCHEMA_PORTALS for p in declaring)
        if d.kind in KINDS and not declares:
            out[("SCDL-01", code, uid)] += 1
        if d.schema and portal.kind in SCHEMA_PORTALS and d.schema[1] not in _versions(d.schema[0]):
            out[("SCDL-02", code, uid)] += 1
    _communes(world, registry, originals, as_of, out)
    if dg_rules:
        _datagouv(world, urls, dg_rules, out)
    return out


def _stale(d: SimDataset, as_of: datetime) -> bool:
    delta = DELTAS.get(d.frequency) if d.frequency else None
    if delta is None or not d.modified:
        return False
    last = datetime.fromisoformat(d.modified[:10]).replace(tzinfo=timezone.utc)
    return last + delta + timedelta(days=1) < as_of


def _versions(name: str) -> tuple[str, ...]:
    from ..classify import known_schemas

    info = known_schemas().get(name)
    return info.versions if info else ()


def _communes(world: World, registry: Registry, originals: list[SimDataset], as_of: datetime, out: Counter) -> None:
    bodies = {c.insee: (c.population or 0) for c in registry.communes.values()}
    bodies["MEL"] = sum(bodies.values())
    for code, pop in bodies.items():
        if pop < 3500:
            continue
        agents = world.agents.get(code)
        bound = agents is None or agents >= 50
        if agents is None:
            out[("RN-ETP-01", code, None)] += 1
        mine = [d for d in originals if d.owner == code]
        kinds: dict[str, list[SimDataset]] = {}
        for d in mine:
            if d.kind in KINDS:
                kinds.setdefault(KINDS[d.kind], []).append(d)
        if bound and not mine:
            out[("RN-PUB-01", code, None)] += 1
        for rule, kind in PRESENCE.items():
            if kind not in kinds:
                out[(rule, code, None)] += 1
        if bound and "catalogue" not in kinds:
            out[("RN-CAT-01", code, None)] += 1
        for rule, (kind, max_age) in FRESHNESS.items():
            if rule == "RN-CAT-02" and not bound:
                continue
            found = kinds.get(kind)
            if found:
                latest = max(date.fromisoformat(d.modified[:10]) for d in found)
                age = (as_of.date() - latest).days
                if age > max_age:
                    out[(rule, code, None)] += 1


def _datagouv(world: World, urls: dict[str, str], dg_rules: dict[str, str], out: Counter) -> None:
    """What the simulated data.gouv.fr says of each of its datasets' quality."""
    from .portals import APPS

    for name, portal in world.portals.items():
        if portal.kind != "udata" or portal.broken:
            continue
        app = APPS["udata"](world, portal, urls)
        for entry in app.entries:
            if any(entry.state.values()):
                continue
            data = app.dataset_json(entry)
            owner = entry.d.owner
            code = None if owner == "other" else owner
            for criterion, ok in data["quality"].items():
                if criterion in dg_rules and ok is False:
                    out[(dg_rules[criterion], code, f"{name}:{data['id']}")] += 1
