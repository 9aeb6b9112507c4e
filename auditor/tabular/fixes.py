"""What to do about one kind of error, in plain words: the fix a report gives once for a group of errors.

A rule's fix covers every error it gathers (FILE-04 takes dates, numbers, lists of values...); a clerk needs the
one that fits the error in front of them. :func:`fix_for` gives it from the error's code and, for the errors of a
column, from what the schema's field declares: its type (a date, a number, oui/non...), its constraints (the
allowed values, the bounds, the length, the example a pattern stands for) and its own example. :func:`title_for`
names the kind of error, :func:`expected_for` says what the column holds, in the schema's own words (its
``description`` and ``example``), never as a regular expression.
"""
from __future__ import annotations

from typing import Any

from .errors import CODES, TYPE_NAMES, boolean_values, plain_description

T = dict[str, str]

FIXES: dict[str, tuple[str, str]] = {
    # reading
    "source-error": ("Ouvrir le fichier dans un tableur et l'enregistrer en CSV UTF-8 (séparateur virgule) ou en "
                     "XLSX, avec une seule ligne d'en-tête.",
                     "Open the file in a spreadsheet and save it as UTF-8 CSV (comma separated) or XLSX, with one "
                     "header row."),
    "too-large": ("Découper le fichier, par année par exemple, et vérifier chaque partie.",
                  "Split the file, by year for instance, and check each part."),
    "encoding-error": ("Enregistrer le fichier en « CSV UTF-8 » (Excel : Enregistrer sous › CSV UTF-8 ; LibreOffice : "
                       "jeu de caractères Unicode (UTF-8)).",
                       "Save the file as UTF-8 CSV (Excel: Save as › CSV UTF-8; LibreOffice: character set Unicode "
                       "(UTF-8))."),
    "json-error": ("Corriger la syntaxe JSON à l'endroit indiqué (virgule, guillemet ou accolade manquant) ; le "
                   "logiciel qui produit le fichier doit être corrigé s'il est en cause.",
                   "Fix the JSON syntax where shown (a missing comma, quote or brace); fix the software that writes "
                   "the file if it is the cause."),
    "decp-error": ("Corriger le champ indiqué selon le format des données essentielles (139bercy/"
                   "format-commande-publique 2.0) ; si le fichier vient d'un profil d'acheteur, lui signaler l'erreur.",
                   "Fix the field shown following the procurement data format (139bercy/format-commande-publique "
                   "2.0); if a buyer-profile platform writes the file, report the error to it."),
    # the schema, not the file
    "schema-error": ("Le schéma lui-même est en défaut, pas le fichier : choisir une autre version publiée du schéma "
                     "(auditor check --schema nom@version) et signaler l'anomalie à ses mainteneurs.",
                     "The schema itself is faulty, not the file: pick another published version of the schema "
                     "(auditor check --schema name@version) and report the problem to its maintainers."),
    "check-error": ("Un contrôle déclaré par le schéma n'a pas pu être appliqué : le reste du fichier a été vérifié. "
                    "Choisir une autre version du schéma ou signaler l'anomalie à ses mainteneurs.",
                    "A check the schema declares could not run: the rest of the file was checked. Pick another "
                    "version of the schema or report the problem to its maintainers."),
    # header
    "general-error": ("Donner à chaque colonne un nom unique, celui du modèle du schéma.",
                      "Give each column a unique name, the one of the schema's template."),
    "blank-label": ("Donner un nom à cette colonne, ou la supprimer si elle est vide (souvent à droite du tableau).",
                    "Name this column, or delete it if it is empty (often on the right of the table)."),
    "incorrect-label": ("Retirer les espaces et retours à la ligne autour du nom de la colonne.",
                        "Remove the spaces and line breaks around the column's name."),
    "missing-required-header": ("Ajouter la colonne, avec exactement le nom que donne le schéma (majuscules et "
                                "accents compris), et la remplir.",
                                "Add the column, named exactly as in the schema (case and accents included), and "
                                "fill it."),
    "header-schema-error": ("Ajouter les colonnes nommées dans le message, avec les noms du schéma.",
                            "Add the columns named in the message, with the schema's names."),
    "header-check-error": ("Ajouter la colonne dont le contrôle a besoin, avec le nom du schéma.",
                           "Add the column the check needs, with the schema's name."),
    # rows
    "blank-row": ("Supprimer les lignes vides (souvent en fin de tableau).",
                  "Delete the blank rows (often at the end of the table)."),
    "extra-cell": ("Supprimer les valeurs en trop à droite du tableau, ou mettre entre guillemets les valeurs qui "
                   "contiennent le séparateur (la virgule).",
                   "Delete the extra values on the right of the table, or quote the values that hold the separator "
                   "(the comma)."),
    "missing-cell": ("Compléter la ligne : elle a moins de cellules que l'en-tête (séparateur oublié ou ligne "
                     "coupée en deux).",
                     "Complete the row: it has fewer cells than the header (a missing separator or a row cut in "
                     "two)."),
    "unique-error": ("Chaque valeur de cette colonne doit être unique : supprimer les lignes en double ou corriger "
                     "les identifiants.",
                     "Every value of this column must be unique: delete the duplicate rows or fix the identifiers."),
    "primary-key": ("Chaque ligne doit avoir son propre identifiant, renseigné : supprimer les lignes en double ou "
                    "corriger les identifiants.",
                    "Every row needs its own identifier, filled in: delete the duplicate rows or fix the "
                    "identifiers."),
    "task-error": ("La vérification s'est interrompue : réessayer ; si cela se reproduit, transmettre le fichier à "
                   "l'équipe open data.",
                   "The check stopped: try again; if it happens again, send the file to the open data team."),
    # Validata's French checks
    "french-siret-value": ("Retrouver chaque numéro SIRET (14 chiffres, sans espace) sur "
                           "annuaire-entreprises.data.gouv.fr et le recopier tel quel ; dans un tableur, mettre la "
                           "colonne au format texte (un numéro saisi comme nombre perd ses zéros ou finit par « .0 »).",
                           "Look each SIRET number (14 digits, no space) up on annuaire-entreprises.data.gouv.fr and "
                           "copy it as is; in a spreadsheet, format the column as text (a number loses its zeros or "
                           "ends in '.0')."),
    "french-siren-value": ("Retrouver chaque numéro SIREN (9 chiffres, sans espace) sur "
                           "annuaire-entreprises.data.gouv.fr et le recopier tel quel ; mettre la colonne au format "
                           "texte dans le tableur.",
                           "Look each SIREN number (9 digits, no space) up on annuaire-entreprises.data.gouv.fr and "
                           "copy it as is; format the column as text in the spreadsheet."),
    "compare-columns-value": ("Corriger l'une des deux colonnes comparées pour que leur relation soit respectée "
                              "(par exemple une date de fin postérieure à la date de début).",
                              "Fix one of the two compared columns so that their relation holds (for instance an "
                              "end date after the start date)."),
    "cohesive-columns-value": ("Renseigner ensemble les colonnes liées : toutes, ou aucune.",
                               "Fill the linked columns together: all of them, or none."),
    "sum-columns-value": ("Corriger le total ou ses parties : le total doit être la somme des colonnes indiquées.",
                          "Fix the total or its parts: the total must be the sum of the columns shown."),
    "year-interval-value": ("Écrire une année sur quatre chiffres (2024) ou un intervalle d'années « 2023/2024 », la "
                            "première année avant la seconde.",
                            "Write a four-digit year (2024) or a year interval '2023/2024', the first year before "
                            "the second."),
    "opening-hours-value": ("Écrire les horaires au format opening_hours d'OpenStreetMap, par exemple "
                            "« Mo-Fr 08:30-12:00,14:00-17:30; Sa 09:00-12:00 ».",
                            "Write the hours in OpenStreetMap's opening_hours format, for instance "
                            "'Mo-Fr 08:30-12:00,14:00-17:30; Sa 09:00-12:00'."),
    "nomenclature-actes-value": ("Commencer la valeur par une matière de la nomenclature des actes suivie d'une barre "
                                 "oblique, sans espace autour (par exemple « Finances locales/Subventions »).",
                                 "Start the value with a subject of the acts nomenclature followed by a slash, with no "
                                 "space around it (for instance 'Finances locales/Subventions')."),
    "one-of-required": ("Renseigner, sur chaque ligne, au moins l'une des deux colonnes indiquées.",
                        "Fill in, on every row, at least one of the two columns shown."),
    "french-gps-coordinates": ("Vérifier les coordonnées : latitude et longitude en degrés décimaux (WGS 84), avec un "
                               "point décimal, d'un lieu situé en France.",
                               "Check the coordinates: latitude and longitude in decimal degrees (WGS 84), with a "
                               "decimal point, of a place in France."),
    "reversed-french-gps-coordinates": ("Échanger latitude et longitude : elles ont été saisies l'une à la place de "
                                        "l'autre.",
                                        "Swap latitude and longitude: each was typed in place of the other."),
    # structure warnings
    "missing-header-warn": ("Ajouter la colonne facultative manquante, même vide, à sa place dans l'ordre du schéma.",
                            "Add the missing optional column, even empty, at its place in the schema's order."),
    "extra-header-warn": ("Retirer la colonne que le schéma ne connaît pas, ou corriger son nom s'il est mal écrit.",
                          "Remove the column the schema does not know, or fix its name if it is misspelt."),
    "disordered-header-warn": ("Remettre les colonnes dans l'ordre du modèle du schéma.",
                               "Put the columns back in the order of the schema's template."),
}

