"""Validation benchmark: auditor's tabular validator against frictionless 5 on the same generated file.

Generates a SCDL-*subventions*-like CSV with ../shared/bench/gen_subventions.py (default 1 000 000 rows, 0.5 %
of rows with one defect) in a temporary folder, then validates it in separate processes, one tool at a time:

* auditor: ``auditor.tabular.validate.validate`` with ``schema_validata.json`` (Table Schema + Validata's custom
  checks: two ``french-siret-value``, ``compare-columns-value``, ``cohesive-columns-value``);
* frictionless 5: ``frictionless.validate`` with ``schema.json`` (the same Table Schema without custom checks),
  every error kept (``limit_errors`` lifted; its default stops at 1 000).

Each run is timed from process start to exit (auditor: median of ``--repeat`` runs) (start-up and imports included, as in /work/shared/docs/peers.md
§3) and its peak resident memory is the child's own ``ru_maxrss`` (``os.wait4``). Findings are compared as sets of
(code, row, field): frictionless' set must equal ours without the custom-check findings, which frictionless
cannot make (a SIRET with a wrong Luhn key passes its ``^\\d{14}$`` pattern) → ``same_findings``. Then auditor
alone validates a 5 000 000-row file, for its peak memory at that size.

    python3 bench/validate.py [--rows 1000000] [--big-rows 5000000] [--error-rate 0.005] [--repeat 3] [--quick]

``--quick``: 20 000 and 100 000 rows (a smoke run). ``--big-rows 0`` skips the big run. Targets (issue 4):
≥ 20× frictionless' rows/s, identical findings, peak ≤ 256 MiB, the same peak at 5 000 000 rows.
Ends with one line ``RESULT rows_per_s=... frictionless_rows_per_s=... ratio=... peak_mib=... peak_mib_5m=...
same_findings=yes|no``.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_BENCH = ROOT.parent / "shared" / "bench"
CUSTOM_CODES = {"french-siret-value", "french-siren-value", "compare-columns-value", "cohesive-columns-value",
                "sum-columns-value", "year-interval-value", "opening-hours-value", "nomenclature-actes-value",
                "one-of-required", "french-gps-coordinates", "reversed-french-gps-coordinates"}
TARGET_RATIO, TARGET_PEAK_MIB = 20.0, 256.0


# -- workers (run in their own process) ---------------------------------------------------------------

def work_auditor(path: Path, schema_path: Path) -> dict:
    sys.path.insert(0, str(ROOT))
    from auditor.tabular.validate import validate

    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    t0 = time.perf_counter()
    report = validate(path, schema)
    seconds = time.perf_counter() - t0
    return {"rows": report.rows, "seconds": seconds, "stop_reason": report.stop_reason,
            "findings": [[e.code, e.row, e.field] for e in report.errors]}


def work_frictionless(path: Path, schema_path: Path) -> dict:
    from frictionless import Resource, Schema, validate

    schema = Schema.from_descriptor(json.loads(schema_path.read_text(encoding="utf-8")))
    t0 = time.perf_counter()
    # frictionless refuses absolute paths outside the working folder: the file is named relative to its folder
    report = validate(Resource(path=path.name, basepath=str(path.parent), schema=schema), limit_errors=10**9)
    seconds = time.perf_counter() - t0
    task = report.tasks[0]
    return {"rows": task.stats.get("rows") or 0, "seconds": seconds, "stop_reason": "complete" if task.valid or
            task.errors else "?", "findings": [[e.type, getattr(e, "row_number", None), getattr(e, "field_name", None)]
                                              for e in task.errors]}


def worker(tool: str, path: str, schema: str, out: str) -> int:
    result = {"auditor": work_auditor, "frictionless": work_frictionless}[tool](Path(path), Path(schema))
    Path(out).write_text(json.dumps(result), encoding="utf-8")
    return 0


# -- the harness ---------------------------------------------------------------------------------------

def generate(rows: int, out: Path, error_rate: float, seed: int) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, str(SHARED_BENCH / "gen_subventions.py"), str(rows), str(out),
                    "--error-rate", str(error_rate), "--seed", str(seed)], check=True)
    return time.perf_counter() - t0


def measure(tool: str, path: Path, schema: Path, folder: Path) -> dict:
    """Run one worker process; wall time from start to exit, its own peak RSS."""
    out = folder / f"{tool}-{path.stem}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", tool, str(path), str(schema), str(out)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0 or not out.exists():
        raise SystemExit(f"{tool} failed on {path.name} (exit {proc.returncode})")
    result = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    result.update(tool=tool, wall=wall, peak_mib=usage.ru_maxrss / 1024, rows_per_s=result["rows"] / wall)
    return result


def measure_median(tool: str, path: Path, schema: Path, folder: Path, repeat: int) -> dict:
    """The run of median wall time among ``repeat`` (other load on the machine skews single runs), with the
    highest peak memory seen."""
    runs = sorted((measure(tool, path, schema, folder) for _ in range(max(1, repeat))), key=lambda r: r["wall"])
    best = runs[len(runs) // 2]
    best["peak_mib"] = max(r["peak_mib"] for r in runs)
    best["walls"] = [round(r["wall"], 2) for r in runs]
    return best


def compare(ours: dict, theirs: dict) -> tuple[bool, dict]:
    mine = {tuple(f) for f in ours["findings"]}
    plain = {f for f in mine if f[0] not in CUSTOM_CODES}
    fl = {tuple(f) for f in theirs["findings"]}
    siret = {(row, field) for code, row, field in mine if code == "french-siret-value"}
    flagged = {(row, field) for _, row, field in fl}
    detail = {
        "only_auditor": sorted(plain - fl, key=str)[:5], "only_frictionless": sorted(fl - plain, key=str)[:5],
        "n_only_auditor": len(plain - fl), "n_only_frictionless": len(fl - plain),
        "custom": dict(Counter(f[0] for f in mine if f[0] in CUSTOM_CODES)),
        "siret_key_only": len(siret - flagged),  # wrong Luhn key on 14 digits: invisible to the pattern
    }
    return plain == fl and ours["rows"] == theirs["rows"], detail


def line(r: dict, label: str) -> str:
    return (f"{label:<22} {r['rows']:>10,} {r['wall']:>9.2f} {r['seconds']:>9.2f} {r['rows_per_s']:>12,.0f} "
            f"{r['peak_mib']:>9.1f} {len(r['findings']):>9,}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--big-rows", type=int, default=5_000_000, help="auditor alone, for peak memory (0: skip)")
    p.add_argument("--error-rate", type=float, default=0.005)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--repeat", type=int, default=3, help="auditor runs per file, median wall time kept")
    p.add_argument("--quick", action="store_true", help="20 000 and 100 000 rows: a smoke run")
    p.add_argument("--tmp", type=Path, help="folder for the generated files (default: a temporary one)")
    p.add_argument("--worker", nargs=4, metavar=("TOOL", "FILE", "SCHEMA", "OUT"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        return worker(*args.worker)
    if args.quick:
        args.rows, args.big_rows = 20_000, 100_000
    schema_ours, schema_fl = SHARED_BENCH / "schema_validata.json", SHARED_BENCH / "schema.json"

    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        folder = Path(tmp)
        data = folder / f"subventions-{args.rows}.csv"
        gen_s = generate(args.rows, data, args.error_rate, args.seed)
        size_mib = data.stat().st_size / 2**20
        print(f"generated {args.rows:,} rows ({size_mib:.1f} MiB, error rate {args.error_rate}) in {gen_s:.1f} s",
              flush=True)
        ours = measure_median("auditor", data, schema_ours, folder, args.repeat)
        theirs = measure("frictionless", data, schema_fl, folder)
        same, detail = compare(ours, theirs)
        data.unlink()
        big = None
        if args.big_rows:
            big_data = folder / f"subventions-{args.big_rows}.csv"
            gen_s = generate(args.big_rows, big_data, args.error_rate, args.seed)
            print(f"generated {args.big_rows:,} rows ({big_data.stat().st_size / 2**20:.1f} MiB) in {gen_s:.1f} s",
                  flush=True)
            big = measure_median("auditor", big_data, schema_ours, folder, args.repeat)

    ratio = ours["rows_per_s"] / theirs["rows_per_s"]
    print()
    print(f"{'tool':<22} {'rows':>10} {'wall s':>9} {'valid. s':>9} {'rows/s':>12} {'peak MiB':>9} {'findings':>9}")
    print(line(ours, "auditor"))
    print(line(theirs, "frictionless 5"))
    if big:
        print(line(big, f"auditor ({big['rows'] // 1_000_000 or big['rows']:,}{'M' if big['rows'] >= 10**6 else ''})"))
    print(f"(auditor: median of {len(ours['walls'])} runs; wall times {ours['walls']}"
          + (f" and {big['walls']}" if big else "") + "; frictionless: one run)")
    print()
    print(f"ratio (rows/s, wall): {ratio:.1f}x   target >= {TARGET_RATIO:.0f}x: {'ok' if ratio >= TARGET_RATIO else 'MISSED'}")
    peak_ok = ours["peak_mib"] <= TARGET_PEAK_MIB and (big is None or big["peak_mib"] <= TARGET_PEAK_MIB)
    print(f"peak memory: {ours['peak_mib']:.1f} MiB" + (f", {big['peak_mib']:.1f} MiB at {big['rows']:,} rows"
                                                        if big else "")
          + f"   target <= {TARGET_PEAK_MIB:.0f} MiB: {'ok' if peak_ok else 'MISSED'}")
    codes = Counter(f[0] for f in ours["findings"])
    print(f"auditor findings by code: {dict(sorted(codes.items()))}")
    print(f"custom-check findings frictionless cannot make: {detail['custom']} "
          f"(of which SIRETs with only a wrong Luhn key: {detail['siret_key_only']})")
    print(f"same findings (frictionless = auditor without custom checks): {'yes' if same else 'no'}")
    if not same:
        print(f"  only auditor: {detail['n_only_auditor']} e.g. {detail['only_auditor']}")
        print(f"  only frictionless: {detail['n_only_frictionless']} e.g. {detail['only_frictionless']}")
        print(f"  rows: auditor {ours['rows']}, frictionless {theirs['rows']}")
    print(f"RESULT rows_per_s={ours['rows_per_s']:.0f} frictionless_rows_per_s={theirs['rows_per_s']:.0f} "
          f"ratio={ratio:.1f} peak_mib={ours['peak_mib']:.1f} "
          f"peak_mib_5m={big['peak_mib'] if big else float('nan'):.1f} same_findings={'yes' if same else 'no'}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
