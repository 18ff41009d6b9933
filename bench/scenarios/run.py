"""The scenario benchmark (issue 24): fresh scenarios on every run, weakspot on each, scored
against their ground truth.

    .venv/bin/python bench/scenarios/run.py                  # 200 fresh scenarios (< 1 h)
    .venv/bin/python bench/scenarios/run.py --quick          # 10 fresh scenarios
    .venv/bin/python bench/scenarios/run.py --n 20 --causes label_noise   # 20 fresh label-noise draws
    .venv/bin/python bench/scenarios/run.py --seeds 12,345   # replay draws
    .venv/bin/python bench/scenarios/run.py --seeds-file bench/scenarios/runs/X-seeds.txt
    .venv/bin/python bench/scenarios/run.py --fixed          # the regression subset
    .venv/bin/python bench/scenarios/run.py --table bench/.cache/scenarios/RUN/results.jsonl

Fresh seeds come from the operating system and are printed and written to the run's folder
(``bench/.cache/scenarios/<time>/seeds.txt``) before anything runs, so any draw can be rerun.
weakspot is measured as committed (`--at REV`, default HEAD, unpacked with `git archive`), not
as the working tree, which other people may be editing during a run. Each scenario runs
`weakspot.analyze` with ``embed=None`` (images as arrays, small precomputed embeddings: PCA of
the pixels, or the planted tasks' MLP activations) and its training set when the draw gives
one. Peers: `PEERS` is the hook (name -> function of a scenario returning ranked member sets);
none is registered yet.
"""

from __future__ import annotations

import argparse
import json
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CACHE = REPO / "bench" / ".cache" / "scenarios"


