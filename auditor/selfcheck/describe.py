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
import os
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from ..auditing.checks.base import CheckContext
from ..model import Dataset, Distribution, Finding, Publisher
from ..normalize.dates import parse_date
from ..normalize.formats import media_type_for, normalize_format
from ..normalize.frequency import normalize_frequency

MAX_DESCRIPTION_BYTES = 5 * 1024 * 1024  # a JSON description (read by the C parser)
MAX_YAML_BYTES = 1024 * 1024  # a YAML one (PyYAML's safe loader is pure Python: about 3 s per MiB)
MAX_DEPTH = 100  # levels of lists and objects, as every JSON reader (auditor.tabular.budgets)
YEARS = (1000, 2999)  # a date outside is no date of a dataset (and years near 9999 overflow the date checks)

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
    """The dataset a description file describes; `DescriptionError` (French) when it cannot be read, is not a
    description, or holds what no description holds (nesting deeper than `MAX_DEPTH`, a lone UTF-16 surrogate, a
    list where a value is expected, a date outside `YEARS`)."""
    path = Path(path)
    is_json = path.suffix.lower() == ".json"
    limit = MAX_DESCRIPTION_BYTES if is_json else MAX_YAML_BYTES
    try:
        if path.stat().st_size > limit:
            raise DescriptionError(f"{path.name} : description de plus de {limit >> 20} Mo, non lue.",
                                   f"{path.name}: description over {limit >> 20} MB, not read.")
        text = path.read_text("utf-8")
        doc = json.loads(text) if is_json else load_yaml(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise DescriptionError(f"{path.name} illisible : {exc}", f"{path.name} unreadable: {exc}") from exc
    except RecursionError as exc:
        raise _too_deep(path) from exc
    except ValueError as exc:
        if "integer string conversion" not in str(exc):
            raise DescriptionError(f"{path.name} n'est pas un fichier JSON/YAML valide : {_short(exc)}",
                                   f"{path.name} is not valid JSON/YAML: {_short(exc)}") from exc
        raise DescriptionError(f"{path.name} contient un nombre de plus de 4 300 chiffres : ce n'est pas une valeur de "
                               "description, elle n'est pas lue.", f"{path.name} holds a number of over 4,300 digits: "
                               "no description holds one, it is not read.") from exc
    except yaml.YAMLError as exc:
        raise DescriptionError(f"{path.name} n'est pas un fichier JSON/YAML valide : {_short(exc)}",
                               f"{path.name} is not valid JSON/YAML: {_short(exc)}") from exc
    if not isinstance(doc, dict):
        raise DescriptionError(f"{path.name} doit décrire un jeu de données (un objet avec titre, licence...).",
                               f"{path.name} must describe a dataset (an object with title, licence...).")
    from ..tabular.budgets import json_depth

    if json_depth(doc, MAX_DEPTH) > MAX_DEPTH:
        raise _too_deep(path)
    _check_texts(doc, path)
    return to_dataset(doc, path)


def _too_deep(path: Path) -> DescriptionError:
    return DescriptionError(f"{path.name} est imbriqué sur plus de {MAX_DEPTH} niveaux (listes ou objets les uns dans "
                            "les autres) : ce n'est pas une description de jeu de données, elle n'est pas lue.",
                            f"{path.name} is nested over {MAX_DEPTH} levels deep (lists or objects inside one "
                            "another): it is no dataset description and is not read.")


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 300 else text[:299] + "…"


def _check_texts(doc: Any, path: Path) -> None:
    """Refuse a description holding a lone UTF-16 surrogate (``"\\udcff"`` in JSON or YAML): no UTF-8 text, no
    report, can hold it."""
    from ..tabular.budgets import has_surrogate

    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str) and has_surrogate(node):
            raise DescriptionError(f"{path.name} contient un caractère invalide (une moitié de paire UTF-16 isolée, "
                                   "comme \\udcff) : corrigez ou retirez-le.",
                                   f"{path.name} holds an invalid character (a lone UTF-16 surrogate, such as "
                                   "\\udcff): fix or remove it.")


MAX_YAML_NODES = 100_000  # nodes of the document once every alias is expanded


