"""Serve a simulated territory until stdin closes: ``python -m auditor.simulate --seed 1``.

Prints one JSON line ``{"source_urls": {...}}`` once every portal listens (benchmarks run the
portals in this separate process so that the servers and the crawler do not share a GIL).
"""
from __future__ import annotations

import argparse
import json
import sys

from .generator import generate
from .server import SimTerritory
from .world import Faults


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m auditor.simulate")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--target-records", type=int)
    p.add_argument("--latency", type=float, default=0.0)
    p.add_argument("--fault-rate", type=float, default=0.0)
    args = p.parse_args()
    world = generate(args.seed, target_records=args.target_records)
    for i, portal in enumerate(world.portals.values()):
        portal.faults = Faults(rate=args.fault_rate, latency=args.latency, seed=args.seed + i)
    with SimTerritory(world) as territory:
        urls = {name: territory.source_url(name) for name in world.portals}
        print(json.dumps({"source_urls": urls}), flush=True)
        sys.stdin.read()  # serve until the parent closes our stdin


if __name__ == "__main__":
    main()
