"""Ground truth of an audit of the simulated territory: the findings it must produce and the state of
every obligation of every body.

Computed from what the generator knows (each dataset's real owner and kind, its licence id,
files and their formats, dates, frequency and declared schema, publisher strings, which files
are broken, which portals are down), not from what the crawler read: an audit that loses or
misreads a fact on the way (a portal rendering, a source, the classifier, a check) no longer
matches. The data.gouv.fr quality criteria are the ones the simulated data.gouv.fr computed
itself, as the real one does.

Finding keys are ``(rule, commune, dataset uid)``, plus the file URL for AVL-01; obligation
states are ``{(body, rule): state}`` (see :mod:`auditor.auditing.obligations` for the states). The
audit's « now » is 00:00 UTC on the world's day (``--as-of`` with a bare date).

``down``: portals the audit could not collect although the world serves them (a run with
faults, whose failures are environment facts, not the territory's): they are blind spots
exactly like a portal the world has broken.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone
from typing import Iterable

from ..normalize.formats import OPEN_MACHINE_READABLE
from ..normalize.frequency import DELTAS
from ..normalize.text import fold
from ..crawling.territory.registry import Registry, load_registry
from .urls import file_url
from .world import SimDataset, World

# sim dataset kind -> obligation kind of the rules
KINDS = {"subventions": "subventions", "marches": "marches", "deliberations": "deliberations",
         "budget": "budget", "catalogue": "catalogue", "prenoms": "prenoms", "equipements": "equipements",
         "ecoles": "equipements", "parcs-jardins": "equipements"}
# portal kinds that can say which schema a file follows, and the files they declare it on
SCHEMA_PORTALS = {"udata": ("csv", "json"), "dcat": ("csv", "json", "geojson")}
APPROVED = {"lov2", "odbl", "lo1"}
NOT_SPECIFIED = {None, "notspecified"}
FRESHNESS = {"SUB-02": ("subventions", 456), "DECP-02": ("marches", 183), "RN-CAT-02": ("catalogue", 365)}
PRESENCE = {"SUB-01": "subventions", "DECP-01": "marches", "ACT-01": "deliberations", "BUD-01": "budget",
            "RN-CAT-01": "catalogue"}
BOUND_ONLY = ("RN-PUB-01", "RN-CAT-01", "RN-CAT-02")  # owed by bodies of 3 500 inhabitants and 50 agents
OBLIGATIONS = ("RN-PUB-01", "RN-CAT-01", "RN-CAT-02", "SUB-01", "SUB-02", "DECP-01", "DECP-02", "ACT-01", "BUD-01")
# a portal answering 410 Gone holds nothing any more: it is no blind spot
GONE = "gone"

Key = tuple


def as_of_of(world: World) -> datetime:
    """The audit's « now » for a world: 00:00 UTC on its day."""
    return datetime.fromisoformat(world.as_of).replace(tzinfo=timezone.utc)


