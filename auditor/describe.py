"""Dataset descriptions kept next to the data (a data repository, a folder before publication).

Two forms are read into the audit's normalised :class:`~auditor.model.Dataset`, so that the dataset rules of
the audit (licence, open formats, update dates and frequency, declared schema) can be applied before the
dataset reaches a portal:

* a Frictionless **data package** (``datapackage.json``): ``title``, ``description``, ``licenses``,
  ``keywords``, ``contributors`` (role ``publisher``), ``created``, ``resources`` (``path`` or ``url``,
  ``format``, ``mediatype``, ``bytes``, ``schema`` such as ``scdl/subventions@2.1.1``), and the optional
  extensions ``publisher``, ``frequency``, ``modified``;
* a **metadata file** (``metadata.yaml``, ``*.dataset.yaml`` or the same in JSON), keys in French or English::

      titre: Subventions accordées par la ville
      description: Subventions de plus de 23 000 € ...
      producteur: Ville d'Armentières
      licence: Licence Ouverte v2.0
      mots_cles: [subventions, associations]
      frequence: annual
      date_publication: 2024-01-15
      date_mise_a_jour: 2025-01-10
      ressources:
        - chemin: subventions.csv
          format: csv
          schema: scdl/subventions@2.1.1
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from .checks.base import CheckContext
from .model import Dataset, Distribution, Finding, Publisher
from .normalize.dates import parse_date
from .normalize.formats import media_type_for, normalize_format
from .normalize.frequency import normalize_frequency

MAX_DESCRIPTION_BYTES = 5 * 1024 * 1024

# accepted key -> Dataset attribute (French spellings first)
KEYS = {
    "titre": "title", "title": "title", "description": "description",
    "producteur": "publisher", "publisher": "publisher", "editeur": "publisher",
    "licence": "licence", "license": "licence", "licenses": "licence",
    "mots_cles": "keywords", "mots-cles": "keywords", "keywords": "keywords",
    "themes": "themes", "frequence": "frequency", "frequency": "frequency",
    "date_publication": "issued", "issued": "issued", "created": "issued",
    "date_mise_a_jour": "modified", "modified": "modified",
    "contact": "contact_email", "contact_email": "contact_email",
    "page": "landing_page", "homepage": "landing_page", "landing_page": "landing_page",
    "couverture_temporelle_debut": "temporal_start", "couverture_temporelle_fin": "temporal_end",
    "ressources": "resources", "resources": "resources", "distributions": "resources",
    "contributors": "contributors", "name": "name", "nom": "name",
}


class DescriptionError(Exception):
    """The description cannot be read; ``str()`` is French, ``en`` English."""

    def __init__(self, fr: str, en: str):
        super().__init__(fr)
        self.en = en


def read_description(path: Path) -> Dataset:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_DESCRIPTION_BYTES:
            raise DescriptionError(f"{path.name} : description de plus de 5 Mo, non lue.",
                                   f"{path.name}: description over 5 MB, not read.")
        text = path.read_text("utf-8")
        doc = json.loads(text) if path.suffix.lower() == ".json" else load_yaml(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise DescriptionError(f"{path.name} illisible : {exc}", f"{path.name} unreadable: {exc}") from exc
    except (ValueError, yaml.YAMLError) as exc:
        raise DescriptionError(f"{path.name} n'est pas un fichier JSON/YAML valide : {exc}",
                               f"{path.name} is not valid JSON/YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise DescriptionError(f"{path.name} doit décrire un jeu de données (un objet avec titre, licence...).",
                               f"{path.name} must describe a dataset (an object with title, licence...).")
    return to_dataset(doc, path)


MAX_YAML_NODES = 100_000  # nodes of the document once every alias is expanded


def load_yaml(text: str) -> Any:
    """A YAML document read safely and within bounds: the safe loader (no Python objects), and the
    document refused when, aliases expanded, it would hold more than :data:`MAX_YAML_NODES` nodes
    (a « billion laughs » alias bomb of a few hundred bytes is refused at once, never built)."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if node is None:
        return None
    sizes: dict[int, int] = {}

    def size(n: yaml.Node, depth: int = 0) -> int:
        if depth > 200:
            raise yaml.YAMLError("document imbriqué sur plus de 200 niveaux")
        if id(n) in sizes:
            return sizes[id(n)]
        if isinstance(n, yaml.MappingNode):
            total = 1 + sum(size(k, depth + 1) + size(v, depth + 1) for k, v in n.value)
        elif isinstance(n, yaml.SequenceNode):
            total = 1 + sum(size(v, depth + 1) for v in n.value)
        else:
            total = 1
        sizes[id(n)] = total = min(total, MAX_YAML_NODES + 1)
        return total

    if size(node) > MAX_YAML_NODES:
        raise yaml.YAMLError(f"document de plus de {MAX_YAML_NODES} éléments une fois ses alias développés "
                             f"(alias en cascade ?), non lu")
    return yaml.SafeLoader(text).get_single_data()


