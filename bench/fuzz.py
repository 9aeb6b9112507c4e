"""Long fuzzing run of every reader of submitted files: CSV, XLSX, XLS, ODS, JSON tables, DECP, dataset descriptions,
the TOML configuration and ZIP archives (the strategies and the oracle are those of tests/test_fuzz_readers.py,
which runs a few dozen examples of each in the test suite).

Cases run in batches, each batch in a child process of its own (``--worker``) whose address space is limited
(``--memory-mib``, RLIMIT_AS: a reader that would take more fails with MemoryError, counted as a crash) and whose
cases each get ``--case-seconds`` (SIGALRM; a case still running in C code when its batch's deadline passes is
killed with its process, counted as a hang). Every input is at most 1 MB. A child's peak resident memory is its own
``ru_maxrss`` (``os.wait4``); the parent imports nothing heavy, so that figure is the child's.

    python3 bench/fuzz.py [--seconds 600] [--workers 2] [--batch 150] [--readers csv,xlsx,...] [--seed 1]

Crashing and hanging inputs are saved (their folder is printed). Ends with one line
``RESULT cases=... crashes=... hangs=... max_rss_mib=...`` (targets: 0, 0, ≤ 512). Crashes of
auditor/config.py (TOML), which this work does not own, are listed apart and counted too.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READERS = ("csv", "xlsx", "xls", "ods", "json", "decp", "description", "toml", "zip")


# -- the child ------------------------------------------------------------------------------------------------------

class _Hang(BaseException):
    pass


def worker(reader: str, seed: int, count: int, case_seconds: float, log: Path, saved: Path) -> int:
    sys.path.insert(0, str(ROOT))
    import warnings

    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed

    from tests.test_fuzz_readers import MAX_INPUT, STRATEGIES, Crash, run_case

    warnings.simplefilter("ignore")
    out = open(log, "a", encoding="utf-8", buffering=1)

    def alarm(signum, frame):
        raise _Hang()

    signal.signal(signal.SIGALRM, alarm)
    work = Path(tempfile.mkdtemp(prefix="fuzz-work-"))
    index = [0]

    @hseed(seed)
    @settings(max_examples=count, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=STRATEGIES[reader])
    def run(case):
        data, name = case
        data = data[:MAX_INPUT]
        i = index[0]
        index[0] += 1
        out.write(json.dumps({"start": i, "bytes": len(data), "name": name}) + "\n")
        (saved / f"current-{reader}-{seed}").write_bytes(data)
        started = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, case_seconds)
        try:
            outcome, detail = run_case(reader, data, name, work), None
        except _Hang:
            outcome, detail = "hang", None
        except Crash as exc:
            outcome, detail = "crash", str(exc)
        except MemoryError:
            outcome, detail = "crash", "MemoryError"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        seconds = time.monotonic() - started
        if outcome != "hang" and seconds > case_seconds:  # the alarm came while in C code
            outcome = "hang"
        if outcome in ("hang", "crash"):
            (saved / f"{outcome}-{reader}-{seed}-{i}-{name}").write_bytes(data)
        out.write(json.dumps({"end": i, "outcome": outcome, "seconds": round(seconds, 3), "detail": detail}) + "\n")

    run()
    (saved / f"current-{reader}-{seed}").unlink(missing_ok=True)
    return 0


# -- the parent -----------------------------------------------------------------------------------------------------

def _limit(memory_mib: int):
    def apply():
        import resource

        limit = memory_mib << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        os.setsid()
    return apply


def _batch(reader: str, seed: int, count: int, args, saved: Path) -> dict:
    log = saved / f"log-{reader}-{seed}.jsonl"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", reader, str(seed), str(count),
           str(args.case_seconds), str(log), str(saved)]
    errors = saved / f"stderr-{reader}-{seed}.txt"
    with open(errors, "wb") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, preexec_fn=_limit(args.memory_mib))
    deadline = time.monotonic() + count * args.case_seconds + 60
    status = rusage = None
    killed = False
    while True:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            killed = True
        time.sleep(0.05)
    stderr = errors.read_text(encoding="utf-8", errors="replace")
    errors.unlink(missing_ok=True)
    proc.returncode = os.waitstatus_to_exitcode(status)
    events = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []
    ends = {e["end"]: e for e in events if "end" in e}
    starts = [e["start"] for e in events if "start" in e]
    result = {"reader": reader, "seed": seed, "cases": len(ends), "crashes": [], "hangs": [],
              "rss_mib": rusage.ru_maxrss / 1024, "slowest": max((e["seconds"] for e in ends.values()), default=0)}
    for e in ends.values():
        if e["outcome"] == "crash":
            result["crashes"].append(e["detail"])
        elif e["outcome"] == "hang":
            result["hangs"].append(f"case {e['end']} ({e['seconds']} s)")
    unfinished = [i for i in starts if i not in ends]
    current = saved / f"current-{reader}-{seed}"
    if unfinished:  # the process died or was killed in the middle of a case
        result["cases"] += 1
        what = "hangs" if killed else "crashes"
        result[what].append(f"case {unfinished[-1]}: process {'killed at its deadline' if killed else 'died'} "
                            f"(exit {proc.returncode}) {stderr.strip().splitlines()[-1:] }")
        if current.exists():
            current.rename(saved / f"{what[:-1]}-{reader}-{seed}-{unfinished[-1]}")
    elif proc.returncode != 0:
        result["crashes"].append(f"worker failed (exit {proc.returncode}): {stderr[-500:]}")
    current.unlink(missing_ok=True)
    log.unlink(missing_ok=True)
    return result


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        reader, seed, count, case_seconds, log, saved = sys.argv[2:8]
        return worker(reader, int(seed), int(count), float(case_seconds), Path(log), Path(saved))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=600, help="length of the run (default 600)")
    parser.add_argument("--workers", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    parser.add_argument("--batch", type=int, default=150, help="cases per child process")
    parser.add_argument("--readers", default=",".join(READERS))
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    parser.add_argument("--case-seconds", type=float, default=30.0, help="a case taking longer is a hang")
    parser.add_argument("--memory-mib", type=int, default=2048, help="address space of a child (RLIMIT_AS)")
    parser.add_argument("--save", type=Path, default=None, help="where crashing and hanging inputs go")
    args = parser.parse_args()
    readers = [r for r in args.readers.split(",") if r]
    saved = args.save or Path(tempfile.mkdtemp(prefix="auditor-fuzz-"))
    saved.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    totals = {r: {"cases": 0, "crashes": [], "hangs": [], "rss_mib": 0.0, "slowest": 0.0} for r in readers}
    seed = args.seed
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    with ThreadPoolExecutor(args.workers) as pool:
        pending = set()
        turn = 0
        while True:
            while len(pending) < args.workers and time.monotonic() - started < args.seconds:
                reader = readers[turn % len(readers)]
                turn += 1
                seed += 1
                pending.add(pool.submit(_batch, reader, seed, args.batch, args, saved))
            if not pending:
                break
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                r = fut.result()
                t = totals[r["reader"]]
                t["cases"] += r["cases"]
                t["crashes"] += r["crashes"]
                t["hangs"] += r["hangs"]
                t["rss_mib"] = max(t["rss_mib"], r["rss_mib"])
                t["slowest"] = max(t["slowest"], r["slowest"])
                print(f"{r['reader']:<12} seed {r['seed']}: {r['cases']} cases, {len(r['crashes'])} crash(es), "
                      f"{len(r['hangs'])} hang(s), peak {r['rss_mib']:.0f} MiB, slowest case {r['slowest']:.1f} s",
                      flush=True)
    print()
    print(f"{'reader':<12} {'cases':>7} {'crashes':>8} {'hangs':>6} {'peak MiB':>9} {'slowest s':>10}")
    for reader, t in totals.items():
        print(f"{reader:<12} {t['cases']:>7} {len(t['crashes']):>8} {len(t['hangs']):>6} {t['rss_mib']:>9.0f} "
              f"{t['slowest']:>10.1f}")
    for reader, t in totals.items():
        for kind in ("crashes", "hangs"):
            seen: dict[str, int] = {}
            for d in t[kind]:
                key = (d or "?")[:160]
                seen[key] = seen.get(key, 0) + 1
            for d, n in sorted(seen.items(), key=lambda kv: -kv[1])[:10]:
                owner = " (auditor/config.py)" if reader == "toml" else ""
                print(f"  {kind[:-1] if kind == 'hangs' else 'crash'} {reader}{owner} ×{n}: {d}")
    cases = sum(t["cases"] for t in totals.values())
    crashes = sum(len(t["crashes"]) for t in totals.values())
    hangs = sum(len(t["hangs"]) for t in totals.values())
    peak = max((t["rss_mib"] for t in totals.values()), default=0.0)
    if crashes or hangs:
        print(f"inputs saved in {saved}")
    else:
        for p in saved.iterdir():
            p.unlink()
        saved.rmdir() if args.save is None else None
    print(f"RESULT cases={cases} crashes={crashes} hangs={hangs} max_rss_mib={peak:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
