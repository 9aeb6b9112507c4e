"""One simulated portal API per module; ``APPS`` maps a portal kind to its app class."""
from __future__ import annotations

import importlib

_MODULES = {
    "geonetwork": "geonetwork",
    "opendatasoft": "opendatasoft",
    "udata": "udata",
    "ckan": "ckan",
    "dcat": "dcat",
}


class _Apps(dict):
    def __missing__(self, kind: str):
        module = importlib.import_module(f"{__name__}.{_MODULES[kind]}")
        self[kind] = module.App
        return module.App


APPS = _Apps()
