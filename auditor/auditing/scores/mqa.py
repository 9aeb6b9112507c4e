"""data.europa.eu's Metadata Quality Assessment (MQA), computed on normalised records.

The method (data.europa.eu/mqa/methodology, as reproduced by ``mjanez/ckan-mqa`` and the
PISTIS documentation): 23 indicators in five
dimensions, 405 points in all.

=================  ===  ========================================================================
Findability        100  keywords 30, themes 30, spatial 20, temporal 20 (dataset)
Accessibility      100  access URL answers 2xx 50, download URL given 20, download URL answers
                        2xx 30 (distributions)
Interoperability   110  format 20, media type 10, format/media type from a vocabulary 10,
                        non-proprietary format 20, machine-readable format 20 (distributions);
                        DCAT-AP compliance 30 (dataset)
Reusability         75  licence 20, licence from the EU vocabulary 10 (distributions); access
                        rights 10, access rights from the EU vocabulary 5, contact point 20,
                        publisher 10 (dataset)
Contextuality       20  rights 5, byte size 5 (distributions); issued 5, modified 5 (dataset)
=================  ===  ========================================================================

Band: Excellent above 350 points, Good above 220, Sufficient above 120, else Bad (the
published ranges 351–405, 221–350, 121–220, 0–120).

**One dataset** (:func:`mqa`): a dataset-level indicator scores its weight or 0; a
distribution-level one scores weight × share of the dataset's distributions satisfying it
(no distribution: 0). For interoperability only the best distribution counts ("identical
content in several distributions"): the five distribution indicators are those of the
distribution with the most interoperability points. "Format / media type from vocabulary"
counts the two checks of a distribution separately (half the weight each).

**A commune** (:func:`mqa_for`), the catalogue method: each indicator is weight × share of
all its datasets (dataset level) or of all their distributions (distribution level; two
checks per distribution for the vocabulary indicator).

How the normalised fields answer each property:

- access URL = the distribution URL; it "answers" when the probe recorded an HTTP status
  2xx (``Distribution.availability``); not probed = not shown to answer;
- download URL = a distribution of kind ``file`` (a link to the file itself, not an API, a
  service or a page); the download accessibility share is over all distributions;
- format = ``format`` or ``format_raw``; from the vocabulary when it maps to an EU
  file-type code; media type from the vocabulary when IANA registers it (the lists are in
  :mod:`auditor.auditing.scores.vocabularies`, with their sources);
- licence = the dataset's licence (applies to each distribution); from the EU vocabulary
  when it is a licence URI of the table, its exactMatch URL, or a French portal's id or
  label of such a licence (``lov2``, ``Licence Ouverte v2.0 (Etalab)``, ``odc-odbl``…),
  which their DCAT exports turn into that URL;
- rights = a licence or rights document URL (``licence_url``, or a licence given as a URL);
- byte size = the size the metadata declares (``Distribution.size``), not the probed one.

**DCAT-AP compliance** is not a SHACL run. It checks the mandatory-property part of the
DCAT-AP 2.1.1 shapes (``dcat-ap_2.1.1_shacl_shapes.ttl``): a dataset has a ``dct:title``
and a ``dct:description``, each distribution has a ``dcat:accessURL``. Range, datatype,
cardinality-maximum and controlled-vocabulary constraints are not checked, so a record that
passes here may still fail data.europa.eu's validator.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable

from ...model import Dataset, Distribution
from ...normalize.text import fold
from . import vocabularies as voc

MAX_POINTS = 405

DIMENSIONS = {  # id -> (max points, fr, en)
    "findability": (100, "Trouvabilité", "Findability"),
    "accessibility": (100, "Accessibilité", "Accessibility"),
    "interoperability": (110, "Interopérabilité", "Interoperability"),
    "reusability": (75, "Réutilisabilité", "Reusability"),
    "contextuality": (20, "Contextualité", "Contextuality"),
}

BANDS = (  # (lowest points strictly above, id, fr, en)
    (350, "excellent", "Excellente", "Excellent"),
    (220, "good", "Bonne", "Good"),
    (120, "sufficient", "Suffisante", "Sufficient"),
    (None, "bad", "Mauvaise", "Bad"),
)


@dataclass
class IndicatorScore:
    id: str
    dimension: str
    property: str
    level: str  # dataset | distribution
    weight: int
    label: dict[str, str]
    satisfied: int  # how many checks passed
    population: int  # how many checks were made
    points: float


@dataclass
class DimensionScore:
    id: str
    label: dict[str, str]
    max: int
    points: float
    indicators: list[IndicatorScore] = field(default_factory=list)


@dataclass
class MqaScore:
    points: float
    band: str
    band_label: dict[str, str]
    dimensions: list[DimensionScore]
    datasets: int
    distributions: int
    max: int = MAX_POINTS

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def dimension(self, ident: str) -> DimensionScore:
        return next(dim for dim in self.dimensions if dim.id == ident)

    def indicator(self, ident: str) -> IndicatorScore:
        return next(i for dim in self.dimensions for i in dim.indicators if i.id == ident)


# -- properties -----------------------------------------------------------------------------------
def _licence_values(d: Dataset) -> list[str]:
    return [v.strip() for v in (d.licence, d.licence_url) if isinstance(v, str) and v.strip()]


_NO_LICENCE = {"notspecified", "not specified", "license not specified", "licence non renseignee",
               "non renseignee", "aucune", "none"}


def has_licence(d: Dataset) -> bool:
    return any(fold(v) not in _NO_LICENCE for v in _licence_values(d))


def eu_licence(d: Dataset) -> str | None:
    """The EU licence-table code of the dataset's licence, if it is one."""
    urls = {_url_key(u): code for code, u in voc.EU_LICENCE_URLS.items()}
    for value in _licence_values(d):
        if value.startswith(("http://", "https://")):
            if "/authority/licence/" in value:
                code = value.rstrip("/").rsplit("/", 1)[-1]
                if code in voc.EU_LICENCES:
                    return code
            elif _url_key(value) in urls:
                return urls[_url_key(value)]
        elif fold(value) in voc.LICENCE_ALIASES:
            return voc.LICENCE_ALIASES[fold(value)]
        elif value.upper() in voc.EU_LICENCES:
            return value.upper()
    return None