def expected_findings(world: World, urls: dict[str, str], registry: Registry | None = None,
                      dg_rules: dict[str, str] | None = None, down: Iterable[str] = ()) -> Counter:
    """The findings an audit of ``world`` (served at ``urls``) as of ``world.as_of`` must give.
    ``dg_rules`` maps data.gouv.fr quality criteria to rule codes (none: not expected)."""
    registry = registry or load_registry()
    as_of = as_of_of(world)
    down = set(down)
    ok = world.reachable_portals() - down
    out: Counter = Counter()
    for name, p in world.portals.items():
        if p.broken or name in down:
            out[("PORT-01", p.owner, None)] += 1
    # an OGC API collection without a catalogue record is reported about its platform, once
    # (PORT-02), never audited as a dataset of the platform's owner
    for d in world.datasets:
        if not d.record and d.portal in ok:
            out[("PORT-02", world.portals[d.portal].owner, None)] += 1
    originals = [d for d in world.datasets if d.portal in ok and d.record]
    for d in originals:
        code = None if d.owner == "other" else d.owner
        uid = f"{d.portal}:{d.source_id}"
        portal = world.portals[d.portal]
        for f in d.files:
            if f.status != 200:
                out[("AVL-01", code, uid, file_url(portal, urls[d.portal], d, f))] += 1
        licence = d.licence
        if licence in NOT_SPECIFIED:
            out[("RN-LIC-01", code, uid)] += 1
        elif licence not in APPROVED:
            out[("RN-LIC-02", code, uid)] += 1
        elif licence == "lo1":
            out[("RN-LIC-03", code, uid)] += 1
        if not _open(d):
            out[("RN-FMT-01", code, uid)] += 1
        if _stale(d, as_of, declared_frequency(world, d)):
            out[("RN-MAJ-02", code, uid)] += 1
        declaring = [c.portal for c in d.copies if c.portal in ok] + [d.portal]
        declares = d.schema and any(f.format in SCHEMA_PORTALS.get(world.portals[p].kind, ())
                                    for p in declaring for f in d.files)
        if d.kind in KINDS and not declares:
            out[("SCDL-01", code, uid)] += 1
        if (d.schema and any(f.format in SCHEMA_PORTALS.get(portal.kind, ()) for f in d.files)
                and d.schema[1] not in _versions(d.schema[0])):
            out[("SCDL-02", code, uid)] += 1
    states = expected_states(world, registry, down)
    for (body, rule), state in states.items():
        if state in ("unmet", "not-open"):
            out[(rule, body, None)] += 1
    for code, n in _misspelt_publishers(world, registry, ok).items():
        out[("PROD-01", code, None)] += n
    for (code, _), agents in _staff_unknown(world, registry).items():
        out[("RN-ETP-01", code, None)] += 1
    if dg_rules:
        _datagouv(world, urls, dg_rules, out, ok)
    return out


def expected_states(world: World, registry: Registry | None = None, down: Iterable[str] = ()) -> dict[Key, str]:
    """``{(body, rule): state}`` for the nine obligations of every body (communes and the
    metropolis): ``met``, ``unmet``, ``not-open``, ``not-owed`` or ``not-evaluated``."""
    registry = registry or load_registry()
    as_of = as_of_of(world)
    down = set(down)
    ok = world.reachable_portals() - down
    blind_portals = {name: p.owner for name, p in world.portals.items()
                     if name in down or (p.broken and p.broken != GONE)}
    bodies = {c.insee: (c.population or 0, "commune") for c in registry.communes.values()}
    bodies["MEL"] = (registry.metropole.population or 0, "metropole")
    originals = [d for d in world.datasets if d.portal in ok and d.record]  # a bare collection publishes for no one
    out: dict[Key, str] = {}
    for code, (pop, _) in bodies.items():
        agents = world.agents.get(code)
        blind = any(owner is None or owner == code or owner == "MEL" for owner in blind_portals.values())
        mine = [d for d in originals if d.owner == code]
        kinds: dict[str, list[SimDataset]] = {}
        for d in mine:
            if d.kind in KINDS:
                kinds.setdefault(KINDS[d.kind], []).append(d)
        for rule in OBLIGATIONS:
            owed = pop >= 3500 and (rule not in BOUND_ONLY or agents is None or agents >= 50)
            if not owed:
                out[(code, rule)] = "not-owed"
            elif rule == "RN-PUB-01":
                out[(code, rule)] = _presence(mine, blind)
            elif rule in PRESENCE:
                out[(code, rule)] = _presence(kinds.get(PRESENCE[rule], []), blind)
            else:
                kind, max_age = FRESHNESS[rule]
                found = kinds.get(kind)
                if not found:
                    out[(code, rule)] = "not-evaluated"
                else:
                    latest = max(date.fromisoformat(d.modified[:10]) for d in found)
                    stale = (as_of.date() - latest).days > max_age
                    out[(code, rule)] = ("not-evaluated" if blind else "unmet") if stale else "met"
    return out


def _presence(found: list[SimDataset], blind: bool) -> str:
    if any(_open(d) for d in found):
        return "met"
    if blind:
        return "not-evaluated"
    return "not-open" if found else "unmet"


def _open(d: SimDataset) -> bool:
    return any(f.format in OPEN_MACHINE_READABLE for f in d.files)


def declared_frequency(world: World, d: SimDataset) -> str | None:
    """The update frequency ``d``'s portal states: a GeoNetwork states an ISO 19115 code, which reads
    back as udata reads it (real time as « several times a day », see the simulated platform)."""
    if world.portals[d.portal].kind == "geonetwork":
        from .portals.geonetwork import read_back

        return read_back(d.frequency)
    return d.frequency


