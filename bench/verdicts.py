"""Verdict benchmark: how right the audit of the demo territory is, against its ground truth.

Serves the demo's simulated territory (seed 2026, the old MEL portal closed for good) on
127.0.0.1, audits it as ``auditor demo`` does (crawl, file stage on the simulated schema
catalogue, every rule), and compares with :mod:`auditor.simulate.truth`:

* every finding: ``precision`` = findings that the truth holds ÷ findings raised, ``recall`` =
  truth's findings raised ÷ truth's findings (file findings compared per rule and dataset);
* every obligation state of every body (met, unmet, not open, not owed, not evaluated):
  ``states_agree`` = share equal to the truth's;
* then the identical territory is served again, on other ports, and audited into the same
  history: ``rerun_new`` and ``rerun_fixed`` count what the comparison of the two runs calls new
  and fixed (nothing changed, so both must be 0).

With ``--faults 0.1`` a tenth of the requests fail (500, 429, stalls, truncated or garbage
answers); portals the crawl still could not collect in full are facts of that run, and the
truth treats them as unreachable (their bodies' obligations not evaluated).

    python3 bench/verdicts.py [--faults 0.1] [--seed 2026]

Targets: precision ≥ 0.99, recall ≥ 0.97, states_agree = 1.0, rerun_new = rerun_fixed = 0.
Ends with one line ``RESULT key=value ...``.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auditor.auditing.audit import audit_and_store, parse_as_of  # noqa: E402
from auditor.config import load_config  # noqa: E402
from auditor.history.history import compare  # noqa: E402
from auditor.auditing.rules import load_rules  # noqa: E402
from auditor.simulate.demo import write_config  # noqa: E402
from auditor.simulate.generator import generate  # noqa: E402
from auditor.simulate.schemas import write_schema_folder  # noqa: E402
from auditor.simulate.server import SimTerritory  # noqa: E402
from auditor.simulate.truth import expected_file_findings, expected_findings, expected_states  # noqa: E402
from auditor.simulate.world import Faults  # noqa: E402
from auditor.history.store import Store  # noqa: E402


def key(f) -> tuple:
    base = (f.rule, f.commune, f.dataset)
    return base + (f.distribution,) if f.rule == "AVL-01" else base


def audit_once(world, rules, tmp: Path, store: Store, faults: float, seed: int):
    """Serve ``world`` on fresh ports, audit it into ``store``: (run id, audit, urls)."""
    for i, portal in enumerate(world.portals.values()):
        portal.faults = Faults(rate=faults, seed=seed + i, timeout_sleep=3.0) if faults else Faults()
    schemas = write_schema_folder(tmp / "schemas")
    http = {"timeout": 2.0, "retries": 6, "backoff": 0.05, "backoff_max": 0.5, "max_retry_wait": 5.0}
    with SimTerritory(world) as territory:
        path = write_config(territory, tmp / "conf", http=http, crawl={"probe_max_age": 0},
                            validation={"enabled": True, "schemas": str(schemas), "max_age": 0})
        config = load_config(path, data_dir=tmp / "data")
        run_id, _, audit = audit_and_store(config, store, rules, as_of=parse_as_of(world.as_of))
        return run_id, audit, dict(territory.urls)


def score(world, audit, urls, rules) -> dict[str, float]:
    down = {p.name for p in audit.crawl.portals if p.status != "ok" and p.error_code != "gone"}
    dg = {r.params["criterion"]: r.code for r in rules if r.check == "datagouv-quality"}
    truth = expected_findings(world, urls, dg_rules=dg, down=down)
    truth.update({k: 1 for k in expected_file_findings(world, urls, down=down)})
    got = Counter(key(f) for f in audit.findings if not f.rule.startswith("FILE-"))
    got.update({k: 1 for k in {(f.rule, f.commune, f.dataset) for f in audit.findings if f.rule.startswith("FILE-")}})
    hit = sum((got & truth).values())
    states = expected_states(world, down=down)
    seen = {(code, rule): v["state"] for code, s in audit.communes.items() for rule, v in s["obligations"].items()}
    agree = sum(1 for k, v in states.items() if seen.get(k) == v)
    wrong = {k: (seen.get(k), v) for k, v in states.items() if seen.get(k) != v}
    return {"precision": hit / max(1, sum(got.values())), "recall": hit / max(1, sum(truth.values())),
            "states_agree": agree / max(1, len(states)), "findings": sum(got.values()), "truth": sum(truth.values()),
            "extra": sorted(got - truth, key=str)[:5], "missing": sorted(truth - got, key=str)[:5],
            "wrong_states": dict(list(wrong.items())[:5]), "down": sorted(down)}


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--faults", type=float, default=0.0)
    p.add_argument("--as-of", default=date.today().isoformat())
    args = p.parse_args()

    rules = load_rules()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        world = generate(args.seed, with_dead_portal=True, as_of=args.as_of)
        with Store(tmp / "history.sqlite") as store:
            first, audit, urls = audit_once(world, rules, tmp, store, args.faults, args.seed)
            s = score(world, audit, urls, rules)
            second, again, _ = audit_once(world, rules, tmp, store, args.faults, args.seed)
            cmp = compare(store, first, second)
    print(f"findings raised {s['findings']}, in the truth {s['truth']}; portals not collected: "
          f"{', '.join(s['down']) or 'none'}")
    for name in ("extra", "missing", "wrong_states"):
        if s[name]:
            print(f"{name}: {s[name]}")
    counts = cmp.counts()
    print(f"re-run: {counts}")
    print(f"RESULT precision={s['precision']:.4f} recall={s['recall']:.4f} states_agree={s['states_agree']:.4f} "
          f"rerun_new={counts['new']} rerun_fixed={counts['fixed']} faults={args.faults} "
          f"seconds={time.perf_counter() - started:.1f}")
    ok = (s["precision"] >= 0.99 and s["recall"] >= 0.97 and s["states_agree"] == 1.0
          and counts["new"] == 0 and counts["fixed"] == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