def to_dataset(doc: dict[str, Any], path: Path) -> Dataset:
    v: dict[str, Any] = {}
    for key, value in doc.items():
        attr = KEYS.get(str(key).strip().lower())
        if attr and value not in (None, ""):
            v.setdefault(attr, value)
    licence, licence_url = _licence(v.get("licence"))
    publisher = v.get("publisher")
    if isinstance(publisher, dict):
        publisher = publisher.get("title") or publisher.get("name")
    for c in v.get("contributors") or []:
        if not publisher and isinstance(c, dict) and c.get("role") in ("publisher", "author"):
            publisher = c.get("title")
    freq = _text(v.get("frequency"))
    d = Dataset(portal="local", portal_kind="file", source_id=_text(v.get("name")) or path.parent.name or path.name,
                title=_text(v.get("title")), description=_text(v.get("description")),
                keywords=_list(v.get("keywords")), themes=_list(v.get("themes")),
                publisher=Publisher(raw=_text(publisher)), licence=licence, licence_url=licence_url,
                issued=parse_date(v.get("issued")), modified=parse_date(v.get("modified")),
                frequency=normalize_frequency(freq), frequency_raw=freq, contact_email=_text(v.get("contact_email")),
                landing_page=_text(v.get("landing_page")), temporal_start=parse_date(v.get("temporal_start")),
                temporal_end=parse_date(v.get("temporal_end")), raw=doc)
    d.metadata_modified = d.modified
    for res in v.get("resources") or []:
        if isinstance(res, dict):
            d.distributions.append(_distribution(res, path))
    return d


def _distribution(res: dict[str, Any], path: Path) -> Distribution:
    where = res.get("path") or res.get("chemin") or res.get("url") or ""
    where = where[0] if isinstance(where, list) and where else where
    where = str(where)
    raw_format = _text(res.get("format")) or (Path(where).suffix.lstrip(".") if where else None)
    schema = res.get("schema")
    name = version = None
    if isinstance(schema, str) and not schema.endswith(".json"):
        name, _, version = schema.partition("@")
    elif isinstance(schema, dict):
        name, version = schema.get("name"), schema.get("version")
    url = where if "://" in where else (path.parent / where).as_uri() if where else ""
    return Distribution(url=url, title=_text(res.get("title") or res.get("titre") or res.get("name")),
                        format=normalize_format(raw_format), format_raw=raw_format,
                        media_type=_text(res.get("mediatype")) or media_type_for(normalize_format(raw_format)),
                        size=res.get("bytes") if isinstance(res.get("bytes"), int) else None, kind="file",
                        schema_name=name, schema_version=version or None)


def _licence(value: Any) -> tuple[str | None, str | None]:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        return _text(value.get("title") or value.get("name")), _text(value.get("path"))
    return _text(value), None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (datetime,)):
        return value.isoformat()
    s = str(value).strip()
    return s or None


def _list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [k.strip() for k in value.split(",") if k.strip()]
    if isinstance(value, list):
        return [str(k).strip() for k in value if str(k).strip()]
    return []


def dataset_findings(dataset: Dataset, rules: list, *, target: str, as_of: datetime | None = None) -> list[Finding]:
    """The dataset and distribution rules of the audit on one described dataset, its publisher resolved
    against the MEL territory (so that the obligations of its commune apply)."""
    from .audit import applicability
    from .catalogue import Catalogue
    from .checks.base import CommuneView
    from .rules import evaluate
    from .territory.registry import load_registry
    from .territory.resolve import PublisherResolver

    registry = load_registry()
    dataset.publisher = PublisherResolver(registry).resolve(dataset.publisher.raw)
    apps = applicability(registry)
    communes = {}
    code = dataset.publisher.code
    if code in apps:
        communes[code] = CommuneView(commune=registry.get(code), code=code, applicability=apps[code],
                                     datasets=[dataset], records=[dataset])
    ctx = CheckContext(as_of=as_of or datetime.now(timezone.utc), registry=registry,
                       catalogue=Catalogue(datasets=[dataset]), applicability=apps, communes=communes)
    selected = [r for r in rules if r.scope in ("dataset", "distribution") and r.code != "AVL-01"]
    findings = evaluate(selected, ctx, [])
    for f in findings:
        f.dataset = target
    return findings
