"""Report benchmark: rendering the territory dashboard from the store, for a simulated
territory of ~2 000 datasets (one audit stored).

Builds the store once (the simulated portals served on 127.0.0.1, one crawl, one audit),
then times, from a fresh connection to the store each time, what ``auditor report`` does for
the dashboard: read the run, build the territory report, render the self-contained HTML.
Prints the median of several runs (and the slowest).

    python3 bench/report.py [--records 2000] [--repeat 5] [--store PATH]

Target: median under 2 s. Ends with one line ``RESULT key=value ...``.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auditor.render import html  # noqa: E402
from auditor.render.data import territory_report  # noqa: E402
from auditor.simulate.evolve import audit_months  # noqa: E402
from auditor.simulate.generator import generate  # noqa: E402
from auditor.history.store import Store  # noqa: E402


def build(records: int, seed: int, folder: Path) -> Path:
    t0 = time.perf_counter()
    world = generate(seed, target_records=records)
    audit_months(world, 1, folder, http={"timeout": 10.0, "retries": 2, "backoff": 0.05, "per_host": 8})
    print(f"store built in {time.perf_counter() - t0:.1f} s", flush=True)
    return folder / "auditor.sqlite"


def render_once(path: Path) -> tuple[float, dict, int]:
    t0 = time.perf_counter()
    with Store(path) as store:
        report = territory_report(store)
        page = html.render(report)
    return time.perf_counter() - t0, report["totals"], len(page)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--records", type=int, default=2000)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--store", type=Path, help="an existing store to render from (skips the build)")
    args = p.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.store or build(args.records, args.seed, Path(tmp))
        times, totals, size = [], {}, 0
        for _ in range(args.repeat):
            t, totals, size = render_once(path)
            times.append(t)
    median = statistics.median(times)
    records = totals["records"]
    print(f"territory: {records} records ({totals['datasets']} distinct datasets, the rest copies), "
          f"{sum(totals['findings'].values())} findings; dashboard {size / 1024:.0f} KiB")
    print(f"render: median {median:.3f} s, slowest {max(times):.3f} s over {len(times)} runs")
    print(f"RESULT render_s={median:.3f} max_s={max(times):.3f} datasets={records} target_s=2.0 "
          f"ok={'yes' if median < 2.0 else 'no'}")
    return 0 if median < 2.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
