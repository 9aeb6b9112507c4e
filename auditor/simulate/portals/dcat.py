"""Simulated DCAT catalogue: a commune's open-data site that publishes its catalogue as RDF.

The same catalogue is served at ``/catalogue.ttl`` (Turtle), ``/catalogue.rdf`` (RDF/XML)
and ``/catalogue.jsonld`` (JSON-LD); the portal option ``format`` only says which one the
configuration points at. Paging is hydra, ``?page=N`` (1-based) and ``page_size`` (portal
option ``page_size``, default 50): by default the udata / data.gouv.fr shape of today
(``hydra:Collection`` + ``hydra:PartialCollectionView`` with ``hydra:first/last/next``),
with portal option ``hydra: "paged"`` the legacy ``hydra:PagedCollection`` whose
``hydra:nextPage`` is a literal.

Datasets are shaped like the Opendatasoft and udata exports: node URI = landing page,
``dct:identifier`` = the dataset id, publisher as a ``foaf:Agent`` with ``foaf:name``,
licence URIs, EU frequency URIs, IANA media-type URIs, ``dcat:downloadURL`` = the file URL
of :mod:`auditor.simulate.urls`. Landing pages and files are served too.
"""
from __future__ import annotations

import math
import re
from urllib.parse import quote_plus

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS, XSD

from .. import content, urls
from ..server import PortalApp, Reply, Request
from ..world import SimDataset

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU = "http://publications.europa.eu/resource/authority/"
EUFREQ = EU + "frequency/"
IANA = "https://www.iana.org/assignments/media-types/"

SYNTAXES = {  # extension -> (rdflib serializer, content type)
    "ttl": ("turtle", "text/turtle; charset=utf-8"),
    "rdf": ("xml", "application/rdf+xml; charset=utf-8"),
    "jsonld": ("json-ld", "application/ld+json; charset=utf-8"),
}
CONTEXT = {"dcat": str(DCAT), "dct": str(DCTERMS), "foaf": str(FOAF), "hydra": str(HYDRA),
           "skos": str(SKOS), "vcard": str(VCARD), "xsd": str(XSD)}

LICENCES = {
    "lov2": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    "lo1": "https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Licence_Ouverte.pdf",
    "odbl": "https://opendatacommons.org/licenses/odbl/1-0/",
    "cc-by": "https://creativecommons.org/licenses/by/4.0/",
    "cc-by-nc": "https://creativecommons.org/licenses/by-nc/4.0/",
}
RIGHTS = {"other-closed": "Tous droits réservés"}
# udata frequency id -> EU frequency code (udata exports the rest as http://purl.org/cld/freq/{id})
FREQUENCIES = {
    "continuous": "CONT", "hourly": "HOURLY", "daily": "DAILY", "semidaily": "DAILY_2",
    "weekly": "WEEKLY", "semiweekly": "WEEKLY_2", "threeTimesAWeek": "WEEKLY_3",
    "biweekly": "BIWEEKLY", "monthly": "MONTHLY", "semimonthly": "MONTHLY_2",
    "threeTimesAMonth": "MONTHLY_3", "bimonthly": "BIMONTHLY", "quarterly": "QUARTERLY",
    "semiannual": "ANNUAL_2", "threeTimesAYear": "ANNUAL_3", "annual": "ANNUAL",
    "biennial": "BIENNIAL", "triennial": "TRIENNIAL", "quinquennial": "QUINQUENNIAL",
    "decennial": "DECENNIAL", "irregular": "IRREG", "never": "NEVER", "unknown": "UNKNOWN",
    "other": "OTHER",
}
SCHEMA_URL = "https://schema.data.gouv.fr/schemas/{name}/{version}/schema.json"
TABLES = ("csv", "json", "geojson")


def frequency_uri(freq: str) -> str:
    code = FREQUENCIES.get(freq)
    return EUFREQ + code if code else f"http://purl.org/cld/freq/{freq}"


def spatial_uri(spatial: str) -> str:
    if spatial == "MEL":
        return "http://id.insee.fr/geo/intercommunalite/200093201"
    return f"http://id.insee.fr/geo/commune/{spatial}"


