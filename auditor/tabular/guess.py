"""Which table schema (and version) a file follows, guessed from its header.

Every table schema version of the catalogue is scored against the header:

* labels and field names are compared exactly, then normalised (case, accents, spaces, underscores, dots and
  hyphens ignored: ``NOM_Beneficiaire`` ~ ``nomBeneficiaire``); an exact match weighs 1, a normalised one 0.9;
* each name weighs by its rarity across the catalogue's schemas (``id`` or ``nom`` say little, ``idAttribuant``
  says a lot), so a header of generic words does not match anything well;
* the score is a weighted Dice coefficient, ``2 M / (H + F + R)``: matched weight over header weight, field
  weight and the weight of required fields the header lacks (counted twice in effect); 1 is a perfect fit;
* among equally good versions of a schema the latest release wins; an older version wins only by fitting
  better; versions the catalogue does not list and drafts come after listed releases.

The result is one :class:`Guess` per schema, best first, with a French confidence label.
"""
from __future__ import annotations

import math
import weakref
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..normalize.text import fold
from .catalog import SchemaCatalog
from .catalog_model import TableFields
from .field_index import field_index

NORMALISED_MATCH = 0.9
CONFIDENCE = ((0.95, "certain"), (0.75, "probable"), (0.4, "possible"))
NO_MATCH = "aucun schéma ne correspond"
_EN = {"certain": "certain", "probable": "likely", "possible": "possible", NO_MATCH: "no schema matches"}


def normalise(label: str) -> str:
    """``"Nom Bénéficiaire"``, ``"nom_beneficiaire"``, ``"nomBeneficiaire"`` → ``"nombeneficiaire"``."""
    return fold(label).replace(" ", "")


def confidence_label(score: float) -> str:
    for threshold, label in CONFIDENCE:
        if score >= threshold:
            return label
    return NO_MATCH


@dataclass
class Guess:
    name: str
    version: str
    score: float  # 0..1
    confidence: str  # « certain », « probable », « possible » or « aucun schéma ne correspond »
    matched: list[tuple[str, str]] = field(default_factory=list)  # (header label, field name)
    renamed: list[tuple[str, str]] = field(default_factory=list)  # matched only once normalised
    missing: list[str] = field(default_factory=list)  # schema fields absent from the header
    missing_required: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)  # header labels the schema does not know
    equivalent_versions: list[str] = field(default_factory=list)  # other versions that fit exactly as well
    listed: bool = True
    prerelease: bool = False
    rank: int = 0  # position of the version in the schema's release order

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def confidence_en(self) -> str:
        return _EN[self.confidence]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "version": self.version, "score": round(self.score, 4),
            "confidence": {"fr": self.confidence, "en": self.confidence_en},
            "matched": [list(m) for m in self.matched], "renamed": [list(m) for m in self.renamed],
            "missing": list(self.missing), "missing_required": list(self.missing_required),
            "extra": list(self.extra), "equivalent_versions": list(self.equivalent_versions),
            "listed": self.listed,
        }


class _Table:
    __slots__ = ("tf", "exact", "norm", "weight", "required")

    def __init__(self, tf: TableFields, weight_of):
        self.tf = tf
        self.exact: dict[str, str] = {}
        self.norm: dict[str, str] = {}
        for f in tf.fields:
            self.exact.setdefault(f, f)
            self.norm.setdefault(normalise(f), f)
        self.weight = sum(weight_of(normalise(f)) for f in tf.fields)
        self.required = [f for f in tf.fields if f in tf.required]


class GuessIndex:
    """Precomputed field lists and weights of every table schema version; build once, guess many times."""

    def __init__(self, tables: Iterable[TableFields]):
        tables = list(tables)
        names_by_field: dict[str, set[str]] = defaultdict(set)
        for tf in tables:
            for f in tf.fields:
                names_by_field[normalise(f)].add(tf.name)
        n = max(1, len({tf.name for tf in tables}))
        self._idf = {k: 1.0 + math.log(n / len(v)) for k, v in names_by_field.items()}
        self._unknown = 1.0 + math.log(n)  # a label no schema uses is as telling as the rarest one
        self.tables = [_Table(tf, self.weight) for tf in tables]
        self._by_norm: dict[str, list[int]] = defaultdict(list)
        for i, t in enumerate(self.tables):
            for k in t.norm:
                self._by_norm[k].append(i)

    def weight(self, norm: str) -> float:
        return self._idf.get(norm, self._unknown)

    def guess(self, header: list[str], limit: int | None = 5) -> list[Guess]:
        labels = [(h, normalise(h)) for h in header if isinstance(h, str) and normalise(h)]
        if not labels:
            return []
        header_weight = sum(self.weight(k) for _, k in labels)
        candidates = sorted({i for _, k in labels for i in self._by_norm.get(k, ())})
        per_name: dict[str, list[Guess]] = defaultdict(list)
        for i in candidates:
            g = self._score(self.tables[i], labels, header_weight)
            per_name[g.name].append(g)
        out = []
        for guesses in per_name.values():
            guesses.sort(key=lambda g: (-round(g.score, 9), not g.listed, g.prerelease, -g.rank))
            best = guesses[0]
            best.equivalent_versions = [g.version for g in sorted(guesses[1:], key=lambda g: g.rank)
                                        if round(g.score, 9) == round(best.score, 9)]
            out.append(best)
        out.sort(key=lambda g: (-round(g.score, 9), not g.listed, g.name))
        return out if limit is None else out[:limit]

    def _score(self, table: _Table, labels: list[tuple[str, str]], header_weight: float) -> Guess:
        tf = table.tf
        used: set[str] = set()
        matched, renamed, extra = [], [], []
        got = 0.0
        for raw, key in labels:
            f = table.exact.get(raw)
            exact = f is not None and f not in used
            if not exact:
                f = table.norm.get(key)
            if f is None or f in used:
                extra.append(raw)
                continue
            used.add(f)
            matched.append((raw, f))
            if not exact:
                renamed.append((raw, f))
            got += self.weight(key) * (1.0 if exact else NORMALISED_MATCH)
        missing = [f for f in tf.fields if f not in used]
        missing_required = [f for f in table.required if f not in used]
        penalty = sum(self.weight(normalise(f)) for f in missing_required)
        score = 2 * got / (header_weight + table.weight + penalty)
        return Guess(tf.name, tf.version, min(1.0, score), confidence_label(score), matched, renamed,
                     missing, missing_required, extra, listed=tf.listed, prerelease=tf.prerelease, rank=tf.rank)


_indexes: "weakref.WeakKeyDictionary[SchemaCatalog, tuple[int, GuessIndex]]" = weakref.WeakKeyDictionary()


def index_for(catalog: SchemaCatalog) -> GuessIndex:
    """The guess index of a catalogue, built on first use and kept with it until the schema list changes."""
    catalog.schemas()  # asks for the list again when it is due
    kept = _indexes.get(catalog)
    if kept is None or kept[0] != catalog.generation:
        kept = _indexes[catalog] = (catalog.generation, GuessIndex(field_index(catalog)))
    return kept[1]


def guess_schema(header: list[str], catalog: SchemaCatalog | GuessIndex, *, limit: int | None = 5) -> list[Guess]:
    """Table schemas ranked by how well their field names fit ``header`` (one entry per schema, best first).
    An empty list, or a first entry whose confidence is « aucun schéma ne correspond », means no match."""
    idx = catalog if isinstance(catalog, GuessIndex) else index_for(catalog)
    return idx.guess(header, limit=limit)
