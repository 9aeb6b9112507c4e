"""Format ouvert : au moins une ressource dans un format ouvert lisible par une machine (CRPA art. L300-4).

« Toute mise à disposition effectuée sous forme électronique […] se fait dans un standard
ouvert, aisément réutilisable et exploitable par un système de traitement automatisé »
(L300-4). Sont comptés comme tels les formats de
``auditor.normalize.formats.OPEN_MACHINE_READABLE`` : CSV, JSON, GeoJSON, JSON-LD, XML,
RDF, Turtle, ODS, Shapefile, KML, GPX, Parquet, GTFS, et les services OGC (WMS, WFS,
OGC API). Ne le sont pas : PDF, documents bureautiques (DOC, DOCX, et XLS/XLSX, que
data.gouv.fr compte aussi comme formats fermés), images, archives ZIP dont le contenu
n'est pas dit, et les ressources dont le format n'est pas indiqué.

Les ressources de documentation (notice, dictionnaire des données) ne comptent pas. Signale
le jeu dont aucune ressource de données n'est dans un format ouvert, en citant les formats
publiés, et, par un message distinct, le jeu qui n'a aucune ressource.

Ne vérifie pas que le fichier est bien dans le format annoncé ni qu'il répond (contrôles
des fichiers et « lien-accessible »).
"""
from __future__ import annotations

from typing import Iterator

from ...model import Dataset, Distribution
from ...normalize.formats import OPEN_MACHINE_READABLE
from .base import CheckContext, Problem

ID = "format-ouvert"
SCOPE = "dataset"
PARAMS: dict = {}


def check(d: Dataset, params: dict, ctx: CheckContext) -> Iterator[Problem]:
    if not d.distributions:
        yield Problem(fr="aucune ressource publiée : le jeu de données n'a ni fichier ni service",
                      en="no resource published: the dataset has no file and no service", key="no-distribution")
        return
    data = [x for x in d.distributions if x.kind != "documentation"]
    if open_resources(d):
        return
    if not data:
        yield Problem(fr="seulement de la documentation : aucune ressource de données publiée",
                      en="documentation only: no data resource published", key="documentation-only")
        return
    shown = formats_shown(data)
    yield Problem(fr=f"aucune ressource dans un format ouvert lisible par une machine (formats publiés : "
                     f"{', '.join(shown)})",
                  en=f"no resource in an open machine-readable format (published formats: {', '.join(shown)})",
                  location={"formats": shown}, key="closed")


def open_resources(d: Dataset) -> list[Distribution]:
    """The data resources of ``d`` in an open machine-readable format (documentation excluded)."""
    return [x for x in d.distributions if x.kind != "documentation" and x.format in OPEN_MACHINE_READABLE]


def formats_shown(dists: list[Distribution]) -> list[str]:
    """Formats as shown to the reader: the short name in capitals, the raw label when the
    format was not recognised, « format non indiqué » when there is none."""
    out: list[str] = []
    for x in dists:
        if x.format:
            name = x.format.upper()
        elif x.format_raw and x.format_raw.strip():
            name = f"« {x.format_raw.strip()} » (non reconnu)"
        else:
            name = "format non indiqué"
        if name not in out:
            out.append(name)
    return out
