"""User-facing messages, French first, English available.

``t(key, lang, **values)`` formats the message ``key`` in ``lang`` (``fr`` by default),
falling back to French when a translation is missing.
"""
from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "audit.files": {"fr": "Fichiers : {validated} validé(s) sur {candidates} candidat(s), {valid} conforme(s), "
                          "{rows} lignes lues, {failed} non téléchargé(s), {unvalidated} sans schéma disponible, "
                          "en {seconds:.1f} s.",
                    "en": "Files: {validated} validated of {candidates} candidate(s), {valid} compliant, "
                          "{rows} rows read, {failed} not downloaded, {unvalidated} without an available schema, "
                          "in {seconds:.1f} s."},
    "crawl.start": {"fr": "Collecte du territoire « {territory} » ({n} source(s))…",
                    "en": "Crawling territory “{territory}” ({n} source(s))…"},
    "crawl.portal.ok": {"fr": "  ✓ {name} ({kind}) : {datasets} jeu(x) de données en {duration:.1f} s",
                        "en": "  ✓ {name} ({kind}): {datasets} dataset(s) in {duration:.1f} s"},
    "crawl.portal.partial": {"fr": "  ! {name} ({kind}) : {datasets} jeu(x) de données, collecte incomplète : {error}",
                             "en": "  ! {name} ({kind}): {datasets} dataset(s), incomplete crawl: {error}"},
    "crawl.portal.failed": {"fr": "  ✗ {name} ({kind}) : échec : {error}",
                            "en": "  ✗ {name} ({kind}): failed: {error}"},
    "crawl.portal.skipped": {"fr": "  – {name} ({kind}) : non collecté dans cette exécution (--source)",
                             "en": "  – {name} ({kind}): not crawled in this run (--source)"},
    "audit.locked": {"fr": "Audit refusé : {why}.", "en": "Audit refused: {why}."},
    "audit.nothing": {"fr": "Audit non réalisé : {why}. Le dernier audit complet reste celui des rapports.",
                      "en": "No audit: {why}. The last complete audit remains the one reports show."},
    "audit.partial": {"fr": "Audit partiel : {portals} n'ont pas pu être collectés en entier ; les obligations des "
                            "collectivités qui peuvent y publier sont « non évaluées » quand l'audit n'a pas pu conclure.",
                      "en": "Partial audit: {portals} could not be crawled in full; the obligations of the bodies that "
                            "may publish there are “not evaluated” where the audit could not conclude."},
    "crawl.missing-pages": {"fr": "pages manquantes", "en": "missing pages"},
    "crawl.summary": {
        "fr": "{datasets} fiches collectées ({distinct} jeux de données distincts, {copies} copies), "
              "{communes} commune(s) publiant, {unresolved} producteur(s) non attribué(s).",
        "en": "{datasets} records crawled ({distinct} distinct datasets, {copies} copies), "
              "{communes} publishing commune(s), {unresolved} unresolved publisher(s)."},
    "crawl.http": {
        "fr": "HTTP : {requests} requêtes, {not_modified} réponses 304 (cache), {retries} nouvelles tentatives, "
              "{failures} échec(s) ; {probes} fichiers vérifiés, {broken} injoignable(s).",
        "en": "HTTP: {requests} requests, {not_modified} 304 answers (cache), {retries} retries, "
              "{failures} failure(s); {probes} files probed, {broken} unreachable."},
    "crawl.unresolved.title": {"fr": "Producteurs non attribués (ajoutez un alias dans [publishers]) :",
                               "en": "Unresolved publishers (add an alias under [publishers]):"},
    "crawl.unresolved.item": {"fr": "  - {raw} : {n} jeu(x) de données sur {portals}",
                              "en": "  - {raw}: {n} dataset(s) on {portals}"},
    "crawl.communes.title": {"fr": "Jeux de données par producteur :", "en": "Datasets per publisher:"},
    "crawl.communes.item": {"fr": "  {name:<32} {n:>4}", "en": "  {name:<32} {n:>4}"},
    "crawl.stored": {"fr": "Collecte n° {run} enregistrée dans {store}", "en": "Run #{run} stored in {store}"},
    "audit.stored": {"fr": "Audit n° {run} enregistré dans {store}", "en": "Audit #{run} stored in {store}"},
    "crawl.nothing": {"fr": "Aucune source n'a pu être collectée.", "en": "No source could be crawled."},
    "demo.serving": {"fr": "Territoire simulé (graine {seed}) servi sur 127.0.0.1 :",
                     "en": "Simulated territory (seed {seed}) served on 127.0.0.1:"},
    "demo.portal": {"fr": "  {name:<16} {kind:<13} {url}", "en": "  {name:<16} {kind:<13} {url}"},
    "demo.config": {"fr": "Configuration écrite dans {path}", "en": "Configuration written to {path}"},
    "demo.keep": {"fr": "Serveurs actifs ; Ctrl-C pour arrêter.", "en": "Servers running; Ctrl-C to stop."},
    "demo.fresh": {"fr": "Nouvel historique de démonstration dans {path} (le précédent est effacé).",
                   "en": "New demo history in {path} (the previous one is deleted)."},
    "demo.month": {"fr": "— Mois {n} sur {months} : audit au {as_of} —", "en": "— Month {n} of {months}: audit as of {as_of} —"},
    "demo.next": {"fr": "Et maintenant :", "en": "What next:"},
    "demo.next.report": {"fr": "  {command}\n      le tableau de bord, le rapport d'écarts et la fiche de chaque commune (HTML)",
                         "en": "  {command}\n      the dashboard, the gap report and every commune's sheet (HTML)"},
    "demo.next.history": {"fr": "  {command}\n      les audits enregistrés", "en": "  {command}\n      the stored audits"},
    "demo.next.compare": {"fr": "  {command}\n      ce qui a changé entre le premier et le dernier audit, commune par commune",
                          "en": "  {command}\n      what changed between the first and the last audit, commune by commune"},
    "demo.next.serve": {"fr": "  {command}\n      le service : page de vérification, API et rapports sur http://127.0.0.1:8080/",
                        "en": "  {command}\n      the service: check page, API and reports at http://127.0.0.1:8080/"},
    "store.demo": {"fr": "Historique de la démonstration : {store} (aucun historique dans ./auditor-data/).",
                   "en": "Demo history: {store} (no history in ./auditor-data/)."},
    "error.config": {"fr": "Erreur de configuration : {error}", "en": "Configuration error: {error}"},
    "error.store": {"fr": "Base d'historique inutilisable ({path}) : {error}",
                    "en": "History store unusable ({path}): {error}"},
    "severity.error": {"fr": "erreur", "en": "error"},
    "severity.warning": {"fr": "avertissement", "en": "warning"},
    "severity.info": {"fr": "information", "en": "info"},
    "rules.basis": {"fr": "Fondement :", "en": "Basis:"},
    "rules.when": {"fr": "s'applique si", "en": "applies when"},
    "rules.population": {"fr": "population ≥ {n}", "en": "population ≥ {n}"},
    "rules.agents": {"fr": "effectif ≥ {n} agents", "en": "staff ≥ {n}"},
    "rules.count": {"fr": "{n} règle(s).", "en": "{n} rule(s)."},
    "audit.summary": {
        "fr": "Audit : {rules} règles appliquées, {error} erreur(s), {warning} avertissement(s), {info} information(s), "
              "{waived} constat(s) dérogé(s).",
        "en": "Audit: {rules} rules applied, {error} error(s), {warning} warning(s), {info} info, "
              "{waived} waived finding(s)."},
    "audit.bodies": {
        "fr": "{bound} commune(s) assujettie(s) ou présumée(s) sur {communes}{metropole} ; obligations respectées : "
              "{met} sur {owed} évaluées, {not_evaluated} non évaluée(s).",
        "en": "{bound} of {communes} communes bound or presumed bound{metropole}; obligations met: {met} of {owed} "
              "evaluated, {not_evaluated} not evaluated."},
    "audit.and_metropole": {"fr": ", et la métropole", "en": ", and the metropolis"},
    "audit.by_rule": {"fr": "Constats par règle :", "en": "Findings per rule:"},
    "audit.expired": {"fr": "Dérogation expirée ({rule}, fin le {expires}) : {why}",
                      "en": "Expired waiver ({rule}, ended {expires}): {why}"},
    "unresolved.none": {"fr": "(sans producteur)", "en": "(no publisher)"},
    "publisher.metropole": {"fr": "Métropole européenne de Lille", "en": "European Metropolis of Lille"},
    "publisher.unresolved": {"fr": "(non attribué)", "en": "(unresolved)"},
    "publisher.other": {"fr": "(autre organisme)", "en": "(other body)"},
}


def t(key: str, lang: str = "fr", **values: object) -> str:
    entry = MESSAGES[key]
    text = entry.get(lang) or entry["fr"]
    return text.format(**values) if values else text


_MONTHS = {
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"],
}


def format_date(iso: str | None, lang: str = "fr") -> str:
    """``2024-03-12`` → « 12 mars 2024 » (or "12 March 2024"); unparseable text unchanged."""
    if not iso:
        return "?"
    try:
        y, m, d = int(iso[0:4]), int(iso[5:7]), int(iso[8:10])
        month = _MONTHS.get(lang, _MONTHS["fr"])[m - 1]
    except (ValueError, IndexError):
        return iso
    day = "1er" if d == 1 and lang == "fr" else str(d)
    return f"{day} {month} {y}"


def format_age(days: int, lang: str = "fr") -> str:
    """A duration in days as people say it: « 3 jours », « 8 mois », « 2 ans »."""
    if days < 60:
        return f"{days} jour{'s' if days > 1 else ''}" if lang == "fr" else f"{days} day{'s' if days != 1 else ''}"
    if days < 730:
        months = days // 30
        return f"{months} mois" if lang == "fr" else f"{months} months"
    years = days // 365
    return f"{years} ans" if lang == "fr" else f"{years} years"
