"""Every user-facing message, French first, English available: the one catalogue of the command line, the crawl,
the reports, the check output and the web service.

``t(key, lang, **values)`` formats the message ``key`` in ``lang`` (``fr`` by default), falling back to French
when a translation is missing; a key that is not in the catalogue raises ``KeyError`` (a defect, which
``tests/test_messages.py`` catches: every key the code and the templates use is here in French and English,
and every key here is used). Templates call it as ``_("key")`` (``auditor.render.texts.translator``, the
service's ``page``). Values that come from the audit (titles, findings) are already in both languages and are
not repeated here.
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
    # reports, check output and the command line's report commands
    # reports
    "dashboard.title": {"fr": "Tableau de bord open data du territoire", "en": "Territory open-data dashboard"},
    "commune.title": {"fr": "Fiche open data : {name}", "en": "Open-data sheet: {name}"},
    "gaps.title": {"fr": "Rapport d'écarts du territoire", "en": "Territory gap report"},
    "run.line": {"fr": "Audit n° {run} au {date}", "en": "Audit #{run} as of {date}"},
    "run.previous": {"fr": "comparé à l'audit n° {run} du {date}", "en": "compared with audit #{run} of {date}"},
    "run.first": {"fr": "premier audit enregistré : pas de comparaison", "en": "first stored audit: nothing to compare"},
    "generated": {"fr": "Produit le {date} par auditor.", "en": "Produced on {date} by auditor."},
    # totals
    "totals.communes": {"fr": "communes", "en": "communes"},
    "totals.bound": {"fr": "assujetties ou présumées", "en": "bound or presumed bound"},
    "totals.publishing": {"fr": "publient des données", "en": "publish data"},
    "totals.datasets": {"fr": "jeux de données", "en": "datasets"},
    "totals.obligations": {"fr": "obligations respectées", "en": "obligations met"},
    "totals.findings": {"fr": "constats ouverts", "en": "open findings"},
    "totals.changes": {"fr": "depuis l'audit précédent", "en": "since the previous audit"},
    "changes.new": {"fr": "nouveaux", "en": "new"},
    "changes.fixed": {"fr": "corrigés", "en": "fixed"},
    "changes.open": {"fr": "toujours ouverts", "en": "still open"},
    "change.new": {"fr": "nouveau", "en": "new"},
    "change.open": {"fr": "déjà signalé", "en": "already reported"},
    "change.fixed": {"fr": "corrigé", "en": "fixed"},
    # columns
    "col.commune": {"fr": "Commune", "en": "Commune"},
    "col.code": {"fr": "Code INSEE", "en": "INSEE code"},
    "col.population": {"fr": "Population", "en": "Population"},
    "col.status": {"fr": "Assujettie", "en": "Bound"},
    "col.datasets": {"fr": "Jeux", "en": "Datasets"},
    "col.portals": {"fr": "Où", "en": "Where"},
    "col.obligations": {"fr": "Obligations", "en": "Obligations"},
    "col.obligations_met": {"fr": "Obligations respectées", "en": "Obligations met"},
    "col.obligations_owed": {"fr": "Obligations évaluées", "en": "Obligations evaluated"},
    "col.unmet": {"fr": "Obligations non respectées", "en": "Unmet obligations"},
    "col.scdl": {"fr": "SCDL", "en": "SCDL"},
    "col.mqa": {"fr": "MQA", "en": "MQA"},
    "col.datagouv": {"fr": "Qualité data.gouv.fr", "en": "data.gouv.fr quality"},
    "col.findings": {"fr": "Constats", "en": "Findings"},
    "col.trend": {"fr": "Évolution", "en": "Trend"},
    "col.errors": {"fr": "Erreurs", "en": "Errors"},
    "col.warnings": {"fr": "Avertissements", "en": "Warnings"},
    "col.infos": {"fr": "Informations", "en": "Info"},
    "col.waived": {"fr": "Dérogés", "en": "Waived"},
    "col.new": {"fr": "Nouveaux", "en": "New"},
    "col.fixed": {"fr": "Corrigés", "en": "Fixed"},
    "col.rule": {"fr": "Règle", "en": "Rule"},
    "col.severity": {"fr": "Gravité", "en": "Severity"},
    "col.title": {"fr": "Constat", "en": "Finding"},
    "col.detail": {"fr": "Détail", "en": "Detail"},
    "col.fix": {"fr": "Correction", "en": "Fix"},
    "col.basis": {"fr": "Fondement", "en": "Basis"},
    "col.dataset": {"fr": "Jeu de données", "en": "Dataset"},
    "col.dataset_title": {"fr": "Titre du jeu", "en": "Dataset title"},
    "col.portal": {"fr": "Portail", "en": "Portal"},
    "col.distribution": {"fr": "Fichier", "en": "File"},
    "col.change": {"fr": "Depuis le mois dernier", "en": "Since last month"},
    "col.fingerprint": {"fr": "Empreinte", "en": "Fingerprint"},
    "col.waiver": {"fr": "Dérogation", "en": "Waiver"},
    "col.rank": {"fr": "Rang", "en": "Rank"},
    "col.gap": {"fr": "Écart", "en": "Gap"},
    "col.gap_type": {"fr": "Type", "en": "Type"},
    "col.communes_missing": {"fr": "Communes concernées", "en": "Communes concerned"},
    "col.population_concerned": {"fr": "Habitants concernés", "en": "Inhabitants concerned"},
    "col.last_update": {"fr": "Dernière mise à jour", "en": "Last update"},
    "col.licence": {"fr": "Licence", "en": "Licence"},
    "col.formats": {"fr": "Formats", "en": "Formats"},
    "col.kinds": {"fr": "Nature", "en": "Kind"},
    "col.date": {"fr": "Date", "en": "Date"},
    "col.kind": {"fr": "Type", "en": "Kind"},
    "col.run_status": {"fr": "État", "en": "Status"},
    "col.obligations_not_evaluated": {"fr": "Obligations non évaluées", "en": "Obligations not evaluated"},
    "col.not_evaluated": {"fr": "Non évaluées (pourquoi)", "en": "Not evaluated (why)"},
    "col.blind_spots": {"fr": "Portails non collectés où elle peut publier", "en": "Portals not crawled where it may publish"},
    "col.url": {"fr": "Adresse", "en": "URL"},
    "col.error": {"fr": "Erreur", "en": "Error"},
    "col.publisher": {"fr": "Producteur tel qu'écrit", "en": "Publisher as written"},
    "col.examples": {"fr": "Exemples de jeux", "en": "Example datasets"},
    "col.copy_of": {"fr": "Copie de", "en": "Copy of"},
    "col.score": {"fr": "Score", "en": "Score"},
    "col.reason": {"fr": "Raison", "en": "Reason"},
    # statuses
    "status.bound": {"fr": "oui", "en": "yes"},
    "status.presumed": {"fr": "présumée", "en": "presumed"},
    "status.not-bound": {"fr": "non", "en": "no"},
    "reason.bound": {"fr": "{population} habitants et {agents} agents", "en": "{population} inhabitants and {agents} staff"},
    "reason.presumed": {"fr": "{population} habitants ; effectif non renseigné",
                        "en": "{population} inhabitants; staff count unknown"},
    "reason.few-inhabitants": {"fr": "moins de {threshold} habitants ({population})",
                               "en": "fewer than {threshold} inhabitants ({population})"},
    "reason.few-agents": {"fr": "moins de {threshold} agents ({agents})", "en": "fewer than {threshold} staff ({agents})"},
    "reason.agents-unknown": {"fr": "{population} habitants ; effectif non renseigné",
                              "en": "{population} inhabitants; staff count unknown"},
    "status.long.bound": {"fr": "assujettie à l'ouverture des données par défaut",
                          "en": "bound by the open-data-by-default duty"},
    "status.long.presumed": {"fr": "présumée assujettie (effectif non renseigné)",
                             "en": "presumed bound (staff count unknown)"},
    "status.long.not-bound": {"fr": "non assujettie à l'ouverture des données par défaut",
                              "en": "not bound by the open-data-by-default duty"},
    "ob.met": {"fr": "respectée", "en": "met"},
    "ob.unmet": {"fr": "non respectée", "en": "not met"},
    "ob.waived": {"fr": "dérogée", "en": "waived"},
    "ob.not-owed": {"fr": "non due", "en": "not owed"},
    "ob.not-evaluated": {"fr": "non évaluée", "en": "not evaluated"},
    "ob.not-open": {"fr": "publiée, mais pas en données ouvertes", "en": "published, but not as open data"},
    "reason.portal-unreachable": {"fr": "portail non collecté en entier", "en": "portal not crawled in full"},
    "reason.nothing-published": {"fr": "rien de publié : fraîcheur non jugeable", "en": "nothing published: freshness cannot be judged"},
    "reason.file-unavailable": {"fr": "fichier non téléchargeable", "en": "file could not be downloaded"},
    "reason.catalogue-unavailable": {"fr": "catalogue des schémas indisponible", "en": "schema catalogue unavailable"},
    "reason.schema-unavailable": {"fr": "schéma introuvable ou catalogue des schémas indisponible",
                                  "en": "schema not found or schema catalogue unavailable"},
    "file.valid": {"fr": "conforme", "en": "compliant"},
    "file.invalid": {"fr": "non conforme", "en": "not compliant"},
    "file.not-evaluated": {"fr": "non évalué", "en": "not evaluated"},
    "sheet.files": {"fr": "Fichiers vérifiés contre leur schéma", "en": "Files checked against their schema"},
    "sheet.files.help": {"fr": "Un fichier qui n'a pas pu être téléchargé (après les nouvelles tentatives) ou dont le "
                               "schéma n'a pas pu être obtenu n'est ni conforme ni en défaut : il est « non évalué ».",
                         "en": "A file that could not be downloaded (after retries) or whose schema could not be obtained "
                               "is neither compliant nor failing: it is “not evaluated”."},
    "reason.not-selected": {"fr": "règle non appliquée dans cet audit", "en": "rule not applied in this audit"},
    "reason.legacy": {"fr": "audit ancien, sans verdict enregistré", "en": "older audit, no recorded verdict"},
    "reason.None": {"fr": "", "en": ""},
    "scdl.declared": {"fr": "publié, schéma déclaré", "en": "published, schema declared"},
    "scdl.published": {"fr": "publié sans schéma déclaré", "en": "published, no schema declared"},
    "scdl.missing": {"fr": "non publié", "en": "not published"},
    "priority.error": {"fr": "Priorité 1 — à corriger : obligations et erreurs bloquantes",
                       "en": "Priority 1 — to fix: obligations and blocking errors"},
    "priority.warning": {"fr": "Priorité 2 — à améliorer", "en": "Priority 2 — to improve"},
    "priority.info": {"fr": "Priorité 3 — pour information", "en": "Priority 3 — for information"},
    "gap.obligation": {"fr": "obligation", "en": "obligation"},
    "gap.scdl": {"fr": "jeu SCDL", "en": "SCDL dataset"},
    "gap.scdl-schema": {"fr": "schéma SCDL non déclaré", "en": "SCDL schema not declared"},
    # obligations (short labels of the commune-level rules)
    "obligation.RN-PUB-01": {"fr": "Publier des données", "en": "Publish data"},
    "obligation.RN-CAT-01": {"fr": "Catalogue des données", "en": "Data catalogue"},
    "obligation.RN-CAT-02": {"fr": "Catalogue à jour", "en": "Catalogue up to date"},
    "obligation.SUB-01": {"fr": "Subventions", "en": "Grants"},
    "obligation.SUB-02": {"fr": "Subventions à jour", "en": "Grants up to date"},
    "obligation.DECP-01": {"fr": "Marchés publics (DECP)", "en": "Public procurement (DECP)"},
    "obligation.DECP-02": {"fr": "Marchés publics à jour", "en": "Procurement up to date"},
    "obligation.ACT-01": {"fr": "Délibérations", "en": "Council decisions"},
    "obligation.BUD-01": {"fr": "Budget", "en": "Budget"},
    # SCDL kinds
    "kind.subventions": {"fr": "Subventions", "en": "Grants"},
    "kind.deliberations": {"fr": "Délibérations", "en": "Council decisions"},
    "kind.budget": {"fr": "Budget", "en": "Budget"},
    "kind.catalogue": {"fr": "Catalogue", "en": "Catalogue"},
    "kind.prenoms": {"fr": "Prénoms", "en": "First names"},
    "kind.equipements": {"fr": "Équipements", "en": "Facilities"},
    "kind.menus": {"fr": "Menus", "en": "Menus"},
    "kind.marches": {"fr": "Marchés (DECP)", "en": "Procurement (DECP)"},
    # dashboard
    "filter.search": {"fr": "Rechercher une commune", "en": "Search a commune"},
    "filter.status": {"fr": "Assujettissement", "en": "Duty"},
    "filter.all": {"fr": "toutes", "en": "all"},
    "filter.unmet": {"fr": "seulement les communes en défaut", "en": "only communes with unmet obligations"},
    "filter.shown": {"fr": "communes affichées", "en": "communes shown"},
    "sort.hint": {"fr": "Cliquez sur un en-tête de colonne pour trier.", "en": "Click a column header to sort."},
    "section.metropole": {"fr": "La Métropole", "en": "The Metropolis"},
    "section.communes": {"fr": "Les communes", "en": "The communes"},
    "section.changes": {"fr": "Ce qui a changé depuis l'audit précédent", "en": "What changed since the previous audit"},
    "section.charts": {"fr": "Évolution et qualité", "en": "Trend and quality"},
    "section.portals": {"fr": "Portails du territoire", "en": "Portals of the territory"},
    "section.gaps": {"fr": "Principaux écarts", "en": "Main gaps"},
    "section.rules": {"fr": "Constats par règle", "en": "Findings per rule"},
    "chart.coverage": {"fr": "Couverture au fil des audits", "en": "Coverage over the audits"},
    "chart.coverage.obligations": {"fr": "obligations respectées (communes assujetties)",
                                   "en": "obligations met (bound communes)"},
    "chart.coverage.scdl": {"fr": "jeux SCDL publiés (communes ≥ 3 500 hab.)",
                            "en": "SCDL datasets published (communes ≥ 3,500 inh.)"},
    "chart.mqa": {"fr": "Répartition des scores MQA (points sur 405)", "en": "MQA score distribution (points of 405)"},
    "chart.datagouv": {"fr": "Répartition des scores de qualité data.gouv.fr", "en": "data.gouv.fr quality score distribution"},
    "portal.ok": {"fr": "collecté", "en": "crawled"},
    "portal.partial": {"fr": "collecte incomplète", "en": "incomplete"},
    "portal.failed": {"fr": "en échec", "en": "failed"},
    "portal.skipped": {"fr": "non collecté dans cet audit", "en": "not crawled in this audit"},
    "section.unresolved": {"fr": "Producteurs non attribués", "en": "Unresolved publishers"},
    "section.unresolved.help": {"fr": "Jeux dont le producteur, tel qu'il est écrit sur le portail, n'a pu être rattaché à "
                                      "aucune collectivité : ils ne comptent pour personne. Ajoutez un alias dans la "
                                      "section [publishers] de la configuration.",
                                "en": "Datasets whose publisher, as written on the portal, could not be attributed to any "
                                      "body: they count for nobody. Add an alias under [publishers] in the configuration."},
    "section.not_collected": {"fr": "Portails non collectés", "en": "Portals not crawled"},
    "section.not_collected.help": {"fr": "L'audit n'a pas pu lire ces portails en entier : les obligations des collectivités "
                                         "qui peuvent y publier sont « non évaluées » quand il n'a pas pu conclure.",
                                   "en": "The audit could not read these portals in full: the obligations of the bodies that "
                                         "may publish there are “not evaluated” where it could not conclude."},
    "run.partial": {"fr": "Audit partiel : {portals} n'ont pas pu être collectés en entier.",
                    "en": "Partial audit: {portals} could not be crawled in full."},
    "totals.not_evaluated": {"fr": "{n} non évaluée(s)", "en": "{n} not evaluated"},
    "totals.and_metropole": {"fr": "et la métropole", "en": "and the metropolis"},
    "gaps.not_evaluated": {"fr": "Obligations non évaluées", "en": "Obligations not evaluated"},
    "gaps.not_evaluated.help": {"fr": "Ni respectées ni manquées : l'audit n'a pas pu conclure, pour la raison indiquée.",
                                "en": "Neither met nor missed: the audit could not conclude, for the reason given."},
    "gaps.metropole": {"fr": "+ la métropole", "en": "+ the metropolis"},
    "none": {"fr": "aucun", "en": "none"},
    # commune sheet
    "sheet.owes": {"fr": "Ce que la commune doit publier", "en": "What the commune must publish"},
    "sheet.publishes": {"fr": "Ce que la commune publie", "en": "What the commune publishes"},
    "sheet.scdl": {"fr": "Couverture du Socle commun des données locales (SCDL)",
                   "en": "Coverage of the common local data standard (SCDL)"},
    "sheet.findings": {"fr": "Constats, par priorité", "en": "Findings, by priority"},
    "sheet.changes": {"fr": "Ce qui a changé depuis le mois dernier", "en": "What changed since last month"},
    "sheet.no_findings": {"fr": "Aucun constat : bravo.", "en": "No finding: well done."},
    "sheet.no_datasets": {"fr": "Aucun jeu de données trouvé sur les portails collectés.",
                          "en": "No dataset found on the portals crawled."},
    "sheet.fixed_list": {"fr": "Constats corrigés", "en": "Fixed findings"},
    "sheet.new_list": {"fr": "Nouveaux constats", "en": "New findings"},
    "sheet.mqa": {"fr": "Score MQA (data.europa.eu)", "en": "MQA score (data.europa.eu)"},
    "sheet.datagouv_mean": {"fr": "Score data.gouv.fr moyen", "en": "Mean data.gouv.fr score"},
    "sheet.examined": {"fr": "Portails examinés : {portals}.", "en": "Portals searched: {portals}."},
    "sheet.blind_spots": {"fr": "Non collectés en entier, où elle peut publier : {portals}.",
                          "en": "Not crawled in full, where it may publish: {portals}."},
    "sheet.back": {"fr": "Tableau de bord", "en": "Dashboard"},
    "sheet.how_to_fix": {"fr": "Comment corriger", "en": "How to fix"},
    "sheet.dataset": {"fr": "Jeu concerné", "en": "Dataset"},
    "sheet.file": {"fr": "Fichier concerné", "en": "File"},
    "sheet.waived": {"fr": "Dérogation jusqu'au {date} : {why}", "en": "Waived until {date}: {why}"},
    # gap report
    "gaps.obligations": {"fr": "Obligations manquantes, par nombre de communes", "en": "Missing obligations, by number of communes"},
    "gaps.scdl": {"fr": "Jeux SCDL manquants, par nombre de communes", "en": "Missing SCDL datasets, by number of communes"},
    "gaps.rows": {"fr": "Tous les écarts, classés", "en": "Every gap, ranked"},
    "gaps.ranking": {"fr": "Classement : obligations (erreurs d'abord) puis jeux SCDL ; à gravité égale, "
                           "les communes les plus peuplées d'abord.",
                     "en": "Ranking: obligations (errors first), then SCDL datasets; at equal severity, "
                           "the most populated communes first."},
    "gaps.none": {"fr": "Aucun écart.", "en": "No gap."},
    # markdown
    "count.communes": {"fr": "{n} commune(s)", "en": "{n} commune(s)"},
    "count.inhabitants": {"fr": "{n} hab.", "en": "{n} inhabitants"},
    "md.summary": {"fr": "Synthèse", "en": "Summary"},
    # sheets and file names
    "sheet.name.communes": {"fr": "Communes", "en": "Communes"},
    "sheet.name.findings": {"fr": "Constats", "en": "Findings"},
    "sheet.name.gaps": {"fr": "Écarts", "en": "Gaps"},
    "sheet.name.portals": {"fr": "Portails", "en": "Portals"},
    "sheet.name.unresolved": {"fr": "Producteurs non attribués", "en": "Unresolved publishers"},
    "sheet.name.quality": {"fr": "Qualité data.gouv.fr", "en": "data.gouv.fr quality"},
    # self-check in the terminal (auditor check, auditor ci)
    "check.schema": {"fr": "Schéma : {name} {version}", "en": "Schema: {name} {version}"},
    "check.guessed": {"fr": " (deviné : {confidence})", "en": " (guessed: {confidence})"},
    "check.no_schema": {"fr": "Aucun schéma : seule la lecture a été vérifiée.", "en": "No schema: only reading was checked."},
    "check.candidate": {"fr": "candidat : {name}@{version} ({confidence}, {pct} %)",
                        "en": "candidate: {name}@{version} ({confidence}, {pct}%)"},
    "check.rows": {"fr": "{n} ligne(s) lue(s)", "en": "{n} row(s) read"},
    "check.contracts": {"fr": "{n} contrat(s) lu(s)", "en": "{n} contract(s) read"},
    "check.delimiter": {"fr": "séparateur « {delimiter} »", "en": "delimiter “{delimiter}”"},
    "check.valid": {"fr": "conforme", "en": "compliant"},
    "check.invalid": {"fr": "non conforme", "en": "not compliant"},
    "check.readable": {"fr": "lisible ; contenu non validé faute de schéma", "en": "readable; content not validated (no schema)"},
    "check.unusable": {"fr": "contenu non validé : le schéma est inutilisable (voir ci-dessous)",
                       "en": "content not validated: the schema is unusable (see below)"},
    "check.partial": {"fr": "conforme pour ce qui a pu être vérifié : un contrôle du schéma n'a pas pu s'appliquer",
                      "en": "compliant as far as it could be checked: a check of the schema could not run"},
    "check.basis": {"fr": "Fondement : {text}", "en": "Basis: {text}"},
    "check.known": {"fr": " [connu]", "en": " [known]"},
    "check.known_some": {"fr": " [{n} connu(s)]", "en": " [{n} known]"},
    "check.group_head": {"fr": "{head} : {count}", "en": "{head}: {count}"},
    "check.group_rows": {"fr": "{n} ligne(s)", "en": "{n} row(s)"},
    "check.group_count": {"fr": "{n} constat(s)", "en": "{n} finding(s)"},
    "check.expected": {"fr": "Attendu : {text}", "en": "Expected: {text}"},
    "check.rows_list": {"fr": "Lignes : {rows}", "en": "Rows: {rows}"},
    "check.fields_list": {"fr": "Colonnes : {fields}", "en": "Columns: {fields}"},
    "check.fix": {"fr": "Correction : {fix}", "en": "Fix: {fix}"},
    "check.row": {"fr": "ligne {n}", "en": "row {n}"},
    "check.column": {"fr": "colonne {n}", "en": "column {n}"},
    "check.column_named": {"fr": "Colonne {n} « {name} »", "en": "Column {n} “{name}”"},
    "check.field": {"fr": "« {name} »", "en": "“{name}”"},
    "check.summary": {"fr": "{n} élément(s) vérifié(s), {bad} non conforme(s) : {error} erreur(s), "
                            "{warning} avertissement(s), {info} information(s).",
                      "en": "{n} item(s) checked, {bad} not compliant: {error} error(s), {warning} warning(s), {info} info."},
    # CLI
    "cli.no_run": {"fr": "Aucun audit terminé dans l'historique {store} : lancez d'abord `auditor audit`.",
                   "en": "No complete audit in the history {store}: run `auditor audit` first."},
    "cli.unknown_run": {"fr": "Audit n° {run} introuvable ou inachevé dans {store}.",
                        "en": "Audit #{run} not found or not complete in {store}."},
    "cli.unknown_commune": {"fr": "Commune « {commune} » inconnue de l'audit n° {run}.",
                            "en": "Commune “{commune}” unknown to audit #{run}."},
    "cli.written": {"fr": "Rapport écrit dans {path}", "en": "Report written to {path}"},
    "cli.unwritable": {"fr": "Écriture impossible dans {path} : {error}", "en": "Cannot write to {path}: {error}"},
    "cli.xlsx_needs_output": {"fr": "--format xlsx écrit un fichier : indiquez --output.",
                              "en": "--format xlsx writes a file: give --output."},
    "cli.history.empty": {"fr": "Historique vide.", "en": "Empty history."},
    "cli.history.header": {"fr": "{id:>5}  {date:<20} {as_of:<11} {kind:<6} {status:<12} {datasets:>6} {error:>7} {warning:>7} {info:>7} {waived:>7}",
                           "en": "{id:>5}  {date:<20} {as_of:<11} {kind:<6} {status:<12} {datasets:>6} {error:>7} {warning:>7} {info:>7} {waived:>7}"},
    "cli.history.compare": {"fr": "Audit n° {a} → n° {b} : {new} nouveau(x), {fixed} corrigé(s), {open} toujours ouvert(s).",
                            "en": "Audit #{a} → #{b}: {new} new, {fixed} fixed, {open} still open."},
    "cli.history.by_commune": {"fr": "Communes qui ont changé :", "en": "Communes that changed:"},
    "cli.history.by_rule": {"fr": "Règles qui ont changé :", "en": "Rules that changed:"},
    "cli.history.total": {"fr": "Total ({changed} sur {n} ont changé)", "en": "Total ({changed} of {n} changed)"},
    "cli.history.unverified": {"fr": "{n} constat(s) non vérifiable(s) : un portail, un fichier ou une obligation n'a pas pu être examiné dans l'un des deux audits.",
                               "en": "{n} finding(s) could not be verified: a portal, a file or an obligation could not be examined in one of the two audits."},
    "cli.history.line": {"fr": "  {name:<34} +{new:<4} -{fixed:<4} ={open}", "en": "  {name:<34} +{new:<4} -{fixed:<4} ={open}"},
    "run.status.complete": {"fr": "terminé", "en": "complete"},
    "run.status.running": {"fr": "en cours", "en": "running"},
    "run.status.interrupted": {"fr": "interrompu", "en": "interrupted"},
    "run.status.failed": {"fr": "échec", "en": "failed"},
    "run.status.partial": {"fr": "partiel", "en": "partial"},
    "cli.history.not_collected": {"fr": "       non collectés en entier : {portals}", "en": "       not crawled in full: {portals}"},
    "cli.history.failed": {"fr": "       {error}", "en": "       {error}"},
    # the web service (auditor serve): its pages and its API's answers
    "service.title": {"fr": "Vérifier un fichier de données",
                      "en": "Check a data file"},
    "service.too_large": {"fr": "Fichier trop volumineux : la limite est de {size}.",
                          "en": "File too large: the limit is {size}."},
    "service.method": {"fr": "Méthode non autorisée pour cette adresse.",
                       "en": "Method not allowed for this address."},
    "service.bad_request": {"fr": "Demande invalide.",
                            "en": "Bad request."},
    "service.no_input": {"fr": "Choisissez un fichier ou donnez une adresse.",
                         "en": "Choose a file or give a URL."},
    "service.not_found": {"fr": "Page introuvable.",
                          "en": "Page not found."},
    "service.error": {"fr": "Une erreur est survenue ; elle a été enregistrée. Réessayez ou contactez l'équipe "
                            "open data.",
                      "en": "Something went wrong; it has been logged. Try again or contact the open data team."},
    "service.no_run": {"fr": "Aucun audit enregistré pour le moment.",
                       "en": "No audit stored yet."},
    "service.busy": {"fr": "Un audit est déjà en cours.",
                     "en": "An audit is already running."},
    "service.started": {"fr": "Audit lancé.",
                        "en": "Audit started."},
    "service.forbidden": {"fr": "Jeton d'accès manquant ou invalide.",
                          "en": "Missing or invalid access token."},
    "service.bad_schema": {"fr": "Schéma inconnu : {detail}",
                           "en": "Unknown schema: {detail}"},
    "service.catalog": {"fr": "Catalogue des schémas indisponible pour le moment ({detail}) : réessayez plus "
                              "tard.",
                        "en": "The schema catalogue is unavailable for now ({detail}): try again later."},
    "service.unreadable": {"fr": "Ce fichier n'a pas pu être vérifié : il est illisible, endommagé ou trop "
                                 "complexe pour être lu sans risque.",
                           "en": "This file could not be checked: it is unreadable, damaged or too complex to "
                                 "read safely."},
    "service.bad_url": {"fr": "Adresse illisible : {detail}",
                        "en": "Unreadable URL: {detail}"},
    "service.bad_json": {"fr": "Demande invalide : le corps JSON est illisible ou trop imbriqué.",
                         "en": "Bad request: the JSON body is unreadable or nested too deeply."},
    "service.store": {"fr": "L'historique des audits est illisible pour le moment ; réessayez plus tard.",
                      "en": "The audit history cannot be read for now; try again later."},
    "service.bad_host": {"fr": "Nom d'hôte non autorisé : « {detail} ». Ce service ne répond qu'à ses propres "
                               "noms (option --allowed-host de « auditor serve », ou allowed_hosts dans la "
                               "section [serve] de la configuration).",
                         "en": "Host name not allowed: “{detail}”. This service answers only to its own names "
                               "(--allowed-host option of “auditor serve”, or allowed_hosts in the [serve] "
                               "section of the configuration)."},
    "service.cross_origin": {"fr": "Demande refusée : elle vient d'une autre origine ({detail}) que ce service. "
                                   "Utilisez les pages du service lui-même.",
                             "en": "Request refused: it comes from another origin ({detail}) than this service. "
                                   "Use the service's own pages."},
    "service.stale_form": {"fr": "Formulaire refusé : il ne vient pas de la page des audits de ce service, ou le "
                                 "service a redémarré depuis. Rechargez la page et recommencez.",
                           "en": "Form refused: it does not come from this service's audits page, or the service "
                                 "has restarted since. Reload the page and try again."},
    # the service's pages
    "service.audits": {"fr": "Audits du territoire", "en": "Territory audits"},
    "service.audit_running": {"fr": "Audit en cours", "en": "Audit running"},
    "service.run_audit": {"fr": "Lancer un audit maintenant", "en": "Run an audit now"},
    "service.started_at": {"fr": "Début", "en": "Start"},
    "service.not_collected": {"fr": "non collectés : ", "en": "not crawled: "},
    "service.check_a_file": {"fr": "Vérifier un fichier", "en": "Check a file"},
    "service.file": {"fr": "Fichier (CSV, XLSX ou JSON)", "en": "File (CSV, XLSX or JSON)"},
    "service.max_size": {"fr": "Taille maximale : ", "en": "Maximum size: "},
    "service.or_url": {"fr": "… ou adresse du fichier", "en": "… or the file's URL"},
    "service.schema": {"fr": "Schéma", "en": "Schema"},
    "service.schema_help": {"fr": "Laissez « Deviner » : le schéma est reconnu d'après les colonnes. Sinon "
                                  "choisissez-le, dans sa dernière version ou une version précise.",
                            "en": "Leave “Guess”: the schema is recognised from the columns. Otherwise pick it, in "
                                  "its latest version or a given one."},
    "service.guess": {"fr": "Deviner d'après les colonnes", "en": "Guess from the columns"},
    "service.latest": {"fr": "dernière version", "en": "latest version"},
    "service.catalog_down": {"fr": "Catalogue des schémas indisponible pour le moment : le schéma sera deviné "
                                   "d'après les colonnes.",
                             "en": "The schema catalogue is unavailable for now: the schema will be guessed from "
                                   "the columns."},
    "service.check": {"fr": "Vérifier", "en": "Check"},
    "service.cannot": {"fr": "Impossible de traiter la demande", "en": "The request cannot be processed"},
    "service.back": {"fr": "Retour", "en": "Back"},
    "service.column": {"fr": "Colonne", "en": "Column"},
}


def t(key: str, lang: str = "fr", **values: object) -> str:
    """The message ``key`` in ``lang`` (French if it has no ``lang`` text), filled with ``values``."""
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
