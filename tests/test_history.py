"""History: two audits a month apart on the simulated territory (defects fixed and added in
between) give exactly the new / fixed / still-open findings the ground truth predicts."""
from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from auditor.interfaces.cli import main
from auditor.history.history import compare, previous_audit, runs_table
from auditor.render.data import territory_report
from auditor.auditing.rules import load_rules
from auditor.simulate.evolve import audit_months, next_month
from auditor.simulate.generator import generate
from auditor.simulate.truth import expected_findings
from auditor.history.store import Store


def key(r):
    base = (r["rule"], r["commune"], r["dataset"])
    return base + (r["distribution"],) if r["rule"] == "AVL-01" else base


@pytest.fixture(scope="module")
def months(tmp_path_factory):
    data = tmp_path_factory.mktemp("history")
    rules = load_rules()
    got = audit_months(generate(7), 2, data, hostile_in=1, rules=rules)
    dg = {r.params["criterion"]: r.code for r in rules if r.check == "datagouv-quality"}
    truths = [expected_findings(m.world, m.urls, dg_rules=dg) for m in got]
    return got, truths, data / "auditor.sqlite"


def test_each_month_is_served_on_the_same_ports_and_matches_its_truth(months):
    got, truths, path = months
    assert got[0].urls == got[1].urls
    assert got[1].world.as_of == "2026-12-15"
    with Store(path) as store:
        for month, truth in zip(got, truths):
            assert Counter(key(r) for r in store.finding_rows(month.run_id)) == truth


def test_new_fixed_and_open_counts_follow_the_ground_truth(months):
    got, (t1, t2), path = months
    with Store(path) as store:
        cmp = compare(store, got[0].run_id, got[1].run_id)
    assert Counter(key(r) for r in cmp.new) == t2 - t1
    assert Counter(key(r) for r in cmp.fixed) == t1 - t2
    assert Counter(key(r) for r in cmp.still_open) == t1 & t2
    assert cmp.counts() == {"new": sum((t2 - t1).values()), "fixed": sum((t1 - t2).values()),
                            "open": sum((t1 & t2).values()), "unverified": 0}
    assert cmp.counts()["new"] >= 3 and cmp.counts()["fixed"] >= 4 and cmp.counts()["open"] > 400


def test_the_planted_fixes_and_defects_are_the_changes(months):
    got, _, path = months
    ev, world = got[1].evolution, got[1].world
    uid = {d.key: f"{d.portal}:{d.source_id}" for d in world.datasets}
    owner = {d.key: d.owner for d in world.datasets}
    with Store(path) as store:
        cmp = compare(store, got[0].run_id, got[1].run_id)
    fixed = {(r["rule"], r["dataset"] or r["commune"]) for r in cmp.fixed}
    new = {(r["rule"], r["dataset"] or r["commune"]) for r in cmp.new}
    expected_fixed = {"broken-link": "AVL-01", "licence-missing": "RN-LIC-01", "stale": "RN-MAJ-02"}
    expected_new = {"broken-link": "AVL-01", "licence-not-approved": "RN-LIC-02", "stale": "RN-MAJ-02"}
    assert {d for d, _ in ev.fixed} == {"broken-link", "licence-missing", "stale", "grants-missing"}
    for defect, k in ev.fixed:
        if defect == "grants-missing":
            assert ("SUB-01", owner[k]) in fixed  # the commune now publishes its grants
            assert ("SCDL-01", uid[k]) in new  # ... without declaring the SCDL schema, on GeoNetwork
        else:
            assert (expected_fixed[defect], uid[k]) in fixed, (defect, k)
    for defect, k in ev.planted:
        if defect in expected_new:
            assert (expected_new[defect], uid[k]) in new, (defect, k)


def test_per_commune_and_per_rule_add_up(months):
    got, _, path = months
    with Store(path) as store:
        cmp = compare(store, got[0].run_id, got[1].run_id)
    total = cmp.counts()
    for grouping in (cmp.by_commune(), cmp.by_rule()):
        assert {k: sum(g[k] for g in grouping.values()) for k in total} == total
    assert cmp.by_rule()["RN-LIC-01"]["fixed"] >= 1


def test_next_month_is_deterministic_and_keeps_rhythm():
    world = generate(7)
    a, b = next_month(world), next_month(world)
    assert a.fixed == b.fixed and a.planted == b.planted and a.refreshed == b.refreshed > 0
    assert [(d.key, d.modified, d.licence, [f.status for f in d.files]) for d in a.world.datasets] == \
           [(d.key, d.modified, d.licence, [f.status for f in d.files]) for d in b.world.datasets]
    assert world.as_of == "2026-11-15" and a.world.as_of == "2026-12-15"  # the original is untouched
    stale = {k for defect, k in a.planted if defect == "stale"}
    kept = [d for d in a.world.datasets if d.frequency == "monthly" and not d.defects and d.key not in stale]
    assert kept and all(d.modified >= "2026-11-14" for d in kept)  # a monthly dataset was updated on time


