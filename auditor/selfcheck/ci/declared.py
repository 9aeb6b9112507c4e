"""Which schema each data file of a dataset repository declares, for ``auditor ci``.

The first of these that names a schema for a file wins:

1. ``--schema`` on the command line: ``RÉF`` when a single file is checked, ``MOTIF=RÉF`` (repeatable) for the
   files of a folder the pattern matches;
2. the description that lists the file: the ``schema`` of a data package resource (``datapackage.json``), or of a
   ``ressources`` / ``resources`` entry (``chemin`` or ``path``) of a metadata file (``metadata.yaml``,
   ``*.dataset.yaml`` and their JSON forms);
3. the ``[schemas]`` table of the repository's configuration file ``.auditor.toml`` (the nearest one from the
   checked folder up to the repository root): a path or a glob pattern, relative to that file's folder, and the
   schema; the first entry that matches wins::

       [schemas]
       "data/subventions.csv" = "scdl/subventions@2.1.1"
       "deliberations/**/*.csv" = "scdl/deliberations@2.1.3"
       "equipements/*.csv" = "schemas/equipements.json"   # a local Table Schema

   ``*`` and ``?`` stand for any characters but ``/``, ``[...]`` for one of a set, ``**`` for any folders;
4. otherwise the schema is guessed from the header.

A reference is written as people write them: ``scdl/subventions@2.1.1``, the schema's schema.data.gouv.fr
address, the raw address of a schema repository's release, or a local path, relative to the folder of the file
that declares it (the description, ``.auditor.toml``; the current folder for ``--schema``).
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONFIG_NAME = ".auditor.toml"
CONFIG_KEYS = ("schemas",)
MAX_CONFIG_BYTES = 1024 * 1024


class DeclarationError(Exception):
    """A declaration that cannot be used (unreadable ``.auditor.toml``, malformed ``--schema``); French."""


@dataclass
class Declaration:
    schema: str | dict
    base: Path  # the folder a local schema path is relative to
    source: str  # where it was declared, for the reader (« metadata.yaml », « .auditor.toml (data/*.csv) »)


@dataclass
class Mapping:
    """Patterns → schemas: patterns relative to ``folder`` (``.auditor.toml``'s folder, or the checked one for
    ``--schema``), local schema paths relative to ``base`` (the same folder, or the current one)."""

    folder: Path
    source: str
    base: Path | None = None  # None: folder
    entries: list[tuple[str, str, re.Pattern[str]]] = field(default_factory=list)  # pattern, reference, regex
    used: set[str] = field(default_factory=set)  # the patterns that matched a file

    def add(self, pattern: str, reference: str) -> None:
        self.entries.append((pattern, reference, glob_regex(pattern)))

    def match(self, path: Path) -> Declaration | None:
        if not path.is_relative_to(self.folder):
            return None
        rel = path.relative_to(self.folder).as_posix()
        for pattern, reference, regex in self.entries:
            if regex.fullmatch(rel):
                self.used.add(pattern)
                return Declaration(reference, self.base or self.folder, f"{self.source} (« {pattern} »)")
        return None

    def unused(self) -> list[str]:
        return [p for p, _, _ in self.entries if p not in self.used]


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob pattern over ``/``-separated relative paths: ``*`` and ``?`` within one name, ``[...]`` a set,
    ``**/`` any folders (none included), a trailing ``**`` anything below."""
    pattern = pattern.strip().removeprefix("./")
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[" and pattern.find("]", i + 2) > 0:
            end = pattern.find("]", i + 2)
            body = pattern[i + 1:end]
            negate, body = body.startswith("!"), body.removeprefix("!")
            out.append("[" + "^" * negate + "".join(ch if ch == "-" else re.escape(ch) for ch in body) + "]")
            i = end + 1
            continue
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out))


def find_config(folder: Path, root: Path) -> Path | None:
    """The nearest ``.auditor.toml`` from ``folder`` up to ``root`` (both included)."""
    folder, root = Path(folder).resolve(), Path(root).resolve()
    for d in (folder, *folder.parents):
        if (d / CONFIG_NAME).is_file():
            return d / CONFIG_NAME
        if d == root or not d.is_relative_to(root):
            return None
    return None


