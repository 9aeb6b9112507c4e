"""The script that builds the dated snapshot of the schema.data.gouv.fr catalogue shipped with auditor
(read by `auditor.tabular.snapshot_file`).

So that a machine without network (a commune's office, a pre-commit hook on a train) still validates SCDL files,
the package holds ``auditor/data/schema-snapshot.json.xz``: the catalogue (``schemas/schemas.json``) and the
documents of every schema version (table schemas, data packages and the table schemas they name, JSON Schemas
and the documents they refer to), keyed by their path on the site (``schemas/scdl/subventions/2.1.1/schema.json``),
without the example files. Compressed with xz it weighs about 100 KB.

The catalogue (:class:`~auditor.tabular.catalog.SchemaCatalog`) reads the live site first; only when it cannot
be reached and no cached copy exists does it serve the snapshot, and says so with the snapshot's date.

Build or refresh it (at each release) from the live site or from a mirror folder::

    python3 -m auditor.tabular.snapshot --from https://schema.data.gouv.fr
    python3 -m auditor.tabular.snapshot --from path/to/schemas-mirror --date 2026-12-08

``AUDITOR_SCHEMA_SNAPSHOT`` names another snapshot file; a path where there is none (an empty folder) runs
without snapshot, as a machine would without the package data.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from ..normalize.text import fold
from .catalog import SchemaCatalog
from .catalog_fetch import local_path_for
from .catalog_model import SITE, CatalogError
from .snapshot_file import CATALOG_PATH, FILENAME, Snapshot

_SCHEMA_SUFFIXES = (".json", ".yml", ".yaml")


# -- building ------------------------------------------------------------------------------------

def build(source: str, *, on_date: str | None = None) -> Snapshot:
    """A snapshot of the catalogue at ``source``: the live site or a mirror (``http(s)://``), or a local folder
    laid out like the catalogue's local mode (``{owner}__{name}/{version}/``). Every listed version's document is taken with the documents it
    names (data package resources, JSON Schema references); a version the source lacks is left out."""
    is_folder = "://" not in source or source.startswith("file://")
    catalog = SchemaCatalog(source, discover_local=False)
    infos = catalog.schemas()
    files: dict[str, str] = {}
    base = catalog.base_url if not is_folder else SITE

    def site_path(url: str) -> str:
        return unquote(urlsplit(url).path).lstrip("/") if url.startswith(base) else ""

    def take(url: str) -> Any:
        key = site_path(url)
        if not key or key in files:
            return None
        try:
            body = catalog._read(url, 0)
        except CatalogError:
            return None
        files[key] = body.decode("utf-8-sig")
        return _quiet_json(files[key])

    files[CATALOG_PATH] = catalog._read(catalog.catalog_url, 0).decode("utf-8-sig")
    for info in infos:
        for version in info.versions:
            doc = take(version.url)
            if doc is None:
                continue
            for name in _named_documents(doc):
                take(urljoin(version.url, name))
            if is_folder:
                for extra in _folder_documents(catalog, version.url):
                    take(urljoin(version.url, extra))
            elif (version.type or info.type) == "jsonschema":
                take(urljoin(version.url, "paquet.json"))  # DECP 1.3.0 reads it beside the contract schema
    when = on_date or _source_date(catalog, is_folder)
    return Snapshot(date=when, source=source if not is_folder else SITE + " (copie locale)", files=files)


def _named_documents(doc: Any) -> list[str]:
    """Relative names of the documents a schema document needs: a data package's resource schemas, a JSON
    Schema's ``$ref`` files."""
    out: list[str] = []
    if isinstance(doc, dict) and isinstance(doc.get("resources"), list):
        out += [r["schema"] for r in doc["resources"] if isinstance(r, dict) and isinstance(r.get("schema"), str)]
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                out.append(unquote(urlsplit(ref).path).rsplit("/", 1)[-1])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return [n for n in out if n and not n.startswith(("http:", "https:"))]


def _folder_documents(catalog, url: str) -> list[str]:
    """The other schema files of a local version folder (DECP's ``marches.json``, ``paquet.json``), never the
    examples."""
    path = catalog._local_file(url)
    if path is None:
        return []
    return sorted(p.name for p in path.parent.iterdir()
                  if p.is_file() and p.suffix.lower() in _SCHEMA_SUFFIXES and p != path
                  and not fold(p.name).startswith(("exemple", "example")) and p.name != "schemas.yml")


def _source_date(catalog, is_folder: bool) -> str:
    if is_folder and catalog.root is not None:
        listed = local_path_for(catalog.root, "/schemas/schemas.json")
        if listed is not None:
            return datetime.fromtimestamp(listed.stat().st_mtime, timezone.utc).date().isoformat()
    return datetime.now(timezone.utc).date().isoformat()


def _quiet_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m auditor.tabular.snapshot",
                                     description="Construire l'instantané du catalogue de schémas livré avec auditor.")
    parser.add_argument("--from", dest="source", required=True,
                        help="https://schema.data.gouv.fr, un miroir, ou un dossier de schémas")
    parser.add_argument("--date", help="date de l'instantané, AAAA-MM-JJ (défaut : celle du catalogue ou du jour)")
    parser.add_argument("--output", type=Path, default=Path(__file__).resolve().parents[1] / "data" / FILENAME)
    args = parser.parse_args(argv)
    if args.date:
        try:
            date.fromisoformat(args.date)
        except ValueError:
            print(f"--date : « {args.date} » n'est pas une date AAAA-MM-JJ", file=sys.stderr)
            return 2
    if "://" not in args.source and not Path(args.source).is_dir():
        print(f"--from : le dossier « {args.source} » n'existe pas", file=sys.stderr)
        return 2
    try:
        snap = build(args.source, on_date=args.date)
    except CatalogError as exc:
        print(f"instantané non construit : {exc.message}", file=sys.stderr)
        return 2
    body = snap.to_bytes()
    args.output.write_bytes(body)
    versions = sum(1 for k in snap.files if k != CATALOG_PATH)
    print(f"{args.output} : {versions} document(s) de schéma, catalogue du {snap.date}, {len(body) // 1024} Ko")
    return 0


if __name__ == "__main__":
    sys.exit(main())
