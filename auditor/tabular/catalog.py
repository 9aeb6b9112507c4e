"""The schema catalogue of schema.data.gouv.fr: list schemas, resolve ``name[@version]``, load documents.

Where each piece lives: listing and resolving here (`SchemaCatalog`); reading documents, with cache and offline
fallback, in `catalog_fetch` (`CatalogFetcher`, which `SchemaCatalog` builds on); errors, data classes and
release ordering in `catalog_model`; the field lists schema guessing compares columns to in `field_index`.

The catalogue is the JSON file ``{base}/schemas/schemas.json``: one entry per schema (``name`` such as
``scdl/subventions``, ``title``, ``schema_type`` tableschema | jsonschema | datapackage | other, ``labels``,
``examples``) with its ``versions`` in release order, each with the ``schema_url`` of its document.

* The base is configurable: the real site, a mirror served over HTTP, or a local folder (``file://`` URL or path)
  laid out either like the site (``schemas/{owner}/{name}/{version}/...``) or as ``{owner}__{name}/{version}/...``
  with the catalogue in ``_catalog/schemas.json``. ``schema_url`` values, which always name
  ``https://schema.data.gouv.fr``, are rewritten relative to the configured base.
* Over HTTP everything goes through :class:`auditor.crawling.http.HttpClient`: cached on disk with conditional requests
  (the client's cache, or ``cache_dir`` given to the catalogue); when the network fails and a cached copy exists,
  the copy is used and :attr:`SchemaCatalog.notes` says so; failing that, the dated snapshot shipped with the
  package (:mod:`auditor.tabular.snapshot_file`, given as ``snapshot``), with a note naming its date. Once the site
  could not be reached, the network is not tried again for a minute (an offline check does not wait on every
  document).
* References as people write them (names, schema.data.gouv.fr and repository addresses, local files) are
  resolved by :meth:`SchemaCatalog.resolve_reference` (see :mod:`auditor.tabular.references`).
* The catalogue's release name is trusted, never the ``version`` written inside a schema (often stale): a
  disagreement is reported as a note on the resolved schema.
* A local folder may hold versions the catalogue no longer lists (older releases, drafts): they are added as
  *unlisted* versions, reachable by an explicit pin, never chosen as "latest".
"""
from __future__ import annotations

import difflib
import json
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from ..normalize.text import fold
from .catalog_fetch import CatalogFetcher, load_document, local_path_for
from .catalog_model import (SCHEMA_TYPES, SITE, CatalogError, CatalogUnavailable, PackageResource, ResolvedSchema,
                            SchemaInfo, SchemaNotFound, SchemaVersion, is_prerelease, parse_ref, same_version,
                            version_key)
from .references import Reference, is_version, parse_reference, pick_entry, repo_key

_DATA_SUFFIXES = (".csv", ".xlsx", ".xls", ".json", ".geojson", ".xml", ".ods", ".tsv", ".txt")


def _schema_file_in(folder: Path, hint: str | None) -> Path | None:
    """The schema document of an unlisted version folder."""
    names = [hint] if hint else []
    names += ["schema.json", "datapackage.json", "schema.yml", "schema.yaml"]
    for n in names:
        if n and (folder / n).is_file():
            return folder / n
    cands = sorted(p for p in folder.glob("*.json") if not fold(p.stem).startswith(("exemple", "example")))
    return cands[0] if len(cands) == 1 else None


def _infer_type(doc: Any) -> str:
    if isinstance(doc, dict):
        if isinstance(doc.get("fields"), list):
            return "tableschema"
        if isinstance(doc.get("resources"), list) and "$schema" not in doc:
            return "datapackage"
        if "$schema" in doc or "properties" in doc or "definitions" in doc:
            return "jsonschema"
    return "other"


