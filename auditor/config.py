"""The territory configuration (TOML): communes, sources, HTTP behaviour, where to store.

A minimal file::

    [territory]
    name = "Métropole européenne de Lille"

    [[sources]]
    name = "roubaix"
    kind = "opendatasoft"            # geonetwork | ogcapi | opendatasoft | udata | ckan | dcat
    url = "https://opendata.roubaix.fr"
    owner = "59512"                  # the portal belongs to this commune (INSEE) or to "MEL"

Everything else has defaults; ``auditor/crawling/territory/mel.toml`` is the documented default
(the MEL territory). Relative paths are relative to the configuration file. Errors name the
file and the key at fault, in French: a value of the wrong type anywhere (a number where a name
is expected, a string where a table is…) is a :class:`ConfigError`, never a traceback.

``[serve]`` holds the settings of ``auditor serve`` (its command-line options come first): the
names it answers to besides the loopback ones (``allowed_hosts``) and waitress' limits (``threads``,
``connection_limit``, ``channel_timeout``, ``cleanup_interval``; see
:func:`auditor.interfaces.server.app.make_server`).
"""
from __future__ import annotations

import tomllib
from datetime import date, datetime
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

from .crawling.http import HttpConfig
from .crawling.sources import KINDS, source_module
from .crawling.sources.base import SourceConfig

DEFAULT_CONFIG = "builtin:mel"


class ConfigError(Exception):
    pass


@dataclass
class Config:
    source_file: str  # path of the TOML file, or "builtin:mel"
    base_dir: Path  # where relative paths and the data folder live
    territory_name: str = "Métropole européenne de Lille"
    communes_csv: Path | None = None  # None: the shipped MEL registry
    store_path: Path = Path("auditor-data/auditor.sqlite")
    cache_dir: Path | None = Path("auditor-data/http-cache")
    http: HttpConfig = field(default_factory=HttpConfig)
    probe: bool = True  # probe every distribution URL
    probe_max_age: float = 6 * 3600  # seconds a probe result stays valid without asking again
    workers: int = 32  # threads for parallel requests (per-host limits still apply)
    source_deadline: float = 3 * 3600.0  # seconds a source may take, its probes included
    audit_deadline: float = 6 * 3600.0  # seconds an audit may take, crawl and file stage
    sources: list[SourceConfig] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    others: list[str] = field(default_factory=list)
    agents: dict[str, int] = field(default_factory=dict)
    homes: dict[str, str] = field(default_factory=dict)  # body -> its home portal (source name)
    lang: str = "fr"
    waivers: list[dict[str, Any]] = field(default_factory=list)
    assume_bound: bool = True  # population reached, agents unknown: presumed bound
    validation: "ValidationConfig" = field(default_factory=lambda: ValidationConfig())
    serve: "ServeConfig" = field(default_factory=lambda: ServeConfig())


@dataclass
class ServeConfig:
    """``[serve]``: ``auditor serve`` as a web application. waitress' own defaults (100 connections, an
    idle one kept 120 s, looked for every 30 s) let a hundred idle sockets make the service unreachable."""

    allowed_hosts: tuple[str, ...] = ()  # Host names answered besides 127.0.0.1, localhost, ::1 ("*": any)
    threads: int = 8  # requests handled at once
    connection_limit: int = 1000  # connections open at once
    channel_timeout: int = 20  # seconds an idle connection is kept
    cleanup_interval: int = 5  # seconds between two looks for idle connections


@dataclass
class ValidationConfig:
    """``[validation]``: during an audit, files that declare a schema (or look like an SCDL dataset) are
    downloaded, size-limited and cached, and validated against their schema (issue 4)."""

    enabled: bool = False
    schemas: str = "https://schema.data.gouv.fr"  # the schema catalogue: site, mirror or local folder
    max_mb: int = 200  # a larger file is reported, not downloaded further
    max_age: float = 20 * 24 * 3600  # seconds a downloaded file is reused without asking the server
    workers: int = 4
    guess: bool = True  # validate SCDL-looking files that declare no schema against the guessed one


def load_config(path: str | Path | None = None, *, data_dir: str | Path | None = None) -> Config:
    """Read ``path`` (default: the shipped MEL configuration). ``data_dir`` overrides where
    the store and the HTTP cache go (default: ``auditor-data/`` next to the file, or in the
    current directory for the shipped configuration)."""
    if path is None or str(path) == DEFAULT_CONFIG:
        text = resources.files("auditor.crawling.territory").joinpath("mel.toml").read_text("utf-8")
        return parse_config(text, DEFAULT_CONFIG, Path.cwd(), data_dir=data_dir)
    p = Path(path)
    try:
        text = p.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(f"{p} : lecture impossible ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{p} : le fichier n'est pas encodé en UTF-8") from None
    return parse_config(text, str(p), p.resolve().parent, data_dir=data_dir)


