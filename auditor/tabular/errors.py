"""Stable error codes of the tabular validator and their messages (French first, English second).

Codes are frictionless' where frictionless has one (``type-error``, ``constraint-error``, ``missing-cell``...),
Validata's for its additions (``missing-required-header``, the custom checks ``french-siret-value``...), and
``*-warn`` for Validata's structure warnings. Where one Validata code covers two different causes, we split it:
``schema-error`` / ``check-error`` are a schema unusable whatever the file, ``header-schema-error`` /
``header-check-error`` the same codes in Validata when they come from THIS file's columns (a primary key or a
check's column absent from the file), so that the rules can tell "fix the schema" from "fix the file". Messages adapt what Validata shows and always carry the cell value,
the row and the column when the finding has them.
"""

from __future__ import annotations

from typing import Any

# code -> (French title, English title, level)
CODES: dict[str, tuple[str, str, str]] = {
    # reading
    "source-error": ("Fichier illisible", "Unreadable file", "error"),
    "too-large": ("Fichier trop volumineux", "File too large", "error"),
    "encoding-error": ("Erreur d'encodage", "Encoding error", "error"),
    "json-error": ("JSON invalide", "Invalid JSON", "error"),
    # DECP JSON files (decp.py): a rule of the official JSON Schema is broken
    "decp-error": ("Donnée DECP non conforme", "DECP data does not follow its schema", "error"),
    # schema
    "schema-error": ("Schéma invalide", "Invalid schema", "error"),
    "field-error": ("Champ du schéma invalide", "Invalid schema field", "error"),
    "general-error": ("Erreur générale", "General error", "error"),
    "check-error": ("Contrôle personnalisé inapplicable", "Custom check cannot run", "error"),
    # header
    "blank-label": ("En-tête manquant", "Blank label", "error"),
    "incorrect-label": ("En-tête incorrect", "Incorrect label", "error"),
    "missing-required-header": ("Colonne obligatoire manquante", "Missing required column", "error"),
    # the schema passed its own check but cannot be applied to this file's columns (Validata: ``schema-error``
    # once the schema is synced with the header, ``check-error`` of a custom check missing its column)
    "header-schema-error": ("Schéma inapplicable à ces colonnes", "Schema not applicable to these columns", "error"),
    "header-check-error": ("Colonne d'un contrôle absente", "Column of a custom check missing", "error"),
    # rows and cells
    "blank-row": ("Ligne vide", "Blank row", "error"),
    "extra-cell": ("Valeur surnuméraire", "Extra cell", "error"),
    "missing-cell": ("Cellule manquante", "Missing cell", "error"),
    "type-error": ("Format incorrect", "Type error", "error"),
    "constraint-error": ("Contrainte non respectée", "Constraint error", "error"),
    "unique-error": ("Valeur déjà présente", "Duplicate value", "error"),
    "primary-key": ("Clé primaire en double", "Duplicate primary key", "error"),
    "task-error": ("Validation interrompue", "Validation aborted", "error"),
    # Validata custom checks
    "french-siret-value": ("Numéro SIRET invalide", "Invalid SIRET number", "error"),
    "french-siren-value": ("Numéro SIREN invalide", "Invalid SIREN number", "error"),
    "compare-columns-value": ("Comparaison de colonnes", "Column comparison", "error"),
    "cohesive-columns-value": ("Cohérence entre colonnes", "Cohesive columns", "error"),
    "sum-columns-value": ("Somme de colonnes", "Column sum", "error"),
    "year-interval-value": ("Année ou intervalle d'années", "Year or year interval", "error"),
    "opening-hours-value": ("Horaires d'ouverture incorrects", "Invalid opening hours", "error"),
    "nomenclature-actes-value": ("Nomenclature des actes", "Acts nomenclature", "error"),
    "one-of-required": ("Une des deux colonnes requises", "One of two columns required", "error"),
    "french-gps-coordinates": ("Coordonnées GPS invalides", "Invalid GPS coordinates", "error"),
    "reversed-french-gps-coordinates": ("Coordonnées GPS inversées", "Reversed GPS coordinates", "error"),
    # Validata structure warnings
    "missing-header-warn": ("Colonne manquante", "Missing column", "warning"),
    "extra-header-warn": ("Colonne surnuméraire", "Extra column", "warning"),
    "disordered-header-warn": ("Colonnes désordonnées", "Disordered columns", "warning"),
}