FIXES["field-error"] = FIXES["schema-error"]  # one field of the schema, or the schema: the same fix

# a dataset description (metadata.yaml, datapackage.json) that cannot be read: no spreadsheet advice
DESCRIPTION_FIX = ("Corriger la description du jeu de données (YAML ou JSON) comme l'indique le message, puis la "
                   "vérifier de nouveau.",
                   "Fix the dataset description (YAML or JSON) as the message says, then check it again.")

TYPE_FIXES: dict[str, tuple[str, str]] = {
    "date": ("Écrire les dates sous la forme AAAA-MM-JJ (31/03/2024 s'écrit 2024-03-31) ; dans un tableur, mettre la "
             "colonne au format texte ou au format de date AAAA-MM-JJ.",
             "Write dates as YYYY-MM-DD (31/03/2024 becomes 2024-03-31); in a spreadsheet, format the column as text "
             "or as the date format YYYY-MM-DD."),
    "datetime": ("Écrire date et heure sous la forme AAAA-MM-JJTHH:MM:SS (par exemple 2024-03-31T14:30:00).",
                 "Write date and time as YYYY-MM-DDTHH:MM:SS (for instance 2024-03-31T14:30:00)."),
    "year": ("Écrire l'année sur quatre chiffres (par exemple 2024), sans autre texte.",
             "Write the year with four digits (for instance 2024), with nothing else."),
    "number": ("Écrire les nombres avec un point décimal, sans espace, symbole € ni séparateur de milliers (1 234,50 € "
               "s'écrit 1234.50).",
               "Write numbers with a decimal point, no space, € sign or thousands separator (1 234,50 € becomes "
               "1234.50)."),
    "integer": ("Écrire un nombre entier, sans décimale, espace ni unité (par exemple 12).",
                "Write a whole number, with no decimals, space or unit (for instance 12)."),
    "geopoint": ("Écrire les coordonnées du point comme dans l'exemple du schéma.",
                 "Write the point's coordinates as in the schema's example."),
}
STRING_FORMATS: dict[str, tuple[str, str]] = {
    "uri": ("Écrire une adresse web complète, commençant par https://.", "Write a full web address, starting with https://."),
    "email": ("Écrire une adresse électronique complète (nom@domaine.fr).", "Write a full email address (name@domain.fr)."),
    "uuid": ("Écrire un identifiant UUID (32 chiffres hexadécimaux en 5 groupes séparés par des tirets).",
             "Write a UUID (32 hexadecimal digits in 5 dash-separated groups)."),
}


