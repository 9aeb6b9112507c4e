"""The dated snapshot of the schema.data.gouv.fr catalogue shipped with auditor, as read: `Snapshot` (the
catalogue and every schema document, keyed by their path on the site, xz-compressed JSON) and where it is found
(`default_snapshot`: ``$AUDITOR_SCHEMA_SNAPSHOT``, else ``auditor/data/schema-snapshot.json.xz``). The catalogue
falls back on it when the site cannot be reached; it is built by `auditor.tabular.snapshot`."""
from __future__ import annotations

import json
import lzma
import os
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from urllib.parse import unquote

from ..normalize.text import fold

FORMAT = 1
FILENAME = "schema-snapshot.json.xz"
ENV = "AUDITOR_SCHEMA_SNAPSHOT"
CATALOG_PATH = "schemas/schemas.json"
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


@dataclass
class Snapshot:
    """The files of a snapshot, keyed by their path on the site (``schemas/...``, percent-decoded)."""

    date: str  # ISO date, YYYY-MM-DD
    source: str
    files: dict[str, str] = field(default_factory=dict)

    @property
    def date_fr(self) -> str:
        """``8 décembre 2026``."""
        try:
            d = date.fromisoformat(self.date)
        except ValueError:
            return self.date
        return f"{d.day} {MONTHS[d.month - 1]} {d.year}"

    def read(self, site_path: str) -> bytes | None:
        """The body the site serves at ``site_path`` (``/schemas/...``), or None. A name whose accents were
        dropped, or differ in case, still matches within its folder (``marchés.json`` / ``marches.json``)."""
        key = unquote(site_path).lstrip("/")
        text = self.files.get(key)
        if text is None:
            folder, _, name = key.rpartition("/")
            want = fold(name)
            for k in self.files:
                if k.startswith(folder + "/") and "/" not in k[len(folder) + 1:] and fold(k.rpartition("/")[2]) == want:
                    text = self.files[k]
                    break
        return None if text is None else text.encode("utf-8")

    def to_bytes(self) -> bytes:
        doc = {"format": FORMAT, "date": self.date, "source": self.source, "files": self.files}
        raw = json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=0).encode("utf-8")
        return lzma.compress(raw, preset=9 | lzma.PRESET_EXTREME)

    @classmethod
    def from_bytes(cls, body: bytes) -> Snapshot:
        doc = json.loads(lzma.decompress(body))
        if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("files"), dict):
            raise ValueError("not an auditor schema snapshot")
        return cls(date=str(doc.get("date")), source=str(doc.get("source")), files=doc["files"])


def snapshot_path() -> Path | None:
    """Where the snapshot is read from: ``$AUDITOR_SCHEMA_SNAPSHOT`` (a file, or a folder holding
    ``schema-snapshot.json.xz``), else the package's own copy; None when there is none."""
    env = os.environ.get(ENV)
    if env is not None:
        p = Path(env)
        p = p / FILENAME if p.is_dir() else p
        return p if p.is_file() else None
    packaged = resources.files("auditor").joinpath(f"data/{FILENAME}")
    return Path(str(packaged)) if packaged.is_file() else None


def default_snapshot() -> Snapshot | None:
    """The snapshot to fall back on (see :func:`snapshot_path`), read once per path; None when there is
    none or it cannot be read."""
    path = snapshot_path()
    return None if path is None else _load(str(path.resolve()))


@lru_cache(maxsize=4)
def _load(path: str) -> Snapshot | None:
    try:
        return Snapshot.from_bytes(Path(path).read_bytes())
    except (OSError, ValueError, lzma.LZMAError):
        return None
