"""Schema references as people write them, read into what they name.

A description, ``--schema`` or a CI configuration names a schema in one of these forms, all resolved to the same
catalogue entry, offline as online (:meth:`auditor.tabular.catalog.SchemaCatalog.resolve_reference`):

* a catalogue name: ``scdl/subventions@2.1.1``, ``scdl/subventions`` (latest release), ``subventions`` when
  unambiguous;
* a schema.data.gouv.fr address: the document
  (``https://schema.data.gouv.fr/schemas/scdl/subventions/2.1.1/schema.json``, ``.../latest/schema.json``) or its
  documentation page (``https://schema.data.gouv.fr/scdl/subventions/2.1.1/``), or the same on the configured
  mirror;
* a file of the schema's repository at a release tag, as the catalogue names the repository
  (``homepage``): ``https://raw.githubusercontent.com/{owner}/{repo}/v2.3.1/schema-statique.json``,
  ``https://github.com/{owner}/{repo}/blob/v2.3.1/...``,
  ``https://gitlab.com/opendatafrance/scdl/subventions/-/raw/v2.1.1/schema.json`` (and GitLab's older
  ``/raw/v2.1.1/``), the repository page itself (latest release);
* a local file: absolute, relative to the folder of the description that names it, or a ``file://`` URI.

:func:`parse_reference` reads the text alone (no catalogue, no network); :func:`declared_name` gives the
``name``/``version`` a description declares, with the shipped snapshot's list for repository addresses.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

SITE = "https://schema.data.gouv.fr"
SITE_ALIASES = (SITE, "http://schema.data.gouv.fr", "https://www.schema.data.gouv.fr")
SCHEMA_SUFFIXES = (".json", ".yml", ".yaml")
_VERSIONISH = re.compile(r"^v?\d+(\.\d+)*([-.+][\w.-]*)?$", re.I)
_REPO_MARKERS = ("raw", "blob", "tree", "releases", "tags")


@dataclass(frozen=True)
class Reference:
    """What a reference names. ``kind``: ``catalog`` (a name), ``site`` (a schema.data.gouv.fr address),
    ``repository`` (a file or page of a schema's repository), ``path`` (a local file), ``url`` (any other
    address)."""

    kind: str
    text: str
    name: str | None = None  # catalog, site: owner/name; repository: owner/repo as written in the address
    version: str | None = None  # None: the latest release
    ref: str | None = None  # repository: the tag or branch as written
    file: str | None = None  # site, repository: the file the address names
    repo: str | None = None  # repository: its normalised address (see :func:`repo_key`)
    path: Path | None = None  # path: absolute

    @property
    def pinned(self) -> bool:
        return self.version is not None


def parse_reference(text: str, base_dir: str | Path | None = None, *, site: str = SITE) -> Reference:
    """Read ``text`` as one of the forms of the module. ``base_dir``: the folder relative paths start from
    (the description's; the current folder when None). ``site``: the configured catalogue's address
    (a mirror), understood like schema.data.gouv.fr."""
    text = str(text).strip()
    if text.startswith("file://"):
        return Reference("path", text, path=Path(unquote(urlsplit(text).path)))
    if re.match(r"^https?://", text, re.I):
        for base in (*SITE_ALIASES, site.rstrip("/")):
            if text.lower().startswith(base.lower() + "/"):
                found = _site(text, text[len(base):])
                if found is not None:
                    return found
        return _repository(text) or Reference("url", text)
    if _is_path(text, base_dir):
        p = Path(text).expanduser()
        if not p.is_absolute():
            p = Path(base_dir or Path.cwd()) / p
        return Reference("path", text, path=Path(_absolute(p)))
    name, sep, version = text.rpartition("@")
    if not sep:
        name, version = text, ""
    version = version.strip()
    return Reference("catalog", text, name=name.strip(), version=None if version in ("", "latest") else version)


def _absolute(p: Path) -> str:
    import os

    return os.path.abspath(p)


def _is_path(text: str, base_dir: str | Path | None) -> bool:
    if text.startswith(("/", "./", "../", "~")) or "\\" in text:
        return True
    if text.lower().endswith(SCHEMA_SUFFIXES):
        return True
    try:
        return (Path(base_dir or Path.cwd()) / text).is_file()
    except (OSError, ValueError):
        return False


def _site(text: str, path: str) -> Reference | None:
    """``/schemas/{owner}/{name}[/{version}[/{file}]]`` or ``/{owner}/{name}[/{version}[/]]`` (a documentation
    page, ``latest.html`` included)."""
    parts = [unquote(p) for p in urlsplit(path).path.split("/") if p]
    if parts and parts[0] == "schemas":
        parts = parts[1:]
    if len(parts) < 2 or parts[-1] == "schemas.json":
        return None
    version = parts[2] if len(parts) > 2 else None
    name = parts[1]
    if name.endswith(".html"):  # /scdl/subventions.html
        name = name[:-5]
    if version is not None and version.endswith(".html"):
        version = version[:-5]
    if version in ("latest", "index", "changelog", "documentation"):
        version = None
    file = "/".join(parts[3:]) or None
    if file in ("index.html", "documentation.html", "changelog.html"):
        file = None
    return Reference("site", text, name=f"{parts[0]}/{name}", version=version, file=file)


def _repository(text: str) -> Reference | None:
    """A GitHub or GitLab address of a file at a tag (or of the repository page)."""
    u = urlsplit(text)
    host = u.netloc.lower()
    parts = [unquote(p) for p in u.path.split("/") if p]
    if host == "raw.githubusercontent.com":
        if len(parts) < 3:
            return None
        repo, rest = parts[:2], parts[2:]
        if rest[0] == "refs" and len(rest) > 2:  # refs/tags/v2.1.1/schema.json
            rest = rest[2:]
        ref, file = rest[0], "/".join(rest[1:]) or None
        host = "github.com"
    elif host in ("github.com", "www.github.com") or host.startswith("gitlab.") or "gitlab" in host \
            or host in ("framagit.org", "forge.etalab.gouv.fr"):
        if "-" in parts:  # GitLab: {group...}/{repo}/-/raw/{ref}/{file}
            i = parts.index("-")
            repo, rest = parts[:i], parts[i + 1:]
        else:
            i = next((k for k, p in enumerate(parts) if k >= 2 and p in _REPO_MARKERS), len(parts))
            repo, rest = parts[:i], parts[i:]
        if len(repo) < 2:
            return None
        ref = file = None
        if rest and rest[0] in _REPO_MARKERS:
            rest = rest[1:]
            if rest and rest[0] == "tag":  # github.com/o/r/releases/tag/v1.0
                rest = rest[1:]
            ref, file = (rest[0] if rest else None), ("/".join(rest[1:]) or None)
        elif rest:
            return None
        host = "github.com" if host == "www.github.com" else host
    else:
        return None
    repo[-1] = repo[-1].removesuffix(".git")
    version = ref.removeprefix("refs/tags/") if ref and _VERSIONISH.match(ref) else None
    return Reference("repository", text, name="/".join(repo), version=version, ref=ref, file=file,
                     repo=repo_key(f"https://{host}/{'/'.join(repo)}"))


def repo_key(url: str | None) -> str | None:
    """A repository address compared loosely: scheme, ``www.``, ``.git``, a trailing ``/`` and case dropped."""
    if not url:
        return None
    u = urlsplit(str(url).strip())
    host = u.netloc.lower().removeprefix("www.")
    path = u.path.rstrip("/").removesuffix(".git").strip("/").lower()
    return f"{host}/{path}" if host and path else None


def is_version(ref: str | None) -> bool:
    return bool(ref) and bool(_VERSIONISH.match(ref))


# -- without a catalogue: what a description declares -----------------------------------------------

def declared_name(text: str) -> tuple[str | None, str | None]:
    """The catalogue ``(name, version)`` a description's ``schema`` names, read without network: names and
    schema.data.gouv.fr addresses from the text, repository addresses from the shipped snapshot's list of
    repositories; ``(None, None)`` for a local file or an address no schema is known at."""
    ref = parse_reference(text, Path("/nonexistent"))
    if ref.kind in ("catalog", "site"):
        return ref.name, ref.version
    if ref.kind == "repository":
        name = pick_entry(ref, [(n, files) for n, home, files in _snapshot_repositories() if home == ref.repo])
        if name is not None:
            return name, ref.version
    return None, None


def pick_entry(ref: Reference, candidates: list[tuple[str, frozenset[str]]]) -> str | None:
    """Of the catalogue entries published from one repository (``(name, document file names)``: IRVE's data
    package and its two tables), the one a repository address names: by its file name, else the entry named
    after the repository, else the only one."""
    if ref.file:
        base = ref.file.rsplit("/", 1)[-1]
        named = [n for n, files in candidates if base in files]
        if named:
            return named[0]
    tail = (ref.name or "").rsplit("/", 1)[-1].lower()
    same = [n for n, _ in candidates if n.rsplit("/", 1)[-1].lower() == tail]
    if same:
        return same[0]
    return candidates[0][0] if len(candidates) == 1 else None


@lru_cache(maxsize=1)
def _snapshot_repositories() -> tuple[tuple[str, str, frozenset[str]], ...]:
    """(name, repository key, document file names) of the shipped snapshot's catalogue entries."""
    from .snapshot_file import CATALOG_PATH, default_snapshot

    snap = default_snapshot()
    body = snap.read(CATALOG_PATH) if snap is not None else None
    try:
        entries = json.loads(body)["schemas"] if body else []
    except (ValueError, KeyError, TypeError):
        entries = []
    out = []
    for e in entries if isinstance(entries, list) else []:
        if isinstance(e, dict) and isinstance(e.get("name"), str) and repo_key(e.get("homepage")):
            files = frozenset(urlsplit(str(v.get("schema_url"))).path.rsplit("/", 1)[-1]
                              for v in e.get("versions") or [] if isinstance(v, dict))
            out.append((e["name"], repo_key(e.get("homepage")), files))
    return tuple(out)
