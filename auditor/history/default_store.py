"""Where commands given no ``--config``, ``--data-dir`` nor ``--store`` find the history.

First the territory's own history, ``auditor-data/auditor.sqlite`` in the current folder (where
``auditor audit`` writes with the shipped MEL configuration); when there is none, the history of
``auditor demo``, kept in the user's data folder so that it works from any folder and leaves
nothing in a checkout: ``$XDG_DATA_HOME/auditor/demo`` (by default ``~/.local/share/auditor/demo``;
``%LOCALAPPDATA%\\auditor\\demo`` on Windows). The demo writes its configuration there
(``territoire-simule.toml``, which names the store beside it), and that configuration is used.
A real history is thus never mixed with a simulated one, and the first one found is said on
standard error by the commands.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from ..config import DEFAULT_CONFIG, Config, load_config

DEMO_CONFIG = "territoire-simule.toml"


def user_data_dir() -> Path:
    """The user's data folder for auditor (XDG Base Directory; LOCALAPPDATA on Windows)."""
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "auditor"
    base = os.environ.get("XDG_DATA_HOME")
    if not base or not os.path.isabs(base):  # the specification ignores a relative value
        base = str(Path.home() / ".local" / "share")
    return Path(base) / "auditor"


def demo_dir() -> Path:
    """Where ``auditor demo`` keeps its configuration, history, cache and reports by default."""
    return user_data_dir() / "demo"


def territory_config(config: str | None = None, data_dir: str | Path | None = None) -> tuple[Config, bool]:
    """The configuration a command works with, and whether it is the demo's (see the module
    documentation). ``config`` or ``data_dir`` given: that configuration, as before."""
    if config is not None or data_dir is not None:
        return load_config(config or DEFAULT_CONFIG, data_dir=data_dir), False
    territory = load_config(DEFAULT_CONFIG)
    demo = demo_dir() / DEMO_CONFIG
    if not territory.store_path.exists() and demo.is_file():
        return load_config(demo), True
    return territory, False