def _where(row: int | None, column: int | None, field: str | None, lang: str) -> str:
    parts = []
    if row is not None:
        parts.append(f"{'ligne' if lang == 'fr' else 'row'} {row}")
    if column is not None or field:
        col = f"{'colonne' if lang == 'fr' else 'column'}"
        if column is not None:
            col += f" {column}"
        if field:
            col += f" ({field})"
        parts.append(col)
    if not parts:
        return ""
    text = ", ".join(parts)
    return text[0].upper() + text[1:] + (" : " if lang == "fr" else ": ")


def without_location(message: str, row: int | None, column: int | None, field: str | None, lang: str) -> str:
    """``message`` without the location :func:`located` put in front of it (a report that shows the row and
    the column beside the message does not repeat them inside it); other messages are returned as they are."""
    prefix = _where(row, column, field, lang)
    if prefix and message.startswith(prefix):
        rest = message[len(prefix):]
        return rest[:1].upper() + rest[1:]
    return message


TYPE_NAMES = {"string": "texte", "number": "nombre", "integer": "nombre entier", "boolean": "oui ou non",
              "date": "date", "datetime": "date et heure", "time": "heure", "year": "année",
              "yearmonth": "année et mois", "duration": "durée", "geopoint": "point géographique",
              "geojson": "géométrie GeoJSON", "object": "objet JSON", "array": "liste JSON"}


def boolean_values(descriptor: dict) -> tuple[list[str], list[str]]:
    """The texts a boolean field reads as true and as false (the schema's, else Table Schema's defaults)."""
    return ([str(x) for x in _list(descriptor.get("trueValues"), ["true", "True", "TRUE", "1"])],
            [str(x) for x in _list(descriptor.get("falseValues"), ["false", "False", "FALSE", "0"])])


