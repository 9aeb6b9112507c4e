"""Territory configuration: the shipped default and clear errors."""
from __future__ import annotations

import pytest

from auditor.config import ConfigError, load_config, parse_config


def test_default_configuration_is_the_mel(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load_config()
    assert [(s.name, s.kind, s.owner) for s in cfg.sources] == [
        ("mel", "geonetwork", "MEL"), ("roubaix", "opendatasoft", "59512"), ("datagouv", "udata", None)]
    assert cfg.sources[0].url == "https://data.lillemetropole.fr"
    assert cfg.store_path == tmp_path / "auditor-data" / "auditor.sqlite"
    assert cfg.http.per_host == 4 and cfg.aliases["Ilévia"] == "MEL"


def test_paths_are_relative_to_the_file(tmp_path):
    f = tmp_path / "t.toml"
    f.write_text('[[sources]]\nname = "x"\nkind = "ckan"\nurl = "https://ckan.example"\n'
                 '[communes.59350]\nagents = 7000\n', encoding="utf-8")
    cfg = load_config(f)
    assert cfg.store_path == tmp_path / "auditor-data" / "auditor.sqlite"
    assert cfg.agents == {"59350": 7000}
    assert load_config(f, data_dir=tmp_path / "d").store_path == tmp_path / "d" / "auditor.sqlite"


@pytest.mark.parametrize("text, fragment", [
    ("[[sources]]\nname = 'x'\nkind = 'wordpress'\nurl = 'https://a'\n", "kind = 'wordpress' inconnu"),
    ("[[sources]]\nname = 'x'\nkind = 'ckan'\n", "« url » est obligatoire"),
    ("[[sources]]\nname = 'x'\nkind = 'ckan'\nurl = 'ftp://a'\n", "une adresse http(s) est attendue"),
    ("[[sources]]\nname = 'x'\nkind = 'ckan'\nurl = 'https://a'\n[[sources]]\nname = 'x'\nkind = 'dcat'\nurl = 'https://b'\n",
     "déjà utilisé"),
    ("[http]\ntimeout = 'long'\n", "timeout doit être de type float"),
    ("[http]\nspeed = 3\n", "clé inconnue « speed »"),
    ("[communes.59350]\nagents = -3\n", "agents doit être un entier"),
    ("[territory\nname = 'x'", "TOML invalide"),
])
def test_errors_name_the_file_and_key(text, fragment):
    with pytest.raises(ConfigError) as err:
        parse_config(text, "territoire.toml", __import__("pathlib").Path("."))
    assert "territoire.toml" in str(err.value) and fragment in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="lecture impossible"):
        load_config(tmp_path / "absent.toml")


def test_waivers_are_read_and_checked(tmp_path):
    ok = '[[waivers]]\nrule = "SUB-01"\ncommune = "59350"\njustification = "en cours"\nexpires = 2027-01-31\n'
    cfg = parse_config(ok, "t.toml", tmp_path)
    assert cfg.waivers[0]["expires"].isoformat() == "2027-01-31" and cfg.waivers[0]["commune"] == "59350"
    with pytest.raises(ConfigError, match="justification"):
        parse_config('[[waivers]]\nrule = "SUB-01"\nexpires = 2027-01-31\n', "t.toml", tmp_path)
    with pytest.raises(ConfigError, match="AAAA-MM-JJ"):
        parse_config('[[waivers]]\nrule = "SUB-01"\njustification = "x"\nexpires = "bientôt"\n', "t.toml", tmp_path)


def test_a_source_has_its_own_http_settings(tmp_path):
    from auditor.config import http_for

    path = tmp_path / "t.toml"
    path.write_text('[http]\nretries = 4\ntimeout = 30\n[[sources]]\nname = "lent"\nkind = "ckan"\n'
                    'url = "https://lent.example"\n[sources.http]\nretries = 1\ntimeout = 5\n'
                    '[[sources]]\nname = "autre"\nkind = "ckan"\nurl = "https://autre.example"\n', encoding="utf-8")
    cfg = load_config(path)
    lent, autre = cfg.sources
    assert (http_for(cfg, lent).retries, http_for(cfg, lent).timeout) == (1, 5.0)
    assert (http_for(cfg, autre).retries, http_for(cfg, autre).timeout) == (4, 30.0)
    path.write_text('[[sources]]\nname = "x"\nkind = "ckan"\nurl = "https://x.example"\n[sources.http]\nretry = 1\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError, match="sources.x.http.*clé inconnue « retry »"):
        load_config(path)
