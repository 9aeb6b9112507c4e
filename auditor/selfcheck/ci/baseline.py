"""A baseline: the fingerprints of the findings a repository has accepted. Checked against
it, only findings whose fingerprint is not in it fail the build; fixed findings simply
disappear from the next baseline written."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from ...model import Finding

VERSION = 1


class BaselineError(Exception):
    pass


def read_baseline(path: str | Path) -> set[str]:
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{path} : fichier de référence introuvable") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path} : fichier de référence illisible ({exc})") from None
    version = data.get("version") if isinstance(data, dict) else None
    if type(version) is not int or version != VERSION or not isinstance(data.get("findings"), list):  # true == 1
        raise BaselineError(f"{path} : format de référence inconnu (version {VERSION} attendue)")
    return {str(item["fingerprint"]) for item in data["findings"] if isinstance(item, dict) and "fingerprint" in item}


def write_baseline(path: str | Path, findings: Iterable[Finding]) -> int:
    items = sorted(({"fingerprint": f.fingerprint, "rule": f.rule, "where": f.distribution or f.dataset or f.commune}
                    for f in findings), key=lambda x: (x["rule"], x["where"] or "", x["fingerprint"]))
    unique = list({i["fingerprint"]: i for i in items}.values())
    doc = {"version": VERSION, "tool": "auditor", "created": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
           "findings": unique}
    Path(path).write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return len(unique)


def new_findings(findings: Iterable[Finding], known: set[str]) -> list[Finding]:
    return [f for f in findings if f.fingerprint not in known]
