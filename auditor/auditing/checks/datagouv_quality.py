"""Critère du score de qualité data.gouv.fr non atteint (méthode de qualité udata, sans valeur légale).

data.gouv.fr note chaque jeu sur neuf critères d'un point chacun (``udata``,
``Dataset.compute_quality``) ; le paramètre ``criterion`` nomme celui que la règle vérifie :
``license`` (une licence est choisie), ``temporal_coverage`` (période couverte renseignée),
``spatial`` (couverture spatiale renseignée), ``update_frequency`` (fréquence autre
qu'« inconnue »), ``update_fulfilled_in_time`` (dernière mise à jour + délai de la fréquence
dépassé d'au plus un jour à la date de l'audit), ``dataset_description_quality``
(description de plus de 100 caractères), ``has_open_format`` (au moins une ressource dans un
format autre que PDF, DOC, DOCX, XLS, XLSX, et dont le format est renseigné),
``all_resources_available`` (toutes les ressources distantes répondent),
``resources_documentation`` (une ressource de type documentation ou une ressource décrite).

Pour un jeu publié sur data.gouv.fr, le calcul reprend l'objet de data.gouv.fr tel que
l'API le donne (y compris le résultat de son vérificateur de liens) et aboutit au même bloc
``quality`` que data.gouv.fr ; pour un jeu d'un autre portail, il donne ce que data.gouv.fr
compterait à partir de la fiche source (la disponibilité vient alors de la vérification
des liens par l'auditeur). L'échéance se calcule à la date de l'audit, jamais à l'horloge.

Ne signale pas le retard de mise à jour d'un jeu sans fréquence (le critère n'existe pas :
la règle de la fréquence le dit), ni la disponibilité ou la documentation d'un jeu sans
ressource (la règle du format ouvert le dit une fois).
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterator

from ...model import Dataset
from ...normalize.frequency import LABELS as FREQUENCY_LABELS
from ..scores.datagouv import CRITERIA, Facts, block, facts
from .base import CheckContext, Problem

ID = "datagouv-quality"
SCOPE = "dataset"
PARAMS = {"criterion": None}

# Criteria absent from the block because another one already fails: no frequency (the
# frequency rule says so), no resource (the open-format rule says so).
_REPORTED_ELSEWHERE = ("update_fulfilled_in_time", "all_resources_available", "resources_documentation")


def check(d: Dataset, params: dict, ctx: CheckContext) -> Iterator[Problem]:
    criterion = params.get("criterion")
    if criterion not in CRITERIA:
        raise ValueError(f"critère inconnu : {criterion!r} (attendu : {', '.join(CRITERIA)})")
    f = facts(d, ctx.as_of)
    q = block(f, ctx.as_of)
    if q.get(criterion):
        return
    if criterion not in q and criterion in _REPORTED_ELSEWHERE:
        return
    fr, en = _explain(criterion, f, ctx.as_of)
    yield Problem(fr=fr, en=en, key=criterion,
                  location={"criterion": criterion, "score": q["score"]})


def _explain(criterion: str, f: Facts, as_of: datetime) -> tuple[str, str]:
    return _EXPLAIN[criterion](f, as_of)


def _licence(f: Facts, as_of: datetime) -> tuple[str, str]:
    return ("aucune licence renseignée ; data.gouv.fr compte ce critère dès qu'une licence est renseignée "
            "(même « non spécifiée », que la règle RN-LIC-01 signale)",
            "no licence set; data.gouv.fr counts this criterion once a licence is set (even “not specified”, "
            "which rule RN-LIC-01 reports)")


def _temporal(f: Facts, as_of: datetime) -> tuple[str, str]:
    return ("couverture temporelle non renseignée ; data.gouv.fr compte ce critère quand la période "
            "couverte (début, et fin le cas échéant) est indiquée",
            "no temporal coverage; data.gouv.fr counts this criterion when the period covered is given")


def _spatial(f: Facts, as_of: datetime) -> tuple[str, str]:
    return ("couverture spatiale non renseignée ; data.gouv.fr compte ce critère quand une zone "
            "(commune, intercommunalité…) ou une géométrie est indiquée",
            "no spatial coverage; data.gouv.fr counts this criterion when a zone or a geometry is given")


def _frequency(f: Facts, as_of: datetime) -> tuple[str, str]:
    if f.frequency == "unknown":
        what_fr, what_en = "fréquence de mise à jour « inconnue »", "update frequency “unknown”"
    else:
        what_fr, what_en = "fréquence de mise à jour non renseignée", "no update frequency"
    return (f"{what_fr} ; data.gouv.fr compte ce critère pour toute fréquence autre qu'« inconnue »",
            f"{what_en}; data.gouv.fr counts this criterion for any frequency but “unknown”")


def _in_time(f: Facts, as_of: datetime) -> tuple[str, str]:
    label_fr, label_en = FREQUENCY_LABELS.get(f.frequency or "", (f.frequency, f.frequency))
    if f.last_update is None or f.next_update is None:
        return (f"fréquence {label_fr} mais aucune date de mise à jour connue ; data.gouv.fr compte ce "
                "critère quand la dernière mise à jour date de moins que le délai de la fréquence",
                f"{label_en} frequency but no known update date; data.gouv.fr counts this criterion "
                "when the last update is more recent than the frequency's delay")
    last, due = f.last_update, f.next_update
    return (f"dernière mise à jour le {last:%d/%m/%Y}, fréquence {label_fr} : mise à jour attendue "
            f"le {due:%d/%m/%Y} ; data.gouv.fr tolère un jour de retard",
            f"last updated on {last:%Y-%m-%d}, {label_en} frequency: update due on {due:%Y-%m-%d}; "
            "data.gouv.fr allows one day of delay")


def _description(f: Facts, as_of: datetime) -> tuple[str, str]:
    n = f.description_length
    if n == 0:
        return ("aucune description ; data.gouv.fr en attend plus de 100 caractères",
                "no description; data.gouv.fr expects more than 100 characters")
    s = "s" if n > 1 else ""
    return (f"description de {n} caractère{s} ; data.gouv.fr en attend plus de 100",
            f"description of {n} character{s}; data.gouv.fr expects more than 100")


def _open_format(f: Facts, as_of: datetime) -> tuple[str, str]:
    if not f.resources:
        return ("aucune ressource : data.gouv.fr ne peut compter ni format ouvert, ni disponibilité, "
                "ni documentation",
                "no resource: data.gouv.fr can count neither an open format, availability nor documentation")
    formats = sorted({(r.format or "").upper() or "non renseigné" for r in f.resources})
    formats_en = [x if x != "non renseigné" else "none" for x in formats]
    return (f"aucune ressource dans un format ouvert (formats : {', '.join(formats)}) ; data.gouv.fr "
            "compte comme fermés PDF, DOC, DOCX, XLS, XLSX et les ressources sans format",
            f"no resource in an open format (formats: {', '.join(formats_en)}); data.gouv.fr counts PDF, "
            "DOC, DOCX, XLS, XLSX and resources without a format as closed")


def _available(f: Facts, as_of: datetime) -> tuple[str, str]:
    down = [r for r in f.resources if r.remote and not r.available]
    names = ", ".join(f"« {r.title or r.url} »" for r in down[:5]) + (" …" if len(down) > 5 else "")
    names_en = ", ".join(f"“{r.title or r.url}”" for r in down[:5]) + (" …" if len(down) > 5 else "")
    who_fr = "du vérificateur de liens de data.gouv.fr" if f.origin == "udata" else "de l'auditeur"
    who_en = "data.gouv.fr's link checker" if f.origin == "udata" else "the auditor's link check"
    n = len(down)
    return (f"{n} ressource{'s' if n > 1 else ''} indisponible{'s' if n > 1 else ''} selon la dernière "
            f"vérification {who_fr} : {names} ; data.gouv.fr exige que toutes les ressources distantes "
            "répondent",
            f"{n} resource{'s' if n > 1 else ''} unavailable according to {who_en}: {names_en}; "
            "data.gouv.fr requires every remote resource to answer")


def _documentation(f: Facts, as_of: datetime) -> tuple[str, str]:
    return ("aucune ressource de type documentation et aucune ressource décrite ; data.gouv.fr "
            "attend l'une ou l'autre",
            "no documentation resource and no described resource; data.gouv.fr expects one or the other")


_EXPLAIN = {
    "license": _licence, "temporal_coverage": _temporal, "spatial": _spatial,
    "update_frequency": _frequency, "update_fulfilled_in_time": _in_time,
    "dataset_description_quality": _description, "has_open_format": _open_format,
    "all_resources_available": _available, "resources_documentation": _documentation,
}