def _stale(d: SimDataset, as_of: datetime, frequency: str | None) -> bool:
    delta = DELTAS.get(frequency) if frequency else None
    if delta is None or not d.modified:
        return False
    last = datetime.fromisoformat(d.modified[:10]).replace(tzinfo=timezone.utc)
    return last + delta + timedelta(days=1) < as_of


def _versions(name: str) -> tuple[str, ...]:
    from ..crawling.classify import known_schemas

    info = known_schemas().get(name)
    return info.versions if info else ()


def _staff_unknown(world: World, registry: Registry) -> dict[Key, None]:
    """Bodies of 3 500 inhabitants or more whose staff count the configuration does not give."""
    bodies = {c.insee: (c.population or 0) for c in registry.communes.values()}
    bodies["MEL"] = registry.metropole.population or 0
    return {(code, "RN-ETP-01"): None for code, pop in bodies.items() if pop >= 3500 and code not in world.agents}


# -- files (FILE-*) -----------------------------------------------------------------------------------
TABULAR = ("csv", "xlsx", "json")
FILE_SCHEMA_PORTALS = {"udata": ("csv", "json"), "dcat": ("csv", "json")}  # where a table file declares its schema
GEO = ("geojson", "shp")


def expected_file_findings(world: World, urls: dict[str, str], down: Iterable[str] = ()) -> set[Key]:
    """``{(rule, commune, dataset uid)}``: the file rules each validated file breaks, attributed to the
    first record listing it (originals before copies), as the audit's file stage does. Which files are
    validated: tables (CSV, XLSX) of datasets of an SCDL kind (schema guessed from the header), and
    CSV or JSON files whose record declares a schema (data.gouv.fr, DCAT); the DECP format is not in
    the simulated schema catalogue. What each breaks follows from how its portal serves it:

    * Opendatasoft exports: one table, validated once, through the CSV export that carries the
      producer's columns (the fields' labels) as header, in the portal's dialect (semicolons, BOM: not
      the producer's, no FILE-09); a geographic dataset's export adds the ``Geo Point`` column ODS
      computes, which the schema does not define (FILE-07, Validata's extra-column warning); the JSON
      export, keyed by the portal's lower-case field names, is not validated;
    * OGC API items in JSON (the MEL platform): an ``@id`` column the schema does not define (FILE-07);
    * files served as they are: the planted encoding or separator (FILE-09; a UTF-8 BOM before
      Windows-1252 bytes is also unreadable as the BOM says, FILE-01, as Validata says), required
      columns left out (FILE-03), formatted empty XLSX rows (FILE-04, ``blank-row``);
    * planted invalid cells (FILE-04), whatever the rendering."""
    ok = world.reachable_portals() - set(down)
    records: list[tuple[int, str, SimDataset, str, str | None]] = []  # (order, uid, dataset, record portal, org)
    for d in world.datasets:
        if d.portal in ok:
            records.append((0, f"{d.portal}:{d.source_id}", d, d.portal, None))
        for c in d.copies:
            if c.portal in ok:
                records.append((1, f"{c.portal}:{c.source_id}", d, c.portal, c.organisation))
    seen: set[str] = set()
    out: set[Key] = set()
    for _, uid, d, portal, _org in sorted(records, key=lambda r: r[0]):
        if d.owner == "other" or not d.record or d.portal not in ok:
            continue
        code = d.owner
        host = world.portals[d.portal]
        for f in _served_files(d, host.kind):
            url = file_url(host, urls[d.portal], d, f)
            if f.status != 200 or url in seen or f.format not in TABULAR:
                continue
            declared = d.schema is not None and f.format in FILE_SCHEMA_PORTALS.get(world.portals[portal].kind, ())
            scdl = d.kind in KINDS and d.kind != "marches"
            if not declared and not (scdl and f.format in ("csv", "xlsx")):
                continue
            if d.kind == "marches":
                continue  # the DECP format is not in the simulated catalogue: not validated
            if host.kind == "opendatasoft" and f.format != "csv":
                continue  # the table of an export is validated through its CSV export only
            seen.add(url)
            for rule in _file_rules(d, f, host.kind):
                out.add((rule, code, uid))
    return out