class App(PortalApp):
    def handle(self, req: Request) -> Reply:
        m = re.fullmatch(r"/catalogue\.(ttl|rdf|jsonld)", req.path)
        if m:
            return self.catalogue(m[1], req)
        m = re.fullmatch(r"/files/([^/]+)/([^/]+)\.([a-z0-9]+)", req.path)
        if m:
            return self.file(m[1], m[2], m[3])
        m = re.fullmatch(r"/donnees/([^/]+)/?", req.path)
        if m:
            d = self.find(m[1])
            if d is not None:
                page = f"<!DOCTYPE html><html><head><title>{d.title}</title></head><body><h1>{d.title}</h1>"
                return Reply(200, (page + "</body></html>").encode(), "text/html; charset=utf-8")
        return Reply(404, b"<html><body>Page introuvable</body></html>", "text/html; charset=utf-8")

    def find(self, key: str) -> SimDataset | None:
        return next((d for d in self.world.hosted(self.portal.name) if d.key == key), None)

    def file(self, key: str, fid: str, fmt: str) -> Reply:
        d = self.find(key)
        f = next((f for f in d.files if f.id == fid and f.format == fmt), None) if d else None
        if f is None:
            return Reply(404, b"<html><body>Fichier introuvable</body></html>", "text/html; charset=utf-8")
        if f.status != 200:
            return Reply(f.status, b"<html><body>Erreur</body></html>", "text/html; charset=utf-8")
        body, ctype = content.render(d, f)
        return Reply(200, body, ctype)

    # -- the catalogue -------------------------------------------------------------------------
    def catalogue(self, ext: str, req: Request) -> Reply:
        try:
            page = int(req.arg("page", "1"))
            size = int(req.arg("page_size", str(self.portal.options.get("page_size", 50))))
        except ValueError:
            return Reply(400, b"<html><body>Bad request</body></html>", "text/html; charset=utf-8")
        datasets = self.world.hosted(self.portal.name)
        size = max(1, size)
        pages = max(1, math.ceil(len(datasets) / size))
        if page < 1 or page > pages:
            return Reply(404, b"<html><body>Page introuvable</body></html>", "text/html; charset=utf-8")
        g = self.graph(datasets[(page - 1) * size: page * size], ext, page, pages, size, len(datasets))
        syntax, ctype = SYNTAXES[ext]
        kw = {"context": CONTEXT, "auto_compact": True} if syntax == "json-ld" else {}
        body = g.serialize(format=syntax, encoding="utf-8", **kw)
        return Reply(200, body, ctype)

    def graph(self, datasets: list[SimDataset], ext: str, page: int, pages: int, size: int,
              total: int) -> Graph:
        g = Graph()
        for prefix, ns in CONTEXT.items():
            g.bind(prefix, ns)
        cat = URIRef(f"{self.base}/catalogue")
        g.add((cat, RDF.type, DCAT.Catalog))
        g.add((cat, DCTERMS.title, Literal(f"Catalogue de données — {self.portal.title}", lang="fr")))
        g.add((cat, DCTERMS.description, _fr("Jeux de données ouverts publiés par la commune.")))
        g.add((cat, FOAF.homepage, URIRef(self.base + "/")))
        for d in datasets:
            node = self.dataset(g, d)
            g.add((cat, DCAT.dataset, node))
        self.paging(g, cat, ext, page, pages, size, total)
        return g

    def page_url(self, ext: str, page: int, size: int) -> str:
        return f"{self.base}/catalogue.{ext}?page={page}&page_size={size}"

    def paging(self, g: Graph, cat, ext: str, page: int, pages: int, size: int, total: int) -> None:
        view = URIRef(self.page_url(ext, page, size))
        if self.portal.options.get("hydra") == "paged":  # legacy udata / ckanext-dcat: literals
            g.add((view, RDF.type, HYDRA.PagedCollection))
            g.add((view, HYDRA.itemsPerPage, Literal(size)))
            g.add((view, HYDRA.totalItems, Literal(total)))
            preds, link = (HYDRA.firstPage, HYDRA.lastPage, HYDRA.nextPage, HYDRA.previousPage), Literal
        else:  # udata / data.gouv.fr today
            g.add((cat, RDF.type, HYDRA.Collection))
            g.add((cat, HYDRA.totalItems, Literal(total)))
            g.add((cat, HYDRA.view, view))
            g.add((view, RDF.type, HYDRA.PartialCollectionView))
            preds, link = (HYDRA.first, HYDRA.last, HYDRA.next, HYDRA.previous), URIRef
        first, last, nxt, prev = preds
        g.add((view, first, link(self.page_url(ext, 1, size))))
        g.add((view, last, link(self.page_url(ext, pages, size))))
        if page < pages:
            g.add((view, nxt, link(self.page_url(ext, page + 1, size))))
        if page > 1:
            g.add((view, prev, link(self.page_url(ext, page - 1, size))))

    def dataset(self, g: Graph, d: SimDataset) -> URIRef:
        landing = urls.landing_url(self.portal, self.base, d)
        node = URIRef(landing)
        licence = LICENCES.get(d.licence or "")
        _put(g, node, RDF.type, DCAT.Dataset)
        _put(g, node, DCTERMS.identifier, Literal(d.source_id))
        _put(g, node, DCTERMS.title, _fr(d.title))
        _put(g, node, DCTERMS.description, _fr(d.description))
        for k in d.keywords:
            _put(g, node, DCAT.keyword, _fr(k))
        for t in d.themes:
            concept = URIRef(f"{self.base}/donnees/?theme={quote_plus(t)}")
            _put(g, node, DCAT.theme, concept)
            _put(g, concept, RDF.type, SKOS.Concept)
            _put(g, concept, SKOS.prefLabel, _fr(t))
        if d.publisher:
            agent = URIRef(f"{self.base}/donnees/?producteur={quote_plus(d.publisher)}")
            _put(g, node, DCTERMS.publisher, agent)
            _put(g, agent, RDF.type, FOAF.Agent)
            _put(g, agent, FOAF.name, Literal(d.publisher))
        if licence:
            _put(g, node, DCTERMS.license, URIRef(licence))
            _put(g, URIRef(licence), RDF.type, DCTERMS.LicenseDocument)
        elif d.licence:  # no licence document: a rights statement, as exports do
            _put(g, node, DCTERMS.rights, Literal(RIGHTS.get(d.licence, d.licence)))
        _put(g, node, DCTERMS.issued, _date(d.issued))
        _put(g, node, DCTERMS.modified, _date(d.modified))
        if d.frequency:
            _put(g, node, DCTERMS.accrualPeriodicity, URIRef(frequency_uri(d.frequency)))
        if d.temporal_start or d.temporal_end:
            period = BNode()
            _put(g, node, DCTERMS.temporal, period)
            _put(g, period, RDF.type, DCTERMS.PeriodOfTime)
            _put(g, period, DCAT.startDate, _date(d.temporal_start))
            _put(g, period, DCAT.endDate, _date(d.temporal_end))
        if d.spatial:
            _put(g, node, DCTERMS.spatial, URIRef(spatial_uri(d.spatial)))
        if d.contact_name or d.contact_email:
            cp = BNode()
            _put(g, node, DCAT.contactPoint, cp)
            _put(g, cp, RDF.type, VCARD.Organization)
            _put(g, cp, VCARD.fn, Literal(d.contact_name) if d.contact_name else None)
            _put(g, cp, VCARD.hasEmail, URIRef(f"mailto:{d.contact_email}") if d.contact_email else None)
        _put(g, node, DCAT.landingPage, node)
        _put(g, node, DCTERMS.accessRights, URIRef(EU + "access-right/PUBLIC"))
        _put(g, node, DCTERMS.language, URIRef(EU + "language/FRA"))
        for f in d.files:
            dist = URIRef(f"{landing}#{f.id}")
            url = URIRef(urls.file_url(self.portal, self.base, d, f))
            _put(g, node, DCAT.distribution, dist)
            _put(g, dist, RDF.type, DCAT.Distribution)
            _put(g, dist, DCTERMS.identifier, Literal(f.id))
            _put(g, dist, DCTERMS.title, _fr(f.title))
            _put(g, dist, DCTERMS.description, _fr(f.description))
            _put(g, dist, DCAT.downloadURL, url)
            _put(g, dist, DCAT.accessURL, url)
            _put(g, dist, DCTERMS.format, URIRef(IANA + f.media_type))
            _put(g, dist, DCAT.mediaType, URIRef(IANA + f.media_type))
            if f.size is not None:
                _put(g, dist, DCAT.byteSize, Literal(f.size, datatype=XSD.nonNegativeInteger))
            _put(g, dist, DCTERMS.modified, _date(f.modified))
            _put(g, dist, DCTERMS.license, URIRef(licence) if licence else None)
            if d.schema and f.format in TABLES:
                schema = SCHEMA_URL.format(name=d.schema[0], version=d.schema[1])
                _put(g, dist, DCTERMS.conformsTo, URIRef(schema))
        return node


def _put(g: Graph, s, p, o) -> None:
    """Add a triple unless its object is missing."""
    if o is not None:
        g.add((s, p, o))


def _fr(text: str | None) -> Literal | None:
    return Literal(text, lang="fr") if text else None


def _date(iso: str | None) -> Literal | None:
    if not iso:
        return None
    return Literal(iso, datatype=XSD.dateTime if "T" in iso else XSD.date)
