"""Mise à jour régulière : le jeu est mis à jour au rythme qu'il annonce (CRPA art. L312-1-1 3° et 4°).

Les bases de données et les données d'intérêt économique, social, sanitaire ou
environnemental sont publiées « mises à jour de façon régulière » (L312-1-1 3° et 4°). Le
rythme à tenir est celui que le producteur déclare (fréquence de mise à jour), comme le
critère « mise à jour respectée » de data.gouv.fr.

Comment il décide : la dernière mise à jour est la date de modification des données
(``modified``), à défaut la plus récente date de modification d'une ressource ; une date
sans heure est lue comme minuit UTC, une heure sans fuseau comme une heure UTC. Le jeu est
en retard quand la date de l'audit dépasse « dernière mise à jour + délai de la fréquence
× ``grace_factor`` + ``tolerance_days`` jours ». Délais (ceux de data.gouv.fr,
``auditor.normalize.frequency.DELTAS``) : quotidienne 1 jour, hebdomadaire 7 jours,
mensuelle 31 jours, trimestrielle 93 jours, annuelle 365 jours…

Paramètres : ``tolerance_days`` (défaut 1, la journée de tolérance de data.gouv.fr) et
``grace_factor`` (défaut 1.0 ; 1.5 accorde une demi-période de plus, par exemple pour ne
signaler un jeu mensuel qu'après un mois et demi).

Ne juge pas : les fréquences sans délai (temps réel, ponctuelle, irrégulière, non
planifiée, autre, inconnue), une fréquence absente ou illisible (critère « fréquence de
mise à jour » de la qualité data.gouv.fr), ni un jeu sans aucune date (contrôle
« date-mise-a-jour »).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterator

from ...i18n import format_age, format_date
from ...model import Dataset
from ...normalize.dates import to_datetime
from ...normalize.frequency import DELTAS, LABELS
from .base import CheckContext, Problem

ID = "mise-a-jour-reguliere"
SCOPE = "dataset"
PARAMS = {"tolerance_days": 1, "grace_factor": 1.0}

def last_update(d: Dataset) -> tuple[str, datetime] | None:
    """The last data update as published (ISO text) and as an aware datetime: ``modified``,
    else the most recent distribution ``modified``."""
    candidates = [d.modified] if to_datetime(d.modified) else [x.modified for x in d.distributions]
    stamped = [(iso, to_datetime(iso)) for iso in candidates if to_datetime(iso)]
    return max(stamped, key=lambda t: t[1]) if stamped else None


def check(d: Dataset, params: dict, ctx: CheckContext) -> Iterator[Problem]:
    delta = DELTAS.get(d.frequency) if d.frequency else None
    if delta is None:
        return
    found = last_update(d)
    if found is None:
        return
    iso, last = found
    expected = last + delta * float(params.get("grace_factor", 1.0))
    deadline = expected + timedelta(days=float(params.get("tolerance_days", 1)))
    if ctx.as_of <= deadline:
        return
    late = (ctx.as_of - expected).days
    fr, en = LABELS.get(d.frequency, (d.frequency, d.frequency))
    yield Problem(
        fr=f"dernière mise à jour le {format_date(iso)}, fréquence déclarée : {fr} (retard de {format_age(late)})",
        en=f"last updated on {format_date(iso, 'en')}, declared frequency: {en} ({format_age(late, 'en')} late)",
        location={"last_update": iso, "frequency": d.frequency, "frequency_raw": d.frequency_raw,
                  "expected_by": expected.isoformat(), "late_days": late},
        key="late")
