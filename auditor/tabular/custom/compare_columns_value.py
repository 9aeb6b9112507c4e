"""Contrôle ``compare-columns-value`` : comparaison des valeurs de deux colonnes d'une même ligne.

Ce qui est vérifié
    Quand les deux colonnes ont une valeur, la valeur de ``column`` doit être supérieure (``>``), supérieure ou
    égale (``>=``), égale (``==``), inférieure ou égale (``<=``) ou inférieure (``<``) à celle de ``column2``.
    Comme Validata 0.9.7, la comparaison dépend des valeurs lues :

    - deux nombres, ou textes qui se lisent comme des nombres (``"10"`` face à l'entier ``9``) : comparaison
      numérique (``"10" > 9``) ;
    - deux textes : ordre alphabétique des caractères (``"b" > "a"``, ``"10" < "9"`` si l'un n'est pas un
      nombre... mais ``"10" > "9"`` quand les deux se lisent comme des nombres) ;
    - deux valeurs d'un même autre type (dates, dates et heures, heures, booléens) : comparaison de leur écriture
      (ISO pour les dates : ``2021-03-01 >= 2021-02-15``) ;
    - sinon (un texte face à une date, une date face à un nombre...) : les valeurs ne sont pas comparables, ce
      qui est une erreur.

Paramètres
    ``column`` : la première colonne (l'erreur y est rattachée) ; ``column2`` : la seconde ; ``op`` : ``>``,
    ``>=``, ``==``, ``<=`` ou ``<``.

Exemple
    ``{"name": "compare-columns-value", "params": {"column": "PREF_DATE", "op": ">=", "column2": "DELIB_DATE"}}``

Ce qui est ignoré
    Le contrôle ne s'applique pas si aucune des deux colonnes n'est dans le fichier. Une ligne n'est pas contrôlée
    si l'une des deux valeurs manque (cellule vide, valeur manquante, erreur de type).

Erreurs de démarrage (``check-error``, le contrôle n'est alors pas appliqué)
    une des deux colonnes absente (« La colonne X n'est pas trouvée. ») ; opérateur inconnu.

Messages
    « La valeur de la colonne VOTE_REEL « 3 » devrait être supérieure ou égale à la valeur de la colonne
    VOTE_POUR « 5 ». » ; « La valeur de la colonne A « abc » n'est pas comparable avec la valeur de la colonne B
    « 2021-01-01 ». »

Écart documenté (Validata s'interrompt)
    Validata évalue la comparaison comme une expression Python (simpleeval) écrite avec les deux valeurs. Quand
    cette expression ne peut pas être évaluée, toute sa validation s'arrête sur une erreur unique (``task-error``) :
    valeur ``NaN`` ou ``Infinity``, texte numérique à zéros en tête (``"007"``), chiffres non latins, texte
    contenant une barre oblique inverse ou un retour à la ligne... Nous ne nous arrêtons jamais : une telle ligne
    reçoit l'erreur « n'est pas comparable » et la validation continue.

Mise en œuvre
    Vectorisée : nombres comparés par numpy, textes et écritures (dates) par pyarrow ; seules les valeurs
    inhabituelles (ci-dessus, très grands entiers, types rares) passent par l'évaluation de référence `reference`,
    qui reproduit celle de Validata.
"""

from __future__ import annotations

import ast
import operator
import warnings
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import TEXT_TYPES, Finding, MultiColumnCheck, absent_columns, check_error, matches, np_bool, quoted, shown

CODE = "compare-columns-value"

OPS = {
    ">": ("supérieure", "greater than"),
    ">=": ("supérieure ou égale", "greater than or equal to"),
    "==": ("égale", "equal to"),
    "<=": ("inférieure ou égale", "less than or equal to"),
    "<": ("inférieure", "less than"),
}
_NP = {">": np.greater, ">=": np.greater_equal, "==": np.equal, "<=": np.less_equal, "<": np.less}
_PA = {">": pc.greater, ">=": pc.greater_equal, "==": pc.equal, "<=": pc.less_equal, "<": pc.less}

NUMERIC_TYPES = ("integer", "number", "year")
WRITTEN_TYPES = ("date", "datetime", "time", "boolean")  # compared through their str(), type by type
_EXACT = 2.0 ** 53  # beyond, float64 no longer holds every integer: Python compares those
_MAX_LITERAL = 100_000  # simpleeval refuses longer string literals

