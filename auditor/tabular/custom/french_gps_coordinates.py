"""Contrôle ``french-gps-coordinates`` : un point géographique situé en France.

Ce qui est vérifié
    Le point (longitude, latitude) d'une colonne ``geopoint`` doit se trouver strictement à l'intérieur de l'un
    des six rectangles de Validata : France métropolitaine (longitude -5.141277 à 9.560091, latitude 41.333571 à
    51.088989), Guadeloupe, Martinique, Guyane, La Réunion, Mayotte. Les rectangles débordent un peu : un point
    proche de la France, hors de ses frontières, peut passer. Un point hors des rectangles dont l'inverse
    (latitude, longitude) y tombe est signalé comme coordonnées inversées.

Paramètres
    ``column`` : le nom de la colonne (de type ``geopoint``).

Exemple
    ``{"name": "french-gps-coordinates", "params": {"column": "coordonneesxy"}}``. Le schéma
    stationnement-cyclable 1.1.2 l'écrit ``french_gps_coordinates`` : Validata 0.9.7 ne connaît pas ce nom
    (erreur « custom check inconnu ») ; nous l'acceptons comme synonyme (écart voulu, voir ``ALIASES``).

Ce qui est ignoré
    Le contrôle ne s'applique pas si la colonne est absente du fichier ; une cellule vide, manquante ou en erreur
    de type n'est pas contrôlée.

Messages
    code ``french-gps-coordinates`` : « La valeur « [2.35, 148.85] » ne correspond pas à des coordonnées GPS
    françaises valides. » ; code ``reversed-french-gps-coordinates`` : « La valeur « [48.85, 2.35] » correspond à
    des coordonnées GPS françaises inversées. » Le point est écrit ``[longitude, latitude]``, comme Validata.

Écart documenté
    Une colonne qui n'est pas de type ``geopoint`` fait planter Validata ; ici une valeur qui n'est pas un point
    (ni une paire de nombres) reçoit l'erreur ``french-gps-coordinates``.

Mise en œuvre
    Vectorisée : les points écrits ``lon, lat`` ou ``[lon, lat]`` sont lus par pyarrow depuis le texte des
    cellules et testés par numpy ; les autres écritures passent par la valeur lue.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import SingleColumnCheck, cell_findings, quoted, shown

CODE = "french-gps-coordinates"
REVERSED = "reversed-french-gps-coordinates"

# (name, lon min, lat min, lon max, lat max), Validata's bounding boxes
BOXES = [
    ("Guadeloupe", -61.809839, 15.832041, -61.001959, 16.514488),
    ("Martinique", -61.229033, 14.388646, -60.809655, 14.878723),
    ("Guyane", -54.60239, 2.111055, -51.619041, 5.748138),
    ("La Réunion", 55.216526, -21.389631, 55.836654, -20.8718),
    ("Mayotte", 45.01833, -13.005254, 45.299985, -12.63659),
    ("France", -5.141277, 41.333571, 9.560091, 51.088989),
]

_NUM = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"  # Decimal's usual numbers
_JSON_NUM = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
_WRITTEN = {
    "default": rf"^\s*(?P<lon>{_NUM})\s*,\s*(?P<lat>{_NUM})\s*$",
    "array": rf"^[ \t\n\r]*\[[ \t\n\r]*(?P<lon>{_JSON_NUM})[ \t\n\r]*,[ \t\n\r]*(?P<lat>{_JSON_NUM})[ \t\n\r]*\][ \t\n\r]*$",
}


def in_france(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Points strictly inside one of the boxes (a point on an edge is outside, as for shapely's ``within``)."""
    inside = np.zeros(len(lon), dtype=bool)
    for _, x0, y0, x1, y1 in BOXES:
        inside |= (lon > x0) & (lon < x1) & (lat > y0) & (lat < y1)
    return inside


def _pair(value) -> tuple[float, float]:
    """(lon, lat) of a parsed point, NaNs when the value is not a pair of numbers."""
    try:
        lon, lat = value
        return float(lon), float(lat)
    except (TypeError, ValueError, OverflowError):
        return np.nan, np.nan


def points(col, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes of the values of rows ``idx`` (NaN where the value is not a point)."""
    lon, lat = np.full(len(idx), np.nan), np.full(len(idx), np.nan)
    done = np.zeros(len(idx), dtype=bool)
    pattern = _WRITTEN.get(col.field.get("format") or "default") if col.type == "geopoint" else None
    if pattern is not None:
        parts = pc.extract_regex(col.raw.take(pa.array(idx)), pattern)
        done = np.array(pc.is_valid(parts), dtype=bool)
        if done.any():
            found = parts.filter(pa.array(done))
            lon[done] = np.asarray(pc.cast(pc.struct_field(found, "lon"), pa.float64()), dtype=float)
            lat[done] = np.asarray(pc.cast(pc.struct_field(found, "lat"), pa.float64()), dtype=float)
    for k in np.nonzero(~done)[0]:
        lon[k], lat[k] = _pair(col.value(int(idx[k])))
    return lon, lat


class Check(SingleColumnCheck):
    code = CODE

    def check_values(self, col, idx):
        lon, lat = points(col, idx)
        outside = ~in_france(lon, lat)
        reversed_ = outside & in_france(lat, lon)
        wrong = outside & ~reversed_

        def wrong_message(i):
            v = quoted(shown(col, i))
            return (f"La valeur « {v} » ne correspond pas à des coordonnées GPS françaises valides.",
                    f"'{v}' is not a valid French GPS position.")

        def reversed_message(i):
            v = quoted(shown(col, i))
            return (f"La valeur « {v} » correspond à des coordonnées GPS françaises inversées.",
                    f"'{v}' is a French GPS position with latitude and longitude swapped.")

        return cell_findings(CODE, col, idx[wrong], wrong_message) + \
            cell_findings(REVERSED, col, idx[reversed_], reversed_message)