def plain_description(descriptor: Any, limit: int = 240) -> str:
    """The first sentence of a schema field's ``description`` as plain text: Markdown links and emphasis
    reduced to their words, blanks collapsed, cut at ``limit`` characters ("" when there is none)."""
    import re

    text = descriptor.get("description") if isinstance(descriptor, dict) else None
    if not isinstance(text, str):
        return ""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[*_`]{1,3}([^*_`]+)[*_`]{1,3}", r"\1", text)
    text = " ".join(text.split())
    end = re.search(r"(?<!\b[A-Z])(?<!\bex)(?<!\bn°)[.!?](\s|$)", text)
    if end:
        text = text[:end.start() + 1]
    if len(text) > limit:
        text = text[:limit - 1].rstrip() + "…"
    return text


def _q(value: Any) -> str:
    text = "" if value is None else str(value)
    if len(text) > 120:
        text = text[:117] + "…"
    return text


def located(body_fr: str, body_en: str, *, row=None, column=None, field=None) -> dict[str, str]:
    """Message with its location (row, column, field) in front."""
    return {"fr": _where(row, column, field, "fr") + body_fr, "en": _where(row, column, field, "en") + body_en}


def _list(value: Any, default: list) -> list:
    return value if isinstance(value, list) else default


def _et(values: list[str], conj: str) -> str:
    if not values:
        return ""
    if len(values) == 1:
        return values[0]
    return ", ".join(values[:-1]) + f" {conj} " + values[-1]


# ----------------------------------------------------------------------------------------------- type errors


def type_message(ftype: str, fmt: str, cell: str, descriptor: dict, /, **loc) -> dict[str, str]:
    """Why a cell does not read as its field's type (Validata's explanations, adapted)."""
    v = _q(cell)
    fr = en = None
    if ftype == "date":
        import re
        from datetime import datetime

        if re.match(r"^[0-3]\d/[0-1]\d/[12]\d{3}$", cell or ""):
            try:
                iso = datetime.strptime(cell, "%d/%m/%Y").strftime("%Y-%m-%d")
                fr = f"la date « {v} » doit être écrite « {iso} »."
                en = f"the date '{v}' must be written '{iso}'."
            except ValueError:
                pass
        if fr is None:
            want = "aaaa-mm-jj" if fmt in ("default", "", None) else fmt
            fr = f"la valeur « {v} » n'est pas une date valide au format {want}."
            en = f"'{v}' is not a valid date in the format {want if fmt not in ('default', '', None) else 'yyyy-mm-dd'}."
    elif ftype == "year":
        fr, en = f"l'année « {v} » doit être composée de 4 chiffres.", f"the year '{v}' must have 4 digits."
    elif ftype == "number":
        if "," in (cell or ""):
            fixed = cell.replace(",", ".")
            fr = f"le séparateur décimal à utiliser est le point (« {_q(fixed)} » au lieu de « {v} »)."
            en = f"the decimal separator must be a dot ('{_q(fixed)}' instead of '{v}')."
        else:
            fr = f"la valeur « {v} » ne doit comporter que des chiffres et le point comme séparateur décimal."
            en = f"'{v}' must only contain digits, with a dot as decimal separator."
    elif ftype == "integer":
        fr, en = f"la valeur « {v} » doit être un nombre entier.", f"'{v}' must be an integer."
    elif ftype == "boolean":
        tv, fv = boolean_values(descriptor)
        fr = (f"la valeur « {v} » n'est pas acceptée : les valeurs acceptées sont "
              f"{_et([f'« {x} »' for x in tv], 'ou')} (vrai) et {_et([f'« {x} »' for x in fv], 'ou')} (faux).")
        en = (f"'{v}' is not accepted: accepted values are {_et([repr(x) for x in tv], 'or')} (true) and "
              f"{_et([repr(x) for x in fv], 'or')} (false).")
    elif ftype == "string":
        what = {
            "uri": ("une adresse de site ou de page internet (URL)", "a URL"),
            "email": ("une adresse email", "an email address"),
            "uuid": ("un UUID", "a UUID"),
            "binary": ("une chaîne encodée en base64", "a base64 string"),
        }.get(fmt, ("une chaîne de caractères", "a string"))
        fr, en = f"la valeur « {v} » doit être {what[0]}.", f"'{v}' must be {what[1]}."
    elif ftype == "datetime":
        fr = f"la valeur « {v} » n'est pas une date et heure valide (aaaa-mm-jjThh:mm:ss)."
        en = f"'{v}' is not a valid date-time (yyyy-mm-ddThh:mm:ss)."
    elif ftype == "geopoint":
        fr, en = f"la valeur « {v} » n'est pas un point géographique valide.", f"'{v}' is not a valid geopoint."
    if fr is None:
        fr = f"la valeur « {v} » n'est pas du type attendu pour cette colonne ({TYPE_NAMES.get(ftype, ftype)})."
        en = f"'{v}' is not of the type this column expects ({ftype})."
    return located(fr[0].upper() + fr[1:], en[0].upper() + en[1:], **loc)


# ----------------------------------------------------------------------------------------------- constraint errors


def constraint_message(name: str, cell: str | None, descriptor: dict, item: bool = False, /, **loc) -> dict[str, str]:
    """Why a cell breaks one of its field's constraints (Validata's wording, adapted)."""
    owner = descriptor.get("arrayItem", {}) if item else descriptor
    cons = owner.get("constraints", {}) if isinstance(owner, dict) else {}
    value = cons.get(name) if isinstance(cons, dict) else None
    v = _q(cell)
    if name == "required":
        fr, en = "une valeur doit être renseignée.", "a value is required."
    elif name == "unique":
        fr, en = f"la valeur « {v} » est déjà présente : toutes les valeurs de cette colonne doivent être uniques.", \
            f"'{v}' is a duplicate: every value of this column must be unique."
    elif name == "minLength":
        n = len(cell or "")
        fr = f"le texte « {v} » doit comporter au moins {value} caractère(s) (au lieu de {n})."
        en = f"'{v}' must have at least {value} character(s) (not {n})."
    elif name == "maxLength":
        n = len(cell or "")
        fr = f"le texte « {v} » ne doit pas comporter plus de {value} caractère(s) (au lieu de {n})."
        en = f"'{v}' must have at most {value} character(s) (not {n})."
    elif name == "minimum":
        fr, en = f"la valeur « {v} » doit être au moins égale à {value}.", f"'{v}' must be at least {value}."
    elif name == "maximum":
        fr, en = f"la valeur « {v} » doit être au plus égale à {value}.", f"'{v}' must be at most {value}."
    elif name == "pattern":  # the pattern is for machines: the clerk reads the field's example or description
        fr = f"la valeur « {v} » n'a pas la forme attendue pour cette colonne."
        en = f"'{v}' does not have the form this column expects."
        example = owner.get("example") if isinstance(owner, dict) else None
        if example is not None and not isinstance(example, (dict, list)):
            fr += f" Exemple valide : « {_q(example)} »."
            en += f" Valid example: '{_q(example)}'."
        elif plain_description(owner):
            fr += f" Attendu : {_q(plain_description(owner))}"
            en += f" Expected (from the schema): {_q(plain_description(owner))}"
    elif name == "enum":
        values = [str(x) for x in _list(value, [])]
        if len(values) == 1:
            fr, en = f"la valeur « {v} » n'est pas autorisée : l'unique valeur autorisée est « {values[0]} ».", \
                f"'{v}' is not allowed: the only allowed value is '{values[0]}'."
        else:
            shown = ", ".join(f"« {x} »" for x in values[:12]) + (" …" if len(values) > 12 else "")
            shown_en = ", ".join(f"'{x}'" for x in values[:12]) + (" …" if len(values) > 12 else "")
            fr = f"la valeur « {v} » n'est pas autorisée : les seules valeurs autorisées sont {shown}."
            en = f"'{v}' is not allowed: the only allowed values are {shown_en}."
    else:
        fr, en = f"la valeur « {v} » ne respecte pas la contrainte {name}.", f"'{v}' breaks the constraint {name}."
    if item:
        fr, en = "un élément de la liste : " + fr, "a list item: " + en
    return located(fr[0].upper() + fr[1:], en[0].upper() + en[1:], **loc)


# ----------------------------------------------------------------------------------------------- other messages


def simple(code: str, cell: Any = None, **loc) -> dict[str, str]:
    """Messages of the structural codes, which need no more than the value and location."""
    v = _q(cell)
    texts = {
        "blank-row": ("Les lignes vides doivent être retirées de la table.", "Blank rows must be removed."),
        "extra-cell": (f"la valeur « {v} » est en trop : le nombre de cellules de cette ligne excède le nombre "
                       "de colonnes de l'en-tête.",
                       f"the value '{v}' is extra: this row has more cells than the header has columns."),
        "missing-cell": ("cette ligne n'a pas de cellule pour cette colonne.", "this row has no cell for this column."),
        "blank-label": ("cette colonne n'a pas d'en-tête.", "this column has no label."),
        "incorrect-label": (f"l'en-tête « {v} » contient des espaces ou retours à la ligne en trop.",
                            f"the label '{v}' has surrounding spaces or line breaks."),
    }
    fr, en = texts[code]
    return located(fr[0].upper() + fr[1:], en[0].upper() + en[1:], **loc)


def table_message(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


def unique_message(cell: Any, previous: int, **loc) -> dict[str, str]:
    """A repeated value in a ``unique`` column, with the row of its previous occurrence."""
    v = _q(cell)
    return located(f"La valeur « {v} » est déjà présente à la ligne {previous} : chaque valeur de cette colonne "
                   "doit être unique.",
                   f"The value '{v}' is already in row {previous}: every value of this column must be unique.", **loc)


def primary_key_message(names: list[str], previous: int | None, **loc) -> dict[str, str]:
    """An empty or repeated primary key (``previous`` = row of the earlier occurrence, None when empty)."""
    cols = ", ".join(names)
    if previous is None:
        return located(f"La clé primaire ({cols}) de cette ligne est vide.",
                       f"The primary key ({cols}) of this row is empty.", **loc)
    return located(f"La clé primaire ({cols}) de cette ligne est déjà présente à la ligne {previous}.",
                   f"The primary key ({cols}) of this row is already in row {previous}.", **loc)