def parse_config(text: str, source_file: str, base_dir: Path, *,
                 data_dir: str | Path | None = None) -> Config:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source_file} : TOML invalide : {exc}") from None
    where = source_file

    def err(key: str, msg: str) -> ConfigError:
        return ConfigError(f"{where} : [{key}] {msg}")

    cfg = Config(source_file=source_file, base_dir=base_dir)
    terr = _table(doc, "territory", err)
    cfg.territory_name = _typed(terr, "name", str, "territory", err, cfg.territory_name)
    if _typed(terr, "communes", str, "territory", err):
        cfg.communes_csv = _path(base_dir, terr["communes"])
    cfg.lang = _typed(terr, "lang", str, "territory", err, "fr")
    if cfg.lang not in ("fr", "en"):
        raise err("territory", f"lang = {cfg.lang!r} : valeurs possibles « fr » ou « en »")

    store = _table(doc, "store", err)
    root = Path(data_dir).resolve() if data_dir else None
    store_path = _typed(store, "path", str, "store", err, "auditor-data/auditor.sqlite")
    cfg.store_path = (root / "auditor.sqlite") if root else _path(base_dir, store_path)
    if store.get("cache") is False:  # no HTTP cache
        cache = None
    else:
        cache = _typed(store, "cache", str, "store", err, "auditor-data/http-cache")
    cfg.cache_dir = (root / "http-cache") if root else (_path(base_dir, cache) if cache else None)

    _http_settings(cfg.http, _table(doc, "http", err), "http", err)
    cfg.http.cache_dir = str(cfg.cache_dir) if cfg.cache_dir else None

    crawl = _table(doc, "crawl", err)
    unknown = set(crawl) - {"probe", "probe_max_age", "workers", "source_deadline", "audit_deadline"}
    if unknown:
        raise err("crawl", f"clé(s) inconnue(s) : {', '.join(sorted(unknown))}")
    cfg.probe = _typed(crawl, "probe", bool, "crawl", err, True)
    cfg.probe_max_age = _typed(crawl, "probe_max_age", float, "crawl", err, cfg.probe_max_age)
    if cfg.probe_max_age < 0:
        raise err("crawl", "probe_max_age doit être ≥ 0 (secondes)")
    cfg.workers = _typed(crawl, "workers", int, "crawl", err, 32)
    if cfg.workers < 1:
        raise err("crawl", "workers doit être ≥ 1")
    for name in ("source_deadline", "audit_deadline"):
        value = _typed(crawl, name, float, "crawl", err, getattr(cfg, name))
        if value <= 0:
            raise err("crawl", f"{name} doit être > 0 (secondes)")
        setattr(cfg, name, value)

    raw_sources = doc.get("sources", [])
    if not isinstance(raw_sources, list):
        raise err("sources", "doit être une liste de tables [[sources]]")
    names: set[str] = set()
    for i, s in enumerate(raw_sources):
        key = f"sources #{i + 1}"
        if not isinstance(s, dict):
            raise err(key, "doit être une table")
        for required in ("name", "kind", "url"):
            if not s.get(required):
                raise err(key, f"« {required} » est obligatoire")
            _typed(s, required, str, key, err)
        for name in ("owner", "title"):
            _typed(s, name, str, key, err)
        _typed(s, "enabled", bool, key, err)
        if s["kind"] not in KINDS:
            raise err(key, f"kind = {s['kind']!r} inconnu (possibles : {', '.join(KINDS)})")
        if s["name"] in names:
            raise err(key, f"nom {s['name']!r} déjà utilisé par une autre source")
        if not str(s["url"]).startswith(("http://", "https://")):
            raise err(key, f"url = {s['url']!r} : une adresse http(s) est attendue")
        unknown = set(s) - {"name", "kind", "url", "owner", "title", "enabled", "options", "http"}
        if unknown:
            raise err(key, f"clé(s) inconnue(s) : {', '.join(sorted(unknown))}")
        names.add(s["name"])
        problem = _options_problem(s["kind"], s.get("options", {}))
        if problem:
            raise err(f"{key}.options", problem)
        if not isinstance(s.get("http", {}), dict):
            raise err(f"{key}.http", "doit être une table (retries, timeout, total_timeout…)")
        own_http = dict(s.get("http", {}))
        _http_settings(HttpConfig(), own_http, f"sources.{s['name']}.http", err)  # checked like [http]
        cfg.sources.append(SourceConfig(
            name=str(s["name"]), kind=s["kind"], url=str(s["url"]),
            owner=s["owner"] if s.get("owner") else None, title=s.get("title"),
            enabled=s.get("enabled", True), options=dict(s.get("options", {})),
            http={k: float(v) if isinstance(getattr(HttpConfig(), k), float) else v for k, v in own_http.items()},
        ))

    pubs = _table(doc, "publishers", err)
    aliases = _typed(pubs, "aliases", dict, "publishers", err, {})
    for k, v in aliases.items():
        if not isinstance(v, str):
            raise err("publishers", f"aliases.{k} doit être {TYPE_NAMES[str]} (le code de la collectivité), "
                                    f"pas {_type_name(v)} ({v!r})")
    cfg.aliases = dict(aliases)
    cfg.others = _strings(pubs, "others", "publishers", err)

    _validation(cfg, _table(doc, "validation", err), err)

    audit = _table(doc, "audit", err)
    cfg.assume_bound = _typed(audit, "assume_bound_when_agents_unknown", bool, "audit", err, True)

    _serve(cfg.serve, _table(doc, "serve", err), err)

    raw_waivers = doc.get("waivers", [])
    if not isinstance(raw_waivers, list):
        raise err("waivers", "doit être une liste de tables [[waivers]]")
    for i, w in enumerate(raw_waivers):
        key = f"waivers #{i + 1}"
        if not isinstance(w, dict):
            raise err(key, "doit être une table")
        for required in ("rule", "justification", "expires"):
            if not w.get(required):
                raise err(key, f"« {required} » est obligatoire (une dérogation est justifiée et datée)")
        unknown = set(w) - {"rule", "justification", "expires", "commune", "dataset", "distribution", "by"}
        if unknown:
            raise err(key, f"clé(s) inconnue(s) : {', '.join(sorted(unknown))}")
        for name in ("rule", "justification", "commune", "dataset", "distribution", "by"):
            _typed(w, name, str, key, err)  # a commune code written as a number loses its leading zero
        expires = w["expires"]
        if isinstance(expires, str):
            try:
                expires = date.fromisoformat(expires)
            except ValueError:
                raise err(key, f"expires = {w['expires']!r} : une date AAAA-MM-JJ est attendue") from None
        if isinstance(expires, datetime):
            expires = expires.date()
        if not isinstance(expires, date):
            raise err(key, "expires doit être une date (AAAA-MM-JJ)")
        cfg.waivers.append({**{k: str(v) for k, v in w.items() if k != "expires"}, "expires": expires})

    for insee, table in _table(doc, "communes", err).items():
        if not isinstance(table, dict):
            raise err(f"communes.{insee}", "doit être une table")
        if "agents" in table:
            if not isinstance(table["agents"], int) or isinstance(table["agents"], bool) or table["agents"] < 0:
                raise err(f"communes.{insee}", "agents doit être un entier ≥ 0 (équivalents temps plein)")
            cfg.agents[str(insee)] = table["agents"]
        if "home" in table:
            _typed(table, "home", str, f"communes.{insee}", err)
            if table["home"] not in names:
                raise err(f"communes.{insee}", f"home = {table['home']!r} : aucune source de ce nom "
                                                f"(sources : {', '.join(sorted(names))})")
            cfg.homes[str(insee)] = str(table["home"])
        unknown = set(table) - {"agents", "home"}
        if unknown:
            raise err(f"communes.{insee}", f"clé(s) inconnue(s) : {', '.join(sorted(unknown))}")
    return cfg