def load_yaml(text: str) -> Any:
    """A YAML document read safely and within bounds: the safe loader (no Python objects), and the
    document refused when, aliases expanded, it would hold more than :data:`MAX_YAML_NODES` nodes
    (a « billion laughs » alias bomb of a few hundred bytes is refused at once, never built)."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _bounded(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _bounded(node: yaml.Node) -> None:
    sizes: dict[int, int] = {}

    def size(n: yaml.Node, depth: int = 0) -> int:
        if depth > MAX_DEPTH:
            raise yaml.YAMLError(f"document imbriqué sur plus de {MAX_DEPTH} niveaux")
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


def to_dataset(doc: dict[str, Any], path: Path) -> Dataset:
    v: dict[str, Any] = {}
    named: dict[str, str] = {}  # attribute -> the key it was read from (for messages)
    for key, value in doc.items():
        label = _text(key) or ""
        attr = KEYS.get(label.lower())
        if attr and value not in (None, "") and attr not in v:
            v[attr], named[attr] = value, label
    for attr in ("contributors", "resources"):
        if attr in v and not isinstance(v[attr], list):
            what = "contributeurs" if attr == "contributors" else "ressources"
            raise DescriptionError(f"{path.name} : « {named[attr]} » doit être une liste de {what}, pas "
                                   f"« {_text(v[attr], 60)} ».",
                                   f"{path.name}: “{named[attr]}” must be a list, not “{_text(v[attr], 60)}”.")
    licence, licence_url = _licence(v.get("licence"))
    publisher = v.get("publisher")
    if isinstance(publisher, dict):
        publisher = publisher.get("title") or publisher.get("name")
    for c in v.get("contributors") or []:
        if not publisher and isinstance(c, dict) and c.get("role") in ("publisher", "author"):
            publisher = c.get("title")
    freq = _text(v.get("frequency"))

    def when(attr: str) -> str | None:
        return _date(v.get(attr), named.get(attr, attr), path)

    d = Dataset(portal="local", portal_kind="file", source_id=_text(v.get("name")) or path.parent.name or path.name,
                title=_text(v.get("title")), description=_text(v.get("description")),
                keywords=_list(v.get("keywords")), themes=_list(v.get("themes")),
                publisher=Publisher(raw=_text(publisher)), licence=licence, licence_url=licence_url,
                issued=when("issued"), modified=when("modified"),
                frequency=normalize_frequency(freq), frequency_raw=freq, contact_email=_text(v.get("contact_email")),
                landing_page=_text(v.get("landing_page")), temporal_start=when("temporal_start"),
                temporal_end=when("temporal_end"), raw=doc)
    d.metadata_modified = d.modified
    for res in v.get("resources") or []:
        if isinstance(res, dict):
            d.distributions.append(_distribution(res, path))
    return d


def _date(value: Any, key: str, path: Path) -> str | None:
    """A date of the description as ISO text: None when absent or not understood (as a portal shows it); a
    number that is no date, or a year outside `YEARS`, is refused (`DescriptionError`)."""
    if value is None or value == "":
        return None
    try:
        iso = parse_date(value) if isinstance(value, (str, int, float, date)) and not isinstance(value, bool) else None
    except (OverflowError, ValueError, OSError):  # a huge number read as a timestamp
        iso = None
    if iso is None and (isinstance(value, (int, float, bool, list, dict))):
        raise DescriptionError(f"{path.name} : « {key} » n'est pas une date (« {_text(value, 60)} ») : écrivez-la "
                               "aaaa-mm-jj.", f"{path.name}: “{key}” is not a date (“{_text(value, 60)}”): write it "
                               "yyyy-mm-dd.")
    if iso is not None and not YEARS[0] <= int(iso[:4]) <= YEARS[1]:
        raise DescriptionError(f"{path.name} : « {key} » : {iso[:10]} n'est pas une date plausible (année entre "
                               f"{YEARS[0]} et {YEARS[1]} attendue).", f"{path.name}: “{key}”: {iso[:10]} is not a "
                               f"plausible date (a year between {YEARS[0]} and {YEARS[1]} is expected).")
    return iso


def _distribution(res: dict[str, Any], path: Path) -> Distribution:
    where = res.get("path") or res.get("chemin") or res.get("url") or ""
    where = where[0] if isinstance(where, list) and where else where
    where = _text(where) or ""
    raw_format = _text(res.get("format")) or (_suffix(where) if where else None)
    schema = res.get("schema")
    name = version = schema_url = None
    if isinstance(schema, str) and schema.strip():  # a name, a schema.data.gouv.fr or repository address
        from ..tabular.references import declared_name

        name, version = declared_name(schema)
        schema_url = schema.strip() if "://" in schema else None
    elif isinstance(schema, dict):
        name, version = _text(schema.get("name")), _text(schema.get("version"))
    url = where if "://" in where else Path(os.path.abspath(path.parent / where)).as_uri() if where else ""
    size = res.get("bytes")
    return Distribution(url=url, title=_text(res.get("title") or res.get("titre") or res.get("name")),
                        format=normalize_format(raw_format), format_raw=raw_format,
                        media_type=_text(res.get("mediatype")) or media_type_for(normalize_format(raw_format)),
                        size=size if isinstance(size, int) and not isinstance(size, bool) and 0 <= size < 1 << 63
                        else None, kind="file", schema_name=name or None, schema_version=version or None,
                        schema_url=schema_url)


def _suffix(where: str) -> str:
    try:
        return Path(where).suffix.lstrip(".")
    except ValueError:
        return ""


def _licence(value: Any) -> tuple[str | None, str | None]:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        return _text(value.get("title") or value.get("name")), _text(value.get("path"))
    return _text(value), None


def _text(value: Any, limit: int | None = None) -> str | None:
    if value is None:
        return None
    if isinstance(value, (datetime,)):
        return value.isoformat()
    try:
        s = str(value).strip()
    except ValueError:  # an integer of more than 4 300 digits
        s = "(nombre trop long)"
    if limit is not None and len(s) > limit:
        s = s[:limit - 1] + "…"
    return s or None


def _list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [k.strip() for k in value.split(",") if k.strip()]
    if isinstance(value, list):
        return [t for t in (_text(k) for k in value) if t]
    return []


def dataset_findings(dataset: Dataset, rules: list, *, target: str, as_of: datetime | None = None) -> list[Finding]:
    """The dataset and distribution rules of the audit on one described dataset, its publisher resolved
    against the MEL territory (so that the obligations of its commune apply)."""
    from ..auditing.applicability import applicability
    from ..crawling.catalogue import Catalogue
    from ..auditing.checks.base import CommuneView
    from ..auditing.rules import evaluate
    from ..crawling.territory.registry import load_registry
    from ..crawling.territory.resolve import PublisherResolver

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
