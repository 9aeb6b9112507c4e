"""Validata's custom checks (auditor.tabular.custom): failing rows, codes and French messages, start errors,
skipped columns, and the vectorised SIRET/SIREN keys against a plain per-value reference."""

from __future__ import annotations

import importlib
import importlib.metadata
from datetime import date
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings, strategies as st

from auditor.tabular.custom import MODULES, BatchView, StartError, build
from auditor.tabular.typed import TypedColumn
from auditor.tabular.types import Geopoint


def column(name, values, ftype="string", **field):
    return TypedColumn.from_values(name, values, {"name": name, "type": ftype, **field})


def view(*cols: TypedColumn) -> BatchView:
    return BatchView(cols[0].n, {c.name: c for c in cols})


def errors(name, params, *cols):
    """(code, batch row, field, French message) of every finding, after a successful start."""
    check = build(name, params)
    assert check.start([c.name for c in cols]) == []
    found = []
    for finding in check.run(view(*cols)):
        for i in finding.idx.tolist():
            found.append((finding.code, i, finding.field, finding.message(i)[0]))
    return sorted(found, key=lambda e: (e[1], e[0]))


def rows(found):
    return [e[1] for e in found]


# ----------------------------------------------------------------------------------------------- SIRET / SIREN


def test_siret_keys_la_poste_and_cleaning():
    values = ["73282932000074", "732 829 320 00074", "73282932000075", "35600000049837", "35600000000005",
              "35600000000048", "12345678000006", "1234", "", None, "7328293200007A", "\u00a0732829320\u00a000074",
              "73282932000074\t", "\uff17\uff13\uff12829320 00074", "732.829.320.00074"]
    found = errors("french-siret-value", {"column": "siret"}, column("siret", values))
    # 12345678000006: right 14-digit key but its SIREN 123456780 is wrong; 35600000000005: La Poste, sum 19
    assert rows(found) == [2, 4, 6, 7, 10]
    assert found[0] == ("french-siret-value", 2, "siret",
                        "La valeur « 73282932000075 » n'est pas un numéro SIRET français valide.")


def test_siret_numbers_are_never_valid_and_zero_is_skipped():
    found = errors("french-siret-value", {"column": "s"}, column("s", [73282932000074, 0, None], "integer"))
    assert found == [("french-siret-value", 0, "s",
                      "La valeur « 73282932000074 » n'est pas un numéro SIRET français valide.")]


def test_siren():
    values = ["732829320", "732829321", "732 829 320", "73282932", "732829320 ", "abc", None]
    found = errors("french-siren-value", {"column": "siren"}, column("siren", values))
    assert rows(found) == [1, 3, 5]
    assert found[0][3] == "La valeur « 732829321 » n'est pas un numéro SIREN français valide."
    check = build("french-siren-value", {"column": "siren"})
    assert check.run(view(column("siren", values))) and check.start(["siren"]) == []
    en = check.run(view(column("siren", values)))[0].message(1)[1]
    assert en == "'732829321' is not a valid French SIREN number."


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        d = int(char) * (2 if position % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _reference(value: str, width: int) -> bool:
    """Plain per-value SIREN (9) / SIRET (14) verdict, python-stdnum's rules on this test's alphabet."""
    text = value.replace("\u00a0", "").replace(" ", "").replace(".", "").strip()
    if len(text) != width or any(c not in "0123456789" for c in text):
        return False
    if width == 9:
        return _luhn(text)
    if text.startswith("356000000") and text != "35600000000048":
        key = sum(int(c) for c in text) % 5 == 0
    else:
        key = _luhn(text)
    return key and _luhn(text[:9])


def _with_key(prefix: str) -> str:
    return next(prefix + d for d in "0123456789" if _luhn(prefix + d))


_digits = st.text(alphabet="0123456789", min_size=8, max_size=13)
_candidates = st.one_of(
    st.text(alphabet="0123456789 .\u00a0\ta", max_size=18),
    st.integers(0, 10**14 - 1).map(lambda n: f"{n:014d}"),
    st.integers(0, 10**9 - 1).map(lambda n: f"{n:09d}"),
    st.integers(0, 10**5 - 1).map(lambda n: f"356000000{n:05d}"),
    _digits.map(_with_key),
    st.integers(0, 10**8 - 1).map(lambda n: _with_key(f"{n:08d}")).flatmap(
        lambda siren: st.integers(0, 9999).map(lambda n: _with_key(f"{siren}{n:04d}"))),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_candidates, min_size=1, max_size=60))
