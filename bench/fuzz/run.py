"""Fuzz ``weakspot analyze`` with random malformed tables and corrupted image files.

    .venv/bin/python bench/fuzz/run.py --cases 3000 --seed 100000   # the full run
    .venv/bin/python bench/fuzz/run.py --quick                      # 100 cases, a smoke check
    .venv/bin/python bench/fuzz/run.py --cases 50 --json            # counts as JSON (the slow test)

Cases come from bench/fuzz/cases.py, one seed each: a table file, a Parquet folder, a
Parquet table of image bytes or an ImageFolder with predictions, mutated, with or without
images (corrupted, odd modes), precomputed embeddings, a training table and ``--sample``. A worker process runs them one after the
other through the command line in-process (typer's CliRunner, ``--embed none``), under an
address-space limit (--memory-gib); the parent gives each case --timeout seconds and restarts
the worker when one runs over. Each case counts as one of:

- success:     exit 0, analysis.json, report.html and summary.md written;
- clear error: exit 1 or 2 with an ``error:`` / ``analysis failed:`` line (or a usage error)
               that names the problem (a quoted column, file or value, a flag, a number)
               and no traceback;
- vague error: the same, naming nothing (the cases are listed);
- traceback:   any other exception (the cases are listed with their seed, to rerun);
- hang:        over the time limit;
- over-memory: MemoryError, or the worker killed;
- case error:  bench/fuzz/cases.py could not make the case (a bug of the fuzz, listed).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import re
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
OUTCOMES = (
    "success",
    "clear error",
    "vague error",
    "traceback",
    "hang",
    "over-memory",
    "case error",
)
# what a refusal must quote: a column, file or value ('x' or "x"), a flag (--x, x=) or a number
NAMES_SOMETHING = re.compile(r"'[^']+'|\"[^\"]+\"|--[a-z]|\b[a-z_]+=|\d")


def classify(result, out: Path) -> tuple[str, str]:
    """The outcome of one CliRunner result, and a short detail."""
    exc = result.exception
    if isinstance(exc, MemoryError):
        return "over-memory", "MemoryError"
    if exc is not None and not isinstance(exc, SystemExit):
        return "traceback", f"{type(exc).__name__}: {str(exc)[:160]}"
    output = result.output
    if "Traceback" in output:
        return "traceback", output[-200:]
    if result.exit_code == 0:
        written = all((out / n).is_file() for n in ("analysis.json", "report.html", "summary.md"))
        return ("success", "") if written else ("traceback", "exit 0 without the outputs")
    if result.exit_code in (1, 2) and (
        "error:" in output or "analysis failed:" in output or "Usage:" in output
    ):
        message = output.strip().splitlines()[0][:160] if output.strip() else ""
        if NAMES_SOMETHING.search(output):
            return "clear error", message
        return "vague error", message
    return "traceback", f"exit {result.exit_code}: {output[-200:]}"


def _worker(tasks, results, memory_gib: float) -> None:
    limit = int(memory_gib * 1024**3)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from cases import make_case
    from typer.testing import CliRunner

    from weakspot.cli import app

    runner = CliRunner()
    while (seed := tasks.get()) is not None:
        folder = Path(tempfile.mkdtemp(prefix=f"weakspot-fuzz-{seed}-"))
        try:
            try:
                args = make_case(folder, seed)
            except Exception as exc:  # noqa: BLE001 - a bug of the case maker, not of weakspot
                results.put((seed, "case error", f"{type(exc).__name__}: {exc}"[:160]))
                continue
            result = runner.invoke(app, args)
            outcome, detail = classify(result, folder / "out")
        except MemoryError:
            outcome, detail = "over-memory", "MemoryError while making the case"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        results.put((seed, outcome, detail))


def run(n_cases: int, first_seed: int, timeout: float, memory_gib: float) -> dict:
    ctx = mp.get_context("fork")
    counts: Counter[str] = Counter()
    bad: list[tuple[int, str, str]] = []
    seeds = list(range(first_seed, first_seed + n_cases))
    start = time.perf_counter()
    while seeds:
        tasks, results = ctx.Queue(), ctx.Queue()
        worker = ctx.Process(target=_worker, args=(tasks, results, memory_gib), daemon=True)
        worker.start()
        while seeds:
            seed = seeds.pop(0)
            tasks.put(seed)
            outcome, detail = _wait(results, worker, timeout)
            counts[outcome] += 1
            if outcome not in ("success", "clear error"):
                bad.append((seed, outcome, detail))
            if outcome in ("hang", "over-memory") and not worker.is_alive() or outcome == "hang":
                worker.kill()
                worker.join()
                break
        else:
            tasks.put(None)
            worker.join(timeout=30)
    seconds = time.perf_counter() - start
    return {
        "cases": n_cases,
        "counts": {k: counts[k] for k in OUTCOMES},
        "bad": bad,
        "seconds": seconds,
    }


def _wait(results, worker, timeout: float) -> tuple[str, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            _, outcome, detail = results.get(timeout=0.5)
            return outcome, detail
        except Exception:  # noqa: BLE001 - queue.Empty; the worker may have died
            if not worker.is_alive():
                return "over-memory", f"worker died (exit {worker.exitcode})"
    return "hang", f"over {timeout:.0f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0, help="first case's seed")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per case")
    parser.add_argument("--memory-gib", type=float, default=4.0, help="worker address space")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--quick", action="store_true", help="100 cases: a smoke check")
    args = parser.parse_args()
    if args.quick:
        args.cases = 100
    result = run(args.cases, args.seed, args.timeout, args.memory_gib)
    if args.json:
        print(json.dumps(result))
        return
    print(f"{result['cases']} cases in {result['seconds']:.0f} s")
    print("| outcome | cases |\n|---|---|")
    for name in OUTCOMES:
        print(f"| {name} | {result['counts'][name]} |")
    for seed, outcome, detail in result["bad"][:30]:
        print(f"seed {seed}: {outcome}: {detail}")


if __name__ == "__main__":
    main()