# Texts pyarrow reads as numbers exactly as Python would read them in an expression.
_PLAIN_INT = r"^[+-]?(?:[1-9][0-9]{0,14}|0)$"
_PLAIN_FLOAT = r"^[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+(?:\.[0-9]*)?[eE][+-]?[0-9]+)$"
# A text with an ASCII character float() never accepts (and that is not a digit) is not a number for Validata.
_NOT_NUMBER = r"[^0-9+\-._eEiInNfFtTyYaA\t\n\x0b\x0c\r \x1c-\x1f\x{80}-\x{10FFFF}]"
# Characters that change a string literal (escapes, line ends, NUL): such texts are compared by `reference`.
_UNSAFE_LITERAL = r"[\\\n\r\x00]"

# ----------------------------------------------------------------------------------------------- reference


def is_a_number(value) -> bool:
    """Validata's test: a number, or a text that is numeric or that ``float()`` reads."""
    if type(value) in (int, float) or isinstance(value, Decimal):
        return True
    if not isinstance(value, str):
        return False
    if value.isnumeric():
        return True
    try:
        float(value)
        return True
    except ValueError:
        return False


def expression(v1, op: str, v2) -> str | None:
    """The expression Validata writes for the two values, None when they are not comparable."""
    if is_a_number(v1) and is_a_number(v2):
        return f"{v1} {op} {v2}"
    if isinstance(v1, str) and isinstance(v2, str):
        a, b = v1.replace('"', '\\"'), v2.replace('"', '\\"')
        return f'"{a}" {op} "{b}"'
    if type(v1) == type(v2):  # noqa: E721 - Validata's exact test
        return f"'{v1}' {op} '{v2}'"
    return None


class _CannotEvaluate(Exception):
    pass


_COMPARE = {ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Eq: operator.eq, ast.LtE: operator.le,
            ast.Lt: operator.lt, ast.NotEq: operator.ne, ast.Is: operator.is_, ast.IsNot: operator.is_not,
            ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_, ast.Invert: operator.invert}
_NAMES = {"True": True, "False": False, "None": None}


def _evaluate(node):
    """The value of a parsed expression made of literals, names True/False/None, unary operators, boolean
    operators and comparisons (all a comparison of two cell values can produce); anything else cannot be
    evaluated."""
    if isinstance(node, ast.Expr):
        return _evaluate(node.value)
    if isinstance(node, ast.Constant):
        if hasattr(node.value, "__len__") and len(node.value) > _MAX_LITERAL:
            raise _CannotEvaluate
        return node.value
    if isinstance(node, ast.Name) and node.id in _NAMES:
        return _NAMES[node.id]
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_evaluate(node.operand))
    if isinstance(node, ast.BoolOp):
        result = False
        for value in node.values:
            result = _evaluate(value)
            if isinstance(node.op, ast.And) != bool(result):
                break
        return result
    if isinstance(node, ast.Compare):
        right, result = _evaluate(node.left), True
        for op, comparator in zip(node.ops, node.comparators):
            if not result:
                break
            left, right = right, _evaluate(comparator)
            result = _COMPARE[type(op)](left, right)
        return result
    raise _CannotEvaluate


def reference(v1, op: str, v2) -> bool | None:
    """Validata's verdict on one row: True (the comparison holds), False (it does not), None (the values are not
    comparable, or their expression cannot be evaluated -- where Validata stops with a task-error)."""
    text = expression(v1, op, v2)
    if text is None:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            body = ast.parse(text.strip()).body
        if not body:
            return None
        return bool(_evaluate(body[0]))  # simpleeval evaluates the first statement only
    except Exception:  # noqa: BLE001 - any failure of the expression is Validata's task-error
        return None


# ----------------------------------------------------------------------------------------------- vectorised


