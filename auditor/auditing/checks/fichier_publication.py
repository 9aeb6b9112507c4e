"""Fichier CSV publié selon les règles de publication du SCDL : encodé en UTF-8, colonnes séparées par des virgules.

Les schémas du Socle Commun des Données Locales (schema.data.gouv.fr) et le guide de
publication qui les accompagne demandent un fichier CSV encodé en UTF-8 dont les colonnes
sont séparées par une virgule : c'est ce que lisent sans réglage les outils de consolidation
nationale et les réutilisateurs. Validata lit aussi un fichier en Windows-1252 ou séparé par
des points-virgules, et l'audit le valide en entier : ce contrôle signale, en avertissement,
l'encodage et le séparateur trouvés quand ils diffèrent (la marque d'ordre d'octets UTF-8 en
tête est admise).

Ne s'applique qu'aux fichiers CSV lus et validés contre un schéma (pas aux classeurs XLSX ni
au JSON, ni à un fichier vérifié sans schéma) ; un fichier illisible relève de FILE-01.

Ne juge que les fichiers que la collectivité écrit elle-même : un export qu'un portail produit
à partir des enregistrements du jeu (ressource marquée ``generated_by`` par la source, comme
les exports d'Opendatasoft, séparés par des points-virgules et précédés d'une marque d'ordre
d'octets par défaut) est écrit dans le format que choisit le portail, pas la collectivité :
son séparateur et son encodage ne lui sont pas reprochés. Le contenu de l'export (colonnes,
valeurs) reste validé par les autres règles FILE.
"""
from __future__ import annotations

from typing import Iterator

from .base import CheckContext, Problem
from .fichier_conforme import FileTarget

ID = "fichier-publication"
SCOPE = "file"
PARAMS: dict = {"encoding": "utf-8", "delimiter": ","}

_NAMES = {";": "des points-virgules", "\t": "des tabulations", "|": "des barres verticales"}
_NAMES_EN = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}


def check(target: FileTarget, params: dict, ctx: CheckContext) -> Iterator[Problem]:
    report = target.report
    dialect = report.get("dialect") or {}
    if dialect.get("format") != "csv" or report.get("stop_reason") in ("too_large", "unreadable"):
        return
    if not report.get("schema"):
        return  # a file validated against no schema: the SCDL publication rules are not its own
    if _written_by_portal(target, ctx):
        return  # the portal's dialect, not the producer's
    encoding = (dialect.get("encoding") or "").lower().replace("_", "-")
    if encoding not in ("utf-8", "utf-8-sig", "utf8", params["encoding"]):
        yield Problem(
            fr=f"fichier encodé en {dialect.get('encoding')} et non en UTF-8 : les accents seront mal lus par les "
               f"outils qui suivent les règles de publication du SCDL",
            en=f"file encoded in {dialect.get('encoding')}, not UTF-8: accents will be misread by tools following "
               f"the SCDL publication rules",
            distribution=target.location, key="encoding", location={"encoding": dialect.get("encoding")},
            fix={"fr": "Réenregistrer le fichier en « CSV UTF-8 » (Excel : Enregistrer sous > CSV UTF-8 ; LibreOffice : "
                       "jeu de caractères Unicode (UTF-8)) puis le republier.",
                 "en": "Save the file again as “CSV UTF-8” and republish it."})
    delimiter = dialect.get("delimiter")
    if delimiter and delimiter != params["delimiter"]:
        name = _NAMES.get(delimiter, f"« {delimiter} »")
        yield Problem(
            fr=f"colonnes séparées par {name} et non par des virgules, comme le demandent les règles de publication "
               f"du SCDL",
            en=f"columns separated by {_NAMES_EN.get(delimiter, repr(delimiter))}, not commas as the SCDL "
               f"publication rules ask",
            distribution=target.location, key="delimiter", location={"delimiter": delimiter},
            fix={"fr": "Enregistrer le fichier avec la virgule comme séparateur (LibreOffice : Enregistrer sous > CSV, "
                       "« Séparateur de champ : , ») ; pour republier ailleurs un export Opendatasoft, faire pointer "
                       "la ressource vers l'export avec le paramètre delimiter=%2C.",
                 "en": "Save the file with a comma as separator; to republish an Opendatasoft export elsewhere, link "
                       "the export with delimiter=%2C."})


def _written_by_portal(target: FileTarget, ctx: CheckContext) -> bool:
    """Whether the file is an export its portal writes from the dataset's records: the distribution
    at the file's URL, in the dataset the file stage took it from, says so (``generated_by``)."""
    catalogue = getattr(ctx, "catalogue", None)
    if not target.dataset or catalogue is None:
        return False  # a file checked on its own: its author wrote it
    d = next((d for d in catalogue.datasets if d.uid == target.dataset), None)
    return d is not None and any(x.url == target.location and x.generated_by for x in d.distributions)
