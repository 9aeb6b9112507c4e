"""Crawl benchmark: a simulated territory of ~2 000 records / ~6 000 distributions whose
portals answer every request after a fixed latency (default 50 ms).

Prints the first crawl's wall time against its floor — the busiest host's requests ×
latency ÷ the per-host concurrency allowed, the time no crawler can beat with that limit —
then the second, unchanged crawl's wall time, its share of conditional hits (304 answers, or
answers the cache could confirm without asking), and the speed-up. The portals run in a
separate process, so that servers and crawler do not share a GIL.

    python3 bench/crawl.py [--records 2000] [--latency 0.05] [--per-host 8]

Targets: first crawl ≤ 1.5 × floor; second crawl ≥ 95 % conditional hits and ≥ 10 × faster.
Ends with one line ``RESULT key=value ...``.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auditor.config import load_config  # noqa: E402
from auditor.crawling.crawl import crawl  # noqa: E402
from auditor.simulate.demo import territory_toml  # noqa: E402
from auditor.simulate.generator import generate  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--records", type=int, default=2000)
    p.add_argument("--latency", type=float, default=0.05)
    p.add_argument("--per-host", type=int, default=8)
    p.add_argument("--seed", type=int, default=11)
    args = p.parse_args()

    world = generate(args.seed, target_records=args.records)
    expected = world.expected_records()
    server = subprocess.Popen(
        [sys.executable, "-m", "auditor.simulate", "--seed", str(args.seed), "--target-records",
         str(args.records), "--latency", str(args.latency)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        urls = json.loads(server.stdout.readline())["source_urls"]
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.toml"
            path.write_text(territory_toml(
                world, urls,
                http={"per_host": args.per_host, "timeout": 10.0, "retries": 2, "backoff": 0.1},
                crawl={"probe": True, "workers": 4 * args.per_host * len(urls)}), encoding="utf-8")
            config = load_config(path, data_dir=Path(tmp) / "data")

            t0 = time.perf_counter()
            first = crawl(config)
            wall1 = time.perf_counter() - t0
            t0 = time.perf_counter()
            second = crawl(config)
            wall2 = time.perf_counter() - t0
    finally:
        server.stdin.close()
        server.wait(timeout=10)

    s1, s2 = first.stats, second.stats
    busiest = max(s1.by_host.values())
    floor = busiest * args.latency / args.per_host
    found = {d.uid for d in first.catalogue.datasets}
    dists = sum(len(d.distributions) for d in first.catalogue.datasets)
    asked2 = s2.requests + s2.fresh  # every answer the second crawl needed
    hits2 = s2.not_modified + s2.fresh
    share = hits2 / asked2 if asked2 else 0.0
    complete = found == set(expected) and {d.uid for d in second.catalogue.datasets} == found

    print(f"territory: {len(found)} records, {dists} distributions, {len(urls)} portals")
    print(f"first crawl:  {wall1:7.2f} s, {s1.requests} requests (busiest host {busiest}), "
          f"floor {floor:.2f} s -> {wall1 / floor:.2f} x floor")
    print(f"second crawl: {wall2:7.2f} s, {s2.requests} requests sent ({s2.not_modified} answered 304), "
          f"{s2.fresh} probes confirmed by the cache -> {share:.1%} conditional hits, {wall1 / wall2:.1f} x faster")
    print(f"complete listing both times: {'yes' if complete else 'no'}")
    print(f"RESULT records={len(found)} distributions={dists} requests={s1.requests} wall_s={wall1:.2f} "
          f"floor_s={floor:.2f} ratio_to_floor={wall1 / floor:.2f} second_wall_s={wall2:.2f} "
          f"second_requests={s2.requests} conditional_hits={share:.3f} speedup={wall1 / wall2:.1f} "
          f"complete={'yes' if complete else 'no'}")
    return 0 if complete else 1


if __name__ == "__main__":
    raise SystemExit(main())