def test_vectorised_keys_equal_the_per_value_reference(values):
    col = column("n", values)
    for name, width in (("french-siren-value", 9), ("french-siret-value", 14)):
        expected = [i for i, v in enumerate(values) if v and not _reference(v, width)]
        assert rows(errors(name, {"column": "n"}, col)) == expected


# ----------------------------------------------------------------------------------------------- compare


@pytest.mark.parametrize("op, failing, label", [
    (">", [1, 2], "supérieure"), (">=", [2], "supérieure ou égale"), ("==", [0, 2], "égale"),
    ("<=", [0], "inférieure ou égale"), ("<", [0, 1], "inférieure"),
])
def test_compare_each_operator(op, failing, label):
    a = column("a", [5, 5, 5, None, 5], "integer")
    b = column("b", [3, 5, 7, 1, None], "integer")
    found = errors("compare-columns-value", {"column": "a", "column2": "b", "op": op}, a, b)
    assert rows(found) == failing
    i = failing[0]
    assert found[0] == ("compare-columns-value", i, "a",
                        f"La valeur de la colonne a « 5 » devrait être {label} à la valeur de la colonne b "
                        f"« {[3, 5, 7][i]} ».")


def test_compare_reads_values_like_validata():
    a = column("a", ["10", "abc", "b", "10", "1E+1", "x"])
    b = column("b", [9, "abd", "a", "9", "9.5", "10"], "any")
    # "10" > 9 numerically; "abc" < "abd"; "b" > "a"; "10" > "9" (both numeric); 1E+1 > 9.5; "x" > "10" (texts)
    assert errors("compare-columns-value", {"column": "a", "column2": "b", "op": ">"}, a, b) == [
        ("compare-columns-value", 1, "a",
         "La valeur de la colonne a « abc » devrait être supérieure à la valeur de la colonne b « abd ».")]


def test_compare_dates_and_incomparable_values():
    pref = column("pref", [date(2021, 3, 1), date(2021, 1, 1), date(2021, 1, 1)], "date")
    delib = column("delib", [date(2021, 2, 15), date(2021, 2, 15), None], "date")
    found = errors("compare-columns-value", {"column": "pref", "column2": "delib", "op": ">="}, pref, delib)
    assert found == [("compare-columns-value", 1, "pref",
                      "La valeur de la colonne pref « 2021-01-01 » devrait être supérieure ou égale à la valeur "
                      "de la colonne delib « 2021-02-15 ».")]
    text = column("t", ["abc", "2021-01-01", "12"])
    when = column("d", [date(2021, 1, 1)] * 3, "date")
    found = errors("compare-columns-value", {"column": "t", "column2": "d", "op": "=="}, text, when)
    assert rows(found) == [0, 1, 2]
    assert found[0][3] == ("La valeur de la colonne t « abc » n'est pas comparable avec la valeur de la colonne d "
                           "« 2021-01-01 ».")


def test_compare_values_validata_cannot_evaluate_are_incomparable():
    # Validata stops with a task-error on these (NaN, infinity, a leading-zero number, a final backslash):
    # we report the row as not comparable and go on
    params = {"column": "a", "column2": "b", "op": ">="}
    a = column("a", [Decimal("NaN"), Decimal("Infinity"), Decimal("1E+400"), Decimal(2)], "number")
    b = column("b", [1, 1, 1, 2**60 + 1], "integer")
    found = errors("compare-columns-value", params, a, b)
    assert [(e[1], "n'est pas comparable" in e[3]) for e in found] == [(0, True), (1, True), (3, False)]
    a = column("a", ["007", "dossier\\", "nan", "C:\\dossier", "12345678901234567891"])
    b = column("b", ["3", "x", "1", "x", "12345678901234567890"])
    found = errors("compare-columns-value", params, a, b)
    # "C:\dossier" < "x" (an unknown escape stays as written); the big integers compare exactly
    assert [(e[1], "n'est pas comparable" in e[3]) for e in found] == [(0, True), (1, True), (2, True), (3, False)]


