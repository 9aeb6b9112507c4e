"""The checks: one small module per check, each documented by its docstring.

``get(id)`` returns the module whose ``ID`` is ``id``; modules are found by scanning this
package, so adding a check is adding a file.
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from types import ModuleType


@lru_cache(maxsize=1)
def _registry() -> dict[str, ModuleType]:
    out: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        ident = getattr(module, "ID", None)
        if ident:
            if ident in out:
                raise RuntimeError(f"two checks with ID {ident}: {out[ident].__name__}, {module.__name__}")
            out[ident] = module
    return out


def get(ident: str) -> ModuleType:
    return _registry()[ident]


def all_ids() -> list[str]:
    return sorted(_registry())
