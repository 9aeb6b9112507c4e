"""Helpers of the service tests: the real waitress server of ``auditor serve`` on 127.0.0.1, a plain
web server of static files (URLs given to the self-check), and ``auditor check`` / ``auditor ci`` run
against the local schema server."""
from __future__ import annotations

import functools
import threading
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

from auditor.interfaces.cli import main
from auditor.interfaces.server.app import ServeOptions, make_server
from tests.schema_server import SchemaServer


@contextmanager
def waitress_server(app, options: ServeOptions, threads: int = 4) -> Iterator[str]:
    """Serve ``app`` as ``auditor serve`` does (same upload caps) on a free port; yields its base URL."""
    server = make_server(app, options, host="127.0.0.1", port=0, threads=threads)
    stopping = threading.Event()

    def run():  # waitress' own loop, in short turns so that it can be stopped from the test's thread
        while not stopping.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, count=1, use_poll=server.adj.asyncore_use_poll)

    thread = threading.Thread(target=run, daemon=True, name="waitress")
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stopping.set()
        thread.join(10)
        server.task_dispatcher.shutdown(timeout=5)
        server.close()


@contextmanager
def static_site(root: Path) -> Iterator[str]:
    """Serve the files of ``root`` on 127.0.0.1; yields the base URL."""
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True, name="static-site")
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextmanager
def schema_options(cache: Path) -> Iterator[list[str]]:
    """The command-line options pointing ``auditor check`` / ``auditor ci`` at the local schema server,
    with ``cache`` as schema cache."""
    with SchemaServer() as server:
        yield ["--schemas", server.url, "--cache-dir", str(cache)]


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """``auditor *argv`` in this process: (exit code, standard output, standard error)."""
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err
