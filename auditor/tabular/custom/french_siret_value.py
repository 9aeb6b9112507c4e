"""Contrôle ``french-siret-value`` : la colonne contient un numéro SIRET valide.

Ce qui est vérifié
    Comme Validata (python-stdnum 1.19, ``stdnum.fr.siret.is_valid``) : la valeur, débarrassée de ses espaces et
    de ses points (variantes Unicode comprises, voir ``french_siren_value``) puis des blancs de début et de fin,
    doit compter exactement 14 chiffres ; la clé de Luhn doit être juste sur les 14 chiffres, sauf pour les
    établissements de La Poste (numéro commençant par ``356000000``, hors siège ``35600000000048``) dont la somme
    des chiffres doit être un multiple de 5 ; enfin les 9 premiers chiffres (le SIREN) doivent respecter la clé de
    Luhn. ``"732 829 320 00074"`` est valide, ``"73282932000075"`` ne l'est pas ; pour La Poste,
    ``"35600000000005"`` (somme 19) ne l'est pas et ``"35600000049837"`` (somme 45) l'est.

Paramètres
    ``column`` : le nom de la colonne.

Exemple
    ``{"name": "french-siret-value", "params": {"column": "idBeneficiaire"}}``

Ce qui est ignoré
    Le contrôle ne s'applique pas si la colonne est absente du fichier ; une cellule vide, manquante, en erreur de
    type ou de valeur « fausse » (``0``, ``False``) n'est pas contrôlée.

Valeurs non textuelles
    Une valeur lue comme nombre (colonne ``integer`` ou ``number``), date, booléen... n'est jamais un SIRET valide
    (stdnum refuse ce qui n'est pas du texte) : elle est signalée, comme par Validata.

Message
    « La valeur « 12345678900000 » n'est pas un numéro SIRET français valide. » (code ``french-siret-value``).

Mise en œuvre
    Vectorisée comme le contrôle SIREN : nettoyage par pyarrow, clés de Luhn et règle de La Poste sur une matrice
    de chiffres numpy ; seules les valeurs inhabituelles (caractères Unicode, blancs) passent par Python.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .french_siren_value import Check as SirenCheck, luhn_ok, valid_numbers

CODE = "french-siret-value"

_LA_POSTE = "356000000"  # SIREN of La Poste: the SIRETs of its establishments use another key...
_LA_POSTE_HEAD_OFFICE = "35600000000048"  # ...except its head office


def siret_valid(cleaned: pa.Array) -> np.ndarray:
    """stdnum's SIRET verdict for compacted values."""
    ok, numbers, digits = valid_numbers(cleaned, 14)
    if not len(digits):
        return ok
    la_poste = np.array(pc.and_(pc.starts_with(numbers, _LA_POSTE),
                                pc.not_equal(numbers, _LA_POSTE_HEAD_OFFICE)), dtype=bool)
    key = luhn_ok(digits)
    if la_poste.any():
        key[la_poste] = digits[la_poste].sum(axis=1) % 5 == 0
    ok[ok] = key & luhn_ok(digits[:, :9])
    return ok


class Check(SirenCheck):
    code = CODE
    noun = ("SIRET", "SIRET")

    def verdict(self, cleaned: pa.Array) -> np.ndarray:
        return siret_valid(cleaned)