TYPE_NAMES = {str: "une chaîne de caractères", bool: "un booléen (true ou false)", int: "un entier",
              float: "un nombre", list: "une liste", dict: "une table", date: "une date (AAAA-MM-JJ)"}


def _type_name(value: Any) -> str:
    for kind in (bool, int, float, str, list, dict, datetime, date):
        if isinstance(value, kind):
            return "une date-heure" if kind is datetime else TYPE_NAMES[kind]
    return type(value).__name__


def _typed(table: dict[str, Any], name: str, kind: type, key: str, err, default: Any = None) -> Any:
    """``table[name]`` when it is of ``kind`` (an int is a number; a bool is neither), ``default`` when
    absent; else the French error naming ``[key] name``."""
    if name not in table:
        return default
    value = table[name]
    ok = isinstance(value, kind) and not (isinstance(value, bool) and kind is not bool)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        ok, value = True, float(value)
    if not ok:
        raise err(key, f"{name} doit être {TYPE_NAMES[kind]}, pas {_type_name(value)} ({value!r})")
    return value


def _strings(table: dict[str, Any], name: str, key: str, err) -> list[str]:
    """``table[name]``, a list of strings (empty when absent)."""
    values = _typed(table, name, list, key, err, [])
    for i, v in enumerate(values):
        if not isinstance(v, str):
            raise err(key, f"{name} doit être une liste de chaînes de caractères ; l'élément n° {i + 1} est "
                           f"{_type_name(v)} ({v!r})")
    return values


