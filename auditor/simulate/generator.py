"""Deterministic generator of the simulated MEL territory.

``generate(seed)`` gives the same :class:`World` for the same seed: the 95 communes (from
the shipped registry), who publishes where (the MEL platform, Roubaix's Opendatasoft portal,
data.gouv.fr, a regional CKAN, a commune's DCAT file), a realistic mix of datasets, messy
publisher strings as real portals show them, data.gouv.fr copies (harvests and links), and
the ground truth of all of it. ``target_records`` grows the MEL's own catalogue until the
territory holds that many records (for benchmarks).
"""
from __future__ import annotations

import hashlib
import random
import unicodedata
import uuid
from datetime import date, timedelta

from ..normalize.frequency import DELTAS
from ..crawling.territory.registry import Registry, load_registry
from .urls import TABLE_FORMATS
from .world import SimCopy, SimDataset, SimFile, SimOrganisation, SimPortal, World

MEL = "MEL"
MEL_SIRET = "20009320100015"

# Real facts (ODATER 2022-2023): who published on the MEL portal, and Roubaix on its own.
MEL_PLATFORM_COMMUNES = {
    "59350": "Ville de Lille",
    "59009": "Ville de Villeneuve d'Ascq",
    "59196": "commune Ennetières en Weppes",
    "59360": "Ville de Loos",
    "59017": "Ville d'ARMENTIERES",
    "59599": "Ville de Tourcoing ",  # a trailing space, as typed on the real portal
}
ROUBAIX = "59512"
MARCQ = "59378"

SCHEMAS = {
    "prenoms": ("scdl/prenoms", "1.1.6"),
    "equipements": ("scdl/equipements", "0.1.5"),
    "ecoles": ("scdl/equipements", "0.1.5"),
    "parcs-jardins": ("scdl/equipements", "0.1.5"),
    "subventions": ("scdl/subventions", "2.1.1"),
    "deliberations": ("scdl/deliberations", "2.1.5"),
    "budget": ("scdl/budget", "0.8.3"),
    "marches": ("139bercy/format-commande-publique", "2.0.2"),
    "catalogue": ("scdl/catalogue", "0.1.3"),
}

# kind: (title pattern, description pattern, keywords, themes, frequency, file formats)
TEMPLATES = {
    "prenoms": (
        "Prénoms des nouveau-nés à {c}",
        "Liste des prénoms donnés aux enfants nés à {c} et déclarés à l'état civil, par année "
        "et par sexe, avec le nombre d'occurrences. Fichier conforme au schéma SCDL Prénoms.",
        ["prénoms", "naissances", "état civil"], ["Société"], "annual", ["csv", "json"]),
    "equipements": (
        "Équipements publics de {c}",
        "Localisation et caractéristiques des équipements collectifs publics de la commune de "
        "{c} : équipements sportifs, culturels, administratifs et sociaux.",
        ["équipements", "services publics"], ["Équipements"], "annual", ["csv", "geojson"]),
    "ecoles": (
        "Localisation des écoles de {c}",
        "Écoles maternelles et élémentaires publiques de {c} : adresse, coordonnées "
        "géographiques et type d'établissement, au format du schéma Équipements du SCDL.",
        ["écoles", "éducation", "enseignement"], ["Éducation"], "annual", ["csv", "geojson"]),
    "parcs-jardins": (
        "Parcs et jardins de {c}",
        "Parcs, squares et jardins publics ouverts au public à {c}, avec leurs horaires "
        "d'ouverture, leur superficie et leur emprise géographique.",
        ["parcs", "jardins", "espaces verts"], ["Environnement"], "annual", ["csv", "geojson", "shp"]),
    "subventions": (
        "Subventions accordées aux associations par {c}",
        "Données essentielles des conventions de subvention dont le montant annuel dépasse "
        "23 000 euros, publiées en application du décret n° 2017-779 du 5 mai 2017.",
        ["subventions", "associations", "budget"], ["Économie"], "annual", ["csv", "json"]),
    "deliberations": (
        "Délibérations du conseil municipal de {c}",
        "Liste des délibérations adoptées par le conseil municipal de {c} depuis 2020, avec "
        "leur objet, leur date, le résultat des votes et le lien vers l'acte.",
        ["délibérations", "conseil municipal", "actes"], ["Gouvernement"], "monthly", ["csv"]),
    "budget": (
        "Budget primitif et compte administratif de {c}",
        "Budget de la commune de {c} présenté ligne à ligne selon la nomenclature M57 : "
        "budget primitif, décisions modificatives et compte administratif.",
        ["budget", "finances", "compte administratif"], ["Économie"], "annual", ["csv", "pdf"]),
    "marches": (
        "Données essentielles des marchés publics de {c}",
        "Données essentielles de la commande publique (DECP) des marchés conclus par {c} "
        "d'un montant supérieur à 40 000 euros hors taxes.",
        ["marchés publics", "commande publique", "DECP"], ["Économie"], "quarterly", ["json"]),
    "catalogue": (
        "Catalogue des données publiées par {c}",
        "Répertoire des jeux de données ouverts de la commune de {c}, au format du schéma "
        "Catalogue simplifié du SCDL.",
        ["catalogue", "données ouvertes"], ["Gouvernement"], "annual", ["csv"]),
}

