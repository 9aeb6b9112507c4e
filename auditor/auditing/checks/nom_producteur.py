"""Nom du producteur écrit comme le nom officiel de la collectivité, pour que les observatoires comptent ses jeux.

Les observatoires nationaux de l'open data territorial (OpenDataFrance, l'observatoire
ODATER, les moissonneurs) comptent les publications d'une collectivité par la chaîne qui
nomme son producteur sur chaque portail : « Ville d'ARMENTIERES », « commune Ennetières en
Weppes » ou « Ville de Tourcoing » suivi d'une espace ne sont pas comptés avec
« Armentières », « Ennetières-en-Weppes » ou « Tourcoing ». L'audit attribue quand même ces
jeux à la bonne collectivité ; ce contrôle signale, pour information, chaque graphie
différente du nom officiel, une fois par portail et par graphie, avec la forme à employer.

Formes acceptées, sans tenir compte des majuscules : le nom officiel du Code officiel
géographique tel quel (accents, traits d'union, apostrophes, espaces compris), ou précédé de
« Ville de » / « Commune de » (« Ville d'Armentières » ou « Ville de Armentières », « Commune
du Maisnil » ou « Commune de Le Maisnil ») ; pour la métropole, son nom officiel. Une
apostrophe typographique (’) vaut l'apostrophe droite.

Ne juge pas : les jeux sans producteur écrit (attribués au propriétaire du portail), ceux
d'un organisme qui publie pour la collectivité sous son propre nom (alias de la
configuration, comme un délégataire), ceux d'une commune associée (Lomme, Hellemmes), ni les
producteurs non attribués (listés à part dans les rapports).
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterator

from ...normalize.text import fold
from .base import CheckContext, CommuneView, Problem

ID = "nom-producteur"
SCOPE = "commune"
PARAMS: dict = {}

_UNJUDGED = ("alias", "portal-owner", "associated")


def official_forms(name: str, kind: str = "commune") -> tuple[str, set[str]]:
    """(the preferred form, every accepted form folded for comparison) of a body's name."""
    if kind != "commune":
        return name, {_norm(name)}
    first = fold(name)[:1]
    forms = {name}
    for word in ("Ville", "Commune"):
        forms.add(f"{word} de {name}")
        if first in "aeiouyh":
            forms.add(f"{word} d'{name}")
        if name.startswith("Le "):
            forms.add(f"{word} du {name[3:]}")
        if name.startswith("Les "):
            forms.add(f"{word} des {name[4:]}")
    if name.startswith("Le "):
        preferred = f"Ville du {name[3:]}"
    elif name.startswith("Les "):
        preferred = f"Ville des {name[4:]}"
    elif first in "aeiouy":
        preferred = f"Ville d'{name}"
    else:
        preferred = f"Ville de {name}"
    return preferred, {_norm(f) for f in forms}


def _norm(text: str) -> str:
    return text.replace("’", "'").casefold()


def check(view: CommuneView, params: dict, ctx: CheckContext) -> Iterator[Problem]:
    preferred, accepted = official_forms(view.commune.name, view.commune.kind)
    spellings: dict[tuple[str, str], list[str]] = defaultdict(list)
    for d in view.records:
        raw = d.publisher.raw
        if not raw or not raw.strip() or d.publisher.method in _UNJUDGED:
            continue
        if _norm(raw) not in accepted:
            spellings[(d.portal, raw)].append(d.uid)
    for (portal, raw), uids in sorted(spellings.items()):
        n = len(uids)
        shown = raw.replace(" ", "·") if raw != raw.strip() or "  " in raw else raw
        yield Problem(
            fr=f"sur le portail {portal}, {n} jeu{'x' if n > 1 else ''} de données nomme{'nt' if n > 1 else ''} "
               f"le producteur « {shown} » au lieu de « {preferred} » (nom officiel : {view.commune.name})",
            en=f"on portal {portal}, {n} dataset{'s' if n > 1 else ''} name the publisher “{shown}” instead of "
               f"“{preferred}” (official name: {view.commune.name})",
            key=f"{portal}|{raw}", portal=portal,
            location={"publisher": raw, "portal": portal, "expected": preferred, "datasets": uids[:20]},
            fix={"fr": f"Sur le portail {portal}, écrire le producteur « {preferred} » (ou « {view.commune.name} ») "
                       f"dans la fiche de chaque jeu concerné, ou dans le nom de l'organisation qui les publie : "
                       f"les observatoires nationaux comptent les publications par ce nom.",
                 "en": f"On portal {portal}, write the publisher as “{preferred}” (or “{view.commune.name}”) on each "
                       f"dataset concerned, or in the name of the organisation publishing them: national "
                       f"observatories count publications by that name."})