def _http_settings(target: HttpConfig, table: dict[str, Any], key: str, err) -> None:
    """Set the HTTP settings of ``table`` on ``target``, each checked (name and type)."""
    known = {f.name for f in fields(HttpConfig)} - {"cache_dir"}
    for name, value in table.items():
        if name not in known:
            raise err(key, f"clé inconnue « {name} » (clés possibles : {', '.join(sorted(known))})")
        expected = type(getattr(HttpConfig(), name))
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if type(value) is not expected:
            raise err(key, f"{name} doit être de type {expected.__name__}")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
            raise err(key, f"{name} doit être ≥ 0")
        setattr(target, name, value)


def http_for(cfg: "Config", source: SourceConfig) -> HttpConfig:
    """The HTTP settings of one source: ``[http]``, with its own ``http`` table on top."""
    from dataclasses import replace

    return replace(cfg.http, **source.http) if source.http else cfg.http


# the type of each option a source reads (others are the source's own business, see its check_options)
OPTION_TYPES: dict[str, dict[str, type]] = {
    "geonetwork": {"geonetwork_path": str, "ogcapi_path": str, "page_size": int, "ogcapi": bool},
    "ogcapi": {},
    "opendatasoft": {"api": str},
    "udata": {"discover": bool},
    "ckan": {"api": str, "organisations": bool, "rows": int, "q": str, "fq": str, "sort": str},
    "dcat": {"format": str},
}


def _options_problem(kind: str, options: Any) -> str | None:
    """What is wrong with a source's ``options`` table: a known option of the wrong type, or what its
    module's ``check_options`` says."""
    if not isinstance(options, dict):
        return "doit être une table"
    for name, expected in OPTION_TYPES.get(kind, {}).items():
        value = options.get(name)
        if name in options and (not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool)):
            return f"{name} doit être {TYPE_NAMES[expected]}, pas {_type_name(value)} ({value!r})"
    check = getattr(source_module(kind), "check_options", None)
    try:
        return check(options) if check else None
    except (TypeError, ValueError, AttributeError, KeyError) as exc:  # a value of a type the source does not expect
        return f"valeur de type inattendu ({exc})"


def _table(doc: dict[str, Any], key: str, err) -> dict[str, Any]:
    value = doc.get(key, {})
    if not isinstance(value, dict):
        raise err(key, "doit être une table")
    return value


def _path(base: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def _serve(serve: ServeConfig, table: dict[str, Any], err) -> None:
    unknown = set(table) - {"allowed_hosts", "threads", "connection_limit", "channel_timeout", "cleanup_interval"}
    if unknown:
        raise err("serve", f"clé(s) inconnue(s) : {', '.join(sorted(unknown))}")
    serve.allowed_hosts = tuple(_strings(table, "allowed_hosts", "serve", err))
    for name in ("threads", "connection_limit", "channel_timeout", "cleanup_interval"):
        value = _typed(table, name, int, "serve", err, getattr(serve, name))
        if value < 1:
            raise err("serve", f"{name} doit être un entier ≥ 1")
        setattr(serve, name, value)


def _validation(cfg: Config, table: dict[str, Any], err) -> None:
    v = cfg.validation
    unknown = set(table) - {"enabled", "schemas", "max_mb", "max_age", "workers", "guess"}
    if unknown:
        raise err("validation", f"clé(s) inconnue(s) : {', '.join(sorted(unknown))}")
    v.enabled = _typed(table, "enabled", bool, "validation", err, v.enabled)
    v.guess = _typed(table, "guess", bool, "validation", err, v.guess)
    v.schemas = _typed(table, "schemas", str, "validation", err, v.schemas)
    if "://" not in v.schemas:
        v.schemas = str(_path(cfg.base_dir, v.schemas))
    for key, low in (("max_mb", 1), ("workers", 1), ("max_age", 0)):
        value = table.get(key, getattr(v, key))
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low:
            raise err("validation", f"{key} doit être un nombre ≥ {low}")
        setattr(v, key, type(getattr(v, key))(value))