def _t(fr: str, en: str) -> T:
    return {"fr": fr, "en": en}


def _quoted(values: list[Any], limit: int = 8) -> tuple[str, str]:
    shown = [str(v) for v in values[:limit]]
    more = " …" if len(values) > limit else ""
    return (", ".join(f"« {v} »" for v in shown) + more, ", ".join(f"'{v}'" for v in shown) + more)


def constraints_of(field: dict[str, Any] | None) -> dict[str, Any]:
    cons = (field or {}).get("constraints")
    return cons if isinstance(cons, dict) else {}


def example_of(field: dict[str, Any] | None) -> str | None:
    example = (field or {}).get("example")
    if example is None or isinstance(example, (dict, list)):
        return None
    text = str(example)
    return text if len(text) <= 120 else text[:119] + "…"


def fix_for(code: str, kind: str | None, field: dict[str, Any] | None, rule_fix: T | None = None,
            description: bool = False) -> T:
    """The fix for errors of ``code`` (``kind``: ``required`` for empty cells of a ``constraint-error``) in a
    column declared by ``field`` (a Table Schema field, or None); ``rule_fix`` when nothing better is known.
    ``description``: the errors are those of a dataset description, not of a table."""
    field = field if isinstance(field, dict) else None
    if description and code == "source-error":
        return _t(*DESCRIPTION_FIX)
    if code == "type-error" and field:
        return _type_fix(field)
    if code == "constraint-error":
        return _constraint_fix(kind, field)
    if code in FIXES:
        return _t(*FIXES[code])
    return dict(rule_fix) if rule_fix else _t("Corriger les valeurs signalées.", "Fix the values shown.")


