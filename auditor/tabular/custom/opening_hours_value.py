"""Contrôle ``opening-hours-value`` : des horaires d'ouverture au format OpenStreetMap.

Ce qui est vérifié
    La valeur doit respecter la syntaxe ``opening_hours`` d'OpenStreetMap
    (https://wiki.openstreetmap.org/wiki/Key:opening_hours), jugée comme Validata 0.9.7 la juge : par la
    bibliothèque opening-hours-py 0.6.17 (``opening_hours.validate``). Exemples acceptés : ``24/7``,
    ``Mo-Fr 08:00-12:00,13:30-17:30; Sa 08:00-12:00; PH off``, ``sunrise-sunset``. Refusés : ``Lu-Ve 08:00-18:00``,
    ``Mo-Fr 8:00-18:00`` (heure sur un chiffre), ``mo-fr 08:00-18:00`` (minuscules), ``Mo-Fr 08:00+`` (instant
    isolé), ``Mo 10:00-12:00;`` (règle vide).

Paramètres
    ``column`` : le nom de la colonne.

Exemple
    ``{"name": "opening-hours-value", "params": {"column": "horaires"}}``

Ce qui est ignoré
    Le contrôle ne s'applique pas si la colonne est absente du fichier ; une cellule vide, manquante ou en erreur
    de type n'est pas contrôlée.

Message
    « La valeur « Lu-Ve 9h-12h » n'est pas une définition d'horaires d'ouverture correcte : elle doit respecter la
    spécification OpenStreetMap (https://wiki.openstreetmap.org/wiki/Key:opening_hours). »

Version de la bibliothèque
    Sous CPython 3.11 la dépendance est fixée à 0.6.17, la version de Validata (verdicts identiques). Cette version
    n'existe pas pour les Python plus récents, qui reçoivent la version courante : ses verdicts diffèrent sur
    quelques écritures (elle accepte par exemple ``Mo-Fr 8:00-18:00`` et les minuscules). Si la bibliothèque est
    introuvable, le contrôle signale une erreur de démarrage (``check-error``) au lieu de s'appliquer.

Écarts documentés
    Une valeur qui n'est pas du texte fait planter Validata ; elle est ici jugée sous sa forme écrite. Une panne
    interne de la bibliothèque sur une valeur (jamais observée) rend la valeur invalide au lieu d'interrompre la
    validation.

Mise en œuvre
    Les horaires se répètent beaucoup : pyarrow réduit le lot à ses valeurs distinctes, chacune est jugée une fois
    (et gardée en mémoire pour les lots suivants, dans une limite de taille), le verdict est reporté sur les lignes.
"""

from __future__ import annotations

from . import SingleColumnCheck, cell_findings, check_error, failing_distinct, quoted, texts

try:
    import opening_hours as _oh
except ImportError:  # pragma: no cover - the dependency is declared; a broken install must not crash
    _oh = None

CODE = "opening-hours-value"
SPEC = "https://wiki.openstreetmap.org/wiki/Key:opening_hours"
_CACHE_SIZE = 100_000
_cache: dict[str, bool] = {}


def is_valid(text: str) -> bool:
    """The library's verdict on one text (remembered)."""
    verdict = _cache.get(text)
    if verdict is None:
        try:
            verdict = bool(_oh.validate(text))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # noqa: BLE001 - a Rust panic surfaces as a BaseException: the value is invalid
            verdict = False
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        _cache[text] = verdict
    return verdict


class Check(SingleColumnCheck):
    code = CODE

    def start(self, names):
        found = super().start(names)
        if found is not None and _oh is None:
            return [check_error(CODE, "la bibliothèque opening_hours n'est pas installée.",
                                "the opening_hours library is not installed.")]
        return found

    def run(self, view):
        return [] if _oh is None else super().run(view)

    def check_values(self, col, idx):
        bad = idx[failing_distinct(texts(col, idx), lambda text: not is_valid(text))]

        def message(i):
            v = quoted(col.value(i))
            return (f"La valeur « {v} » n'est pas une définition d'horaires d'ouverture correcte : elle doit "
                    f"respecter la spécification OpenStreetMap ({SPEC}).",
                    f"'{v}' is not a valid opening hours definition: it must follow the OpenStreetMap "
                    f"specification ({SPEC}).")

        return cell_findings(CODE, col, bad, message)