def test_compare_start_errors_and_skipping():
    check = build("compare-columns-value", {"column": "a", "column2": "b", "op": ">"})
    assert check.start(["x"]) is None  # neither column: silently skipped
    assert check.start(["a"]) == [StartError("check-error", "'compare-columns-value' : La colonne b n'est pas "
                                                            "trouvée.", "'compare-columns-value': Column b not found.")]
    bad_op = build("compare-columns-value", {"column": "a", "column2": "b", "op": "!="})
    assert [e.fr for e in bad_op.start(["a", "b"])] == ["'compare-columns-value' : L'opérateur « != » n'est pas géré."]
    no_second = build("compare-columns-value", {"column": "a", "op": ">"}).start(["a"])
    assert [e.code for e in no_second] == ["check-error"] and "column2" in no_second[0].fr
    assert check.run(view(column("a", [1, 2], "integer"))) == []  # an absent column has no value


# ----------------------------------------------------------------------------------------------- cohesive


def test_cohesive_columns():
    t = column("t", ["x", None, "", "y", None])
    a = column("a", [1, None, None, 0, 1], "integer")
    b = column("b", ["z", None, None, "", None])
    found = errors("cohesive-columns-value", {"column": "t", "othercolumns": ["a", "b"]}, t, a, b)
    assert found == [(
        "cohesive-columns-value", i, "t",
        "Incohérence relevée : les colonnes t, a, b doivent toutes comporter une valeur ou toutes être vides.")
        for i in (3, 4)]
    check = build("cohesive-columns-value", {"column": "t", "othercolumns": ["a", "b"]})
    assert [f.cell(4) for f in check.run(view(t, a, b))] == ["None"]  # Validata prints the missing value so


def test_cohesive_start_errors():
    params = {"column": "t", "othercolumns": ["a", "b"]}
    assert build("cohesive-columns-value", params).start(["z"]) is None
    assert [e.fr for e in build("cohesive-columns-value", params).start(["a", "b"])] == [
        "'cohesive-columns-value' : La colonne « t » est manquante."]
    assert [e.fr for e in build("cohesive-columns-value", params).start(["t", "a"])] == [
        "'cohesive-columns-value' : La colonne à comparer « b » est manquante."]
    empty = build("cohesive-columns-value", {"column": "t", "othercolumns": []}).start(["t"])
    assert [e.fr for e in empty] == ["'cohesive-columns-value' : La liste de colonnes à comparer est vide."]


# ----------------------------------------------------------------------------------------------- sum


def test_sum_columns():
    t = column("t", [3, 4, None, 5, 2**60, 7], "integer")
    a = column("a", [1, 2, 1, 2, 2**59, 3], "integer")
    b = column("b", ["2", "1", "1", " 3 ", "1152921504606846976", "abc"])
    found = errors("sum-columns-value", {"column": "t", "columns": ["a", "b"]}, t, a, b)
    assert rows(found) == [1, 4, 5]
    assert found[0] == ("sum-columns-value", 1, "t",
                        "La somme des valeurs des colonnes a (2), b (1) est 3, ce nombre est différent de celui "
                        "trouvé dans la colonne t (4).")
    assert found[2][3] == ("La somme de colonne ne peut être calculée : la valeur « abc » de la colonne b n'est pas "
                           "un nombre entier.")


def test_sum_takes_integer_parts():
    t = column("t", [Decimal("3.9"), Decimal("2.9999999999999999999"), Decimal(3)], "number")
    a = column("a", [Decimal("1.5"), Decimal(1), Decimal("-0.5")], "number")
    b = column("b", [2, 2, 3], "integer")
    assert rows(errors("sum-columns-value", {"column": "t", "columns": ["a", "b"]}, t, a, b)) == [1]


def test_sum_start_errors():
    check = build("sum-columns-value", {"column": "t", "columns": ["a"]})
    assert [e.fr for e in check.start(["t", "a"])] == [
        "'sum-columns-value' : le nombre de colonnes est insuffisant pour l'addition."]
    check = build("sum-columns-value", {"column": "t", "columns": ["a", "b"]})
    assert [e.fr for e in check.start(["t", "a"])] == ["'sum-columns-value' : La colonne b n'est pas trouvée."]
    assert check.start(["x"]) is None


# ----------------------------------------------------------------------------------------------- year interval


YEARS = ["2017/2018", "2018/2017", "2017/2017", "2017", "17/18", "2017/2018\n", "\u0662\u0660\u0661\u0667/2018", None]


def test_year_interval():
    found = errors("year-interval-value", {"column": "y"}, column("y", YEARS))
    assert [(e[1], e[3]) for e in found] == [
        (1, "L'année ou l'intervalle d'années « 2018/2017 » est incorrect (la deuxième année (2017) doit être "
            "postérieure à la première (2018))."),
        (2, "L'année ou l'intervalle d'années « 2017/2017 » est incorrect (les deux années doivent être "
            "différentes)."),
        (3, "L'année ou l'intervalle d'années « 2017 » est incorrect (format attendu : AAAA/AAAA)."),
        (4, "L'année ou l'intervalle d'années « 17/18 » est incorrect (format attendu : AAAA/AAAA)."),
    ]