def _url_key(url: str) -> str:
    return url.lower().split("://", 1)[-1].removeprefix("www.").rstrip("/")


def has_rights(d: Dataset) -> bool:
    return bool(d.licence_url) or any(v.startswith(("http://", "https://")) for v in _licence_values(d))


def access_rights_code(d: Dataset) -> str | None:
    value = (d.access_rights or "").strip()
    if not value:
        return None
    code = value.rstrip("/").rsplit("/", 1)[-1].upper() if "/" in value else value.upper()
    return code if code in voc.ACCESS_RIGHTS else None


def dcat_ap_compliant(d: Dataset) -> bool:
    """The mandatory properties of DCAT-AP 2.1.1: dataset title and description, an access
    URL for every distribution."""
    return (bool((d.title or "").strip()) and bool((d.description or "").strip())
            and all((r.url or "").strip() for r in d.distributions))


def answers_2xx(r: Distribution) -> bool:
    a = r.availability
    if a is None:
        return False
    if a.status is None:
        return False
    return 200 <= a.status < 300


def is_download(r: Distribution) -> bool:
    return r.kind == "file" and bool((r.url or "").strip())


def format_code(r: Distribution) -> str | None:
    """The EU file-type code of a distribution's format."""
    return (voc.file_type_code(r.format_raw) or voc.FORMAT_CODES.get(r.format or "")
            or voc.file_type_code(r.format))


def has_format(r: Distribution) -> bool:
    return bool(r.format or (r.format_raw or "").strip())


# -- indicators -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Def:
    id: str
    dimension: str
    property: str
    weight: int
    level: str
    fr: str
    en: str
    test: Callable[..., bool] | None = None  # (d) or (d, r)


