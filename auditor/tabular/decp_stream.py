"""Streaming a DECP JSON file: its bytes read in chunks within ``max_bytes`` (`_Input`), and ijson events
turned into the contracts of its lists, one at a time, and the rest of the document (its skeleton), within the
reading budgets (`auditor.tabular.budgets`: nesting depth, count of values)."""
from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any, Callable, Iterator

import ijson

from . import budgets
from .decp_messages import json_path

CHUNK = 1 << 16
# the contract lists that are streamed, as ijson prefixes, with the layout they belong to
LISTS = {"marches": "array", "marches.marche": "object", "marches.contrat-concession": "object"}


class _TooLarge(Exception):
    pass


class _Input:
    """A binary reader for ijson: never reads unbounded, stops past ``limit`` bytes, drops a UTF-8 BOM."""

    def __init__(self, raw: Any, limit: int | None):
        self.raw, self.limit = raw, limit
        self.count = 0
        self.bom = False
        self._first = True

    def read(self, n: int = -1) -> bytes:
        if n == 0:  # ijson probes the stream type with read(0)
            return b""
        data = self.raw.read(n if n > 0 else CHUNK)
        if self._first:
            self._first = False
            if data.startswith(b"\xef\xbb\xbf"):
                data, self.bom = data[3:], True
                self.count += 3
        self.count += len(data)
        if self.limit is not None and self.count > self.limit:
            raise _TooLarge()
        return data


def _opener(source: Any) -> tuple[Callable[[], Any], int | None]:
    """How to open ``source`` (a context manager giving a binary reader) and its size when known."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        return (lambda: io.BytesIO(data)), len(data)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            size = path.stat().st_size
        except OSError:
            size = None
        return (lambda: open(path, "rb")), size
    if hasattr(source, "read"):  # a binary file object, read from where it stands (not closed here)
        return (lambda: _Unclosed(source)), None
    raise TypeError(f"source DECP non prise en charge : {type(source).__name__}")


class _Unclosed:
    def __init__(self, f: Any):
        self.f = f

    def __enter__(self) -> Any:
        return self.f

    def __exit__(self, *exc: Any) -> None:
        pass


_STARTS = ("start_map", "start_array")
_ENDS = ("end_map", "end_array")


class _TooDeep(Exception):
    pass


class _TooMany(Exception):
    """One contract, or the document outside its contract lists, holds over `budgets.MAX_JSON_VALUES` values."""

    def __init__(self, where: str):
        super().__init__(where)
        self.where = where


class _Stream:
    """ijson events → the contracts of the watched lists one by one, and the rest of the document (skeleton).

    The events come from ijson's prefix-less parser: the position of an event is kept as a list of keys (and
    ``item`` for array members) and compared as a tuple, and only where it matters (the top three levels): ijson's
    own prefixes are strings rebuilt at every level, whose memory grows with the square of the depth (40 KB of
    ``[`` took 1 GB). Nesting deeper than `budgets.MAX_DEPTH` levels stops the reading (`_TooDeep`)."""

    def __init__(self, reader: _Input, watch: frozenset[str]):
        self.events = ijson.basic_parse(reader, use_float=True)
        self.watch = frozenset(tuple(p.split(".")) for p in watch)
        self.skeleton = ijson.ObjectBuilder()
        self.root_type: str | None = None
        self.shape: str | None = None  # what "marches" holds: array | object | string | number | ... | None
        self.counts: dict[str, int] = {}
        self.streamed: list[str] = []  # watched lists met, in document order

    def items(self) -> Iterator[tuple[str, int, Any]]:
        current: tuple | None = None  # the watched list being streamed
        current_name = ""
        builder: ijson.ObjectBuilder | None = None
        depth = 0  # inside the item being built
        path: list[Any] = []
        limit = budgets.MAX_DEPTH
        built = outside = 0  # values of the item being built, of the skeleton
        marches = ("marches",)
        for event, value in self.events:
            # the position of the event, as ijson's prefix (the containing value's path)
            if event == "map_key":
                where = tuple(path[:-1]) if len(path) <= 4 else None
                path[-1] = value
            elif event in _STARTS:
                where = tuple(path) if len(path) <= 3 else None
                path.append(None if event == "start_map" else "item")
                if len(path) > limit:
                    raise _TooDeep()
            elif event in _ENDS:
                path.pop()
                where = tuple(path) if len(path) <= 3 else None
            else:
                where = tuple(path) if len(path) <= 3 else None
            if builder is not None:
                builder.event(event, value)
                built += 1
                if built > budgets.MAX_JSON_VALUES:
                    raise _TooMany(f"{json_path(current_name.split('.'))}[{self.counts[current_name]}]")
                if event in _STARTS:
                    depth += 1
                elif event in _ENDS:
                    depth -= 1
                    if depth == 0:
                        index = self.counts[current_name]
                        self.counts[current_name] = index + 1
                        item, builder = builder.value, None
                        yield current_name, index, item
                continue
            if self.root_type is None:
                self.root_type = {"start_map": "object", "start_array": "array"}.get(event, event)
            if current is not None and where is not None and len(where) == len(current) + 1 \
                    and where[-1] == "item" and where[:-1] == current:
                if event in _STARTS:
                    builder, depth, built = ijson.ObjectBuilder(), 1, 1
                    builder.event(event, value)
                    continue
                if event != "end_array":  # a scalar where a contract is expected
                    index = self.counts[current_name]
                    self.counts[current_name] = index + 1
                    yield current_name, index, value
                    continue
            if where == marches and event != "map_key" and self.root_type == "object" and self.shape is None:
                self.shape = {"start_map": "object", "start_array": "array"}.get(event, event)
            if event == "start_array" and where in self.watch and current is None \
                    and LISTS[".".join(where)] == self.shape and ".".join(where) not in self.counts:
                current, current_name = where, ".".join(where)
                self.counts[current_name] = 0
                self.streamed.append(current_name)
            elif event == "end_array" and current is not None and where == current:
                current = None
            self.skeleton.event(event, value)
            outside += 1
            if outside > budgets.MAX_JSON_VALUES:
                raise _TooMany("$")

    @property
    def document(self) -> Any:
        return getattr(self.skeleton, "value", None)
