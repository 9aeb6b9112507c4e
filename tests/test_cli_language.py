"""The command line in its user's language: every option has a help text in French and in English, argparse's own
words (usage, options, errors) are French by default, and English when asked (--lang en, AUDITOR_LANG=en)."""
from __future__ import annotations

import argparse

import pytest

from auditor.interfaces.cli import build_parser, main
from auditor.interfaces.cli_language import HELP_EN, _subparsers, english, walk


def actions():
    return [(cmd, a) for cmd, a in walk(build_parser()) if a.dest != "help"]


def test_every_option_has_a_help_text_in_french_and_in_english():
    missing_fr = [(cmd, a.dest) for cmd, a in actions() if not a.help]
    missing_en = [(cmd, a.dest) for cmd, a in actions() if cmd and not english(cmd, a.dest)]
    commands = [c.dest for sub in _subparsers(build_parser()) for c in sub._choices_actions]
    assert not missing_fr and not missing_en
    assert all(("", name) in HELP_EN for name in commands)


def test_no_english_help_is_left_without_its_option():
    used = {(cmd, a.dest) for cmd, a in actions()}
    commands = {c.dest for sub in _subparsers(build_parser()) for c in sub._choices_actions}
    for cmd, dest in HELP_EN:
        if cmd == "*":  # shared: some command must take it without an entry of its own
            assert any(d == dest and (c, d) not in HELP_EN for c, d in used), dest
        elif cmd == "":
            assert dest in commands | {"", "version"}, dest
        else:
            assert (cmd, dest) in used, (cmd, dest)


def test_help_and_errors_in_french_by_default(capsys, monkeypatch):
    monkeypatch.delenv("AUDITOR_LANG", raising=False)
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("utilisation : auditor check") and "afficher cette aide et quitter" in out
    assert "arguments positionnels" in out and "show this help" not in out
    with pytest.raises(SystemExit) as exit_:
        main(["report", "--format", "pdf"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "auditor report : erreur : argument --format : choix invalide : 'pdf'" in err
    assert argparse._("usage: ") == "usage: "  # argparse itself is left as it was


def test_help_in_english_when_asked(capsys, monkeypatch):
    monkeypatch.delenv("AUDITOR_LANG", raising=False)
    with pytest.raises(SystemExit):
        main(["ci", "--help", "--lang", "en"])
    out = capsys.readouterr().out
    assert out.startswith("usage: auditor ci") and "show this help message and exit" in out
    assert "result format: text, JSON, SARIF 2.1.0" in out and "format du résultat" not in out
    monkeypatch.setenv("AUDITOR_LANG", "en")
    with pytest.raises(SystemExit):
        main(["check"])
    assert "the following arguments are required: target" in capsys.readouterr().err
