"""One module per portal kind; each turns a portal into normalised Dataset records."""
from __future__ import annotations

import importlib
from types import ModuleType

KINDS = {
    "geonetwork": "geonetwork",
    "ogcapi": "ogcapi",
    "opendatasoft": "opendatasoft",
    "udata": "udata",
    "ckan": "ckan",
    "dcat": "dcat",
}


def source_module(kind: str) -> ModuleType:
    """The module crawling portals of ``kind`` (raises KeyError for an unknown kind)."""
    return importlib.import_module(f"{__name__}.{KINDS[kind]}")
