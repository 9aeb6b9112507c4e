"""Jeu de données obligatoire publié en données ouvertes : la collectivité publie le jeu qu'un texte lui impose.

Le paramètre ``kind`` nomme le jeu : ``subventions`` (données essentielles des
conventions de subvention, décret n° 2017-779), ``marches`` (données essentielles de la
commande publique, CCP art. R2196-1), ``deliberations`` (actes, CGCT art. L2131-1),
``budget`` (CGCT art. L2313-1), ``catalogue`` (répertoire des informations publiques,
CRPA art. L322-6). Un jeu compte quand il déclare le schéma correspondant
(``scdl/subventions``…) ou, à défaut, quand son titre ou ses mots-clés le désignent
(« Subventions accordées aux associations », « Délibérations du conseil municipal »…).

L'obligation n'est respectée que par un jeu qui a au moins une ressource dans un format
ouvert lisible par une machine (CSV, JSON, XML…, CRPA art. L300-4), sur le jeu ou sur une
de ses copies : des délibérations publiées seulement en PDF sont « publiées, mais pas en
données ouvertes », un état à part, avec sa correction.

L'audit ne conclut à l'absence que s'il a vu tout ce que la collectivité a pu publier :
quand un portail où elle publie ou pourrait publier (le sien, une plateforme partagée comme
celle de la métropole, un agrégateur comme data.gouv.fr) n'a pas pu être collecté en
entier, et que le jeu n'a pas été trouvé ailleurs, l'obligation est « non évaluée » et le
portail en cause est nommé. Le constat dit quels portails ont été examinés.

Les seuils (population, effectif) sont portés par la règle (``applies_when``), pas par le
contrôle.
"""
from __future__ import annotations

from typing import Iterator

from ...crawling.classify import kinds_of
from .base import CheckContext, CommuneView, NotEvaluated, Problem, examined_names, unseen
from .format_ouvert import formats_shown, open_resources

ID = "jeu-obligatoire"
SCOPE = "commune"
PARAMS = {"kind": None}

LABELS = {
    "subventions": ("données essentielles des subventions", "grant data"),
    "marches": ("données essentielles des marchés publics (DECP)", "public procurement data (DECP)"),
    "deliberations": ("délibérations", "council decisions"),
    "budget": ("données budgétaires", "budget data"),
    "catalogue": ("catalogue des données (répertoire)", "data catalogue (register)"),
    "prenoms": ("prénoms des nouveau-nés", "first names of newborns"),
    "equipements": ("équipements publics", "public facilities"),
}


def datasets_of_kind(view: CommuneView, kind: str):
    return [d for d in view.datasets if kind in kinds_of(d)]


def open_data(view: CommuneView, datasets) -> list:
    """The datasets among ``datasets`` published as open data: a resource in an open
    machine-readable format on the dataset itself or on one of its copies."""
    copies: dict[str, list] = {}
    for r in view.records:
        if r.copy_of:
            copies.setdefault(r.copy_of, []).append(r)
    return [d for d in datasets if open_resources(d) or any(open_resources(c) for c in copies.get(d.uid, []))]


def not_open(view: CommuneView, found: list, what_fr: str, what_en: str, key: str) -> Problem:
    """The problem of a duty « published, but not as open data »: which datasets, in which formats."""
    shown = found[:3]
    titles = " ; ".join(f"« {d.title} » ({', '.join(formats_shown(d.distributions)) or 'aucune ressource'})"
                        for d in shown) + (" …" if len(found) > 3 else "")
    titles_en = " ; ".join(f"“{d.title}”" for d in shown) + (" …" if len(found) > 3 else "")
    return Problem(
        fr=f"{view.commune.name} : {what_fr} publié(e)s, mais pas en données ouvertes : {titles}",
        en=f"{view.commune.name}: {what_en} published, but not as open data: {titles_en}",
        key=key, state="not-open", location={"datasets": [d.uid for d in found]},
        fix={"fr": "Publier aussi ces données dans un format ouvert lisible par une machine (CSV encodé en UTF-8 au "
                   "format du schéma du SCDL, ou JSON), à côté du PDF : un document PDF ou bureautique ne vaut pas "
                   "publication en données ouvertes (CRPA art. L300-4).",
             "en": "Also publish this data in an open machine-readable format (a UTF-8 CSV following the SCDL "
                   "schema, or JSON) next to the PDF: a PDF or office document is not open data (CRPA art. L300-4)."})


def check(view: CommuneView, params: dict, ctx: CheckContext) -> Iterator[Problem | NotEvaluated]:
    kind = params["kind"]
    found = datasets_of_kind(view, kind)
    if open_data(view, found):
        return
    blind = unseen(view, ctx)
    if blind:
        yield blind
        return
    fr, en = LABELS.get(kind, (kind, kind))
    if found:
        yield not_open(view, found, fr, en, key=kind)
        return
    portals = examined_names(view, ctx)
    yield Problem(fr=f"{view.commune.name} : aucun jeu de {fr} trouvé (portails examinés : {portals})",
                  en=f"{view.commune.name}: no {en} found (portals searched: {portals})", key=kind)
