"""data.gouv.fr's metadata quality score: udata's ``quality`` block, re-expressed.

udata (``udata/core/dataset/models.py``: ``Dataset.compute_quality``, ``quality``,
``compute_quality_score``, ``next_update``, ``check_availability``;
``ResourceMixin.closed_or_no_format`` and ``check_availability``;
``udata/core/dataset/constants.py``: frequency deltas, ``CLOSED_FORMATS``; setting
``QUALITY_DESCRIPTION_LENGTH = 100``) scores nine criteria, one point each:

==============================  =============================================================
``license``                     a licence document is set: ``notspecified`` counts (udata's
                                ``True if self.license``; a dataset whose licence was never
                                chosen holds it, and production data.gouv.fr shows the
                                criterion met, datagouv/data.gouv.fr#1490)
``temporal_coverage``           a temporal coverage object exists
``spatial``                     a spatial coverage object exists
``update_frequency``            a frequency other than ``unknown`` is set
``update_fulfilled_in_time``    ``last_update + delta(frequency)`` is at most one day in the
                                past (``(next_update - now).days >= -1``); ``True`` for a set
                                frequency without delta (continuous, punctual, irregular,
                                never, notPlanned, other); absent when no frequency is set
``dataset_description_quality`` ``len(description) > 100`` (101 characters pass, 100 fail)
``has_open_format``             some resource has a format that is not ``pdf doc docx word
                                xls excel xlsx`` (a resource without format counts as closed)
``all_resources_available``     every *remote* resource's ``extras["check:available"]`` is
                                true; missing means ``"unknown"`` and counts as available;
                                uploaded files (``filetype: file``) are not checked
``resources_documentation``     some resource is of type ``documentation`` or has a
                                non-empty description
==============================  =============================================================

The last three, and ``has_resources: true``, exist only when the dataset has resources;
``score`` is the count of true criteria / 9, rounded to 15 decimals as the API prints it.

What udata's code does that the summaries leave out, and this module reproduces:

* ``resources_documentation`` reads the dataset's own resources, and a ``documentation``
  resource counts whatever its description. The real sample
  ``dataset_metadata.datagouv_client-fixture.json`` (« Catalogue des données de
  data.gouv.fr ») shows a ``documentation`` resource next to ``resources_documentation:
  false``. No rule explains it: that dataset's block is recomputed at every save and it was
  saved after its last resource changed (its ``last_update``). The resource is the CSV
  export of tags, a data file; the client library that recorded the fixture tests a
  download filtered on ``resources_types=["main"]``, which needs a non-main resource, so
  its type was almost certainly edited in the fixture. With that resource typed ``main``
  our block equals the published one exactly (see the tests).
* ``update_fulfilled_in_time`` is computed from the stored ``last_update`` (the most recent
  resource date: harvest ``modified_at``, the remote file's ``Last-Modified``, or the upload
  date), not from the dataset's metadata date.
* Deltas are udata's, not the nominal periods: every "n times a day" is one day, every
  "n times a week" one week, monthly 31 days, quarterly 93 days, a year 365 days
  (``constants.UpdateFrequency``).
* ``temporal_coverage`` and ``spatial`` only ask whether the object exists (a spatial
  coverage with a granularity and no zone counts).

For records of other portals (``d.portal_kind != "udata"``) the same rules run on the
normalised fields, to show what data.gouv.fr would score for the source record: licence
(raw or URL), ``temporal_start``/``temporal_end``, ``spatial``, ``frequency``, the latest of
``modified`` and the distributions' ``modified`` (else ``metadata_modified``), the description
(HTML stripped), each distribution's format, kind (``documentation``), description and probed
``availability`` (not probed = unknown = available). A frequency with a delta but no date at
all scores ``update_fulfilled_in_time: false`` (data.gouv.fr would always have a date).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from ...model import Dataset
from ...normalize.formats import CLOSED_FORMATS
from ...normalize.frequency import DELTAS
from ...normalize.text import fold, strip_html

QUALITY_DESCRIPTION_LENGTH = 100  # udata setting
QUALITY_MAX_SCORE = 9

#: The nine scored criteria, in udata's order.
CRITERIA = ("license", "temporal_coverage", "spatial", "update_frequency", "update_fulfilled_in_time",
            "dataset_description_quality", "has_open_format", "all_resources_available",
            "resources_documentation")

#: udata frequency id -> expected delay between two updates (constants.UpdateFrequency).
FREQUENCY_DELTAS: dict[str, timedelta] = {k: v for k, v in DELTAS.items() if v is not None}
#: Set frequencies without a deadline: always "fulfilled in time".
NO_DEADLINE = frozenset({"continuous", "punctual", "irregular", "never", "notPlanned", "other"})
#: Old ids udata still reads (``UpdateFrequency._LEGACY_FREQUENCIES``).
LEGACY_FREQUENCIES = {"realtime": "continuous", "fourTimesADay": "severalTimesADay",
                      "fourTimesAWeek": "other", "fortnighly": "biweekly", "biannual": "semiannual"}

# labels that say there is no licence at all ("License Not Specified" is a licence document
# data.gouv.fr counts, like its own ``notspecified``)
_NO_LICENCE = frozenset({"", "licence non renseignee", "non renseignee", "non renseigne", "aucune", "none"})


@dataclass
class ResourceFacts:
    """What udata reads of one resource."""

    title: str | None
    url: str | None
    format: str | None  # as data.gouv.fr stores it; compared lower-cased
    documentation: bool  # type == "documentation"
    described: bool  # non-empty description
    remote: bool  # filetype == "remote": the only ones the link checker judges
    available: Any = "unknown"  # True, False or "unknown"

    @property
    def closed_or_no_format(self) -> bool:
        return not self.format or self.format.lower() in CLOSED_FORMATS


@dataclass
class Facts:
    """Everything the nine criteria are computed from."""

    origin: str  # "udata" (data.gouv.fr's own object) or "record" (normalised fields)
    licence: str | None
    licence_set: bool
    temporal: bool
    spatial: bool
    frequency: str | None
    last_update: datetime | None
    description_length: int
    resources: list[ResourceFacts] = field(default_factory=list)

    @property
    def has_frequency(self) -> bool:
        return self.frequency not in (None, "", "unknown")

    @property
    def delta(self) -> timedelta | None:
        return FREQUENCY_DELTAS.get(self.frequency or "")

    @property
    def next_update(self) -> datetime | None:
        if self.delta is None or self.last_update is None:
            return None
        return self.last_update + self.delta


def quality(d: Dataset, as_of: datetime) -> dict[str, Any]:
    """data.gouv.fr's ``quality`` block for ``d`` at the moment ``as_of``."""
    return block(facts(d, as_of), as_of)


