"""Where a checked file is in its repository, for the outputs that name files (SARIF, GitHub annotations).

Code-scanning viewers and GitHub want every file path relative to the repository root, whatever folder
``auditor ci`` checked (the Action's ``path`` input, ``auditor ci donnees``): the root is the one given
(``--root``), else the one ``git rev-parse --show-toplevel`` finds from the checked folder, else the current
folder when the checked one is inside it, else the checked folder itself. :class:`Locator` turns a finding
into a root-relative path: a data file's finding at that file (with its row and column), a finding on a
dataset description (``metadata.yaml``, ``datapackage.json``) at the description, a resource a description
names by a local path at that file."""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable
from urllib.parse import unquote, urlsplit

from ...model import Finding


def repository_root(folder: Path, given: Path | None = None) -> Path:
    """The repository root of ``folder`` (see the module's documentation)."""
    if given is not None:
        return Path(given).resolve()
    folder = Path(folder).resolve()
    try:
        proc = subprocess.run(["git", "-C", str(folder), "rev-parse", "--show-toplevel"], capture_output=True,
                              text=True, timeout=20, stdin=subprocess.DEVNULL)
        top = proc.stdout.strip()
        if proc.returncode == 0 and top and folder.is_relative_to(Path(top).resolve()):
            return Path(top).resolve()
    except (OSError, subprocess.SubprocessError, ValueError):  # no git, or a hung one
        pass
    cwd = Path.cwd().resolve()
    return cwd if folder.is_relative_to(cwd) else folder


@dataclass
class Place:
    """Where a finding is: ``path`` relative to the repository root, or ``url`` (a published resource);
    ``rows``: whether the finding's row and column are rows and columns of that file."""

    path: str | None = None
    url: str | None = None
    rows: bool = False


class Locator:
    """Places findings of a run that checked ``folder`` (targets named relative to it) in ``root``."""

    def __init__(self, root: Path, folder: Path, files: Iterable[str] = ()):
        self.root = Path(root).resolve()
        self.folder = Path(folder).resolve()
        self.files = set(files)
        rel = os.path.relpath(self.folder, self.root)
        self.prefix = "" if rel == "." or rel.startswith("..") else Path(rel).as_posix()

    def path(self, target: str) -> str:
        """A target named relative to the checked folder, relative to the root."""
        return f"{self.prefix}/{target}" if self.prefix else target

    def place(self, f: Finding) -> Place:
        d = f.distribution
        if d and "://" not in d:
            return Place(path=self.path(d), rows=True)
        if d and d.startswith("file://"):
            local = self._local(d)
            if local is not None:
                return Place(path=local)
        if f.dataset and f.dataset in self.files:
            return Place(path=self.path(f.dataset))
        if d:
            return Place(url=d)
        return Place()

    def _local(self, uri: str) -> str | None:
        try:
            p = Path(unquote(urlsplit(uri).path)).resolve()
        except (ValueError, OSError):
            return None
        return p.relative_to(self.root).as_posix() if p.is_relative_to(self.root) else None