@pytest.mark.parametrize("flag, year_alone_ok", [("yes", True), ("true", True), (True, False), ("no", False)])
def test_year_interval_allow_year_only(flag, year_alone_ok):
    found = errors("year-interval-value", {"column": "y", "allow-year-only": flag}, column("y", YEARS))
    assert rows(found) == ([1, 2, 4] if year_alone_ok else [1, 2, 3, 4])
    if year_alone_ok:
        assert found[-1][3] == ("L'année ou l'intervalle d'années « 17/18 » est incorrect (format attendu : "
                                "année (AAAA) ou intervalle (AAAA/AAAA)).")


def test_year_interval_reads_year_columns_as_text():
    assert errors("year-interval-value", {"column": "y", "allow-year-only": "yes"},
                  column("y", [2020, 0, None], "year")) == []


# ----------------------------------------------------------------------------------------------- opening hours


def test_opening_hours():
    values = ["Mo-Fr 08:00-12:00,13:30-17:30; Sa 08:00-12:00; PH off", "24/7", "sunrise-sunset",
              "Lu-Ve 08:00-18:00", "Mo-Fr 8:00-18:00", "mo-fr 08:00-18:00", "Mo-Fr 08:00+", "Mo 10:00-12:00;",
              None, "", "Lu-Ve 08:00-18:00"]
    found = errors("opening-hours-value", {"column": "horaires"}, column("horaires", values))
    if importlib.metadata.version("opening-hours-py") == "0.6.17":  # Validata's version (CPython 3.11)
        assert rows(found) == [3, 4, 5, 6, 7, 10]
    else:
        assert {3, 10} <= set(rows(found)) and not {0, 1, 2} & set(rows(found))
    assert found[0] == ("opening-hours-value", 3, "horaires",
                        "La valeur « Lu-Ve 08:00-18:00 » n'est pas une définition d'horaires d'ouverture correcte : "
                        "elle doit respecter la spécification OpenStreetMap "
                        "(https://wiki.openstreetmap.org/wiki/Key:opening_hours).")


# ----------------------------------------------------------------------------------------------- nomenclature


def test_nomenclature_actes_accents_case_spaces():
    values = ["Urbanisme/Permis de construire", "URBANISME/x", "libertes publiques et pouvoirs de police/x",
              "LIBERTÉS PUBLIQUES ET POUVOIRS DE POLICE/x", "Domaines de competences par themes/x",
              "Finances locales/Subventions/Autres", "Urbanisme", "Urbanisme /x", "Urbanisme/ x",
              "Urbanisme\u00a0/x", "Urbanism/x", "Finances locales/a/ b", None]
    found = errors("nomenclature-actes-value", {"column": "m"}, column("m", values))
    why = {i: fr.split("(", 1)[1] for _, i, _, fr in found}
    assert why == {
        6: "le signe oblique « / » est manquant).",
        7: "le signe oblique ne doit pas être précédé ni suivi d'espace).",
        8: "le signe oblique ne doit pas être précédé ni suivi d'espace).",
        9: "le signe oblique ne doit pas être précédé ni suivi d'espace).",
        10: "le préfixe de nomenclature Actes « Urbanism » n'est pas reconnu).",
        11: "le signe oblique ne doit pas être précédé ni suivi d'espace).",
    }
    assert found[0][3] == ("La valeur « Urbanisme » ne respecte pas le format des nomenclatures d'actes (le signe "
                           "oblique « / » est manquant).")


# ----------------------------------------------------------------------------------------------- one of required


def test_one_of_required_rows_including_blank_ones():
    a = column("a", ["x", None, None, "", None])
    b = column("b", [None, "y", None, None, None])
    found = errors("one-of-required", {"column1": "a", "column2": "b"}, a, b)
    message = "Au moins l'une des colonnes « a » ou « b » doit comporter une valeur."
    assert found == [("one-of-required", 2, None, message), ("one-of-required", 4, None, message)]