class SchemaCatalog(CatalogFetcher):
    """The catalogue of schema.data.gouv.fr (or of a mirror / local folder): its list, resolved references,
    resources and examples (fetching: `CatalogFetcher`)."""

    # -- listing ----------------------------------------------------------------------------
    def _load(self) -> dict[str, SchemaInfo]:
        """The schema list; over HTTP it is asked again (a conditional request) once ``max_age`` has passed, so
        that a long-running service sees new releases. A changed list bumps ``generation``."""
        if self._schemas is not None and (self.root is not None or time.monotonic() - self._loaded_at < self.max_age):
            return self._schemas
        if self.root is not None:
            path = local_path_for(self.root, "/schemas/schemas.json")
            if path is None:
                raise CatalogUnavailable(f"aucun catalogue (schemas.json) dans le dossier {self.root}")
            body = path.read_bytes()
        else:
            body = self._read(self.catalog_url, self.max_age)
        try:
            raw = json.loads(body.decode("utf-8-sig"))
        except ValueError as exc:
            raise CatalogError(f"catalogue de schémas illisible ({self.catalog_url}) : {exc}") from None
        entries = raw.get("schemas") if isinstance(raw, dict) else raw
        if not isinstance(entries, list):
            raise CatalogError(f"catalogue de schémas illisible ({self.catalog_url}) : pas de liste « schemas »")
        schemas: dict[str, SchemaInfo] = {}
        for entry in entries:
            info = self._info(entry)
            if info is not None:
                schemas[info.name] = info
        if self.root is not None and self.discover_local:
            self._discover(schemas)
        self._loaded_at = time.monotonic()
        if body != self._body:
            self._body, self._schemas, self._fields = body, schemas, {}
            self.generation += 1
        return self._schemas

    def _info(self, entry: Any) -> SchemaInfo | None:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            return None
        versions = []
        for v in entry.get("versions") or []:
            if isinstance(v, dict) and v.get("version_name") and v.get("schema_url"):
                name = str(v["version_name"])
                versions.append(SchemaVersion(name, self.rewrite(str(v["schema_url"])),
                                              prerelease=is_prerelease(name)))
        versions.sort(key=lambda v: version_key(v.name))
        stype = entry.get("schema_type") if entry.get("schema_type") in SCHEMA_TYPES else "other"
        return SchemaInfo(
            name=entry["name"], title=str(entry.get("title") or entry["name"]), type=stype, versions=versions,
            description=str(entry.get("description") or ""), labels=list(entry.get("labels") or []),
            examples=[e for e in entry.get("examples") or [] if isinstance(e, dict)],
            homepage=entry.get("homepage"),
        )

    def _discover(self, schemas: dict[str, SchemaInfo]) -> None:
        """Add the versions (and schemas) of a local folder that the catalogue does not list."""
        for folder in sorted(self.root.glob("*__*")):
            if not folder.is_dir():
                continue
            owner, _, short = folder.name.partition("__")
            name = f"{owner}/{short}"
            info = schemas.get(name)
            hint = Path(urlsplit(info.versions[-1].url).path).name if info and info.versions else None
            found = []
            for vdir in sorted(p for p in folder.iterdir() if p.is_dir()):
                if info is not None and info.version(vdir.name) is not None:
                    continue
                doc_path = _schema_file_in(vdir, hint)
                if doc_path is not None:
                    url = doc_path.resolve().as_uri()
                    found.append(SchemaVersion(vdir.name, url, listed=False, prerelease=is_prerelease(vdir.name),
                                               type=_infer_type(_quiet_document(self, url))))
            if not found:
                continue
            if info is None:
                doc = _quiet_document(self, found[-1].url)
                title = doc.get("title") if isinstance(doc, dict) else None
                info = schemas[name] = SchemaInfo(name=name, title=str(title or name), type=found[-1].type,
                                                  versions=[], listed=False)
            info.versions = sorted(info.versions + found, key=lambda v: version_key(v.name))

    def schemas(self) -> list[SchemaInfo]:
        """Every schema of the catalogue (and of the local folder), sorted by name."""
        return sorted(self._load().values(), key=lambda s: s.name.lower())

    def names(self) -> list[str]:
        return [s.name for s in self.schemas()]

    def get(self, name: str) -> SchemaInfo:
        """The entry for ``name`` (case-insensitive; ``subventions`` alone when unambiguous)."""
        schemas = self._load()
        if name in schemas:
            return schemas[name]
        lower = {n.lower(): n for n in schemas}
        if name.lower() in lower:
            return schemas[lower[name.lower()]]
        tails = [n for n in schemas if n.lower().rsplit("/", 1)[-1] == name.lower()]
        if len(tails) == 1 and "/" not in name:
            return schemas[tails[0]]
        suggestions = _close(name, list(schemas), tails)
        hint = f" Schémas proches : {', '.join(suggestions)}." if suggestions else ""
        raise SchemaNotFound(f"Schéma « {name} » inconnu du catalogue {self.base_url}.{hint}", suggestions)

    def version_of(self, info: SchemaInfo, version: str | None) -> SchemaVersion:
        """The version named ``version`` (``v`` prefix and missing ``.0`` tolerated); None → latest."""
        if not info.versions:
            raise SchemaNotFound(f"Le schéma « {info.name} » n'a aucune version publiée.", [])
        if version is None or version == "latest":
            return info.version(info.latest)
        exact = info.version(version)
        if exact is not None:
            return exact
        same = [v for v in info.versions if same_version(v.name, version)]
        if same:
            return same[-1]
        names = [v.name for v in info.versions]
        suggestions = difflib.get_close_matches(version, names, n=3, cutoff=0.6)
        published = ", ".join(v.name for v in info.versions if v.listed)
        hint = f" Versions proches : {', '.join(suggestions)}." if suggestions else ""
        raise SchemaNotFound(
            f"Version « {version} » inconnue pour le schéma « {info.name} ». "
            f"Versions publiées : {published or 'aucune'}.{hint}", suggestions)

    def resolve(self, ref: str, version: str | None = None) -> ResolvedSchema:
        """``resolve("scdl/subventions@2.1.1")`` or ``resolve("scdl/subventions")`` (latest release)."""
        name, pinned = parse_ref(ref)
        info = self.get(name)
        ver = self.version_of(info, version or pinned)
        doc = self._document(ver.url)
        notes = []
        if info.name != name:
            notes.append(f"« {name} » compris comme « {info.name} »")
        declared = doc.get("version") if isinstance(doc, dict) else None
        if declared is not None and not same_version(str(declared), ver.name):
            notes.append(f"le document du schéma se déclare en version « {declared} » alors que le catalogue "
                         f"le publie comme la version « {ver.name} » : la version du catalogue fait foi")
        if not ver.listed:
            notes.append(f"version « {ver.name} » absente du catalogue (copie locale)")
        stype = ver.type or info.type
        out = ResolvedSchema(
            name=info.name, version=ver.name, type=stype, url=ver.url, document=doc, title=info.title,
            is_latest=ver.name == info.latest, listed=ver.listed,
            declared_version=None if declared is None else str(declared), notes=notes,
        )
        if stype == "datapackage" and isinstance(doc, dict):
            out.resources = self._resources(info, ver, doc)
        return out

    def resolve_reference(self, text: str, base_dir: str | os.PathLike[str] | None = None, *,
                          local: bool = True) -> ResolvedSchema:
        """The schema a reference names, in any form people write (see :mod:`auditor.tabular.references`): a
        name (``scdl/subventions@2.1.1``), a schema.data.gouv.fr or mirror address, the address of a file of the
        schema's repository at a release tag, all resolved to the catalogue's entry (from the live site, its
        cached copy or the shipped snapshot alike); a local file, relative to ``base_dir`` (the folder of the
        description naming it; the current folder when None). ``local=False`` (the web service's visitors)
        refuses local files and addresses outside the catalogue. Raises :class:`SchemaNotFound` for what the
        catalogue does not know, :class:`CatalogUnavailable` when it cannot be read, :class:`CatalogError`
        for an unreadable local file."""
        ref = parse_reference(text, base_dir, site=self.base_url if self.root is None else SITE)
        if ref.kind == "catalog":
            return self.resolve(ref.name or "", ref.version)
        if ref.kind == "site":
            return self._site_member(ref, self.resolve(ref.name or "", ref.version))
        if ref.kind == "repository":
            found = self._from_repository(ref)
            if found is not None:
                return found
        if not local:
            raise SchemaNotFound(f"« {text} » ne désigne aucun schéma du catalogue {self.base_url} : donnez son "
                                 "nom et sa version (ex. scdl/subventions@2.1.1).", [])
        if ref.kind == "path":
            return _local_schema(ref.path)
        return self._remote_schema(ref.text)

    def _site_member(self, ref: Reference, resolved: ResolvedSchema) -> ResolvedSchema:
        """A schema.data.gouv.fr address naming another file than the version's document: a table of a data
        package published as its own entry (IRVE's ``schema-statique.json``), else that file itself."""
        filename = ref.file.rsplit("/", 1)[-1] if ref.file else None
        if not filename or filename == Path(urlsplit(resolved.url).path).name:
            return resolved
        owner = resolved.name.split("/", 1)[0]
        member = self._package_member(owner, Path(filename).stem, filename, resolved.version)
        if member is not None:
            return self.resolve(member.name, resolved.version)
        doc = self.sibling(resolved, filename)
        if doc is None:
            raise SchemaNotFound(f"« {filename} » n'est pas un document publié du schéma {resolved.ref}.", [])
        return replace(resolved, type=_infer_type(doc), url=urljoin(resolved.url, filename), document=doc,
                       resources=[])

    def _from_repository(self, ref: Reference) -> ResolvedSchema | None:
        """The catalogue entry published from the repository an address names, at its tag (the latest release
        for a branch or the repository page); None when the catalogue lists no such repository."""
        candidates = [(i.name, frozenset(Path(urlsplit(v.url).path).name for v in i.versions))
                      for i in self.schemas() if repo_key(i.homepage) == ref.repo]
        name = pick_entry(ref, candidates)
        if name is None and ref.name and ref.name.lower() in {n.lower() for n in self.names()}:
            name = ref.name  # an address built on the catalogue's name (owner/name) rather than the repository's
        if name is None:
            return None
        resolved = self.resolve(name, ref.version)
        if ref.ref and not is_version(ref.ref):
            resolved.notes.append(f"« {ref.ref} » n'est pas une version publiée : la dernière version publiée, "
                                  f"{resolved.version}, est utilisée")
        return resolved

    def _remote_schema(self, url: str) -> ResolvedSchema:
        """A schema document at an address outside the catalogue, fetched (and cached) like the catalogue's."""
        doc = self._document(url)
        name = Path(urlsplit(url).path).name or url
        return _outside_schema(doc, name, url)

    def sibling(self, resolved: ResolvedSchema, filename: str) -> Any | None:
        """Another document of the same version folder (``marches.json`` beside ``paquet.json``), or None."""
        url = urljoin(resolved.url, filename)
        try:
            return self._document(url)
        except CatalogError:
            return None

    def _resources(self, info: SchemaInfo, ver: SchemaVersion, doc: dict[str, Any]) -> list[PackageResource]:
        out = []
        owner = info.name.split("/", 1)[0]
        for res in doc.get("resources") or []:
            if not isinstance(res, dict):
                continue
            rname = str(res.get("name") or "")
            schema = res.get("schema")
            pr = PackageResource(name=rname, title=res.get("title"),
                                 schema_ref=schema if isinstance(schema, str) else None)
            if isinstance(schema, dict):
                pr.document = schema
            elif isinstance(schema, str):
                entry = self._package_member(owner, rname, schema, ver.name)
                if entry is not None:
                    pr.schema_name, pr.schema_version, pr.schema_url = entry.name, ver.name, entry.version(ver.name).url
                else:
                    pr.schema_url = urljoin(ver.url, schema)
                try:
                    pr.document = self._document(pr.schema_url)
                except CatalogError as exc:
                    pr.note = exc.message
            out.append(pr)
        return out

    def _package_member(self, owner: str, resource: str, path: str, version: str) -> SchemaInfo | None:
        """The catalogue's table schema entry that a data package resource points to: same owner and
        version, and the same document name or an entry named after the resource."""
        base = Path(path).name
        for info in self._load().values():
            v = info.version(version)
            if info.type != "tableschema" or v is None or not info.name.startswith(owner + "/"):
                continue
            short = info.name.split("/", 1)[1]
            if Path(urlsplit(v.url).path).name == base or short in (resource, f"schema-{resource}"):
                return info
        return None

    def resources(self, ref: str, version: str | None = None) -> list[PackageResource]:
        """The tables of a data package schema (empty for other types)."""
        return self.resolve(ref, version).resources

    def examples(self, ref: str, version: str | None = None) -> list[dict[str, Any]]:
        """Example files of a schema version: the catalogue's (which name the latest release), and for a local
        folder the data files stored beside the schema document. Each: ``title``, ``url``, ``source``."""
        name, pinned = parse_ref(ref)
        info = self.get(name)
        ver = self.version_of(info, version or pinned)
        out = []
        if ver.name == info.latest:
            for ex in info.examples:
                url = ex.get("path") or ex.get("url")
                if url:
                    out.append({"title": ex.get("title") or ex.get("name") or url, "url": url,
                                "source": "catalogue"})
        local = self._local_file(ver.url) if (self.root is not None or ver.url.startswith("file://")) else None
        if local is not None:
            schema_names = {local.name, "schemas.yml", "datapackage.json"}
            for p in sorted(local.parent.rglob("*")):
                if p.is_file() and p.suffix.lower() in _DATA_SUFFIXES and p.name not in schema_names \
                        and not _looks_like_schema(p):
                    out.append({"title": str(p.relative_to(local.parent)), "url": p.resolve().as_uri(),
                                "path": str(p), "source": "local"})
        return out