def _type_fix(field: dict[str, Any]) -> T:
    ftype, fmt = field.get("type") or "string", field.get("format") or "default"
    if ftype == "date" and fmt not in ("default", "any"):
        return _t(f"Écrire les dates au format que donne le schéma ({fmt}).",
                  f"Write dates in the format the schema gives ({fmt}).")
    if ftype == "boolean":
        tv, fv = boolean_values(field)
        yes, yes_en = _quoted(tv)
        no, no_en = _quoted(fv)
        return _t(f"N'écrire que {yes} pour vrai et {no} pour faux, exactement ainsi.",
                  f"Write only {yes_en} for true and {no_en} for false, exactly so.")
    if ftype == "string" and fmt in STRING_FORMATS:
        return _t(*STRING_FORMATS[fmt])
    if ftype in TYPE_FIXES:
        fr, en = TYPE_FIXES[ftype]
        example = example_of(field)
        if ftype == "geopoint" and example:
            fr, en = fr[:-1] + f" : « {example} ».", en[:-1] + f": '{example}'."
        return _t(fr, en)
    name = TYPE_NAMES.get(ftype, ftype)
    return _t(f"Écrire une valeur du type attendu ({name}), comme dans l'exemple du schéma.",
              f"Write a value of the expected type ({ftype}), as in the schema's example.")


