"""Hostile inputs get a clear French error within a bounded time and memory, never a crash or a hang
(issue 11: one regression test per input seen)."""
from __future__ import annotations

import time

from tests.service_helpers import run_cli


def alias_bomb() -> str:
    """A « billion laughs »: nine levels of nine aliases, 10⁹ strings once expanded, in 400 bytes."""
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i in range(ord("b"), ord("k")):
        prev = chr(i - 1)
        text += f"{chr(i)}: &{chr(i)} [{', '.join(['*' + prev] * 9)}]\n"
    return text + "titre: Délibérations\n"


def test_yaml_alias_bomb_in_a_description_is_refused_at_once(tmp_path, capsys):
    path = tmp_path / "metadata.yaml"
    path.write_text(alias_bomb(), encoding="utf-8")
    started = time.monotonic()
    code, out, err = run_cli(capsys, "check", str(path))
    assert time.monotonic() - started < 5
    assert code == 1 and "FILE-01" in out and "alias" in out and "Traceback" not in (out + err)  # a finding


def test_the_service_answers_every_hostile_input_with_a_french_4xx(tmp_path, monkeypatch):
    """Whatever a reader raises on a hostile file (its own clean error, or anything else: recursion, memory,
    a value it did not expect), the page and the API refuse the input with 422 in French, never a 500; a
    JSON body nested too deep, an address nothing can parse and a broken history store likewise."""
    import io
    from html import unescape

    from auditor.server.app import ServeOptions, create_app
    from auditor.tabular.reader import ReadError

    raised: list[BaseException] = []

    def checker(path, name, schema, lang, options):
        raise raised[-1]

    opts = ServeOptions(store_path=tmp_path / "absent.sqlite", work_dir=tmp_path / "work")
    c = create_app(opts, checker=checker).test_client()
    cases = [(ReadError("unreadable", "Fichier illisible : en-tête de 3 Go.", "Unreadable file."),
              "Fichier illisible : en-tête de 3 Go."),
             (RecursionError("maximum recursion depth exceeded"), "Ce fichier n'a pas pu être vérifié"),
             (MemoryError(), "Ce fichier n'a pas pu être vérifié"),
             (ValueError("could not convert string to float: 'x'"), "Ce fichier n'a pas pu être vérifié"),
             (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), "Ce fichier n'a pas pu être vérifié"),
             (KeyError("rows"), "Ce fichier n'a pas pu être vérifié")]
    for exc, expected in cases:
        raised.append(exc)
        for path in ("/api/v1/check", "/verifier"):
            r = c.post(path, data={"file": (io.BytesIO(b"a,b\n1,2\n"), "x.csv")})
            body = r.get_json()["error"]["message"] if path.startswith("/api/") else unescape(r.get_data(as_text=True))
            assert r.status_code == 422 and expected in body, (exc, path, body[:300])
            assert "Traceback" not in body and "recursion" not in body and "KeyError" not in body
    r = c.post("/api/v1/check?lang=en", data={"file": (io.BytesIO(b"a\n"), "x.csv")})
    assert r.status_code == 422 and r.get_json()["error"]["message"].startswith("This file could not be checked")
    assert not any((tmp_path / "work").iterdir())
    # a JSON body nested a hundred thousand deep
    r = c.post("/api/v1/check", data="[" * 100_000, content_type="application/json")
    assert r.status_code == 400 and "trop imbriqué" in r.get_json()["error"]["message"]
    r = c.post("/api/v1/check", data='{"url": ' + "[" * 100_000 + "]" * 100_000 + "}", content_type="application/json")
    assert r.status_code == 400
    # an address the downloader cannot even parse (no name is ever looked up here)

    def unparsable(url, **kw):
        raise UnicodeError("encoding with 'idna' codec failed")

    monkeypatch.setattr("auditor.netsafe.download", unparsable)
    r = c.post("/api/v1/check", json={"url": "http://\u202e.example/x.csv"})
    assert r.status_code == 400 and r.get_json()["error"]["message"] == "Adresse illisible : UnicodeError"
    # a history store that is not a database: unavailable for now, not a crash
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"ceci n'est pas une base SQLite" * 100)
    c = create_app(ServeOptions(store_path=broken, work_dir=tmp_path / "work2")).test_client()
    for path in ("/tableau-de-bord", "/ecarts", "/communes/59350", "/api/v1/communes/59350", "/audits", "/api/v1/runs"):
        r = c.get(path)
        assert r.status_code == 503, (path, r.status_code)
        assert "L'historique des audits est illisible" in r.get_data(as_text=True).replace("&#39;", "'"), path
