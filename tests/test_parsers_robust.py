"""Record parsers never crash on odd input: every real sample fed to every parser, and
random JSON shaped like portal records (hypothesis). A parser may refuse a record with
ValueError (the source reports it as an invalid record); nothing else may escape."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.model import Dataset, Distribution
from auditor.crawling.sources import ckan, geonetwork, ogcapi, udata
from tests.helpers import PORTALS

PARSERS = {
    "ckan": lambda obj: ckan.to_dataset(obj, "p", "https://ckan.example"),
    "dkan": lambda obj: ckan.to_dataset(obj, "p", "https://ckan.example", dkan=True),
    "geonetwork": lambda obj: geonetwork.dataset_from_hit(obj, portal="p", base="https://gn.example"),
    "ogcapi": lambda obj: ogcapi.collection_dataset(obj, root="https://api.example", portal="p"),
    "udata": lambda obj: udata.to_dataset(obj, portal="p"),
    "udata-resource": lambda obj: udata.to_distribution(obj),
}


def _objects(value, depth=0):
    """Every JSON object inside a sample (records sit at various depths)."""
    if isinstance(value, dict):
        yield value
        if depth < 4:
            for v in value.values():
                yield from _objects(v, depth + 1)
    elif isinstance(value, list) and depth < 4:
        for v in value[:20]:
            yield from _objects(v, depth + 1)


SAMPLES = sorted(p for p in PORTALS.rglob("*.json") if p.stat().st_size < 300_000)
OBJECTS = [(f"{p.parent.name}/{p.name}#{i}", o) for p in SAMPLES
           for i, o in enumerate(_objects(json.loads(p.read_text("utf-8"))))]


def _call(name, obj):
    try:
        out = PARSERS[name](obj)
    except ValueError:
        return
    assert out is None or isinstance(out, (Dataset, Distribution))
    if isinstance(out, Dataset):
        json.dumps(out.to_dict())  # the record is storable


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_every_real_sample_object_through_every_parser(name):
    assert len(OBJECTS) > 500
    for label, obj in OBJECTS:
        try:
            _call(name, obj)
        except Exception as exc:  # pragma: no cover - the assertion message is the point
            raise AssertionError(f"{name} crashed on {label}: {exc!r}") from exc


KEYS = sorted({k for _, o in OBJECTS for k in o})[:400]
scalars = st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=False) | st.text(max_size=30)
json_values = st.recursive(scalars, lambda children: st.lists(children, max_size=4)
                           | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=6),
                           max_leaves=25)
records = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=25)


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(obj=records)
def test_random_records_never_crash(name, obj):
    _call(name, obj)