class _Side:
    """How the values of one column read, for the rows ``rows`` (all present)."""

    def __init__(self, col, rows: np.ndarray):
        n = len(rows)
        self.isnum = np.zeros(n, dtype=bool)  # Validata's is_a_number
        self.isstr = np.zeros(n, dtype=bool)  # the value is a str
        self.slow = np.zeros(n, dtype=bool)  # only `reference` can tell
        self.x = np.full(n, np.nan)  # the number, where isnum and not slow
        self.s = pa.nulls(n, pa.string())  # the text compared, for str values and written types
        self.kind = col.type
        if col.type in NUMERIC_TYPES:
            self.isnum[:] = True
            self.x = np.asarray(col.number(), dtype=float)[rows]
            self.slow = ~np.isfinite(self.x) | (np.abs(self.x) >= _EXACT)
        elif col.type in TEXT_TYPES:
            self._texts(col, rows)
        elif col.type in WRITTEN_TYPES:
            self.s = pa.array(list(col.text()[rows]), type=pa.string())
        else:  # lists, objects, durations, points...: rare, left to `reference`
            self.slow[:] = True

    def _texts(self, col, rows):
        s = col.raw.take(pa.array(rows))
        self.s, self.isstr[:] = s, True
        plain = matches(s, _PLAIN_INT) | matches(s, _PLAIN_FLOAT)
        self.isnum = plain.copy()
        if plain.any():
            self.x[plain] = np.asarray(pc.cast(s.filter(pa.array(plain)), pa.float64()), dtype=float)
        unsure = np.nonzero(~plain & ~matches(s, _NOT_NUMBER))[0]
        for k in unsure:  # texts made of digits, signs, "inf"/"nan" letters, blanks or non-ASCII characters
            if is_a_number(s[int(k)].as_py()):
                self.isnum[k] = self.slow[k] = True
        long = np_bool(pc.greater(pc.utf8_length(s), _MAX_LITERAL))
        self.slow |= matches(s, _UNSAFE_LITERAL) | long


def verdicts(c1, c2, op: str, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(failing, not comparable) masks over ``rows``, where both values are present."""
    a, b = _Side(c1, rows), _Side(c2, rows)
    fails = np.zeros(len(rows), dtype=bool)
    slow = a.slow | b.slow
    numeric = a.isnum & b.isnum & ~slow
    fails[numeric] = ~_NP[op](a.x[numeric], b.x[numeric])
    texts = a.isstr & b.isstr & ~numeric & ~slow
    written = (a.kind in WRITTEN_TYPES) and a.kind == b.kind
    if written:
        texts |= ~slow
    if texts.any():
        keep = pa.array(texts)
        holds = np_bool(_PA[op](a.s.filter(keep), b.s.filter(keep)))
        fails[texts] = ~holds
    incomparable = ~(numeric | texts | slow)
    for k in np.nonzero(slow)[0]:
        i = int(rows[k])
        verdict = reference(c1.value(i), op, c2.value(i))
        if verdict is None:
            incomparable[k] = True
        else:
            fails[k] = not verdict
    return fails, incomparable


class Check(MultiColumnCheck):
    code = CODE

    def start_columns(self, cols, names):
        problems = absent_columns(CODE, cols, names)
        op = self.params.get("op")
        if op not in OPS:
            problems.append(check_error(CODE, f"L'opérateur « {op} » n'est pas géré.",
                                        f"Operator '{op}' is not supported."))
        return problems

    def run(self, view):
        name1, name2, op = self.params.get("column"), self.params.get("column2"), self.params.get("op")
        c1, c2 = view.column(name1), view.column(name2)
        if c1 is None or c2 is None or op not in OPS:  # an absent column has no value: nothing to compare
            return []
        rows = np.nonzero(c1.present & c2.present)[0]
        if not len(rows):
            return []
        fails, incomparable = verdicts(c1, c2, op, rows)
        bad = rows[fails | incomparable]
        if not len(bad):
            return []
        not_comparable = set(rows[incomparable].tolist())
        label_fr, label_en = OPS[op]

        def message(i):
            v1, v2 = quoted(shown(c1, i)), quoted(shown(c2, i))
            if i in not_comparable:
                return (f"La valeur de la colonne {name1} « {v1} » n'est pas comparable avec la valeur de la "
                        f"colonne {name2} « {v2} ».",
                        f"The value of column {name1} '{v1}' cannot be compared with the value of column "
                        f"{name2} '{v2}'.")
            return (f"La valeur de la colonne {name1} « {v1} » devrait être {label_fr} à la valeur de la colonne "
                    f"{name2} « {v2} ».",
                    f"The value of column {name1} '{v1}' should be {label_en} the value of column {name2} '{v2}'.")

        return [Finding(CODE, bad, message, field=name1, cell=lambda i: shown(c1, i))]