def test_one_of_required_absent_columns():
    check = build("one-of-required", {"column1": "a", "column2": "b"})
    assert rows([("", i, None, "") for f in check.run(view(column("a", ["x", None])))
                 for i in f.idx.tolist()]) == [1]  # the absent column has no value
    assert check.start(["z"]) == [StartError("one-of-required", "Les deux colonnes « a » et « b » sont manquantes.",
                                             "Both columns 'a' and 'b' are missing.")]
    assert check.run(view(column("z", [None]))) == []  # reported once, for the table


# ----------------------------------------------------------------------------------------------- GPS


def _points(pairs):
    return [None if p is None else Geopoint(Decimal(p[0]), Decimal(p[1])) for p in pairs]


@pytest.mark.parametrize("fmt, write", [("default", "{}, {}"), ("array", "[{},{}]"), ("object", None)])
def test_gps_inside_reversed_outside(fmt, write):
    pairs = [("2.35", "48.85"), ("48.85", "2.35"), ("-30.0", "10.0"), ("55.5", "-21.0"), ("-5.141277", "45"),
             ("-61.5", "16.0"), None]
    raw = None if write is None else [None if p is None else write.format(*p) for p in pairs]
    col = TypedColumn.from_values("xy", _points(pairs), {"name": "xy", "type": "geopoint", "format": fmt}, raw=raw)
    found = errors("french_gps_coordinates", {"column": "xy"}, col)  # the schema's spelling is accepted
    assert found == [
        ("reversed-french-gps-coordinates", 1, "xy",
         "La valeur « [48.85, 2.35] » correspond à des coordonnées GPS françaises inversées."),
        ("french-gps-coordinates", 2, "xy",
         "La valeur « [-30.0, 10.0] » ne correspond pas à des coordonnées GPS françaises valides."),
        ("french-gps-coordinates", 4, "xy",  # on the edge of the metropolitan box: outside, as with shapely
         "La valeur « [-5.141277, 45.0] » ne correspond pas à des coordonnées GPS françaises valides."),
    ]


def test_gps_non_point_values_are_invalid():
    found = errors("french-gps-coordinates", {"column": "xy"}, column("xy", ["Lille", [3.06, 50.63]]))
    assert rows(found) == [0]


# ----------------------------------------------------------------------------------------------- framework


SINGLE = {"french-siret-value": {}, "french-siren-value": {}, "year-interval-value": {}, "opening-hours-value": {},
          "nomenclature-actes-value": {}, "french-gps-coordinates": {}}


@pytest.mark.parametrize("name", sorted(SINGLE))
def test_single_column_checks_skip_an_absent_column(name):
    check = build(name, {"column": "c"})
    assert check.start(["other"]) is None
    assert check.run(view(column("other", ["x"]))) == []


def test_build_names_and_documentation():
    assert build("no-such-check", {}) is None
    assert type(build("french_gps_coordinates", {"column": "x"})) is type(build("french-gps-coordinates", {}))
    for name, module in MODULES.items():
        mod = importlib.import_module(f"auditor.tabular.custom.{module}")
        assert mod.CODE == name and mod.Check.code == name
        doc = mod.__doc__
        assert "Paramètres" in doc and "Exemple" in doc and f'"name": "' in doc, name


def _counting(name, values, ftype="string", truthy=True):
    """A column whose parsed values count how often they are read one by one."""
    calls = []

    def value_at(i):
        calls.append(i)
        return values[i]

    present = np.array([v is not None for v in values])
    raw = pa.array([None if v is None else str(v) for v in values], type=pa.string())
    col = TypedColumn(name, {"name": name, "type": ftype}, raw, present, value_at,
                      truthy=present.copy() if truthy else None,
                      number=(lambda: np.array([np.nan if v is None else float(v) for v in values]))
                      if ftype == "integer" else None)
    return col, calls


def test_only_failing_rows_reach_python():
    n = 5000
    sirets = ["73282932000074"] * n
    sirets[17] = "73282932000075"
    col, calls = _counting("s", sirets)
    assert rows(errors("french-siret-value", {"column": "s"}, col)) == [17]
    assert set(calls) == {17}
    a, calls_a = _counting("a", list(range(n)), "integer")
    b, calls_b = _counting("b", [5] * n, "integer")
    assert rows(errors("compare-columns-value", {"column": "a", "column2": "b", "op": ">="}, a, b)) == list(range(5))
    assert set(calls_a) | set(calls_b) <= set(range(5))
    years, calls = _counting("y", ["2017/2018"] * (n - 1) + ["2018/2017"])
    assert rows(errors("year-interval-value", {"column": "y"}, years)) == [n - 1]
    assert set(calls) == {n - 1}
