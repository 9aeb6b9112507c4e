"""The JSON reader: a JSON array of rows (arrays, or objects whose keys make the header), read whole within the
reading budgets (`auditor.tabular.budgets`: nesting depth, row width)."""
from __future__ import annotations

import json

from . import budgets
from .source import Dialect, ReadError, TableSource, _too_wide
from .xlsx import plain_text

def open_json(opener, size, name) -> TableSource:
    with opener() as f:
        raw = f.read()
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except RecursionError as exc:
        raise _too_deep() from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise ReadError("unreadable", "Le fichier JSON est mal formé.", "The JSON file is malformed.") from exc
    del raw
    if budgets.json_depth(data) > budgets.MAX_DEPTH:
        raise _too_deep()
    if isinstance(data, dict):
        for key in ("data", "records", "rows", "results"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
    if not isinstance(data, list) or not data:
        raise ReadError("unreadable", "Le fichier JSON n'est pas un tableau de lignes.",
                        "The JSON file is not an array of rows.")

    def text(v):
        if v is None:
            return ""
        if isinstance(v, (dict, list)):
            return json.dumps(v, ensure_ascii=False)
        return plain_text(v)

    if all(isinstance(r, dict) for r in data):
        header: list[str] = []
        seen = set()
        for r in data:
            for k in r:
                if k not in seen:
                    seen.add(k)
                    header.append(str(k))
                    if len(header) > budgets.MAX_COLUMNS:
                        raise _too_wide(None, len(header))

        def rows():
            for r in data:
                yield [text(r.get(k)) for k in header]
    elif all(isinstance(r, list) for r in data):
        header = [text(v) for v in data[0]]

        def rows():
            for r in data[1:]:
                yield [text(v) for v in r]
    else:
        raise ReadError("unreadable", "Le fichier JSON n'est pas un tableau de lignes.",
                        "The JSON file is not an array of rows.")
    if len(header) > budgets.MAX_COLUMNS:
        raise _too_wide(None, len(header))
    if any(budgets.has_surrogate(h) for h in header):
        raise ReadError("unreadable", "L'en-tête contient un caractère invalide (une moitié de paire UTF-16 isolée, "
                        "comme \\udcff) : aucun texte UTF-8 ne peut le contenir. Corrigez ou retirez-le.",
                        "The header holds an invalid character (a lone UTF-16 surrogate, such as \\udcff): no UTF-8 "
                        "text can hold it. Fix or remove it.")
    return TableSource(header=header, dialect=Dialect(format="json", encoding="utf-8", delimiter=None,
                                                      quotechar=None, engine="json"),
                       name=name, size=size, _rows=rows, width=len(header), cost_width=len(header))


def _too_deep() -> ReadError:
    return ReadError("unreadable", f"Le fichier JSON est imbriqué sur plus de {budgets.MAX_DEPTH} niveaux (tableaux ou "
                     "objets les uns dans les autres) : ce n'est pas un tableau de lignes, il n'est pas lu.",
                     f"The JSON file is nested over {budgets.MAX_DEPTH} levels deep (arrays or objects inside one "
                     "another): it is not an array of rows and is not read.")