def read_config(path: Path, label: str) -> Mapping:
    """The ``[schemas]`` table of a ``.auditor.toml``; ``DeclarationError`` naming the file and the key when it
    cannot be read or holds what it should not (``label``: the file as shown to the reader)."""
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise DeclarationError(f"{label} : fichier de plus de 1 Mo, non lu.")
        doc = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DeclarationError(f"{label} illisible : {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise DeclarationError(f"{label} n'est pas un fichier TOML valide : {exc}") from None
    unknown = sorted(set(doc) - set(CONFIG_KEYS))
    if unknown:
        raise DeclarationError(f"{label} : clé « {unknown[0]} » inconnue (clés reconnues : "
                               f"{', '.join(f'[{k}]' for k in CONFIG_KEYS)}).")
    schemas = doc.get("schemas", {})
    if not isinstance(schemas, dict):
        raise DeclarationError(f"{label} : « schemas » doit être une table [schemas] de motifs de chemins et de "
                               "schémas, par exemple \"data/subventions.csv\" = \"scdl/subventions@2.1.1\".")
    mapping = Mapping(folder=path.parent.resolve(), source=label)
    for pattern, reference in schemas.items():
        if not isinstance(reference, str) or not reference.strip() or not pattern.strip():
            raise DeclarationError(f"{label} : [schemas] « {pattern} » doit associer un chemin (ou un motif) non "
                                   f"vide à un schéma écrit entre guillemets, par exemple "
                                   f"\"scdl/subventions@2.1.1\" (lu : {reference!r}).")
        mapping.add(pattern, reference.strip())
    return mapping


def command_line(values: list[str] | None, *, single: bool, folder: Path, cwd: Path) -> tuple[str | None, Mapping]:
    """``--schema`` values: ``(RÉF for the single file, or None; the MOTIF=RÉF mapping)``, patterns relative to
    the checked ``folder`` (the paths ``auditor ci`` shows), local schema files to the current folder ``cwd``
    (as typed in a shell). A bare reference in a folder check is refused (which files would it name?), and so
    is more than one for a single file."""
    bare, mapping = [], Mapping(folder=Path(folder).resolve(), source="--schema", base=Path(cwd).resolve())
    for value in values or []:
        pattern, sep, reference = value.partition("=")
        if sep and "://" not in pattern and pattern.strip() and reference.strip():
            mapping.add(pattern.strip(), reference.strip())
        else:
            bare.append(value.strip())
    if bare and not single:
        raise DeclarationError(f"--schema « {bare[0]} » : dans un dossier, précisez les fichiers concernés, par exemple "
                               f"--schema \"data/subventions.csv={bare[0]}\" ou --schema \"**/*.csv={bare[0]}\" "
                               "(ou déclarez-les dans .auditor.toml).")
    if len(bare) > 1:
        raise DeclarationError("--schema : un seul schéma pour un fichier.")
    return (bare[0] if bare else None), mapping


def description_schemas(description: Path, label: str) -> dict[Path, Declaration]:
    """The schemas a metadata file (``metadata.yaml``, ``*.dataset.yaml``, JSON) declares for its local
    resources, by resolved path; empty when it cannot be read (its own check says why). ``label``: the file
    as shown to the reader."""
    from ..describe import DescriptionError, read_description

    try:
        doc = read_description(description).raw
    except DescriptionError:
        return {}
    resources: Any = next((doc[k] for k in ("ressources", "resources", "distributions") if k in doc), None)
    folder = description.parent.resolve()
    out: dict[Path, Declaration] = {}
    for res in resources if isinstance(resources, list) else []:
        if not isinstance(res, dict):
            continue
        where = next((res[k] for k in ("chemin", "path", "url") if k in res), None)
        where = where[0] if isinstance(where, list) and where else where
        schema = _reference(res.get("schema"))
        if not isinstance(where, str) or "://" in where or schema is None:
            continue
        try:
            path = (folder / where).resolve()
        except (OSError, ValueError):
            continue
        out.setdefault(path, Declaration(schema, folder, label))
    return out


def _reference(schema: Any) -> str | dict | None:
    """A resource's ``schema``: a reference, an inline Table Schema, or ``{name, version}``."""
    if isinstance(schema, str) and schema.strip():
        return schema.strip()
    if isinstance(schema, dict):
        if isinstance(schema.get("fields"), list):
            return schema
        name, version = schema.get("name"), schema.get("version")
        if isinstance(name, str) and name.strip():
            return f"{name.strip()}@{version}" if isinstance(version, (str, int, float)) and str(version) else name
    return None

