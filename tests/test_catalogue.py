"""Attribution and copy grouping on hand-made records."""
from __future__ import annotations

from auditor.crawling.catalogue import attribute, group_copies, normalize_url
from auditor.model import Dataset, Distribution, Publisher
from auditor.crawling.territory.registry import load_registry
from auditor.crawling.territory.resolve import PublisherResolver


def ds(portal, sid, kind="opendatasoft", **kw):
    return Dataset(portal=portal, portal_kind=kind, source_id=sid, **kw)


def test_normalize_url():
    assert normalize_url("https://www.Data.gouv.fr/fr/datasets/x/") == "data.gouv.fr/fr/datasets/x"
    assert normalize_url("http://opendata.roubaix.fr/explore/dataset/a/#x") == "opendata.roubaix.fr/explore/dataset/a"
    assert normalize_url("https://opendata.roubaix.fr/explore/") is None  # a portal root names no dataset


def test_harvested_copy_joins_its_origin():
    origin = ds("roubaix", "arceaux", landing_page="https://opendata.roubaix.fr/explore/dataset/arceaux/")
    copy = ds("datagouv", "5be5", "udata", harvest={"backend": "DCAT",
              "remote_id": "https://opendata.roubaix.fr/explore/dataset/arceaux/"})
    other = ds("datagouv", "6c6c", "udata", harvest={"backend": "DCAT",
               "remote_id": "https://opendata.roubaix.fr/explore/dataset/bancs/"})
    group_copies([copy, origin, other])
    assert origin.copy_of is None and copy.copy_of == "roubaix:arceaux" and other.copy_of is None


def test_geonetwork_uuid_and_shared_files():
    gn = ds("mel", "2dd11155-b793-4e67-980a-3de7de9943a6", "geonetwork",
            identity_keys=["2dd11155-b793-4e67-980a-3de7de9943a6"])
    csw = ds("datagouv", "a1", "udata", harvest={"backend": "CSW-DCAT", "remote_id": "2DD11155-B793-4E67-980A-3DE7DE9943A6"})
    f = "https://data.lillemetropole.fr/data/ogcapi/collections/c/items?f=csv&limit=-1"
    origin = ds("mel", "prenoms", "geonetwork", distributions=[Distribution(url=f)])
    link = ds("datagouv", "b2", "udata", distributions=[Distribution(url=f)])
    same_portal = ds("mel", "autre", "geonetwork", distributions=[Distribution(url=f)])
    group_copies([gn, csw, origin, link, same_portal])
    assert csw.copy_of == gn.uid
    assert link.copy_of == origin.uid
    assert same_portal.copy_of is None  # two records on one portal are two datasets


def test_attribution_reports_unresolved_publishers():
    resolver = PublisherResolver(load_registry())
    records = [ds("mel", "a", publisher=Publisher(raw="Ville de Loos")),
               ds("mel", "b", publisher=Publisher(raw="Service SIG")),
               ds("roubaix", "c", publisher=Publisher(raw=None)),
               ds("datagouv", "d", "udata", publisher=Publisher(raw="Mairie"), organisation_siren="215900176"),
               ds("mel", "e", publisher=Publisher(raw="Service SIG"))]
    unresolved = attribute(records, resolver, {"roubaix": "59512", "mel": "MEL"})
    assert [d.publisher.code for d in records] == ["59360", None, "59512", "59017", None]
    assert [(u.raw, u.datasets) for u in unresolved] == [("Service SIG", ["mel:b", "mel:e"])]


def _pair(first_portal, second_portal, *, code="59512", first=None, second=None):
    """Two records sharing a file (one dataset), attributed to ``code``."""
    f = "https://files.example/arceaux.csv"
    a = ds(first_portal, "a", distributions=[Distribution(url=f)], publisher=Publisher(kind="commune", insee=code),
           **(first or {}))
    b = ds(second_portal, "b", distributions=[Distribution(url=f)], publisher=Publisher(kind="commune", insee=code),
           **(second or {}))
    return a, b


def test_the_original_is_on_the_communes_own_portal_whatever_the_names():
    """Roubaix's dataset on the MEL platform and on Roubaix's own portal: Roubaix's is the original,
    although « mel » sorts first and the MEL record is older."""
    mel, roubaix = _pair("mel", "roubaix", first={"issued": "2019-01-01"}, second={"issued": "2021-01-01"})
    group_copies([mel, roubaix], owners={"mel": "MEL", "roubaix": "59512"})
    assert roubaix.copy_of is None and mel.copy_of == "roubaix:b"


def test_else_the_earliest_issued_is_the_original():
    a, b = _pair("mel", "zz-portail", first={"issued": "2024-03-01"}, second={"issued": "2021-06-30T10:00:00+02:00"})
    group_copies([a, b], owners={"mel": "MEL"})
    assert b.copy_of is None and a.copy_of == "zz-portail:b"


def test_else_the_communes_configured_home_then_not_an_aggregator():
    a, b = _pair("mel", "sig", second={"issued": None})
    group_copies([a, b], owners={}, homes={"59512": "sig"})
    assert b.copy_of is None and a.copy_of == "sig:b"
    c = ds("datagouv", "c", "udata", distributions=[Distribution(url="https://files.example/x.csv")],
           publisher=Publisher(kind="commune", insee="59512"))
    d = ds("zz", "d", "geonetwork", distributions=[Distribution(url="https://files.example/x.csv")],
           publisher=Publisher(kind="commune", insee="59512"))
    group_copies([c, d])
    assert d.copy_of is None and c.copy_of == "zz:d"


def test_a_harvest_is_never_the_original_of_what_it_harvested():
    origin = ds("roubaix", "arceaux", landing_page="https://opendata.roubaix.fr/explore/dataset/arceaux/",
                issued="2022-01-01", publisher=Publisher(kind="commune", insee="59512"))
    copy = ds("datagouv", "5be5", "udata", issued="2020-01-01", publisher=Publisher(kind="commune", insee="59512"),
              harvest={"remote_id": "https://opendata.roubaix.fr/explore/dataset/arceaux/"})
    group_copies([copy, origin], owners={})
    assert origin.copy_of is None and copy.copy_of == "roubaix:arceaux"
