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


SOURCE = "[[sources]]\nname = 'x'\nkind = '{kind}'\nurl = 'https://a.example'\n"


@pytest.mark.parametrize("text, fragment", [
    ("[territory]\nname = 3\n", "[territory] name doit être une chaîne de caractères, pas un entier (3)"),
    ("[territory]\ncommunes = ['a.csv']\n", "[territory] communes doit être une chaîne de caractères, pas une liste"),
    ("[territory]\nlang = true\n", "[territory] lang doit être une chaîne de caractères, pas un booléen"),
    ("[store]\npath = 1\n", "[store] path doit être une chaîne de caractères, pas un entier"),
    ("[crawl]\nprobe = 'oui'\n", "[crawl] probe doit être un booléen (true ou false), pas une chaîne"),
    ("[crawl]\nprobe_max_age = 'six heures'\n", "[crawl] probe_max_age doit être un nombre, pas une chaîne"),
    ("[crawl]\nworkers = 2.5\n", "[crawl] workers doit être un entier, pas un nombre (2.5)"),
    ("[crawl]\nprobe_max_age = 2026-01-01\n", "[crawl] probe_max_age doit être un nombre, pas une date"),
    ("[[sources]]\nname = ['x']\nkind = 'ckan'\nurl = 'https://a'\n", "[sources #1] name doit être une chaîne"),
    ("[[sources]]\nname = 'x'\nkind = { k = 1 }\nurl = 'https://a'\n", "[sources #1] kind doit être une chaîne"),
    ("[[sources]]\nname = 'x'\nkind = 'ckan'\nurl = 3\n", "[sources #1] url doit être une chaîne"),
    (SOURCE.format(kind="ckan") + "enabled = 'non'\n", "[sources #1] enabled doit être un booléen"),
    (SOURCE.format(kind="ckan") + "owner = 59350\n", "[sources #1] owner doit être une chaîne"),
    (SOURCE.format(kind="ckan") + "[sources.options]\nrows = 'beaucoup'\n", "[sources #1.options] rows doit être un entier"),
    (SOURCE.format(kind="geonetwork") + "[sources.options]\ngeonetwork_path = 3\n", "geonetwork_path doit être une chaîne"),
    (SOURCE.format(kind="udata") + "[sources.options]\ndiscover = 'oui'\n", "discover doit être un booléen"),
    (SOURCE.format(kind="opendatasoft") + "[sources.options]\napi = 2.1\n", "api doit être une chaîne"),
    (SOURCE.format(kind="ckan") + "[sources.http]\nretries = 'trois'\n", "retries doit être de type int"),
    ("[publishers]\naliases = ['Ilévia']\n", "[publishers] aliases doit être une table, pas une liste"),
    ("[publishers]\naliases = { 'Ilévia' = 1 }\n", "[publishers] aliases.Ilévia doit être une chaîne"),
    ("[publishers]\nothers = 'DREAL'\n", "[publishers] others doit être une liste, pas une chaîne"),
    ("[publishers]\nothers = ['DREAL', 3]\n", "others doit être une liste de chaînes de caractères ; l'élément n° 2"),
    ("[validation]\nenabled = 'oui'\n", "[validation] enabled doit être un booléen"),
    ("[validation]\nschemas = 3\n", "[validation] schemas doit être une chaîne"),
    ("[audit]\nassume_bound_when_agents_unknown = 1\n", "[audit] assume_bound_when_agents_unknown doit être un booléen"),
    ("[[waivers]]\nrule = 'SUB-01'\ncommune = 59350\njustification = 'x'\nexpires = 2027-01-01\n",
     "[waivers #1] commune doit être une chaîne de caractères, pas un entier (59350)"),
    ("[communes.59350]\nagents = true\n", "[communes.59350] agents doit être un entier"),
    ("[communes.59350]\nhome = ['mel']\n", "[communes.59350] home doit être une chaîne"),
    ("[serve]\nallowed_hosts = 'audit.mairie.fr'\n", "[serve] allowed_hosts doit être une liste"),
    ("[serve]\nconnection_limit = '1000'\n", "[serve] connection_limit doit être un entier"),
    ("[serve]\nchannel_timeout = 0\n", "[serve] channel_timeout doit être un entier ≥ 1"),
    ("[serve]\nport = 8080\n", "[serve] clé(s) inconnue(s) : port"),
    ("communes = 3\n", "[communes] doit être une table"),
])
def test_a_wrong_type_anywhere_is_a_french_error_naming_the_key(text, fragment):
    with pytest.raises(ConfigError) as err:
        parse_config(text, "territoire.toml", __import__("pathlib").Path("."))
    assert str(err.value).startswith("territoire.toml : [") and fragment in str(err.value)


def test_wrong_types_exit_with_code_2_and_no_traceback(tmp_path, capsys):
    from auditor.interfaces.cli import main

    path = tmp_path / "t.toml"
    for text in ("[crawl]\nworkers = 'x'\n", "[territory]\ncommunes = 3\n", "[publishers]\naliases = [1]\n",
                 SOURCE.format(kind="geonetwork") + "[sources.options]\ngeonetwork_path = 3\n"):
        path.write_text(text, encoding="utf-8")
        for argv in (["crawl", "--config", str(path)], ["report", "--config", str(path)],
                     ["serve", "--config", str(path), "--port", "0"]):
            assert main(argv) == 2, (text, argv)
            err = capsys.readouterr().err
            assert "t.toml : [" in err and "doit être" in err and "Traceback" not in err, (text, argv)


def test_serve_settings(tmp_path):
    cfg = parse_config("[serve]\nallowed_hosts = ['audit.mairie.fr']\nthreads = 4\nconnection_limit = 500\n",
                       "t.toml", tmp_path)
    assert cfg.serve.allowed_hosts == ("audit.mairie.fr",) and cfg.serve.threads == 4
    assert (cfg.serve.connection_limit, cfg.serve.channel_timeout, cfg.serve.cleanup_interval) == (500, 20, 5)
