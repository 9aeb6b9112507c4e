"""On-disk HTTP cache for conditional requests.

Every response that carries a validator (``ETag`` or ``Last-Modified``) is kept on disk,
keyed by method and URL. The next request for the same URL is sent with ``If-None-Match`` /
``If-Modified-Since``; a ``304 Not Modified`` answer is then served from the cache, so a
second crawl of an unchanged portal re-downloads almost nothing. Entries are written
atomically (temporary file + rename), so concurrent threads and a crawl killed midway never
leave a half-written entry behind.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class CacheEntry:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    stored_at: float = 0.0  # when the server last confirmed this entry (200 or 304)

    def age(self) -> float:
        return time.time() - self.stored_at

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


class HttpCache:
    def __init__(self, directory: str | os.PathLike[str]):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def _path(self, method: str, url: str) -> Path:
        digest = hashlib.sha256(f"{method.upper()} {url}".encode()).hexdigest()
        return self.directory / digest[:2] / digest

    def get(self, method: str, url: str) -> CacheEntry | None:
        path = self._path(method, url)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            head, _, body = raw.partition(b"\n")
            meta = json.loads(head)
            if meta.get("url") != url:  # hash collision or foreign file
                return None
            return CacheEntry(url=url, status=meta["status"], headers=meta["headers"], body=body,
                              stored_at=float(meta.get("stored_at", 0)))
        except (ValueError, KeyError):
            return None  # a damaged entry is ignored and later overwritten

    def put(self, method: str, url: str, status: int, headers: dict[str, str], body: bytes) -> None:
        path = self._path(method, url)
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = json.dumps({"url": url, "status": status, "headers": headers, "stored_at": time.time()}).encode()
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(meta + b"\n" + body)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise

    def delete(self, method: str, url: str) -> None:
        try:
            self._path(method, url).unlink()
        except FileNotFoundError:
            pass