def _served_files(d: SimDataset, host_kind: str) -> list:
    """The files a record lists; an Opendatasoft dataset lists its CSV and JSON exports."""
    if host_kind != "opendatasoft":
        return list(d.files)
    return [f for f in d.files if f.format in ("csv", "json")]


def _file_rules(d: SimDataset, f, host_kind: str) -> set[str]:
    rules: set[str] = set()
    if "invalid-cells" in d.defects:
        rules.add("FILE-04")
    if host_kind == "opendatasoft":
        if any(x.format in GEO for x in d.files):
            rules.add("FILE-07")  # the "Geo Point" column of the labelled CSV export
        return rules
    if host_kind == "geonetwork" and f.format == "json" and d.collection:
        rules.add("FILE-07")
        return rules
    if f.format == "csv" and (f.encoding != "utf-8" or f.delimiter != ","):
        rules.add("FILE-09")
    if f.format == "csv" and f.encoding == "bom-cp1252":
        rules.add("FILE-01")  # a UTF-8 BOM then bytes that are not UTF-8: Validata's encoding-error
    if f.drop_columns:
        rules.add("FILE-03")
    if f.format == "xlsx" and f.blank_rows:
        rules.add("FILE-04")
    return rules


# -- publisher names (PROD-01) -----------------------------------------------------------------------
def accepted_names(name: str, kind: str) -> set[str]:
    """The spellings of a body's name national observatories count with it: the official name, or
    « Ville de » / « Commune de » it (elided, or « du » / « des » for Le / Les), case aside."""
    if kind != "commune":
        return {name.casefold()}
    forms = {name}
    for word in ("Ville", "Commune"):
        forms |= {f"{word} de {name}", f"{word} d'{name}"} if fold(name)[:1] in "aeiouyh" else {f"{word} de {name}"}
        if name.startswith("Le "):
            forms.add(f"{word} du {name[3:]}")
        if name.startswith("Les "):
            forms.add(f"{word} des {name[4:]}")
    return {f.casefold() for f in forms}


def displayed_publisher(world: World, d: SimDataset, portal: str, organisation: str | None) -> str | None:
    """The publisher string a portal shows for a record: the organisation's name on data.gouv.fr and
    CKAN (when the record has one), the publisher typed on the record elsewhere (a CKAN package without
    organisation in its ``publisher_name``; DKAN, whose publisher is a group, has none to show)."""
    kind = world.portals[portal].kind
    if kind in ("udata", "ckan") and organisation:
        org = next((o for o in world.organisations if o.id == organisation and o.portal == portal), None)
        if org is not None:
            return org.name
    if kind == "ckan" and world.portals[portal].options.get("flavour") == "dkan":
        return None
    if not d.record:
        return None
    return d.publisher


def _misspelt_publishers(world: World, registry: Registry, ok: set[str]) -> Counter:
    """Per body, how many (portal, spelling) pairs name it otherwise than its official name."""
    pairs: set[tuple[str, str, str]] = set()
    for d in world.datasets:
        if d.owner == "other":
            continue
        body = registry.metropole if d.owner == "MEL" else registry.communes[d.owner]
        records = ([(d.portal, d.organisation)] if d.portal in ok else []) + \
                  [(c.portal, c.organisation) for c in d.copies if c.portal in ok]
        for portal, org in records:
            raw = displayed_publisher(world, d, portal, org)
            if not raw or not raw.strip() or raw in world.aliases:
                continue
            if raw.replace("’", "'").casefold() not in accepted_names(body.name, body.kind):
                pairs.add((d.owner, portal, raw))
    return Counter(owner for owner, _, _ in pairs)


def _datagouv(world: World, urls: dict[str, str], dg_rules: dict[str, str], out: Counter, ok: set[str]) -> None:
    """What the simulated data.gouv.fr says of each of its datasets' quality."""
    from .portals import APPS

    for name, portal in world.portals.items():
        if portal.kind != "udata" or name not in ok:
            continue
        app = APPS["udata"](world, portal, urls)
        for entry in app.entries:
            if any(entry.state.values()):
                continue
            data = app.dataset_json(entry)
            owner = entry.d.owner
            code = None if owner == "other" else owner
            for criterion, passed in data["quality"].items():
                if criterion in dg_rules and passed is False:
                    out[(dg_rules[criterion], code, f"{name}:{data['id']}")] += 1