def _constraint_fix(kind: str | None, field: dict[str, Any] | None) -> T:
    if kind == "required":
        return _t("Remplir cette colonne sur chaque ligne : elle est obligatoire.",
                  "Fill in this column on every row: it is required.")
    cons = constraints_of(field)
    fr: list[str] = []
    en: list[str] = []
    if isinstance(cons.get("enum"), list) and cons["enum"]:
        shown, shown_en = _quoted(cons["enum"])
        fr.append(f"choisir l'une des valeurs autorisées, écrite exactement ainsi (majuscules, accents et espaces "
                  f"compris) : {shown}")
        en.append(f"pick one of the allowed values, written exactly so (case, accents and spaces included): {shown_en}")
    if cons.get("pattern") is not None:
        example = example_of(field)
        if example:
            fr.append(f"écrire la valeur sur le modèle de l'exemple du schéma : « {example} »")
            en.append(f"write the value on the model of the schema's example: '{example}'")
        else:
            fr.append("écrire la valeur sous la forme que décrit le schéma pour cette colonne")
            en.append("write the value in the form the schema describes for this column")
    low, high = cons.get("minimum"), cons.get("maximum")
    if low is not None and high is not None:
        fr.append(f"donner une valeur comprise entre {low} et {high}")
        en.append(f"give a value between {low} and {high}")
    elif low is not None:
        fr.append(f"donner une valeur d'au moins {low}")
        en.append(f"give a value of at least {low}")
    elif high is not None:
        fr.append(f"donner une valeur d'au plus {high}")
        en.append(f"give a value of at most {high}")
    if cons.get("maxLength") is not None:
        fr.append(f"raccourcir le texte à {cons['maxLength']} caractères au plus")
        en.append(f"shorten the text to {cons['maxLength']} characters at most")
    if cons.get("minLength") is not None:
        fr.append(f"écrire au moins {cons['minLength']} caractères")
        en.append(f"write at least {cons['minLength']} characters")
    if not fr:
        return _t("Corriger les valeurs signalées selon la description de la colonne dans le schéma.",
                  "Fix the values shown following the column's description in the schema.")
    sentence_fr, sentence_en = " ; ".join(fr), "; ".join(en)
    return _t(sentence_fr[0].upper() + sentence_fr[1:] + ".", sentence_en[0].upper() + sentence_en[1:] + ".")


EXPECTED_TYPES = {"date": "date attendue", "datetime": "date et heure attendues", "year": "année attendue",
                  "number": "nombre attendu", "integer": "nombre entier attendu",
                  "boolean": "valeur vrai ou faux attendue"}
CONSTRAINT_TITLES = {
    "enum": ("Valeur hors de la liste autorisée", "Value not in the allowed list"),
    "pattern": ("Valeur mal écrite", "Value not in the expected form"),
    "minimum": ("Valeur hors des bornes", "Value out of bounds"),
    "maximum": ("Valeur hors des bornes", "Value out of bounds"),
    "maxLength": ("Texte trop long", "Text too long"),
    "minLength": ("Texte trop court", "Text too short"),
}


def title_for(code: str, kind: str | None, field: dict[str, Any] | None) -> T:
    """What is wrong, in a few words (``Valeur obligatoire manquante``, ``Format incorrect``...)."""
    if code == "constraint-error":
        if kind == "required":
            return _t("Valeur obligatoire manquante", "Required value missing")
        titles = {CONSTRAINT_TITLES[c] for c in constraints_of(field) if c in CONSTRAINT_TITLES}
        if len(titles) == 1:
            return _t(*titles.pop())
        return _t("Valeur non conforme à la colonne", "Value not following the column")
    if code == "type-error" and isinstance(field, dict) and field.get("type") in EXPECTED_TYPES:
        return _t(f"Format incorrect ({EXPECTED_TYPES[field['type']]})", f"Wrong format ({field['type']} expected)")
    if code in CODES:
        fr, en, _level = CODES[code]
        return _t(fr, en)
    return _t(code, code)


def expected_for(field: dict[str, Any] | None) -> T | None:
    """What the column holds, in the schema's own words: its description's first sentence and its example."""
    if not isinstance(field, dict):
        return None
    text = plain_description(field)
    example = example_of(field)
    if not text and not example:
        return None
    if text and example and text[-1] not in ".!?…":
        text += "."
    fr = text + (f" Exemple : « {example} »." if example else "")
    en = text + (f" Example: '{example}'." if example else "")
    return _t(fr.strip(), en.strip())