def facts(d: Dataset, as_of: datetime | None = None) -> Facts:
    """The criteria's inputs: from data.gouv.fr's own object for a udata record, else from
    the normalised fields."""
    if d.portal_kind == "udata" and isinstance(d.raw, dict) and d.raw:
        return udata_facts(d.raw, as_of)
    return record_facts(d)


def block(f: Facts, as_of: datetime) -> dict[str, Any]:
    """The ``quality`` dict udata's API returns, computed from ``f`` at ``as_of``."""
    now = _aware(as_of)
    q: dict[str, Any] = {
        "license": f.licence_set,
        "temporal_coverage": f.temporal,
        "spatial": f.spatial,
        "update_frequency": f.has_frequency,
    }
    if f.has_frequency:
        fulfilled = in_time(f.next_update, now)
        if fulfilled is not None:
            q["update_fulfilled_in_time"] = fulfilled
        elif f.frequency in NO_DEADLINE:
            q["update_fulfilled_in_time"] = True
        elif f.delta is not None:  # a deadline but no date to count from (other portals only)
            q["update_fulfilled_in_time"] = False
    q["dataset_description_quality"] = f.description_length > QUALITY_DESCRIPTION_LENGTH
    if f.resources:
        q["has_resources"] = True
        q["has_open_format"] = not all(r.closed_or_no_format for r in f.resources)
        q["all_resources_available"] = all(bool(r.available) for r in f.resources if r.remote)
        q["resources_documentation"] = any(r.documentation or r.described for r in f.resources)
    q["score"] = score(q)
    return dict(sorted(q.items()))


def score(q: dict[str, Any]) -> float:
    """Count of true criteria / 9 (``compute_quality_score``), as the API prints it."""
    return round(sum(1 for k in CRITERIA if q.get(k)) / QUALITY_MAX_SCORE, 15)


def in_time(next_update: datetime | None, as_of: datetime) -> bool | None:
    """udata's test: ``(next_update - now).days >= -1``, i.e. at most one day late."""
    if next_update is None:
        return None
    return (_aware(next_update) - _aware(as_of)).days >= -1


