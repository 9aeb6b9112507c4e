"""The commune registry: the 95 communes of the Métropole européenne de Lille.

Shipped as ``data/mel-communes.csv`` (INSEE code, name, SIREN, population municipale and
its millésime, associated or delegated communes such as Lomme and Hellemmes for Lille),
derived from INSEE's Code officiel géographique and populations légales and from the DGCL
BANATIC membership list. Another territory can ship its own CSV with the same columns.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ...model import Commune

MEL_NAME = "Métropole européenne de Lille"
# Current SIREN (since 2015) and the SIREN of Lille Métropole Communauté urbaine, which
# portals and the ODATER observatory still use.
MEL_SIRENS = ("200093201", "245900410")
MEL_CODE = "MEL"  # how findings and reports designate the metropolis itself


@dataclass
class Registry:
    name: str
    communes: dict[str, Commune]  # by INSEE code
    metropole: Commune
    by_siren: dict[str, Commune] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for c in self.communes.values():
            self.by_siren[c.siren] = c
        for siren in self.metropole_sirens:
            self.by_siren[siren] = self.metropole

    @property
    def metropole_sirens(self) -> tuple[str, ...]:
        return (self.metropole.siren,) + tuple(s for s in MEL_SIRENS if s != self.metropole.siren)

    def get(self, code: str) -> Commune | None:
        """A commune by INSEE code, or the metropolis by ``MEL`` or one of its SIRENs."""
        if code == MEL_CODE:
            return self.metropole
        return self.communes.get(code) or self.by_siren.get(code)

    def name_of(self, code: str | None) -> str:
        c = self.get(code) if code else None
        return c.name if c else (code or "?")


def read_communes_csv(path: str | Path) -> dict[str, Commune]:
    with open(path, encoding="utf-8", newline="") as fh:
        return _parse(fh)


def _parse(lines) -> dict[str, Commune]:
    out: dict[str, Commune] = {}
    for row in csv.DictReader(lines):
        associated = []
        for item in filter(None, (row.get("associated") or "").split(";")):
            code, _, name = item.strip().partition(" ")
            associated.append((code, name))
        out[row["insee"]] = Commune(
            insee=row["insee"], name=row["name"], siren=row["siren"],
            population=int(row["population"]) if row.get("population") else None,
            population_year=int(row["population_year"]) if row.get("population_year") else None,
            associated=associated,
        )
    return out


def load_registry(communes_csv: str | Path | None = None, agents: dict[str, int] | None = None) -> Registry:
    """The MEL registry (default) or the communes of ``communes_csv``; ``agents`` sets the
    ETP count per INSEE code (not published nationally, so it comes from configuration)."""
    if communes_csv is None:
        text = resources.files(__package__).joinpath("data/mel-communes.csv").read_text("utf-8")
        communes = _parse(text.splitlines())
    else:
        communes = read_communes_csv(communes_csv)
    for insee, n in (agents or {}).items():
        if insee in communes:
            communes[insee].agents = n
    pop = sum(c.population or 0 for c in communes.values())
    metropole = Commune(insee=MEL_CODE, name=MEL_NAME, siren=MEL_SIRENS[0], population=pop,
                        kind="metropole")
    return Registry(name=MEL_NAME, communes=communes, metropole=metropole)
