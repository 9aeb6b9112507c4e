"""DCAT catalogues: one RDF document (RDF/XML, Turtle or JSON-LD), possibly paged.

The configured URL is the catalogue document itself: an Opendatasoft export
(``/api/explore/v2.1/catalog/exports/dcat/?...``), a data.gouv.fr / udata catalogue
(``/api/1/organizations/{id}/catalog.rdf``), a commune's own ``catalogue.ttl``...

* **Syntax**: option ``format`` (``xml``/``rdf``, ``turtle``/``ttl``, ``jsonld``/``json-ld``)
  is tried first, then the syntax sniffed from the body (the three syntaxes are told apart by
  their first characters), then the URL extension: a misconfigured ``format`` does not make a
  readable catalogue unreadable. The answer's ``Content-Type`` is not consulted (the HTTP
  client's ``parse`` hook sees the body only; servers often send ``.ttl`` files as
  ``text/plain``); the wanted syntax is asked for in ``Accept``. Parsing happens inside that
  hook, so that a truncated or garbled body (or an HTML maintenance page) is retried like any
  network error.
* **Paging**: hydra, both shapes found in the wild: a ``hydra:PartialCollectionView`` with
  ``hydra:next`` (udata, data.gouv.fr today) and the legacy ``hydra:PagedCollection`` with
  ``hydra:nextPage`` (older udata, ckanext-dcat), the link being a URI or a literal. Pages are
  followed one after the other (each page names the next); a page that fails for good ends the
  listing with an ``incomplete-listing`` event. When the catalogue declares
  ``hydra:totalItems`` and fewer datasets were read, that is reported too.
* **Records**: every ``dcat:Dataset`` (typed, or named by ``dcat:dataset`` and described)
  becomes one :class:`~auditor.model.Dataset`; ``source_id`` is ``dct:identifier``, else the
  node URI; ``identity_keys`` are the node URI, the identifier, the landing page and any
  ``adms:identifier`` notation (data.gouv.fr names its own copy there); ``raw`` keeps its
  triples as ``{predicate: [values]}`` with blank nodes and described resources (publisher,
  distributions, contact point...) nested, so the audit trail does not depend on the syntax.
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterator
from urllib.parse import parse_qs, urlsplit

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS

from ..http import BodyError, FetchError
from ...model import Dataset, Distribution, Publisher
from ...normalize.dates import parse_date
from ...normalize.formats import media_type_for, normalize_format
from ...normalize.frequency import normalize_frequency
from .base import SourceContext

KIND = "dcat"

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SCHEMA_HTTP = Namespace("http://schema.org/")
SCHEMA_HTTPS = Namespace("https://schema.org/")
LOCN = Namespace("http://www.w3.org/ns/locn#")
ADMS = Namespace("http://www.w3.org/ns/adms#")

# Fixed prefixes for ``raw`` keys, whatever prefixes the document declared.
PREFIXES = {
    "dct": str(DCTERMS), "dcat": str(DCAT), "foaf": str(FOAF), "rdf": str(RDF), "rdfs": str(RDFS),
    "skos": str(SKOS), "vcard": str(VCARD), "hydra": str(HYDRA), "locn": str(LOCN),
    "schema": str(SCHEMA_HTTP), "adms": str(ADMS),
    "dcatap": "http://data.europa.eu/r5r/", "owl": "http://www.w3.org/2002/07/owl#",
}

FORMATS = {  # option value -> rdflib parser name
    "xml": "xml", "rdf": "xml", "rdfxml": "xml", "rdf+xml": "xml", "rdf/xml": "xml",
    "turtle": "turtle", "ttl": "turtle", "n3": "n3", "nt": "nt", "ntriples": "nt",
    "jsonld": "json-ld", "json-ld": "json-ld", "json": "json-ld",
}
ACCEPT = {
    "xml": "application/rdf+xml", "turtle": "text/turtle", "n3": "text/n3",
    "nt": "application/n-triples", "json-ld": "application/ld+json",
}
_EXTENSIONS = {"rdf": "xml", "xml": "xml", "owl": "xml", "ttl": "turtle", "n3": "n3", "nt": "nt",
               "jsonld": "json-ld", "json": "json-ld"}
_SCHEMA_URL = re.compile(r"schema\.data\.gouv\.fr/schemas/([^/]+/[^/]+)/([^/]+)/")
_MAX_PAGES = 10000


# -- fetching and parsing -------------------------------------------------------------------
def sniff(body: bytes) -> str | None:
    """The RDF syntax of ``body`` from its first characters, or ``None`` if unclear."""
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"{", b"["):
        return "json-ld"
    if head.startswith((b"<?xml", b"<!--", b"<!DOCTYPE rdf", b"<!doctype rdf")):
        return "xml"
    if head.startswith((b"@prefix", b"@base", b"PREFIX", b"BASE", b"prefix", b"base", b"#", b"_:")):
        return "turtle"
    if head.startswith(b"<"):
        token = re.split(rb"[\s>]", head[1:], maxsplit=1)[0]
        return "turtle" if (b"://" in token or token.startswith((b"#", b"urn:")) or not token) else "xml"
    return None


def _is_html(body: bytes) -> bool:
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html"))


def make_parser(url: str, fmt: str | None = None):
    """The ``parse`` hook for the HTTP client: bytes -> rdflib Graph, or BodyError."""

    def parse(body: bytes) -> Graph:
        if not body.strip():
            raise BodyError("invalid-rdf", "document RDF vide")
        if _is_html(body):
            raise BodyError("html-instead-of-rdf", "page HTML reçue au lieu d'un catalogue DCAT")
        # the configured syntax first, then what the body looks like (a misconfigured
        # ``format`` must not make a readable catalogue unreadable)
        guess = _EXTENSIONS.get(urlsplit(url).path.rsplit(".", 1)[-1].lower())
        candidates = list(dict.fromkeys(s for s in (fmt, sniff(body), guess, "xml") if s))
        error = ""
        for syntax in candidates:
            graph = Graph()
            try:
                graph.parse(data=body, format=syntax, publicID=url)
            except Exception as exc:  # rdflib raises many types (SAX, BadSyntax, JSON, ...)
                error = error or f"RDF ({syntax}) illisible : {str(exc)[:200]}"
                continue
            if len(graph) == 0:
                raise BodyError("invalid-rdf", "aucun triplet RDF dans le document")
            return graph
        raise BodyError("invalid-rdf", error)

    return parse


def fetch_graph(ctx: SourceContext, url: str) -> Graph:
    fmt = FORMATS.get(str(ctx.option("format") or "").lower().strip())
    accept = ACCEPT.get(fmt or "", "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8")
    accept += ", */*;q=0.1"
    resp = ctx.http.request("GET", url, portal=ctx.name, headers={"Accept": accept},
                            parse=make_parser(url, fmt))
    return resp.data


def next_page(graph: Graph) -> str | None:
    """The next page named by hydra (``hydra:next`` or legacy ``hydra:nextPage``)."""
    for pred in (HYDRA.next, HYDRA.nextPage):
        for obj in sorted(graph.objects(None, pred)):
            if isinstance(obj, (URIRef, Literal)) and str(obj).strip():
                return str(obj).strip()
    return None


def total_items(graph: Graph) -> int | None:
    for obj in graph.objects(None, HYDRA.totalItems):
        try:
            return int(str(obj))
        except ValueError:
            continue
    return None


def crawl(ctx: SourceContext) -> Iterator[Dataset]:
    url = ctx.source.url
    graph = fetch_graph(ctx, url)  # a failure here stops the portal: let FetchError go
    total = total_items(graph)
    seen_pages = {url}
    seen_ids: set[str] = set()
    count = 0
    while True:
        for ds in datasets_from_graph(graph, ctx.name, event=ctx.event):
            if ds.source_id in seen_ids:
                ctx.event("duplicate-record", f"jeu de données {ds.source_id} présent deux fois dans "
                          "le catalogue", level="info", url=url)
                continue
            seen_ids.add(ds.source_id)
            count += 1
            yield ds
        nxt = next_page(graph)
        if not nxt or nxt in seen_pages:
            break
        if len(seen_pages) >= _MAX_PAGES:
            ctx.event("incomplete-listing", f"plus de {_MAX_PAGES} pages : lecture arrêtée",
                      level="error", url=nxt)
            break
        seen_pages.add(nxt)
        try:
            graph = fetch_graph(ctx, nxt)
        except FetchError as exc:
            ctx.event("incomplete-listing", f"page du catalogue illisible ({exc.message}) : les "
                      "pages suivantes n'ont pas pu être lues", level="error", url=nxt)
            return
        url = nxt
    if total is not None and count < total:
        ctx.event("incomplete-listing", f"le catalogue annonce {total} jeux de données, "
                  f"{count} ont été lus", level="warning", url=ctx.source.url)


# -- graph -> records -----------------------------------------------------------------------
def dataset_nodes(graph: Graph) -> list:
    """Nodes typed ``dcat:Dataset``, plus those a catalogue lists and describes."""
    nodes = set(graph.subjects(RDF.type, DCAT.Dataset))
    nodes.update(o for o in graph.objects(None, DCAT.dataset))
    return sorted(nodes, key=str)


def datasets_from_graph(graph: Graph, portal: str, event=None) -> Iterator[Dataset]:
    """One Dataset per dataset node of ``graph``; unreadable nodes are reported to ``event``."""
    for node in dataset_nodes(graph):
        if next(graph.predicate_objects(node), None) is None:
            if event:
                event("invalid-record", f"jeu de données {node} listé sans description",
                      url=str(node) if isinstance(node, URIRef) else None)
            continue
        try:
            ds = to_dataset(graph, node, portal)
        except Exception as exc:  # a malformed record must not stop the crawl
            if event:
                event("invalid-record", f"jeu de données illisible : {exc!r}",
                      url=str(node) if isinstance(node, URIRef) else None)
            continue
        if ds is None:
            if event:
                event("invalid-record", "jeu de données sans identifiant (ni dct:identifier, ni URI, "
                      "ni page d'accueil)")
            continue
        yield ds


def to_dataset(g: Graph, node, portal: str) -> Dataset | None:
    uri = str(node) if isinstance(node, URIRef) else None
    identifier = _text(g, node, DCTERMS.identifier)
    landing = _ref(g, node, DCAT.landingPage)
    source_id = identifier or uri or landing
    if not source_id:
        return None
    dists = sorted((d for d in (_distribution(g, n) for n in g.objects(node, DCAT.distribution)) if d),
                   key=lambda d: (d.url, d.title or ""))
    licence, licence_url = _licence(g, node)
    freq_raw = _ref(g, node, DCTERMS.accrualPeriodicity)
    start, end = _temporal(g, node)
    contact_name, contact_email = _contact(g, node)
    record = next(iter(sorted(g.subjects(FOAF.primaryTopic, node), key=str)), None)
    lang = _ref(g, node, DCTERMS.language)
    # adms:identifier: other identifiers of the same dataset (data.gouv.fr names its own page)
    other_ids = sorted(n for i in g.objects(node, ADMS.identifier) if (n := _text(g, i, SKOS.notation)))
    return Dataset(
        portal=portal,
        portal_kind=KIND,
        source_id=source_id,
        title=_text(g, node, DCTERMS.title),
        description=_text(g, node, DCTERMS.description),
        keywords=sorted({str(k).strip() for k in g.objects(node, DCAT.keyword) if str(k).strip()}),
        themes=sorted({t for t in (_label_or_ref(g, o) for o in g.objects(node, DCAT.theme)) if t}),
        publisher=Publisher(raw=_publisher(g, node)),
        licence=licence,
        licence_url=licence_url,
        issued=parse_date(_text(g, node, DCTERMS.issued)),
        modified=parse_date(_text(g, node, DCTERMS.modified)),
        metadata_modified=parse_date(_text(g, record, DCTERMS.modified)) if record is not None else None,
        frequency=normalize_frequency(freq_raw),
        frequency_raw=freq_raw,
        temporal_start=parse_date(start),
        temporal_end=parse_date(end),
        spatial=_spatial(g, node),
        contact_name=contact_name,
        contact_email=contact_email,
        landing_page=landing,
        language=lang.rstrip("/").rsplit("/", 1)[-1].lower() if lang else None,
        access_rights=_label_or_ref(g, _first(g, node, DCTERMS.accessRights)),
        distributions=dists,
        identity_keys=list(dict.fromkeys(k for k in (uri, identifier, landing, *other_ids) if k)),
        raw=describe(g, node),
    )


def _distribution(g: Graph, node) -> Distribution | None:
    download = _ref(g, node, DCAT.downloadURL)
    access = _ref(g, node, DCAT.accessURL)
    url = download or access
    if not url:
        return None
    media_raw = _ref(g, node, DCAT.mediaType)
    media = _media_type(media_raw)
    fmt_raw = _label_or_ref(g, _first(g, node, DCTERMS.format)) or media_raw
    fmt = normalize_format(fmt_raw, media, url)
    schema_url = _ref(g, node, DCTERMS.conformsTo)
    schema_name = schema_version = None
    if schema_url:
        m = _SCHEMA_URL.search(schema_url)
        if m:
            schema_name, schema_version = m[1], (None if m[2] == "latest" else m[2])
    kind = "file" if download else ("api" if fmt in ("wms", "wfs", "ogcapi") else "other")
    if _text(g, node, DCTERMS.type) and "documentation" in (_text(g, node, DCTERMS.type) or "").lower():
        kind = "documentation"
    return Distribution(
        url=url,
        title=_text(g, node, DCTERMS.title),
        description=_text(g, node, DCTERMS.description),
        format=fmt,
        format_raw=fmt_raw,
        media_type=media or media_type_for(fmt),
        size=_int(_text(g, node, DCAT.byteSize)),
        kind=kind,
        modified=parse_date(_text(g, node, DCTERMS.modified)),
        schema_name=schema_name,
        schema_version=schema_version,
        schema_url=schema_url,
        source_id=_text(g, node, DCTERMS.identifier) or (str(node) if isinstance(node, URIRef) else None),
    )


def _licence(g: Graph, node) -> tuple[str | None, str | None]:
    """Licence as published: on the dataset, else on its distributions; dct:rights last."""
    dists = sorted(g.objects(node, DCAT.distribution), key=str)
    for pred in (DCTERMS.license, DCTERMS.rights):
        for subject in [node, *dists]:
            obj = _first(g, subject, pred)
            if obj is None:
                continue
            url = str(obj) if isinstance(obj, URIRef) else None
            label = _name(g, obj) if not isinstance(obj, Literal) else str(obj).strip()
            if label or url:
                return label or url, url
    return None, None


def _publisher(g: Graph, node) -> str | None:
    names = []
    for agent in g.objects(node, DCTERMS.publisher):
        if isinstance(agent, Literal):
            name = str(agent).strip()
        else:
            name = _name(g, agent)
            if not name and isinstance(agent, URIRef):
                # Opendatasoft agents: https://{domain}/explore/?refine.publisher=<name>
                refine = parse_qs(urlsplit(str(agent)).query).get("refine.publisher")
                name = refine[0] if refine else str(agent)
        if name:
            names.append(name)
    return sorted(names)[0] if names else None


def _contact(g: Graph, node) -> tuple[str | None, str | None]:
    for cp in sorted(g.objects(node, DCAT.contactPoint), key=str):
        if isinstance(cp, Literal):
            return str(cp), None
        name = _text(g, cp, VCARD.fn) or _text(g, cp, VCARD["organization-name"]) or _name(g, cp)
        email = _text(g, cp, VCARD.hasEmail) or _ref(g, cp, FOAF.mbox)
        if email:
            email = re.sub(r"^mailto:", "", email.strip(), flags=re.I)
        if name or email:
            return name, email
    return None, None


def _temporal(g: Graph, node) -> tuple[str | None, str | None]:
    for period in g.objects(node, DCTERMS.temporal):
        start = next((s for p in (DCAT.startDate, SCHEMA_HTTP.startDate, SCHEMA_HTTPS.startDate)
                      if (s := _text(g, period, p))), None)
        end = next((s for p in (DCAT.endDate, SCHEMA_HTTP.endDate, SCHEMA_HTTPS.endDate)
                    if (s := _text(g, period, p))), None)
        if start or end:
            return start, end
    return None, None


def _spatial(g: Graph, node) -> str | None:
    values = []
    for obj in g.objects(node, DCTERMS.spatial):
        if isinstance(obj, BNode):
            values.append(_name(g, obj) or _text(g, obj, LOCN.geometry) or _text(g, obj, DCAT.bbox))
        else:
            values.append(_label_or_ref(g, obj))
    values = sorted(v for v in values if v)
    return values[0] if values else None


# -- small graph helpers --------------------------------------------------------------------
def _first(g: Graph, node, pred):
    if node is None:
        return None
    objs = sorted(g.objects(node, pred), key=lambda o: (isinstance(o, BNode), str(o)))
    return objs[0] if objs else None


def _text(g: Graph, node, pred) -> str | None:
    """The literal value of ``pred`` (French first, then untagged, then any language)."""
    if node is None:
        return None
    lits = [o for o in g.objects(node, pred) if isinstance(o, (Literal, URIRef))]
    if not lits:
        return None

    def rank(o):
        lang = getattr(o, "language", None) or ""
        return (0 if lang.lower().startswith("fr") else 1 if not lang else 2, str(o))

    value = str(sorted(lits, key=rank)[0]).strip()
    return value or None


def _ref(g: Graph, node, pred) -> str | None:
    """A URI (or, failing that, a literal) object of ``pred``."""
    obj = _first(g, node, pred)
    if obj is None or isinstance(obj, BNode):
        return None
    return str(obj).strip() or None


def _name(g: Graph, node) -> str | None:
    for pred in (FOAF.name, VCARD.fn, SKOS.prefLabel, RDFS.label, DCTERMS.title):
        value = _text(g, node, pred)
        if value:
            return value
    return None


def _label_or_ref(g: Graph, obj) -> str | None:
    if obj is None:
        return None
    if isinstance(obj, Literal):
        return str(obj).strip() or None
    return _name(g, obj) or (str(obj) if isinstance(obj, URIRef) else None)


def _media_type(value: str | None) -> str | None:
    if not value:
        return None
    if "iana.org/assignments/media-types/" in value:
        return value.split("media-types/", 1)[1].strip("/") or None
    return value if "/" in value and not value.startswith(("http://", "https://")) else None


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _key(pred) -> str:
    text = str(pred)
    for prefix, ns in PREFIXES.items():
        if text.startswith(ns) and len(text) > len(ns):
            return f"{prefix}:{text[len(ns):]}"
    return text


_SKIP_NESTING = {DCAT.Dataset, DCAT.Catalog}


def describe(g: Graph, node, depth: int = 0, path: frozenset = frozenset()) -> dict[str, Any]:
    """The triples of ``node`` as ``{predicate: [values]}``, JSON-able and independent of the
    syntax: blank nodes and described URIs (agents, distributions...) are nested, two levels
    deep, datasets and catalogues never."""
    out: dict[str, list] = {}
    for pred, obj in g.predicate_objects(node):
        out.setdefault(_key(pred), []).append(_value(g, obj, depth, path | {node}))
    return {k: sorted(v, key=lambda x: json.dumps(x, sort_keys=True, ensure_ascii=False))
            for k, v in sorted(out.items())}


def _value(g: Graph, obj, depth: int, path: frozenset) -> Any:
    if isinstance(obj, Literal):
        return str(obj)
    nestable = depth < 2 and obj not in path and next(g.predicate_objects(obj), None) is not None \
        and not any((obj, RDF.type, t) in g for t in _SKIP_NESTING)
    if isinstance(obj, BNode):
        return describe(g, obj, depth + 1, path) if nestable else {}
    if nestable:
        return {"@id": str(obj), **describe(g, obj, depth + 1, path)}
    return str(obj)