def _snapshot(rev: str) -> tuple[Path, str]:
    """weakspot as committed at `rev`, unpacked under bench/.cache/scenarios/src-<sha>."""
    sha = subprocess.run(
        ["git", "rev-parse", "--short=12", rev],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    target = CACHE / f"src-{sha}"
    if not (target / "weakspot").exists():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", sha, "weakspot"], cwd=REPO, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target, sha


# Peers (issue 24: "peers run on the scenarios where they apply"): name -> callable taking a
# Scenario and returning its ranked slices as member arrays; scored like weakspot's slices.
# Each peer lives in its own environment under bench/.envs (see bench/core/envs.py) and runs
# in a subprocess (bench/core/harness.py); none is registered yet.
PEERS: dict[str, Callable[[Any], list]] = {}


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def run_one(make: Callable, timeout: int) -> tuple[Any, dict[str, Any]]:
    """Draw one scenario, analyse it, score it; a failure is recorded, never raised."""
    from generate import Scenario
    from score import score

    from weakspot import analyze

    record: dict[str, Any] = {}
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    scenario: Scenario | None = None
    try:
        t0 = time.perf_counter()
        scenario = make()
        record.update(_describe(scenario))
        record["draw_seconds"] = round(time.perf_counter() - t0, 2)
        t1 = time.perf_counter()
        analysis = analyze(
            scenario.evaluation,
            label="label",
            prediction="prediction",
            id_column="id",
            images=scenario.eval_images,
            embed=None,
            embeddings=scenario.eval_embeddings,
            train=scenario.train,
            train_images=scenario.train_images,
            train_embeddings=scenario.train_embeddings,
            random_state=0,
        )
        record["analyze_seconds"] = round(time.perf_counter() - t1, 2)
        record.update(score(scenario, analysis))
    except _Timeout:
        record["error"] = f"timed out after {timeout} s"
    except Exception as exc:  # a scenario that breaks weakspot is a finding: keep going
        record["error"] = f"{type(exc).__name__}: {exc}"[:500]
    finally:
        signal.alarm(0)
    return scenario, record


def _describe(s) -> dict[str, Any]:
    t = s.truth
    return {
        "name": s.name,
        "seed": s.seed,
        "cause": s.cause,
        "data": s.data,
        "model": s.model,
        "variant": s.variant,
        "strength": round(s.strength, 3),
        "prevalence": round(s.prevalence, 3),
        "visible": s.visible,
        "with_train": s.with_train,
        "with_proba": s.with_proba,
        "note": s.note,
        "truth": {
            "cause": t.cause,
            "members": int(len(t.members)),
            "words": sorted(t.words),
            "fixable": t.fixable,
            "fix": t.fix,
            "fix_kinds": list(t.fix_kinds),
            "flipped": int(len(t.flipped)),
        },
    }


def _line(r: dict[str, Any]) -> str:
    if "error" in r:
        return f"[{r.get('name', r.get('seed'))}] ERROR {r['error']}"
    bits = [f"[{r['name']}] err {r['error_rate']:.0%}"]
    if r["truth"]["members"]:
        bits.append(f"members {r['members_error_rate']:.0%} (bites {r['bites']}); found {r['found']} (F1 {r['best_f1']:.2f})")  # fmt: skip
    if r.get("found"):
        bits.append(f"title {r['title']!r} named {r['named']}; top {r['top']} {r['top_confidence']:.2f} right {r['right']}")  # fmt: skip
    if "clean" in r:
        bits.append(f"max conf {r['max_confidence']:.2f} clean {r['clean']}")
    bad = [m["title"] for m in r["modes"] if not m["sound"]]
    if bad:
        bits.append(f"unsound modes {bad}")
    bits.append(f"{r['draw_seconds'] + r['analyze_seconds']:.0f} s")
    return "; ".join(bits)


# ------------------------------------------------------------------ tables
def tables(records: list[dict[str, Any]]) -> str:
    from score import reliability, targets

    out = ["| target (issue 24) | target | measured | |", "|---|---|---|---|"]
    out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in targets(records)]
    ok = [r for r in records if "error" not in r]
    ece, rows = reliability([r["calibration"] for r in ok if r.get("calibration")])
    out += ["", "Reliability of the top diagnosis's confidence (one point per scenario with one):", ""]  # fmt: skip
    out += ["| confidence bin | scenarios | mean confidence | share right |", "|---|---|---|---|"]
    for row in rows:
        conf = "-" if row["confidence"] is None else f"{row['confidence']:.2f}"
        right = "-" if row["right"] is None else f"{row['right']:.2f}"
        out.append(f"| {row['bin']} | {row['n']} | {conf} | {right} |")
    out += ["", "By cause:", ""]
    out += [
        "| cause | scenarios | found (of those that bite) | named | top right | clean | modes unsound | top diagnoses (found or no-fix) |",  # fmt: skip
        "|---|---|---|---|---|---|---|---|",
    ]
    for cause in sorted({r["cause"] for r in ok}):
        rs = [r for r in ok if r["cause"] == cause]
        planted = [r for r in rs if r["truth"]["members"] and r["bites"]]
        found = [r for r in planted if r["found"]]
        tops = Counter(
            (r.get("top") if r["truth"]["fixable"] or r.get("found") else _max_cause(r)) or "-"
            for r in (found if planted else rs)
        )
        clean = [r for r in rs if "clean" in r]
        out.append(
            f"| {cause} | {len(rs)} | {_n(sum(r['found'] for r in planted), len(planted))} | "
            f"{_n(sum(r['named'] for r in found), len(found))} | "
            f"{_n(sum(r['right'] for r in found), len(found))} | "
            f"{_n(sum(r['clean'] for r in clean), len(clean))} | "
            f"{sum(not m['sound'] for r in rs for m in r['modes'])}/{sum(len(r['modes']) for r in rs)} | "
            f"{', '.join(f'{k} {v}' for k, v in tops.most_common(3))} |"
        )
    bite = [r for r in ok if r["truth"]["members"]]
    out += ["", f"Planted scenarios whose members fail >= 1.5x as often as the rest (scored): {_n(sum(r['bites'] for r in bite), len(bite))}", ""]  # fmt: skip
    out += ["By data and model (found / planted that bite):", ""]
    for key in ("data", "model", "with_train", "visible"):
        parts = []
        for value in sorted({str(r[key]) for r in ok}):
            rs = [r for r in ok if str(r[key]) == value and r["truth"]["members"] and r["bites"]]
            parts.append(f"{value} {_n(sum(r['found'] for r in rs), len(rs))}")
        out.append(f"- {key}: " + ", ".join(parts))
    errors = [r for r in records if "error" in r]
    if errors:
        out += ["", f"{len(errors)} scenario(s) failed:"]
        out += [f"- {r.get('name', r.get('seed'))}: {r['error']}" for r in errors]
    seconds = [r["draw_seconds"] + r["analyze_seconds"] for r in ok]
    if seconds:
        out += ["", f"{len(records)} scenarios; {sum(seconds):.0f} s in scenarios (median {sorted(seconds)[len(seconds) // 2]:.1f} s)"]  # fmt: skip
    return "\n".join(out)