MISC_COMMUNE = [
    ("Monuments historiques de {c}", ["patrimoine", "monuments"], ["Culture"], ["csv", "geojson"]),
    ("Implantation des arceaux vélos à {c}", ["vélo", "stationnement"], ["Transports"], ["csv", "geojson"]),
    ("Marchés alimentaires de {c}", ["marchés", "commerce"], ["Économie"], ["csv"]),
    ("Bureaux de vote de {c}", ["élections", "bureaux de vote"], ["Gouvernement"], ["csv", "geojson"]),
    ("Accueil petite enfance à {c}", ["crèches", "petite enfance"], ["Société"], ["csv"]),
    ("Jardins familiaux et partagés de {c}", ["jardins", "agriculture urbaine"], ["Environnement"], ["csv", "geojson"]),
    ("Défibrillateurs (DAE) de {c}", ["santé", "défibrillateurs"], ["Santé"], ["csv"]),
]

MISC_MEL = [
    ("Stations V'Lille - disponibilité en temps réel", "continuous", "Transports"),
    ("Arrêts du réseau Ilévia", "monthly", "Transports"),
    ("Comptages vélo sur le territoire métropolitain", "daily", "Transports"),
    ("Déchèteries de la Métropole européenne de Lille", "annual", "Environnement"),
    ("Points d'apport volontaire du verre", "monthly", "Environnement"),
    ("Parkings relais et disponibilité", "continuous", "Transports"),
    ("Schéma cyclable métropolitain 2035", "irregular", "Transports"),
    ("Limites administratives des communes de la MEL", "annual", "Gouvernement"),
    ("Population légale des communes de la MEL", "annual", "Société"),
    ("Qualité de l'air : indice ATMO", "daily", "Environnement"),
    ("Zones inondables (TRI de Lille)", "punctual", "Environnement"),
    ("Plan local d'urbanisme (PLU2) : prescriptions", "irregular", "Urbanisme"),
    ("Aires de covoiturage", "annual", "Transports"),
    ("Bibliothèques et médiathèques de la métropole", "annual", "Culture"),
    ("Festivals métropolitains", "annual", "Culture"),
    ("Jours de collecte des déchets", "annual", "Environnement"),
]