def _vocab_checks(d: Dataset, r: Distribution) -> int:
    return int(format_code(r) is not None) + int(voc.media_type_registered(r.media_type))


DEFS = (
    _Def("keyword", "findability", "dcat:keyword", 30, "dataset", "Mots-clés", "Keyword usage",
         lambda d: bool(d.keywords)),
    _Def("theme", "findability", "dcat:theme", 30, "dataset", "Catégories (thèmes)", "Categories",
         lambda d: bool(d.themes)),
    _Def("spatial", "findability", "dct:spatial", 20, "dataset", "Couverture géographique",
         "Geo search", lambda d: bool(d.spatial)),
    _Def("temporal", "findability", "dct:temporal", 20, "dataset", "Couverture temporelle",
         "Time-based search", lambda d: bool(d.temporal_start or d.temporal_end)),
    _Def("access_url_status", "accessibility", "dcat:accessURL", 50, "distribution",
         "Adresse d'accès qui répond (HTTP 2xx)", "AccessURL accessibility", lambda d, r: answers_2xx(r)),
    _Def("download_url", "accessibility", "dcat:downloadURL", 20, "distribution",
         "Adresse de téléchargement", "DownloadURL", lambda d, r: is_download(r)),
    _Def("download_url_status", "accessibility", "dcat:downloadURL", 30, "distribution",
         "Adresse de téléchargement qui répond (HTTP 2xx)", "DownloadURL accessibility",
         lambda d, r: is_download(r) and answers_2xx(r)),
    _Def("format", "interoperability", "dct:format", 20, "distribution", "Format", "Format",
         lambda d, r: has_format(r)),
    _Def("media_type", "interoperability", "dcat:mediaType", 10, "distribution", "Type de média",
         "Media type", lambda d, r: bool((r.media_type or "").strip())),
    _Def("format_media_type_vocabulary", "interoperability", "dct:format, dcat:mediaType", 10,
         "distribution", "Format et type de média issus d'un vocabulaire",
         "Format / Media type from vocabulary"),  # two checks per distribution
    _Def("non_proprietary", "interoperability", "dct:format", 20, "distribution",
         "Format non propriétaire", "Non-proprietary",
         lambda d, r: format_code(r) in voc.NON_PROPRIETARY),
    _Def("machine_readable", "interoperability", "dct:format", 20, "distribution",
         "Format lisible par machine", "Machine-readable",
         lambda d, r: format_code(r) in voc.MACHINE_READABLE),
    _Def("dcat_ap_compliance", "interoperability", "DCAT-AP 2.1.1", 30, "dataset",
         "Conformité DCAT-AP (propriétés obligatoires)", "DCAT-AP compliance (mandatory properties)",
         dcat_ap_compliant),
    _Def("licence", "reusability", "dct:license", 20, "distribution", "Licence",
         "License information", lambda d, r: has_licence(d)),
    _Def("licence_vocabulary", "reusability", "dct:license", 10, "distribution",
         "Licence du vocabulaire européen", "License vocabulary", lambda d, r: eu_licence(d) is not None),
    _Def("access_rights", "reusability", "dct:accessRights", 10, "dataset", "Conditions d'accès",
         "Access restrictions", lambda d: bool((d.access_rights or "").strip())),
    _Def("access_rights_vocabulary", "reusability", "dct:accessRights", 5, "dataset",
         "Conditions d'accès du vocabulaire européen", "Access restrictions vocabulary",
         lambda d: access_rights_code(d) is not None),
    _Def("contact_point", "reusability", "dcat:contactPoint", 20, "dataset", "Point de contact",
         "Contact point", lambda d: bool(d.contact_name or d.contact_email)),
    _Def("publisher", "reusability", "dct:publisher", 10, "dataset", "Éditeur", "Publisher",
         lambda d: bool(d.publisher.raw or d.publisher.name)),
    _Def("rights", "contextuality", "dct:rights", 5, "distribution", "Droits", "Rights",
         lambda d, r: has_rights(d)),
    _Def("byte_size", "contextuality", "dcat:byteSize", 5, "distribution", "Taille du fichier",
         "File size", lambda d, r: r.size is not None),
    _Def("issued", "contextuality", "dct:issued", 5, "dataset", "Date de publication",
         "Date of issue", lambda d: bool(d.issued)),
    _Def("modified", "contextuality", "dct:modified", 5, "dataset", "Date de modification",
         "Modification date", lambda d: bool(d.modified or any(r.modified for r in d.distributions))),
)
INTEROPERABILITY_DISTRIBUTION = ("format", "media_type", "format_media_type_vocabulary",
                                 "non_proprietary", "machine_readable")


