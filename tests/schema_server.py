"""A local stand-in for https://schema.data.gouv.fr, served on 127.0.0.1 from the shared schema folder.

It maps the site's URL layout (``/schemas/schemas.json``, ``/schemas/{owner}/{name}/{version}/{file}``) onto
``/work/shared/data/schemas`` (``_catalog/schemas.json``, ``{owner}__{name}/{version}/{file}``) with the same
rules as the catalogue's local mode (:func:`auditor.tabular.catalog_fetch.local_path_for`). Answers carry an ETag and
honour ``If-None-Match`` (304). ``fail`` makes every answer a 503; ``throttle`` maps a path to how many
429 answers (``Retry-After: 0``) it gets before being served; ``hits`` counts requests per path.
"""
from __future__ import annotations

import hashlib
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from auditor.tabular.catalog_fetch import local_path_for

SCHEMAS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "schemas"


class SchemaServer:
    def __init__(self, root: Path = SCHEMAS):
        self.root = Path(root)
        self.fail = False
        self.throttle: dict[str, int] = {}
        self.hits: Counter = Counter()
        self.not_modified = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                path = urlsplit(self.path).path
                server.hits[path] += 1
                if server.fail or server.throttle.get(path, 0) > 0:
                    if not server.fail:
                        server.throttle[path] -= 1
                    self.send_response(503 if server.fail else 429)
                    if not server.fail:
                        self.send_header("Retry-After", "0")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                local = local_path_for(server.root, path)
                if local is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = local.read_bytes()
                etag = '"' + hashlib.sha1(body).hexdigest() + '"'
                if self.headers.get("If-None-Match") == etag:
                    server.not_modified += 1
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                ctype = "application/json" if local.suffix == ".json" else "text/plain"
                self.send_header("Content-Type", ctype + "; charset=utf-8")
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # quiet
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "SchemaServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "SchemaServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
