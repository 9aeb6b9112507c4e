"""The bridge between a served simulated territory and the crawler: the territory
configuration (TOML) that points the crawler at the local servers, and the demo's own folder
(its history starts afresh at each ``auditor demo``; a history of a real territory is never
touched)."""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from .server import SimTerritory
from .world import World

SIM_TERRITORY = "Métropole européenne de Lille (simulation)"

def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a valid TOML basic string


def territory_toml(world: World, source_urls: dict[str, str], *, http: dict[str, object] | None = None,
                   crawl: dict[str, object] | None = None, validation: dict[str, object] | None = None,
                   store: dict[str, str] | None = None, name: str = SIM_TERRITORY, lang: str = "fr") -> str:
    """TOML configuration crawling every portal of ``world`` served at ``source_urls``."""
    lines = [
        "# Territoire simulé servi sur 127.0.0.1 (généré par `auditor demo`).",
        "[territory]",
        f"name = {_q(name)}",
        f"lang = {_q(lang)}",
        "",
        "[http]",
    ]
    settings = {"timeout": 10.0, "retries": 4, "backoff": 0.2, "max_retry_wait": 30.0, "per_host": 4}
    settings.update(http or {})
    for key, value in settings.items():
        lines.append(f"{key} = {_q(value) if isinstance(value, str) else json.dumps(value)}")
    lines += ["", "[crawl]"]
    for key, value in (crawl or {}).items():
        lines.append(f"{key} = {json.dumps(value)}")
    lines.append("")
    for table, values in (("validation", validation), ("store", store)):
        if values:
            lines.append(f"[{table}]")
            for key, value in values.items():
                lines.append(f"{key} = {_q(value) if isinstance(value, str) else json.dumps(value)}")
            lines.append("")
    for pname, portal in world.portals.items():
        lines += ["[[sources]]", f"name = {_q(pname)}", f"title = {_q(portal.title)}",
                  f"kind = {_q(portal.kind)}", f"url = {_q(source_urls[pname])}"]
        if portal.owner:
            lines.append(f"owner = {_q(portal.owner)}")
        if portal.kind == "udata":
            lines += ["[sources.options]", "discover = true"]
        lines.append("")
    lines.append("[publishers]")
    aliases = ", ".join(f"{_q(k)} = {_q(v)}" for k, v in world.aliases.items())
    lines.append(f"aliases = {{ {aliases} }}")
    lines.append(f"others = [{', '.join(_q(o) for o in world.others)}]")
    for code, n in sorted(world.agents.items()):
        lines += ["", f"[communes.{code}]", f"agents = {n}"]
    return "\n".join(lines) + "\n"


def write_config(territory: SimTerritory, directory: Path, **kw: object) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "territoire-simule.toml"
    urls = {name: territory.source_url(name) for name in territory.world.portals}
    path.write_text(territory_toml(territory.world, urls, **kw), encoding="utf-8")
    return path


class NotADemoFolder(Exception):
    """The folder holds the history of another territory than the simulated one (French message)."""


def reset_history(directory: Path) -> bool:
    """Remove the simulated history, and the HTTP cache, of a previous demo in ``directory``;
    True when there was one. A history holding any run of another territory is left as it is
    (:class:`NotADemoFolder`)."""
    from ..history.store import Store

    path = directory / "auditor.sqlite"
    if not path.exists():
        return False
    try:
        with Store(path) as store:
            others = sorted({r["territory"] or "?" for r in store.runs()} - {SIM_TERRITORY})
    except sqlite3.DatabaseError as exc:
        raise NotADemoFolder(f"{path} n'est pas un historique lisible ({exc}) : choisissez un autre dossier "
                             f"(--data-dir)") from None
    if others:
        raise NotADemoFolder(f"{path} contient l'historique de « {others[0]} » : la démonstration n'écrit que "
                             f"dans un historique simulé ; choisissez un autre dossier (--data-dir)")
    for name in ("auditor.sqlite", "auditor.sqlite-wal", "auditor.sqlite-shm"):
        (directory / name).unlink(missing_ok=True)
    shutil.rmtree(directory / "http-cache", ignore_errors=True)
    return True