def test_first_audit_has_nothing_to_compare_and_incomplete_runs_are_skipped(months):
    got, _, path = months
    with Store(path) as store:
        assert previous_audit(store, got[0].run_id) is None
        first = compare(store, None, got[0].run_id)
        assert first.counts()["fixed"] == 0 and first.counts()["new"] == len(store.finding_rows(got[0].run_id))
        running = store.begin_run("audit", "2027-01-15T00:00:00+00:00", "T", "c")  # started, never saved
        try:
            assert store.latest_run("audit") == got[1].run_id
            report = territory_report(store)
            assert report["run"]["id"] == got[1].run_id and report["previous_run"]["id"] == got[0].run_id
            assert [p["run"] for p in report["history"]] == [got[0].run_id, got[1].run_id]
        finally:
            store.fail_run(running, "2027-01-15T00:00:01+00:00", "test")
        statuses = {r["id"]: r["status"] for r in runs_table(store)}
        assert statuses[running] == "failed" and statuses[got[1].run_id] == "complete"


def test_cli_history_lists_runs_and_compares(months, capsys):
    got, (t1, t2), path = months
    assert main(["history", "--store", str(path), "--format", "json"]) == 0
    runs = [r for r in json.loads(capsys.readouterr().out) if r["kind"] == "audit" and r["status"] == "complete"]
    assert [r["as_of"][:10] for r in runs] == ["2026-11-15", "2026-12-15"]
    assert runs[0]["findings"]["error"] + runs[0]["findings"]["warning"] + runs[0]["findings"]["info"] == sum(t1.values())
    assert main(["history", "--store", str(path), "--compare", str(got[0].run_id), str(got[1].run_id),
                 "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["counts"] == {"new": sum((t2 - t1).values()), "fixed": sum((t1 - t2).values()),
                             "open": sum((t1 & t2).values()), "unverified": 0}
    assert out["names"]["59350"] == "Lille"
    assert main(["history", "--store", str(path), "--compare", str(got[0].run_id), str(got[1].run_id)]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"Audit n° {got[0].run_id} → n° {got[1].run_id} : ") and "Règles qui ont changé :" in text
    assert main(["history", "--store", str(path)]) == 0
    assert "2026-12-15" in capsys.readouterr().out
    assert main(["history", "--store", str(path), "--compare", "1", "999"]) == 2


def _section(text: str, title: str) -> list[str]:
    """The indented lines under ``title``."""
    lines = text.splitlines()
    start = lines.index(title) + 1
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("  ")), len(lines))
    return lines[start:end]


LINE = re.compile(r"  (.+?)\s+\+(\d+)\s+-(\d+)\s+=(\d+)")


def test_cli_compare_shows_only_what_changed_and_a_total_line(months, capsys):
    got, _, path = months
    with Store(path) as store:
        cmp = compare(store, got[0].run_id, got[1].run_id)
    counts = cmp.counts()
    assert main(["history", "--store", str(path), "--compare", str(got[0].run_id), str(got[1].run_id)]) == 0
    text = capsys.readouterr().out
    for title, groups in (("Communes qui ont changé :", cmp.by_commune()), ("Règles qui ont changé :", cmp.by_rule())):
        *lines, total = [LINE.fullmatch(x).groups() for x in _section(text, title)]
        changed = [k for k, n in groups.items() if n["new"] or n["fixed"]]
        assert len(lines) == len(changed) < len(groups)  # the unchanged ones are left out
        assert all(int(new) or int(fixed) for _, new, fixed, _ in lines)
        assert total[0] == f"Total ({len(changed)} sur {len(groups)} ont changé)"
        assert [int(x) for x in total[1:]] == [counts["new"], counts["fixed"], counts["open"]]
    unchanged = [c for c, n in cmp.by_commune().items() if c and n["open"] and not (n["new"] or n["fixed"])]
    assert unchanged and not any(f"({c})" in line for c in unchanged for line in _section(text, "Communes qui ont changé :"))