# -- inputs -------------------------------------------------------------------------------------
def udata_facts(raw: dict[str, Any], as_of: datetime | None = None) -> Facts:
    """Facts of a udata dataset object: API v1/v2 shape, or the stored document (harvest
    snapshots: ``_id``, ``quality_cached``, naive UTC dates)."""
    licence = raw.get("license")
    if isinstance(licence, dict):
        licence = licence.get("id")
    licence = str(licence) if licence else None
    freq = raw.get("frequency")
    if isinstance(freq, dict):
        freq = freq.get("id")
    freq = LEGACY_FREQUENCIES.get(str(freq), str(freq)) if freq else None
    description = raw.get("description")
    resources = [_udata_resource(r) for r in _list(raw.get("resources")) if isinstance(r, dict)]
    return Facts(
        origin="udata",
        licence=licence,
        licence_set=bool(licence),
        temporal=isinstance(raw.get("temporal_coverage"), dict),
        spatial=isinstance(raw.get("spatial"), dict),
        frequency=freq,
        last_update=_udata_last_update(raw, as_of),
        description_length=len(description) if isinstance(description, str) else 0,
        resources=resources,
    )


def _udata_resource(r: dict[str, Any]) -> ResourceFacts:
    extras = r.get("extras") if isinstance(r.get("extras"), dict) else {}
    fmt = r.get("format")
    return ResourceFacts(
        title=r.get("title") if isinstance(r.get("title"), str) else None,
        url=r.get("url") if isinstance(r.get("url"), str) else None,
        format=fmt if isinstance(fmt, str) and fmt else None,
        documentation=(r.get("type") or "main") == "documentation",
        described=bool(r.get("description")),
        remote=(r.get("filetype") or "file") == "remote",
        available=extras.get("check:available", "unknown"),
    )


def _udata_last_update(raw: dict[str, Any], as_of: datetime | None) -> datetime | None:
    """The stored ``last_update``; else what udata's ``compute_last_update`` would give."""
    stored = _parse(raw.get("last_update"))
    if stored is not None:
        return stored
    now = _aware(as_of) if as_of else None
    dates = []
    for r in _list(raw.get("resources")):
        if not isinstance(r, dict):
            continue
        harvest = r.get("harvest") if isinstance(r.get("harvest"), dict) else {}
        extras = r.get("extras") if isinstance(r.get("extras"), dict) else {}
        internal = r.get("internal") if isinstance(r.get("internal"), dict) else {}
        hm = _parse(harvest.get("modified_at"))
        if hm is not None and (now is None or hm < now):
            dates.append(hm)
            continue
        remote = _parse(extras.get("analysis:last-modified-at")) if r.get("filetype") == "remote" else None
        found = remote or _parse(r.get("last_modified")) or _parse(internal.get("last_modified_internal")) \
            or _parse(r.get("last_modified_internal"))
        if found is not None:
            dates.append(found)
    if dates:
        return max(dates)
    harvest = raw.get("harvest") if isinstance(raw.get("harvest"), dict) else {}
    internal = raw.get("internal") if isinstance(raw.get("internal"), dict) else {}
    return (_parse(harvest.get("modified_at")) or _parse(raw.get("last_modified"))
            or _parse(internal.get("last_modified_internal")) or _parse(raw.get("last_modified_internal")))


def record_facts(d: Dataset) -> Facts:
    """Facts of a record of another portal, from its normalised fields."""
    licence = d.licence or d.licence_url
    description = d.description or ""
    if "<" in description and ">" in description:
        description = strip_html(description) or ""
    dates = [p for p in (_parse(x) for x in [d.modified] + [r.modified for r in d.distributions]) if p]
    last = max(dates) if dates else _parse(d.metadata_modified)
    resources = []
    for r in d.distributions:
        a = r.availability
        resources.append(ResourceFacts(
            title=r.title, url=r.url,
            format=r.format or ((r.format_raw or "").strip().lower() or None),
            documentation=r.kind == "documentation",
            described=bool((r.description or "").strip()),
            remote=True,
            available="unknown" if a is None else bool(a.ok),
        ))
    return Facts(
        origin="record",
        licence=licence,
        licence_set=bool(licence) and fold(licence) not in _NO_LICENCE,
        temporal=bool(d.temporal_start or d.temporal_end),
        spatial=bool(d.spatial),
        frequency=d.frequency,
        last_update=last,
        description_length=len(description.strip()),
        resources=resources,
    )


# -- helpers ------------------------------------------------------------------------------------
def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _parse(value: Any) -> datetime | None:
    """An aware datetime from an ISO timestamp or date (naive values are UTC, as udata's)."""
    if isinstance(value, datetime):
        return _aware(value)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        return _aware(datetime.fromisoformat(text))
    except ValueError:
        return None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