def _max_cause(r):
    every = [d for m in r["modes"] for d in m["diagnoses"]]
    return max(every, key=lambda d: d[1])[0] if every else None


def _n(k: int, n: int) -> str:
    return f"{k}/{n}" if n else "-"


# ------------------------------------------------------------------ main
def _fresh_seeds(n: int, causes: str, generate, parser) -> list[int]:
    """`n` fresh seeds from the operating system; with `causes`, only seeds whose draw plants
    one of them (`generate.cause_of`, the seed's first draw: the rest is not drawn here)."""
    wanted = {c for c in causes.split(",") if c}
    unknown = wanted - set(generate.causes()[0])
    if unknown:
        parser.error(f"--causes: {sorted(unknown)} is not drawn; one of {generate.causes()[0]}")
    seeds: list[int] = []
    while len(seeds) < n:
        seed = secrets.randbits(32)
        if not wanted or generate.cause_of(seed) in wanted:
            seeds.append(seed)
    return seeds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="fresh scenarios to draw (200)")
    parser.add_argument("--quick", action="store_true", help="10 fresh scenarios")
    parser.add_argument("--seeds", default="", help="comma-separated seeds to replay")
    parser.add_argument("--seeds-file", type=Path, help="a seeds.txt to replay")
    parser.add_argument("--fixed", action="store_true", help="the fixed regression subset")
    parser.add_argument("--at", default="HEAD", help="git revision of weakspot to measure")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per scenario")
    parser.add_argument("--out", type=Path, help="results folder (default under bench/.cache)")
    parser.add_argument("--peers", default="", help="comma-separated peers (none registered yet)")
    parser.add_argument("--table", type=Path, help="print the tables of a results.jsonl and stop")
    parser.add_argument(
        "--causes",
        default="",
        help="comma-separated causes: fresh seeds are drawn until --n (or --quick's 10) plant one",
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    if args.table:
        records = [json.loads(line) for line in args.table.read_text().splitlines() if line]
        print(tables(records))
        return 0
    if args.peers:
        unknown = [p for p in args.peers.split(",") if p not in PEERS]
        if unknown:
            parser.error(f"no peer {unknown} is registered yet (bench/scenarios/run.py PEERS)")
    source, sha = _snapshot(args.at)
    sys.path.insert(0, str(source))
    import generate

    missing = generate.causes()[1]
    if missing:
        print(f"weakspot diagnoses with no planter in bench/scenarios/generate.py: {missing}")
    if args.fixed:
        makers = generate.fixed()
        seeds: list[Any] = [f"fixed-{i}" for i in range(len(makers))]
    else:
        if args.seeds or args.seeds_file:
            text = args.seeds_file.read_text() if args.seeds_file else args.seeds
            seeds = [int(s) for s in text.replace(",", " ").split()]
        else:
            seeds = _fresh_seeds(10 if args.quick else args.n, args.causes, generate, parser)
        makers = [lambda seed=seed: generate.draw(seed) for seed in seeds]
    out = args.out or CACHE / time.strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    if not args.fixed:
        (out / "seeds.txt").write_text("\n".join(map(str, seeds)) + "\n")
        print(f"seeds ({len(seeds)}), written to {out / 'seeds.txt'}:")
        print(",".join(map(str, seeds)), flush=True)
    print(f"weakspot at {args.at} ({sha}); results in {out / 'results.jsonl'}", flush=True)
    start, records = time.perf_counter(), []
    with open(out / "results.jsonl", "w") as fh:
        for i, make in enumerate(makers):
            _, record = run_one(make, args.timeout)
            record.setdefault("seed", seeds[i])
            records.append(record)
            fh.write(json.dumps(record) + "\n")
            fh.flush()
            print(f"{i + 1}/{len(makers)} {_line(record)}", flush=True)
    elapsed = time.perf_counter() - start
    text = tables(records) + f"\n\nweakspot {sha}; wall time {elapsed:.0f} s"
    (out / "tables.md").write_text(text + "\n")
    print("\n" + text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
