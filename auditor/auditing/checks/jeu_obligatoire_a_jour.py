"""Jeu de données obligatoire à jour : sa dernière mise à jour est assez récente.

Pour le jeu nommé par ``kind`` (voir le contrôle « jeu-obligatoire »), la mise à jour la
plus récente parmi les jeux de ce type de la collectivité (date de modification des
données, à défaut de la plus récente ressource) doit dater de moins de ``max_age_days``
jours. Les délais viennent des textes : trois mois après la signature d'une convention de
subvention (décret n° 2017-779, art. 2), deux mois après la notification d'un marché (CCP
art. R2196-1), un an pour le répertoire (CRPA art. L322-6) ; la règle fixe la marge
raisonnable qui en découle, faute de connaître les dates de signature.

Un jeu absent ne peut pas être à jour ni en retard : l'obligation est alors « non évaluée »
(rien n'est publié, la fraîcheur ne peut pas être jugée) et c'est le contrôle
« jeu-obligatoire » qui constate l'absence. Un jeu sans aucune date est signalé comme tel.
Un retard n'est constaté que si tous les portails où la collectivité publie ou pourrait
publier ont été collectés en entier (une version plus récente peut se trouver sur un portail
injoignable) ; sinon l'obligation est « non évaluée ».

L'âge se compte en jours de calendrier entre le jour de la dernière mise à jour et celui de
l'audit : un âge égal à ``max_age_days`` est encore à jour, un jour de plus ne l'est plus.
"""
from __future__ import annotations

from typing import Iterator

from ...i18n import format_age, format_date
from ...normalize.dates import to_datetime
from .base import CheckContext, CommuneView, NotEvaluated, Problem, unseen
from .jeu_obligatoire import LABELS, datasets_of_kind

ID = "jeu-obligatoire-a-jour"
SCOPE = "commune"
PARAMS = {"kind": None, "max_age_days": 365}


def last_update(d) -> str | None:
    dates = [d.modified] + [x.modified for x in d.distributions]
    dates = [x for x in dates if x and to_datetime(x)]
    return max(dates, key=lambda x: to_datetime(x)) if dates else None


def check(view: CommuneView, params: dict, ctx: CheckContext) -> Iterator[Problem | NotEvaluated]:
    kind = params["kind"]
    found = datasets_of_kind(view, kind)
    fr, en = LABELS.get(kind, (kind, kind))
    if not found:
        yield unseen(view, ctx) or NotEvaluated(
            "nothing-published",
            fr=f"{view.commune.name} : aucun jeu de {fr} publié, sa fraîcheur ne peut pas être jugée",
            en=f"{view.commune.name}: no {en} published, so its freshness cannot be judged")
        return
    dated = [(last_update(d), d) for d in found]
    dated = [(x, d) for x, d in dated if x]
    if not dated:
        yield unseen(view, ctx) or Problem(
            fr=f"{view.commune.name} : les {fr} publiées ne portent aucune date de mise à jour",
            en=f"{view.commune.name}: the published {en} carry no update date", key=f"{kind}:nodate")
        return
    latest, d = max(dated, key=lambda t: to_datetime(t[0]))
    age = (ctx.as_of.date() - to_datetime(latest).date()).days  # calendar days
    if age > params["max_age_days"]:
        yield unseen(view, ctx) or Problem(
            fr=f"{view.commune.name} : dernière mise à jour des {fr} le {format_date(latest)} "
               f"(il y a {format_age(age)} ; au plus {params['max_age_days']} jours attendus) — « {d.title} »",
            en=f"{view.commune.name}: {en} last updated on {format_date(latest, 'en')} "
               f"({format_age(age, 'en')} ago; at most {params['max_age_days']} days expected)",
            key=f"{kind}:stale", location={"last_update": latest, "age_days": age, "dataset": d.uid})
