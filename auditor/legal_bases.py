"""The legal basis of a file's format, by its schema: what a report cites beside a file's errors.

Only the texts of ``docs/obligations.md`` (the project's research brief) are cited, each with its article:

* ``scdl/subventions``: loi n° 2000-321 art. 10 (as amended by loi n° 2016-1321 art. 18), décret n° 2017-779
  art. 1 (the data) and art. 2 (publication within three months), arrêté du 17 novembre 2017 art. 1 (the format);
* ``scdl/deliberations``: CGCT art. L2131-1 (as amended by ordonnance n° 2021-1310) and R2131-1 oblige the
  electronic publication of the acts; no text imposes the SCDL format, which is good practice;
* ``scdl/budget``: CGCT art. L2313-1 and R2313-8 (budget documents online); the format is good practice;
* ``scdl/catalogue``: CRPA art. L322-6 and R322-7 (répertoire des principaux documents), which such a
  catalogue can serve as;
* ``139bercy/format-commande-publique`` (DECP): code de la commande publique art. R2196-1 and the arrêtés du
  22 décembre 2022 (données essentielles de la commande publique, annexe 15 du CCP);
* the IRVE schemas: code de l'énergie art. R353-4-4 and R353-4-5 (décret n° 2021-546) and the arrêté du
  4 mai 2021;
* ``etalab/schema-bal``: CGCT art. L2121-30 (loi n° 2022-217 art. 169) and décret n° 2023-767;
* any other schema (the DAE and buyer-profile ones included: the brief names their texts without an article):
  following the declared schema is a quality rule, and CRPA art. L300-4 asks for a format « exploitable par un
  système de traitement automatisé ».
"""
from __future__ import annotations

from typing import Any

LEGIFRANCE = "https://www.legifrance.gouv.fr"

BASES: dict[str, dict[str, Any]] = {
    "scdl/subventions": {
        "kind": "law", "url": f"{LEGIFRANCE}/jorf/id/JORFTEXT000034600552",
        "fr": "Loi n° 2000-321 art. 10 ; décret n° 2017-779 du 5 mai 2017 art. 1 (données essentielles des "
              "conventions de subvention) ; arrêté du 17 novembre 2017 art. 1 (format de ces données)",
        "en": "Law no. 2000-321 art. 10; decree no. 2017-779 of 5 May 2017 art. 1 (essential data of grant "
              "agreements); order of 17 November 2017 art. 1 (format of these data)"},
    "scdl/deliberations": {
        "kind": "law", "url": f"{LEGIFRANCE}/jorf/article_jo/JORFARTI000044177150",
        "fr": "CGCT art. L2131-1 (rédaction de l'ordonnance n° 2021-1310 du 7 octobre 2021) et R2131-1 : "
              "publication électronique des actes ; le format scdl/deliberations est une bonne pratique du SCDL",
        "en": "CGCT art. L2131-1 (as amended by ordinance no. 2021-1310 of 7 October 2021) and R2131-1: electronic "
              "publication of the acts; the scdl/deliberations format is SCDL good practice"},
    "scdl/budget": {
        "kind": "law", "url": f"{LEGIFRANCE}/codes/id/LEGITEXT000006070633/",
        "fr": "CGCT art. L2313-1 et R2313-8 : mise en ligne des documents budgétaires ; le format scdl/budget est "
              "une bonne pratique du SCDL",
        "en": "CGCT art. L2313-1 and R2313-8: budget documents put online; the scdl/budget format is SCDL good "
              "practice"},
    "scdl/catalogue": {
        "kind": "law", "url": f"{LEGIFRANCE}/codes/id/LEGITEXT000031366350/",
        "fr": "CRPA art. L322-6 et R322-7 : répertoire des principaux documents, qu'un catalogue au format "
              "scdl/catalogue peut tenir",
        "en": "CRPA art. L322-6 and R322-7: register of the main documents, which a scdl/catalogue file can hold"},
    "139bercy/format-commande-publique": {
        "kind": "law", "url": f"{LEGIFRANCE}/codes/id/LEGITEXT000037701019/",
        "fr": "Code de la commande publique art. R2196-1 ; arrêtés du 22 décembre 2022 (données essentielles de "
              "la commande publique, annexe 15 du code)",
        "en": "Public procurement code art. R2196-1; orders of 22 December 2022 (essential data of public "
              "procurement, annex 15 of the code)"},
    "etalab/schema-irve-statique": {
        "kind": "law",
        "fr": "Code de l'énergie art. R353-4-4 et R353-4-5 (décret n° 2021-546 du 4 mai 2021) ; arrêté du 4 mai "
              "2021 (publication dans le mois suivant la mise en service)",
        "en": "Energy code art. R353-4-4 and R353-4-5 (decree no. 2021-546 of 4 May 2021); order of 4 May 2021 "
              "(publication within a month of commissioning)"},
    "etalab/schema-bal": {
        "kind": "law", "url": f"{LEGIFRANCE}/codes/id/LEGITEXT000006070633/",
        "fr": "CGCT art. L2121-30 (loi n° 2022-217 art. 169) ; décret n° 2023-767 du 11 août 2023",
        "en": "CGCT art. L2121-30 (law no. 2022-217 art. 169); decree no. 2023-767 of 11 August 2023"},
}
# the same texts under the other names of one schema
BASES["etalab/schema-irve"] = BASES["etalab/schema-irve-dynamique"] = BASES["etalab/schema-irve-statique"]

DEFAULT = {
    "kind": "quality", "url": "https://schema.data.gouv.fr/",
    "fr": "Schéma déclaré sur schema.data.gouv.fr (bonne pratique de publication) ; CRPA "
          "art. L300-4 (format exploitable par un système de traitement automatisé)",
    "en": "Schema declared on schema.data.gouv.fr (good publishing practice); CRPA art. L300-4 "
          "(format readable by automated processing)"}


def basis_for(schema_name: str | None) -> dict[str, Any] | None:
    """``{"fr", "en", "url", "kind"}`` for a schema name (``scdl/subventions``, a version suffix ignored); the
    quality basis for a schema no text imposes; None without a schema."""
    if not schema_name:
        return None
    name = str(schema_name).split("@", 1)[0].strip()
    return dict(BASES.get(name, DEFAULT), schema=name)
