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