FORMAT_MEDIA = {
    "csv": "text/csv", "json": "application/json", "geojson": "application/geo+json",
    "shp": "application/zip", "pdf": "application/pdf", "zip": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

MEL_PUBLISHERS = ["MEL", "Métropole Européenne de Lille", "Métropole européenne de Lille (MEL)",
                  "Lille Métropole"]
# Strings no resolver can attribute to a commune: they must be reported as unresolved.
UNRESOLVABLE = ["Service SIG", "Direction des systèmes d'information", "DREAL Hauts-de-France"]


def _ascii(s: str) -> str:
    s = s.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae")
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def messy_publisher(name: str, rng: random.Random) -> str:
    """A publisher string for commune ``name`` as humans type them on portals."""
    style = rng.randrange(7)
    if style == 0:
        return f"Ville de {name}"
    if style == 1:
        up = _ascii(name).upper().replace("-", " ")
        return f"Ville d'{up}" if up[0] in "AEIOUY" else f"Ville de {up}"
    if style == 2:
        return f"commune {name.replace('-', ' ')}"
    if style == 3:
        return f"Mairie de {name}"
    if style == 4:
        return f"Commune de {_ascii(name)}"
    if style == 5:
        return name.upper()
    return f"Ville de {name} - Direction de la communication"


def organisation_name(name: str, insee: str, style: int | None = None) -> str:
    """How a commune names its organisation on data.gouv.fr or a CKAN, as real ones do:
    « Ville de Lille », « Commune d'Allennes les Marais » (hyphens written as spaces),
    « Mairie du Maisnil », or the bare name. The style follows from the INSEE code (no random
    draw, so the rest of the world does not move)."""
    if style is None:
        style = int(hashlib.sha1(insee.encode("utf-8")).hexdigest(), 16) % 4
    if style == 3:
        return name
    word = ("Ville", "Commune", "Mairie")[style]
    written = name.replace("-", " ") if style == 1 else name
    if written.startswith("Le "):
        return f"{word} du {written[3:]}"
    if written.startswith("Les "):
        return f"{word} des {written[4:]}"
    elided = _ascii(written)[:1].lower() in "aeiouyh"
    return f"{word} d'{written}" if elided else f"{word} de {written}"


def _outside_organisation(key: str) -> bool:
    """One CKAN package in three was created outside any organisation by an agent (its author); its
    publisher is then typed in the package (chosen from the key: no random draw)."""
    return int(hashlib.sha1(f"no-org:{key}".encode("utf-8")).hexdigest(), 16) % 3 == 0


def _slug(s: str) -> str:
    out = []
    for ch in _ascii(s).lower():
        out.append(ch if ch.isalnum() else "-")
    return "-".join(p for p in "".join(out).split("-") if p)


class _Gen:
    def __init__(self, seed: int, registry: Registry, as_of: date):
        self.rng = random.Random(seed)
        self.seed = seed
        self.as_of = as_of
        self.registry = registry
        self.datasets: list[SimDataset] = []
        self.orgs: dict[tuple[str, str], SimOrganisation] = {}
        self.keys: set[str] = set()

    # -- identifiers ------------------------------------------------------------------------
    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def hex24(self) -> str:
        return "%024x" % self.rng.getrandbits(96)

    def key(self, base: str) -> str:
        k, n = base, 2
        while k in self.keys:
            k, n = f"{base}-{n}", n + 1
        self.keys.add(k)
        return k

    def fresh_date(self, frequency: str | None) -> str:
        """A last-update date that keeps the declared rhythm as of the world's day."""
        delta = DELTAS.get(frequency) if frequency else None
        if delta is not None:
            age = int(self.rng.uniform(0.05, 0.6) * (delta.total_seconds() // 86400))
        else:
            age = self.rng.randint(0, 900)
        return (self.as_of - timedelta(days=age)).isoformat()

    def stamp(self, date: str) -> str:
        return f"{date}T{self.rng.randint(6, 19):02d}:{self.rng.randint(0, 59):02d}:00+00:00"

    def org(self, portal: str, owner: str) -> SimOrganisation:
        found = self.orgs.get((portal, owner))
        if found:
            return found
        if owner == MEL:
            name, siret, insee = "Métropole Européenne de Lille", MEL_SIRET, None
        else:
            c = self.registry.communes[owner]
            # one commune in five forgot its SIRET on its organisation page
            name = organisation_name(c.name, owner)
            siret = None if self.rng.random() < 0.2 else c.siren + "%05d" % self.rng.randint(10, 99)
            insee = owner
        o = SimOrganisation(id=self.hex24() if portal != "hdf" else self.uuid(), portal=portal,
                            name=name, slug=_slug(name), siret=siret, insee=insee)
        self.orgs[(portal, owner)] = o
        return o

    # -- datasets ---------------------------------------------------------------------------
    def files(self, key: str, formats: list[str], modified: str) -> list[SimFile]:
        out = []
        for i, fmt in enumerate(formats):
            content = "table" if fmt in ("csv", "json", "geojson") else ("pdf" if fmt == "pdf" else "zip")
            out.append(SimFile(id=f"{fmt}-{i + 1}", title=f"{key}.{fmt}", format=fmt,
                               media_type=FORMAT_MEDIA[fmt], content=content, modified=modified))
        return out

    def make(self, owner: str, portal: str, kind: str, publisher: str | None, *, title=None,
             description=None, keywords=None, themes=None, frequency=None, formats=None) -> SimDataset:
        cname = "la Métropole européenne de Lille" if owner == MEL else self.registry.communes[owner].name
        if kind in TEMPLATES:
            t, desc, kw, th, freq, fmts = TEMPLATES[kind]
            title = title or t.format(c=cname)
            description = description or desc.format(c=cname)
            keywords, themes = keywords or kw, themes or th
            frequency, formats = frequency or freq, formats or fmts
        key = self.key(_slug(title)[:60])
        modified = self.fresh_date(frequency)
        issued = (date.fromisoformat(modified) - timedelta(days=self.rng.randint(0, 2500))).isoformat()
        licence = self.rng.choices(["lov2", "odbl", "lo1"], [8, 2, 1])[0]
        d = SimDataset(
            key=key, owner=owner, portal=portal, source_id=key, kind=kind, title=title,
            description=description, publisher=publisher, keywords=list(keywords or []),
            themes=list(themes or []), licence=licence, issued=issued, modified=modified,
            metadata_modified=self.stamp(modified), frequency=frequency,
            temporal_start=f"{min(int(issued[:4]), 2020)}-01-01", temporal_end=None,
            spatial=owner, contact_name="Service open data",
            contact_email=f"opendata@{_slug(cname)}.fr", schema=SCHEMAS.get(kind),
            rows=self.rng.randint(8, 40),
        )
        d.files = self.files(key, list(formats or ["csv"]), modified)
        self.datasets.append(d)
        return d


def generate(seed: int = 0, *, target_records: int | None = None, registry: Registry | None = None,
             with_dead_portal: bool = False, as_of: date | str = "2026-11-15") -> World:
    """Build the simulated territory for ``seed``.

    ``with_dead_portal`` adds the old MEL Opendatasoft portal, which now answers 410 Gone
    (as the real ``opendata.lillemetropole.fr`` went dark in 2024).
    """
    registry = registry or load_registry()
    as_of = date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    g = _Gen(seed, registry, as_of)
    rng = g.rng
    portals = {
        "mel": SimPortal("mel", "geonetwork", "data.lillemetropole.fr", owner=MEL),
        "roubaix": SimPortal("roubaix", "opendatasoft", "opendata.roubaix.fr", owner=ROUBAIX),
        "datagouv": SimPortal("datagouv", "udata", "data.gouv.fr"),
        "hdf": SimPortal("hdf", "ckan", "opendata.hautsdefrance.fr (CKAN)"),
        "marcq": SimPortal("marcq", "dcat", "marcqenbaroeul.org (DCAT)", owner=MARCQ,
                           options={"format": "turtle"}),
    }
    if with_dead_portal:
        portals["ancien-mel-ods"] = SimPortal("ancien-mel-ods", "opendatasoft",
                                              "opendata.lillemetropole.fr (ancien portail)",
                                              owner=MEL, broken="gone")

    # -- who publishes where ---------------------------------------------------------------
    home: dict[str, str] = {ROUBAIX: "roubaix", MARCQ: "marcq"}
    home.update({insee: "mel" for insee in MEL_PLATFORM_COMMUNES})
    for insee, c in sorted(registry.communes.items()):
        if insee in home:
            continue
        pop = c.population or 0
        p = 0.9 if pop >= 50000 else 0.5 if pop >= 10000 else 0.22 if pop >= 3500 else 0.06
        if rng.random() < p:
            home[insee] = rng.choices(["mel", "datagouv", "hdf"], [6, 3, 1])[0]

    # every kind of portal hosts someone: the two smallest publishers not yet placed go to
    # data.gouv.fr and to the regional CKAN if the draw left either empty
    for portal in ("datagouv", "hdf"):
        if portal not in home.values():
            free = sorted((registry.communes[i].population or 0, i) for i, p in home.items()
                          if p == "mel" and i not in MEL_PLATFORM_COMMUNES)
            if free:
                home[free[0][1]] = portal

    # -- commune datasets --------------------------------------------------------------------
    kinds = list(TEMPLATES)
    for insee in sorted(home):
        portal = home[insee]
        c = registry.communes[insee]
        big = (c.population or 0) >= 20000
        n = len(kinds) if insee == ROUBAIX else rng.randint(4, 8) if big else rng.randint(1, 4)
        chosen = rng.sample(kinds, k=min(n, len(kinds)))
        n_misc = len(MISC_COMMUNE) if insee == ROUBAIX else rng.randint(0, 3 if big else 1)
        misc = rng.sample(MISC_COMMUNE, k=n_misc)
        if insee in MEL_PLATFORM_COMMUNES:
            publisher_str = MEL_PLATFORM_COMMUNES[insee]
        elif insee == ROUBAIX:
            publisher_str = "Ville de Roubaix"
        else:
            publisher_str = messy_publisher(c.name, rng)
        items = [(k, None) for k in chosen] + [(None, m) for m in misc]
        for kind, m in items:
            pub = publisher_str
            if portal == "roubaix" and rng.random() < 0.15:
                pub = None  # not filled in on its own portal: the portal owner is the producer
            if kind:
                d = g.make(insee, portal, kind, pub)
            else:
                title, kw, th, fmts = m
                d = g.make(insee, portal, "misc", pub, title=title.format(c=c.name),
                           description=f"{title.format(c=c.name)} : localisation et informations "
                                       f"pratiques, mises à jour par les services de la ville.",
                           keywords=kw, themes=th, frequency=rng.choice(["annual", "irregular"]),
                           formats=fmts)
            if portal in ("datagouv", "hdf"):
                org = g.org(portal, insee)  # created even when unused: the draws stay the same
                if portal == "datagouv" or not _outside_organisation(d.key):
                    d.organisation = org.id
            _plan_copies(g, d)

    # Roubaix also publishes one collection on the MEL platform (real: arceaux vélos).
    d = g.make(ROUBAIX, "mel", "misc", "Ville de Roubaix",
               title="Implantation des arceaux vélos à Roubaix",
               description="Localisation des arceaux de stationnement vélo installés par la ville "
                           "de Roubaix sur l'espace public.",
               keywords=["vélo", "stationnement"], themes=["Transports"], frequency="annual",
               formats=["csv", "geojson"])

    # -- the MEL's own catalogue --------------------------------------------------------------
    for title, freq, theme in MISC_MEL:
        _mel_dataset(g, title, freq, theme)
    # a few records whose publisher no resolver can attribute, and one known non-commune body
    for pub in UNRESOLVABLE:
        d = g.make(MEL, "mel", "misc", pub, title=f"Données diffusées par {pub}",
                   description=f"Jeu de données publié sur le portail métropolitain par {pub}.",
                   keywords=["divers"], themes=["Divers"], frequency="irregular", formats=["csv"])
        d.owner = "other"
    d = g.make(MEL, "mel", "misc", "Ilévia", title="Perturbations du réseau Ilévia",
               description="Perturbations en cours et à venir sur les lignes de métro, tramway et "
                           "bus du réseau Ilévia, délégataire de la MEL.",
               keywords=["transport", "perturbations"], themes=["Transports"],
               frequency="continuous", formats=["json"])
    # OGC API collections with no catalogue record (published as raw services)
    for title in ("Couleurs des lignes Ilévia", "Entrées et sorties du métro"):
        d = g.make(MEL, "mel", "misc", None, title=title, description=None,
                   keywords=[], themes=["Transports"], frequency=None, formats=["csv", "geojson"])
        d.record = False

    if target_records:
        i = 0
        while _record_count(g.datasets) < target_records:
            i += 1
            title, freq, theme = MISC_MEL[i % len(MISC_MEL)]
            _mel_dataset(g, f"{title} - lot {i}", freq, theme)

    _plant_defects(g, seed, portals)
    # at least one commune organisation on data.gouv.fr forgot its SIRET (found by name), and one
    # of a hyphenated commune writes its name with spaces (« Commune d'Allennes les Marais »):
    # searching udata for the hyphenated name as one phrase misses it
    orgs = sorted((o for o in g.orgs.values() if o.portal == "datagouv" and o.insee), key=lambda o: o.insee)
    if orgs and all(o.siret for o in orgs):
        orgs[0].siret = None
    hyphenated = [o for o in orgs if "-" in registry.communes[o.insee].name]
    if hyphenated and not any(o.siret is None and "-" not in o.name for o in hyphenated):
        o = hyphenated[0]
        o.siret, o.name = None, organisation_name(registry.communes[o.insee].name, o.insee, style=1)
        o.slug = _slug(o.name)

    # collections on the MEL platform: every record there publishes an OGC API collection
    for d in g.datasets:
        if d.portal == "mel" and (not d.record or any(f.format in TABLE_FORMATS for f in d.files)):
            # tables are published as OGC API collections; documents only as attachments
            ws = "mel" if d.owner in (MEL, "other") else _slug(registry.communes[d.owner].name).replace("-", "_")
            d.collection = f"{ws}:{d.key.replace('-', '_')}"[:80]
        if d.portal == "mel" and not d.record:
            d.source_id = d.collection
        elif d.portal == "mel" and rng.random() < 0.5:
            d.source_id = g.uuid()  # records created in GeoNetwork; the others came from the old ODS
        elif d.portal == "datagouv":
            d.source_id = g.hex24()
        elif d.portal == "hdf":
            d.source_id = g.uuid()
    # a few broken links (the file answers 404)
    for d in rng.sample(g.datasets, k=max(1, len(g.datasets) // 40)):
        f = rng.choice(d.files)
        f.status = 404
        d.defects.append("broken-link")
    _opendatasoft_exports(g.datasets, portals)

    world = World(seed=seed, portals=portals, datasets=g.datasets,
                  organisations=list(g.orgs.values()),
                  unresolved_publishers=set(UNRESOLVABLE),
                  aliases={"Ilévia": MEL}, others=[], as_of=as_of.isoformat(),
                  agents=_agents(registry, seed))
    for d in world.datasets:
        if d.publisher == "Ilévia":
            d.owner = MEL
    return world


def _opendatasoft_exports(datasets: list[SimDataset], portals: dict[str, SimPortal]) -> None:
    """An Opendatasoft dataset with records offers CSV and JSON exports, plus GeoJSON when it has
    a geographic field; a shapefile only when its table was published with one (a geographic
    dataset may or may not offer it). Complete the files of datasets hosted on such portals
    accordingly (draws no random number, so the rest of the world is unchanged)."""
    ods = {name for name, p in portals.items() if p.kind == "opendatasoft"}
    for d in datasets:
        formats = {f.format for f in d.files}
        if d.portal not in ods or not formats & set(TABLE_FORMATS):
            continue
        geo = ["geojson"] if formats & {"geojson", "shp"} else []
        for fmt in ["csv", "json"] + geo:
            if fmt not in formats:
                d.files.append(SimFile(id=f"{fmt}-{len(d.files) + 1}", title=f"{d.key}.{fmt}", format=fmt,
                                       media_type=FORMAT_MEDIA[fmt], content="zip" if fmt == "shp" else "table",
                                       modified=d.modified))


def _agents(registry: Registry, seed: int) -> dict[str, int]:
    """Staff counts the coordinators know (the others stay unknown): two large communes
    well above 50 agents, and one commune above 3 500 inhabitants but below 50 agents,
    which is therefore not bound."""
    rng = random.Random(f"{seed}:agents")
    big = sorted((c.insee for c in registry.communes.values() if (c.population or 0) >= 20000))
    small = sorted((c.insee for c in registry.communes.values() if 3500 <= (c.population or 0) < 5000))
    out = {code: rng.randint(300, 900) for code in rng.sample(big, k=min(2, len(big)))}
    if small:
        out[rng.choice(small)] = rng.randint(20, 45)
    # the threshold on both sides: exactly 50 agents is bound, 49 is not (CRPA D312-1-1-1)
    middle = sorted(c.insee for c in registry.communes.values() if 5000 <= (c.population or 0) < 20000
                    and c.insee not in out)
    for code, n in zip(rng.sample(middle, k=min(2, len(middle))), (50, 49)):
        out[code] = n
    return out


def _plant_defects(g: _Gen, seed: int, portals: dict[str, SimPortal]) -> None:
    """Plant the defects whose findings the audit must report, on datasets chosen with a
    random generator of their own (so that planting does not move the rest of the world).
    Each planted defect is named in ``SimDataset.defects``."""
    rng = random.Random(f"{seed}:defects")
    ok = [d for d in g.datasets if d.owner != "other" and d.record]
    pick = lambda pool, n: rng.sample(pool, k=min(n, len(pool)))  # noqa: E731
    taken: set[str] = set()

    def free(pool):
        return [d for d in pool if d.key not in taken]

    for d in pick(free(ok), 2):
        d.licence = None
        d.defects.append("licence-missing")
        taken.add(d.key)
    for d, lic in zip(pick(free(ok), 2), ["cc-by-nc", "other-closed"]):
        d.licence = lic
        d.defects.append("licence-not-approved")
        taken.add(d.key)
    documents = [d for d in free(ok) if portals[d.portal].kind != "opendatasoft" and d.kind == "misc"]
    for d in pick(documents, 2):
        d.files = [SimFile(id="pdf-1", title=f"{d.key}.pdf", format="pdf", media_type=FORMAT_MEDIA["pdf"],
                           content="pdf", modified=d.modified),
                   SimFile(id="xlsx-2", title=f"{d.key}.xlsx", format="xlsx", media_type=FORMAT_MEDIA["xlsx"],
                           content="zip", modified=d.modified)]
        d.defects.append("closed-formats-only")
        taken.add(d.key)
    rhythmic = [d for d in free(ok) if d.frequency and DELTAS.get(d.frequency)]
    for d in pick(rhythmic, 3):
        delta = DELTAS[d.frequency]
        _set_modified(d, g.as_of - 3 * delta - timedelta(days=10))
        d.defects.append("stale")
        taken.add(d.key)
    grants = [d for d in free(ok) if d.kind == "subventions"]
    for d in pick(grants, 1):
        _set_modified(d, g.as_of - timedelta(days=600))
        d.defects.append("stale-obligation")
        taken.add(d.key)
    declared = [d for d in free(ok) if d.schema and portals[d.portal].kind == "udata"]
    for d in pick(declared, 1):
        d.schema = (d.schema[0], "9.9.9")
        d.defects.append("schema-version-unknown")
        taken.add(d.key)
    tables = [d for d in free(ok) if d.schema and d.kind in ("subventions", "deliberations", "prenoms")
              and any(f.format == "csv" for f in d.files)]
    for d in pick(tables, 2):
        d.defects.append("invalid-cells")  # a date written dd/mm/yyyy and a count in words (file stage)
        taken.add(d.key)
    _plant_verdict_traps(g, rng, free, taken, portals)


def _plant_verdict_traps(g: _Gen, rng: random.Random, free, taken: set[str], portals: dict[str, SimPortal]) -> None:
    """Traps where a careless audit gives a wrong verdict (issue 9), each named in ``defects``:
    a duty published as PDF only (« publiée, mais pas en données ouvertes », never « respectée »),
    licences « notspecified » on data.gouv.fr (RN-LIC-01, but data.gouv.fr's licence criterion is
    met), update dates exactly at a deadline and one day past it, descriptions of exactly 100 and
    101 characters, a temporal coverage with only an end date."""
    def one(pool, defect):
        pool = sorted((d for d in free(pool) if d.record and d.owner not in ("other",)), key=lambda d: d.key)
        if not pool:
            return None
        d = rng.choice(pool)
        d.defects.append(defect)
        taken.add(d.key)
        return d

    bound = {c.insee for c in g.registry.communes.values() if (c.population or 0) >= 3500}
    everything = [d for d in g.datasets]
    # a PDF-only duty: council decisions published as a PDF on a portal that shows formats as they are
    d = one([x for x in everything if x.kind == "deliberations" and x.owner in bound
             and portals[x.portal].kind in ("geonetwork", "ckan", "dcat")], "duty-pdf-only")
    if d:
        d.files = [SimFile(id="pdf-1", title=f"{d.key}.pdf", format="pdf", media_type=FORMAT_MEDIA["pdf"],
                           content="pdf", modified=d.modified)]
    on_datagouv = [x for x in everything if portals[x.portal].kind == "udata"]
    for _ in range(2):
        d = one(on_datagouv, "licence-notspecified")
        if d:
            d.licence = None  # data.gouv.fr shows "notspecified"
    # freshness at the deadline: a monthly dataset due exactly today (on time), one a day late
    monthly = [x for x in everything if x.frequency == "monthly"]
    for days, defect in ((32, "fresh-at-deadline"), (33, "stale-by-one-day")):
        d = one(monthly, defect)
        if d:
            _set_modified(d, g.as_of - timedelta(days=days))
    # grant data exactly 456 days old (SUB-02 met) and 457 days old (not), for communes with one grant dataset
    grants: dict[str, list[SimDataset]] = {}
    for x in everything:
        if x.kind == "subventions":
            grants.setdefault(x.owner, []).append(x)
    single = [xs[0] for owner, xs in grants.items() if len(xs) == 1 and owner in bound]
    for days, defect in ((456, "grants-at-deadline"), (457, "grants-one-day-late")):
        d = one(single, defect)
        if d:
            _set_modified(d, g.as_of - timedelta(days=days))
    # data.gouv.fr description boundary: exactly 100 characters fails, 101 passes
    for n, defect in ((100, "description-100"), (101, "description-101")):
        d = one(on_datagouv, defect)
        if d:
            d.description = (d.title + " — " + "données publiées par la collectivité. " * 5)[:n].ljust(n, ".")
    d = one(on_datagouv, "temporal-end-only")
    if d:
        d.temporal_start, d.temporal_end = None, f"{g.as_of.year - 1}-12-31"
    _plant_file_traps(rng, everything, portals)


# the required columns of the simulated subventions schema (those of scdl/subventions 2.1.1)
GRANT_REQUIRED = ["nomAttribuant", "idAttribuant", "dateConvention", "nomBeneficiaire", "objet", "montant", "nature",
                  "conditionsVersement", "datesPeriodeVersement", "notificationUE", "pourcentageSubvention"]
REQUIRED = {"COLL_NOM", "ENFANT_PRENOM", *GRANT_REQUIRED}  # columns the simulated schemas require


def _plant_file_traps(rng: random.Random, everything: list[SimDataset], portals: dict[str, SimPortal]) -> None:
    """Files that a validator reads, but that break the SCDL publication rules or their schema: a CSV in
    Windows-1252, one with a UTF-8 BOM before Windows-1252 bytes, one separated by semicolons, a file
    without any of its required columns (its declared schema cannot be applied), and an XLSX copy with
    formatted empty rows after the data. Planted on portals that serve the files as they are, one trap
    per dataset, never on a dataset whose cells are planted invalid."""
    used: set[str] = set()

    def one(pool, defect):
        pool = sorted((x for x in pool if x.key not in used and "invalid-cells" not in x.defects), key=lambda x: x.key)
        if not pool:
            return None
        d = rng.choice(pool)
        used.add(d.key)
        d.defects.append(defect)
        return d

    from .content import COLUMNS

    direct = [x for x in everything if x.schema and x.kind != "marches" and x.record and x.owner != "other"
              and portals[x.portal].kind in ("udata", "ckan", "dcat") and any(f.format == "csv" for f in x.files)]
    for defect, change in (("file-cp1252", {"encoding": "cp1252"}), ("file-bom-cp1252", {"encoding": "bom-cp1252"}),
                           ("file-semicolon", {"delimiter": ";"})):
        d = one(direct, defect)
        for f in (d.files if d else []):
            if f.format == "csv":
                for k, v in change.items():
                    setattr(f, k, v)
    declared = [x for x in direct if portals[x.portal].kind in ("udata", "dcat")
                and REQUIRED & set(COLUMNS.get(x.kind, []))]
    d = one([x for x in declared if x.kind == "subventions"] or declared, "file-missing-required")
    for f in (d.files if d else []):
        if f.format in ("csv", "json"):
            f.drop_columns = sorted(REQUIRED & set(COLUMNS[d.kind]))
    d = one(direct, "file-xlsx-blank-rows")
    if d:
        d.files.append(SimFile(id=f"xlsx-{len(d.files) + 1}", title=f"{d.key}.xlsx", format="xlsx",
                               media_type=FORMAT_MEDIA["xlsx"], content="table", modified=d.modified, blank_rows=2))


def _set_modified(d: SimDataset, when: date) -> None:
    d.modified = when.isoformat()
    d.metadata_modified = f"{d.modified}T09:00:00+00:00"
    d.issued = min(d.issued or d.modified, d.modified)
    for f in d.files:
        f.modified = d.modified


def _record_count(datasets: list[SimDataset]) -> int:
    return sum(1 + len(d.copies) for d in datasets)


def _mel_dataset(g: _Gen, title: str, freq: str, theme: str) -> SimDataset:
    rng = g.rng
    d = g.make(MEL, "mel", "misc", rng.choice(MEL_PUBLISHERS), title=title,
               description=f"{title}. Données produites par la Métropole européenne de Lille "
                           f"et ses délégataires, diffusées sur data.lillemetropole.fr.",
               keywords=[theme.lower(), "métropole"], themes=[theme], frequency=freq,
               formats=rng.choice([["csv", "json"], ["csv", "geojson", "pdf"], ["pdf", "zip"]]))
    _plan_copies(g, d)
    return d


def _plan_copies(g: _Gen, d: SimDataset) -> None:
    """data.gouv.fr copies: the MEL and Roubaix harvest their portals; some communes on the
    MEL platform re-publish a dataset on their own data.gouv.fr organisation by link."""
    rng = g.rng
    if d.portal == "datagouv":
        return
    if d.owner in (MEL, "59512") and rng.random() < 0.75:
        org = g.org("datagouv", d.owner)
        d.copies.append(SimCopy("datagouv", g.hex24(), "harvest", org.id))
    elif d.portal == "mel" and d.owner not in (MEL, "other") and rng.random() < 0.25:
        org = g.org("datagouv", d.owner)
        d.copies.append(SimCopy("datagouv", g.hex24(), "link", org.id))