def _local_schema(path: Path | None) -> ResolvedSchema:
    """A schema document in a local file (JSON or YAML)."""
    if path is None or not path.is_file():
        raise CatalogError(f"fichier de schéma introuvable : {path}")
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise CatalogError(f"fichier de schéma illisible : {path} ({exc.strerror or exc})") from None
    doc = load_document(body, path.name)
    return _outside_schema(doc, path.name, path.resolve().as_uri())


def _outside_schema(doc: Any, fallback_name: str, url: str) -> ResolvedSchema:
    info = doc if isinstance(doc, dict) else {}
    return ResolvedSchema(name=str(info.get("name") or fallback_name), version=str(info.get("version") or ""),
                          type=_infer_type(doc), url=url, document=doc, title=str(info.get("title") or ""))


def _looks_like_schema(path: Path) -> bool:
    if path.suffix.lower() != ".json" or fold(path.stem).startswith(("exemple", "example")) \
            or "exemple" in fold(str(path.parent.name)):
        return False
    return path.stat().st_size < 5_000_000 and _infer_type(_quiet_json(path)) != "other"


def _quiet_document(catalog: SchemaCatalog, url: str) -> Any:
    try:
        return catalog._document(url)
    except CatalogError:
        return None


def _quiet_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, OSError):
        return None


def _close(query: str, names: list[str], extra: list[str]) -> list[str]:
    q = query.lower()
    out = list(extra)
    out += [n for n in names if q and q in n.lower() and n not in out]
    by_lower = {n.lower(): n for n in names}
    out += [by_lower[m] for m in difflib.get_close_matches(q, list(by_lower), n=5, cutoff=0.5)
            if by_lower[m] not in out]
    tails = {n.lower().rsplit("/", 1)[-1]: n for n in names}
    out += [tails[m] for m in difflib.get_close_matches(q.rsplit("/", 1)[-1], list(tails), n=3, cutoff=0.6)
            if tails[m] not in out]
    return out[:5]