def test_commands_without_options_find_the_territory_history_else_the_demo(months, tmp_path, monkeypatch, capsys):
    """No --config, --data-dir nor --store: ./auditor-data/ when it holds a history, else the demo's
    configuration in $XDG_DATA_HOME/auditor/demo, which names the store beside it."""
    import shutil

    from auditor.history.default_store import demo_dir, territory_config
    from auditor.simulate.demo import territory_toml

    _, _, path = months
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    assert demo_dir() == tmp_path / "xdg" / "auditor" / "demo"
    assert main(["history"]) == 2 and "Historique vide" in capsys.readouterr().err  # nothing anywhere
    demo = demo_dir()
    demo.mkdir(parents=True)
    shutil.copy(path, demo / "auditor.sqlite")
    world = generate(7)
    (demo / "territoire-simule.toml").write_text(territory_toml(
        world, {name: "http://127.0.0.1:9" for name in world.portals}, store={"path": "auditor.sqlite"}), "utf-8")
    config, is_demo = territory_config()
    assert is_demo and config.store_path == demo / "auditor.sqlite"
    assert main(["history"]) == 0
    out, err = capsys.readouterr()
    assert "2026-12-15" in out and f"Historique de la démonstration : {demo / 'auditor.sqlite'}" in err
    assert main(["report", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["territory"].endswith("(simulation)")
    (tmp_path / "auditor-data").mkdir()
    with Store(tmp_path / "auditor-data" / "auditor.sqlite"):  # the territory's own history comes first
        pass
    assert territory_config()[0].store_path == tmp_path / "auditor-data" / "auditor.sqlite"
    assert main(["history"]) == 0 and "démonstration" not in capsys.readouterr().err
    assert territory_config(data_dir=demo)[0].store_path == demo / "auditor.sqlite"  # options still rule


def test_a_new_demo_replaces_a_simulated_history_never_a_real_one(tmp_path, capsys):
    from auditor.simulate.demo import SIM_TERRITORY, NotADemoFolder, reset_history

    with Store(tmp_path / "auditor.sqlite") as store:
        store.begin_run("audit", "2026-01-01T00:00:00+00:00", SIM_TERRITORY, "territoire-simule.toml")
    (tmp_path / "http-cache").mkdir()
    assert reset_history(tmp_path) and not (tmp_path / "auditor.sqlite").exists()
    assert not (tmp_path / "http-cache").exists() and not reset_history(tmp_path)
    with Store(tmp_path / "auditor.sqlite") as store:
        store.begin_run("audit", "2026-01-01T00:00:00+00:00", "Métropole européenne de Lille", "builtin:mel")
    with pytest.raises(NotADemoFolder):
        reset_history(tmp_path)
    assert main(["demo", "--data-dir", str(tmp_path)]) == 2
    assert "contient l'historique de « Métropole européenne de Lille »" in capsys.readouterr().err
    assert (tmp_path / "auditor.sqlite").exists()
    assert main(["demo", "--months", "0"]) == 2


def test_a_portal_down_for_one_month_fixes_nothing_and_brings_nothing_new(tmp_path):
    """The regional CKAN answers 503 in the second month only: what only it held is « unverified » in
    both comparisons (never fixed, then never new again), its bodies' unmet obligations are not
    evaluated that month, and the run is marked partial with the portal named."""
    from auditor.render.data import territory_report
    from auditor.simulate.truth import expected_states

    got = audit_months(generate(7), 3, tmp_path, down={1: ["hdf"]})
    with Store(tmp_path / "auditor.sqlite") as store:
        down, back = compare(store, got[0].run_id, got[1].run_id), compare(store, got[1].run_id, got[2].run_id)
        hdf = [r for r in down.unverified if r["portal"] == "hdf"]
        assert hdf and not [r for r in down.fixed if r["portal"] == "hdf"]
        assert not [r for r in back.new if r["portal"] == "hdf"]
        assert {r["fingerprint"] for r in hdf} <= {r["fingerprint"] for r in back.unverified}
        states = {(c, rule): v["state"] for c, s in store.commune_summaries(got[1].run_id).items()
                  for rule, v in s["obligations"].items()}
        assert states == expected_states(got[1].world)
        assert "unmet" not in states.values()  # an aggregator down: nothing missing can be asserted
        report = territory_report(store, got[1].run_id)
        assert report["run"]["partial"] and [p["name"] for p in report["run"]["not_collected"]] == ["hdf"]
        assert report["totals"]["obligations"]["not_evaluated"] > 0
        assert not territory_report(store, got[2].run_id)["run"]["partial"]


def test_an_identical_rerun_on_other_ports_reports_nothing_new_nor_fixed(tmp_path):
    """Findings are identified by rule, dataset or resource key and problem, never by URL: the same
    territory served again on other ports (and its files, checked again) gives 0 new and 0 fixed."""
    from auditor.auditing.audit import audit_and_store, parse_as_of
    from auditor.config import load_config
    from auditor.simulate.demo import write_config
    from auditor.simulate.schemas import write_schema_folder
    from auditor.simulate.server import SimTerritory

    world, rules = generate(7), load_rules()
    schemas = write_schema_folder(tmp_path / "schemas")
    fast = {"timeout": 2.0, "retries": 6, "backoff": 0.01, "backoff_max": 0.05, "max_retry_wait": 5.0}
    runs, hosts = [], set()
    with Store(tmp_path / "h.sqlite") as store:
        for _ in range(2):
            with SimTerritory(world) as territory:
                hosts.add(territory.urls["mel"])
                path = write_config(territory, tmp_path / "conf", http=fast, crawl={"probe_max_age": 0},
                                    validation={"enabled": True, "schemas": str(schemas), "max_age": 0})
                config = load_config(path, data_dir=tmp_path / "data")
                runs.append(audit_and_store(config, store, rules, as_of=parse_as_of(world.as_of))[0])
        cmp = compare(store, *runs)
    assert len(hosts) == 2  # served on other ports
    assert cmp.counts()["new"] == 0 and cmp.counts()["fixed"] == 0 and cmp.counts()["open"] > 400
    assert any(r["rule"] == "AVL-01" for r in cmp.still_open) and any(r["rule"].startswith("FILE-") for r in cmp.still_open)


# -- the history as pandas DataFrames (auditor.frames) ---------------------------------------------------
def test_frames_hold_the_history_of_every_audit(months):
    import pandas as pd

    from auditor import frames

    got, (t1, t2), path = months
    ids = [m.run_id for m in got]
    runs = frames.runs(path)
    assert list(runs["run"]) == ids and [d.date().isoformat() for d in runs["as_of"]] == ["2026-11-15", "2026-12-15"]
    assert int(runs[["error", "warning", "info"]].iloc[0].sum()) == sum(t1.values())

    with Store(path) as store:
        findings = frames.findings(store)  # an open store, a path or None
        assert len(findings) == sum(len(store.finding_rows(i)) for i in ids)
        for i in ids:
            mine = findings[findings["run"] == i]
            assert set(mine["fingerprint"]) == {r["fingerprint"] for r in store.finding_rows(i)}
        assert findings["severity"].cat.ordered and set(findings["waived"]) <= {False, True}
        lille = findings[(findings["run"] == ids[1]) & (findings["commune"] == "59350")]
        assert set(lille["commune_name"]) == {"Lille"} and lille["title"].str.len().gt(0).all()
        assert (frames.findings(path, run=ids[0], lang="en")["title"] != findings[findings["run"] == ids[0]]["title"].values).any()
        # the same finding keeps its fingerprint: new and fixed by set difference, as `auditor history --compare`
        before, after = (set(findings.loc[findings["run"] == i, "fingerprint"]) for i in ids)
        cmp = compare(store, *ids)
        assert after - before == {r["fingerprint"] for r in cmp.new}
        assert before - after == {r["fingerprint"] for r in cmp.fixed}

        obligations = frames.obligations(path, run="latest")
        stored = {(c, rule): v["state"] for c, s in store.commune_summaries(ids[1]).items()
                  for rule, v in s["obligations"].items()}
        assert dict(zip(zip(obligations["commune"], obligations["obligation"]), obligations["state"])) == stored
        assert obligations.loc[obligations["state"] != "not-evaluated", "reason"].isna().all()
        assert obligations.loc[obligations["state"] == "not-evaluated", "reason"].notna().all()

        communes = frames.communes(path)
        assert len(communes) == 2 * 96 and set(communes["kind"]) == {"commune", "metropole"}
        latest = communes[communes["run"] == ids[1]].set_index("commune")
        summaries = store.commune_summaries(ids[1])
        assert latest.loc["59350", "name"] == "Lille" and latest.loc["59350", "population"] == summaries["59350"]["population"]
        assert latest["error"].to_dict() == {c: s["findings"]["error"] for c, s in summaries.items()}
        met = obligations[obligations["state"] == "met"].groupby("commune").size()
        assert (latest["obligations_met"][met.index] == met).all()
        assert str(latest["agents"].dtype) == "Int64" and latest["agents"].isna().any()
        trend = territory_report(store)["history"]
        bound = communes[communes["status"].isin(["bound", "presumed"])].groupby("run")["obligations_met"].sum()
        assert list(bound) == [p["obligations"]["met"] for p in trend]  # the dashboard's trend, from the frame

        scores = frames.scores(path, run=ids[1])
        rows = store.score_rows(ids[1])
        assert len(scores) == len(store.dataset_rows(ids[1]))
        assert {u: x for u, x in zip(scores["dataset"], scores["mqa"]) if pd.notna(x)} == \
               {u: r["mqa"] for u, r in rows.items() if r["mqa"] is not None}
        assert scores["datagouv"].between(0, 1).all()
    with pytest.raises(ValueError):
        frames.findings(path, run=999)
    with pytest.raises(FileNotFoundError):
        frames.runs(path.parent / "absent.sqlite")


def test_the_command_line_never_imports_pandas(months):
    import subprocess
    import sys

    _, _, path = months
    script = ("import sys; from auditor.interfaces.cli import main; "
              f"code = main(['history', '--store', {str(path)!r}]); "
              "print(code, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.stdout.splitlines()[-1] == "0 False", out.stderr