def _checks(defn: _Def, d: Dataset, r: Distribution | None) -> tuple[int, int]:
    """(passed, made) for one dataset or one distribution."""
    if defn.level == "dataset":
        return int(defn.test(d)), 1
    if defn.id == "format_media_type_vocabulary":
        return _vocab_checks(d, r), 2
    return int(defn.test(d, r)), 1


def _indicator(defn: _Def, passed: int, made: int) -> IndicatorScore:
    points = round(defn.weight * passed / made, 2) if made else 0.0
    return IndicatorScore(defn.id, defn.dimension, defn.property, defn.level, defn.weight,
                          {"fr": defn.fr, "en": defn.en}, passed, made, points)


def _total(datasets: list[Dataset], indicators: dict[str, IndicatorScore]) -> MqaScore:
    dims = []
    for ident, (top, fr, en) in DIMENSIONS.items():
        items = [indicators[x.id] for x in DEFS if x.dimension == ident]
        dims.append(DimensionScore(ident, {"fr": fr, "en": en}, top,
                                   round(sum(i.points for i in items), 2), items))
    points = round(sum(dim.points for dim in dims), 2)
    band, fr, en = band_of(points)
    return MqaScore(points, band, {"fr": fr, "en": en}, dims, len(datasets),
                    sum(len(d.distributions) for d in datasets))


def band_of(points: float) -> tuple[str, str, str]:
    """(id, French label, English label) of the MQA rating for ``points``."""
    for floor, ident, fr, en in BANDS:
        if floor is None or points > floor:
            return ident, fr, en
    raise AssertionError("unreachable")


def mqa(d: Dataset) -> MqaScore:
    """The MQA score of one dataset."""
    out: dict[str, IndicatorScore] = {}
    best = _best_distribution(d)
    for defn in DEFS:
        if defn.level == "dataset":
            out[defn.id] = _indicator(defn, *_checks(defn, d, None))
        elif defn.id in INTEROPERABILITY_DISTRIBUTION:
            out[defn.id] = _indicator(defn, *_checks(defn, d, best)) if best else _indicator(defn, 0, 0)
        else:
            passed = made = 0
            for r in d.distributions:
                p, m = _checks(defn, d, r)
                passed, made = passed + p, made + m
            out[defn.id] = _indicator(defn, passed, made)
    return _total([d], out)


def mqa_for(datasets: Iterable[Dataset]) -> MqaScore:
    """The catalogue-level MQA of a set of datasets (a commune's): each indicator is weight ×
    share of the datasets, or of all their distributions, satisfying it."""
    datasets = list(datasets)
    out: dict[str, IndicatorScore] = {}
    for defn in DEFS:
        passed = made = 0
        for d in datasets:
            targets = [None] if defn.level == "dataset" else d.distributions
            for r in targets:
                p, m = _checks(defn, d, r)
                passed, made = passed + p, made + m
        out[defn.id] = _indicator(defn, passed, made)
    return _total(datasets, out)


def _best_distribution(d: Dataset) -> Distribution | None:
    """The distribution with the most interoperability points (first one on ties)."""
    defs = [x for x in DEFS if x.id in INTEROPERABILITY_DISTRIBUTION]
    best, best_points = None, -1.0
    for r in d.distributions:
        points = sum(x.weight * p / m for x in defs for p, m in [_checks(x, d, r)])
        if points > best_points:
            best, best_points = r, points
    return best
