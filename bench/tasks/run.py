"""Planted regression and multi-label benchmark (issue 25 item 7): weakspot beside SliceLine,
Microsoft's error tree and Deepchecks' weak segments on fresh draws, and the lattice's scale
with a continuous loss.

    .venv/bin/python bench/tasks/run.py                    # 3 fresh seeds per task kind + scale
    .venv/bin/python bench/tasks/run.py --quick            # 3 diabetes tasks, scale at 100,000 rows
    .venv/bin/python bench/tasks/run.py --seeds diabetes_error:12,tags_null:345   # replay
    .venv/bin/python bench/tasks/run.py --seeds-file bench/.cache/tasks/RUN/seeds.txt
    .venv/bin/python bench/tasks/run.py scale              # the scale section alone
    .venv/bin/python bench/tasks/run.py --table bench/.cache/tasks/RUN/results.jsonl

Fresh seeds come from the operating system; they are printed and written to the run's folder
(``bench/.cache/tasks/<time>/seeds.txt``, one ``kind seed`` a line) before anything runs.
The tasks are drawn by `plant.py`. Every method is given the same table: the metadata, the
tabular features and (image tasks) weakspot's image properties and flags, binned by
`weakspot.features.bin_features` for the methods that need categories; weakspot itself is
given the images and extracts them in its own call. Each method runs in its own virtual
environment in a child process with a memory limit and a timeout (bench/core/harness.py);
weakspot is measured as committed (`--at REV`, default HEAD, exported by bench/core/run.py's
`use_source`).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CACHE = REPO / "bench" / ".cache" / "tasks"
GIB = 1024**3
TOP_K = 5  # a planted slice is found when one of a method's first 5 slices matches it
FOUND_JACCARD = 0.5
MIN_BITE = 1.5  # a planted error or miss rate at least 1.5x the rest's, or
MIN_SHIFT = 0.5  # a planted mean residual at least half an SD of the rest's from theirs
QUICK_KINDS = ("diabetes_error", "diabetes_bias", "diabetes_null")  # the fast family
SCALE_ROWS, SCALE_FEATURES, SCALE_REPEATS = 1_000_000, 20, 3

sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "bench" / "core"))


def _core_run():
    """bench/core/run.py as a module (its `use_source`, `table_file`, `lattice_params`)."""
    spec = importlib.util.spec_from_file_location("core_run", REPO / "bench" / "core" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


core = _core_run()
from harness import fmt_status, run_isolated  # noqa: E402

# (table name, environment, runner relative to bench/core/runners, task kinds it runs on)
METHODS = [
    ("weakspot", "ours", "../../tasks/runners/weakspot_tasks", ("regression", "multilabel")),
    ("sliceline", "sliceline", "../../planted/runners/sliceline_run", ("regression", "multilabel")),
    (
        "erroranalysis tree",
        "erroranalysis",
        "../../tasks/runners/erroranalysis_residual",
        ("regression", "multilabel"),
    ),
    (
        "deepchecks weak segments",
        "deepchecks",
        "../../tasks/runners/deepchecks_segments",
        ("regression", "multilabel"),
    ),
]
# What each peer is given, for the table's notes.
PEER_LOSS = {
    "sliceline": "absolute residual / Hamming loss, binned features (alpha 0.95, k 10, level 3)",
    "erroranalysis tree": "signed residual (regression) / joined label sets, binned features "
    "(max depth 3, 31 leaves), nodes by mean absolute error / error rate",
    "deepchecks weak segments": "negative squared error / negative Hamming loss per row, raw "
    "features",
}


# ------------------------------------------------------------------ one task
def prepare(task, folder: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Write the task's shared table; return (task record, payload base)."""
    from weakspot.features import bin_features
    from weakspot.features.images import extract_image_features

    t0 = time.perf_counter()
    table = task.frame.copy()
    if task.images is not None:
        feats = extract_image_features(task.images, embed=None)
        table = pd.concat([table, feats.properties, feats.flags], axis=1)
    table = table[[c for c in table.columns if table[c].nunique(dropna=False) > 1]]
    binned = bin_features(table)
    raw = []
    for c in binned.names:
        col = table[c]
        numeric = pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
        raw.append(col.to_numpy(float) if numeric else pd.factorize(col)[0].astype(float))
    folder.mkdir(parents=True, exist_ok=True)
    stem = task.name.replace("/", "-")
    frame_path = folder / f"{stem}.pkl"
    task.frame.to_pickle(frame_path)
    arrays = {
        "codes": binned.codes,
        "raw": np.nan_to_num(np.column_stack(raw)),
        "targets": task.targets,
        "predictions": task.predictions,
        "errors": task.loss,
    }
    if task.task == "regression":
        arrays["score"] = -(task.residual**2)
        arrays["dc_target"] = task.targets
    else:
        arrays["score"] = -task.loss
        arrays["dc_target"] = task.targets.sum(axis=1)  # the check needs a label column
        joined = [
            "|".join(np.asarray(task.label_names)[row])
            for row in (*task.targets, *task.predictions)
        ]
        ids = pd.factorize(pd.Series(joined))[0]
        arrays["set_true"], arrays["set_pred"] = ids[: len(task.frame)], ids[len(task.frame) :]
    if task.images is not None:
        arrays["images"] = task.images
    path = folder / f"{stem}.npz"
    np.savez(path, **arrays)
    n = len(task.frame)
    record: dict[str, Any] = {
        "task": task.name,
        "kind": task.kind,
        "seed": task.seed,
        "family": task.kind.split("_")[0],
        "model_task": task.task,
        "n": n,
        "note": task.note,
        "view": task.view,
        "mean_loss": float(task.loss.mean()),
        "prepare_seconds": round(time.perf_counter() - t0, 2),
    }
    if not task.null:
        record.update(_bite(task))
    base = {
        "table": str(path),
        "params": {
            "names": list(binned.names),
            "task": task.task,
            "label_names": task.label_names,
            "frame": str(frame_path),
            "seed": task.seed % 2**31,
            "min_support": max(20, int(np.ceil(0.01 * n))),
        },
    }
    return record, base


def _bite(task) -> dict[str, Any]:
    """Whether the plant raised its view's loss: its rows against the rest (covered rows)."""
    cover = task.covers(task.view)
    loss = task.view_loss(task.view)
    inside, outside = loss[task.planted & cover], loss[~task.planted & cover]
    out = {"planted_size": int(task.planted.sum()), "loss_in": float(inside.mean())}
    out["loss_out"] = float(outside.mean())
    if task.view == "bias":
        out["bites"] = bool(abs(inside.mean() - outside.mean()) >= MIN_SHIFT * outside.std())
    else:
        out["bites"] = bool(inside.mean() >= MIN_BITE * outside.mean())
    return out


def score(task, result: dict[str, Any]) -> dict[str, Any]:
    """Found (a top-5 slice with Jaccard >= 0.5 on the rows its view covers), its rank,
    whether its rule names the plant, and the slices reported on a null task."""
    slices = result.get("slices", []) if result["status"] == "ok" else []
    status = fmt_status(result)
    if result["status"] == "error":
        # the last line of the child's traceback says what failed
        lines = [line for line in result.get("message", "").splitlines() if line.strip()]
        status = "error: " + (lines[-1].strip()[:200] if lines else "?")
    out: dict[str, Any] = {
        "status": status,
        "seconds": result.get("seconds"),
        "peak_rss_gib": (result.get("peak_rss_bytes") or 0) / GIB,
        "n_slices": len(slices),
    }
    if task.null:
        return out
    best: tuple[float, int, dict | None] = (0.0, 0, None)
    for rank, s in enumerate(slices[:TOP_K], start=1):
        cover = task.covers(s.get("view", "error"))
        members = np.zeros(len(task.frame), dtype=bool)
        members[np.asarray(s["members"], dtype=int)] = True
        a, b = members & cover, task.planted & cover
        union = np.count_nonzero(a | b)
        jaccard = np.count_nonzero(a & b) / union if union else 0.0
        if jaccard > best[0]:
            best = (jaccard, rank, s)
    jaccard, rank, s = best
    found = jaccard >= FOUND_JACCARD
    words: set[str] = set()
    if s is not None:
        words = set(s["features"]) | set(s.get("view", "error").split(":")[1:])
    out.update(
        jaccard=round(jaccard, 3),
        found=found,
        rank=rank if found else None,
        named=bool(found and all(words & group for group in task.naming)),
        view=None if s is None else s.get("view"),
        right_view=bool(found and s is not None and s.get("view", "error") == task.view),
        best=None if s is None else s.get("description") or " & ".join(s["features"]),
    )
    return out


def run_task(kind: str, seed: int, folder: Path, limits: dict) -> dict[str, Any]:
    from plant import draw

    t0 = time.perf_counter()
    task = draw(kind, seed)
    draw_seconds = time.perf_counter() - t0
    record, base = prepare(task, folder / "tables")
    record["draw_seconds"] = round(draw_seconds, 2)
    record["methods"] = {}
    for name, env, runner, applies in METHODS:
        if task.task not in applies:
            continue
        payload = {"table": base["table"], "params": base["params"]}
        result = run_isolated(env, runner, payload, **limits)
        record["methods"][name] = res = score(task, result)
        if res["status"] != "ok":
            res["message"] = result.get("message", "")[-600:]
    for p in (Path(base["table"]), Path(base["params"]["frame"])):
        p.unlink(missing_ok=True)
    return record


def _line(r: dict[str, Any]) -> str:
    head = f"[{r['task']}] {r['note']}"
    if "bites" in r:
        head += f"; view {r['view']}: {r['loss_in']:.3g} inside vs {r['loss_out']:.3g}"
        head += "" if r["bites"] else " (NO BITE: not scored)"
    lines = [head]
    for name, m in r["methods"].items():
        if m["status"] != "ok":
            shown = m["status"][:90]
        elif "found" in m:
            shown = f"found {m['found']} (J {m['jaccard']:.2f}, rank {m['rank']}) named {m['named']}: {m['best']}"  # fmt: skip
        else:
            shown = f"{m['n_slices']} slices"
        lines.append(f"    {name:26s} {shown[:150]}  {m['seconds'] or 0:.1f}s")
    return "\n".join(lines)


# ------------------------------------------------------------------ tables
def _n(k: int, n: int) -> str:
    return f"{k}/{n}" if n else "-"


def tables(records: list[dict[str, Any]]) -> str:
    names = [m[0] for m in METHODS if any(m[0] in r.get("methods", {}) for r in records)]
    ok = [r for r in records if "error" not in r]
    scored = [r for r in ok if r.get("bites")]
    nulls = [r for r in ok if r["kind"].endswith("_null")]
    out = [
        "| method | planted found (top 5, Jaccard >= 0.5) | found at rank 1 | named | "
        "right view | null tasks with a slice | slices on null tasks (median) | median time | "
        "failed runs |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in names:
        ms = [r["methods"][name] for r in scored if name in r["methods"]]
        found = [m for m in ms if m.get("found")]
        ns = [r["methods"][name] for r in nulls if name in r["methods"]]
        every = [r["methods"][name] for r in ok if name in r["methods"]]
        good = [m for m in every if m["status"] == "ok"]
        right = _n(sum(m["right_view"] for m in found), len(found)) if name == "weakspot" else "-"
        seconds = sorted(m["seconds"] for m in good)
        out.append(
            f"| {name} | {_n(len(found), len(ms))} | {_n(sum(m['rank'] == 1 for m in found), len(found))} | "  # fmt: skip
            f"{_n(sum(m['named'] for m in found), len(found))} | {right} | "
            f"{_n(sum(m['n_slices'] > 0 for m in ns if m['status'] == 'ok'), len(ns))} | "
            f"{np.median([m['n_slices'] for m in ns]) if ns else '-'} | "
            f"{f'{seconds[len(seconds) // 2]:.2f} s' if seconds else '-'} | "
            f"{len(every) - len(good)} |"
        )
    out += ["", "Found / planted tasks that bite, by kind:", ""]
    kinds = sorted({r["kind"] for r in ok}, key=lambda k: (k.split("_")[0], k))
    out += ["| kind | tasks | bite | " + " | ".join(names) + " |"]
    out += ["|---|---|---|" + "---|" * len(names)]
    for kind in kinds:
        rs = [r for r in ok if r["kind"] == kind]
        if kind.endswith("_null"):
            cells = [
                f"{sum(r['methods'][n]['n_slices'] > 0 for r in rs if n in r['methods'])} with a slice"  # fmt: skip
                for n in names
            ]
            out.append(f"| {kind} | {len(rs)} | - | " + " | ".join(cells) + " |")
            continue
        bite = [r for r in rs if r.get("bites")]
        cells = []
        for n in names:
            ms = [r["methods"][n] for r in bite if n in r["methods"]]
            cells.append(
                f"{_n(sum(m.get('found', False) for m in ms), len(ms))} "
                f"(named {sum(m.get('named', False) for m in ms)})"
            )
        out.append(f"| {kind} | {len(rs)} | {len(bite)} | " + " | ".join(cells) + " |")
    failed = [
        f"- {r['task']}: {name}: {m['status']}"
        for r in ok
        for name, m in r["methods"].items()
        if m["status"] != "ok"
    ]
    errors = [f"- {r.get('task', r.get('seed'))}: {r['error']}" for r in records if "error" in r]
    if failed or errors:
        out += ["", "Failures:", *errors, *failed]
    return "\n".join(out)


# ------------------------------------------------------------------ scale
def section_scale(quick: bool, limits: dict) -> tuple[str, list[dict]]:
    """The lattice on the same codes with 0/1 errors and with a continuous loss, alternated,
    `SCALE_REPEATS` times each; median time and largest peak RSS of each."""
    rows = 100_000 if quick else SCALE_ROWS
    table, path01 = core.table_file(rows, SCALE_FEATURES, 0, 2)
    # A continuous loss on the same rows: a half-normal error, its scale doubled in the planted
    # slice (the 0/1 table's errors are 40% there, 8% elsewhere).
    rng = np.random.default_rng(1)
    scale = np.where(table.planted_mask(), 2.0, 1.0)
    continuous = np.abs(rng.normal(0.0, scale))
    path_c = core.CACHE / f"t{rows}x{SCALE_FEATURES}_s0_l2_continuous.npz"
    if not path_c.exists():
        np.savez(path_c, codes=table.codes, errors=continuous)
    params = core.lattice_params(0.95, 10, 3, 50)
    runs: dict[str, list[dict]] = {"0/1 errors": [], "continuous loss": []}
    for _ in range(1 if quick else SCALE_REPEATS):
        for label, path in (("0/1 errors", path01), ("continuous loss", str(path_c))):
            res = run_isolated("ours", "ours_lattice", {"table": path, "params": params}, **limits)
            runs[label].append({k: v for k, v in res.items() if k != "slices"})
    lines = [
        f"Lattice at {rows:,} x {SCALE_FEATURES} (alpha 0.95, k 10, level 3, min_support 50), "
        f"{len(runs['0/1 errors'])} alternated run(s) each:",
        "",
        "| errors | time (median) | times | peak RSS (largest) | RSS before the call | slices evaluated |",  # fmt: skip
        "|---|---|---|---|---|---|",
    ]
    medians = {}
    for label, rs in runs.items():
        good = [r for r in rs if r["status"] == "ok"]
        if not good:
            lines.append(f"| {label} | {fmt_status(rs[0])} | - | - | - | - |")
            continue
        times = sorted(r["seconds"] for r in good)
        medians[label] = times[len(times) // 2]
        lines.append(
            f"| {label} | {medians[label]:.2f} s | {', '.join(f'{t:.2f}' for t in times)} | "
            f"{max(r['peak_rss_bytes'] for r in good) / GIB:.2f} GiB | "
            f"{max(r['baseline_rss_bytes'] for r in good) / GIB:.2f} GiB | "
            f"{good[0].get('n_evaluated', '-')} |"
        )
    if len(medians) == 2:
        ratio = medians["continuous loss"] / medians["0/1 errors"]
        verdict = "met" if ratio <= 1.5 else "NOT met"
        lines += ["", f"Continuous / 0-1 time: {ratio:.2f}x (target <= 1.5x: {verdict})"]
    return "\n".join(lines), [{"errors": k, "runs": v} for k, v in runs.items()]


# ------------------------------------------------------------------ main
def _seeds(args, kinds) -> list[tuple[str, int]]:
    if args.seeds or args.seeds_file:
        text = args.seeds_file.read_text() if args.seeds_file else args.seeds
        pairs = []
        for item in text.replace(",", "\n").split("\n"):
            item = item.strip()
            if item:
                kind, seed = item.replace(":", " ").split()
                if kind not in kinds:
                    raise SystemExit(f"unknown task kind {kind!r}; choose among {kinds}")
                pairs.append((kind, int(seed)))
        return pairs
    chosen = QUICK_KINDS if args.quick else kinds
    per_kind = 1 if args.quick else args.per_kind
    return [(kind, secrets.randbits(32)) for kind in chosen for _ in range(per_kind)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "sections", nargs="*", metavar="SECTION", help="tasks, scale (default: both)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="the 3 diabetes tasks, scale at 100,000 rows"
    )
    parser.add_argument("--per-kind", type=int, default=3, help="fresh seeds per task kind (3)")
    parser.add_argument("--seeds", default="", help="kind:seed pairs to replay, comma-separated")
    parser.add_argument("--seeds-file", type=Path, help="a seeds.txt to replay")
    parser.add_argument("--at", default="HEAD", help="git revision of weakspot to measure")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per method run")
    parser.add_argument("--mem-gib", type=float, default=8.0, help="memory limit per method run")
    parser.add_argument("--methods", default="", help="comma-separated table names (default all)")
    parser.add_argument("--out", type=Path, help="results folder (default under bench/.cache)")
    parser.add_argument("--table", type=Path, help="print the tables of a results.jsonl and stop")
    args = parser.parse_args(argv)
    if args.table:
        records = [json.loads(line) for line in args.table.read_text().splitlines() if line]
        print(tables(records))
        return 0
    sections = args.sections or ["tasks", "scale"]
    unknown = set(sections) - {"tasks", "scale"}
    if unknown:
        parser.error(f"unknown section(s) {sorted(unknown)}; choose among tasks, scale")
    if args.methods:
        wanted = [m.strip() for m in args.methods.split(",")]
        missing = set(wanted) - {m[0] for m in METHODS}
        if missing:
            parser.error(f"unknown methods {sorted(missing)}; choose among {[m[0] for m in METHODS]}")  # fmt: skip
        METHODS[:] = [m for m in METHODS if m[0] in wanted]
    described = core.use_source(args.at)
    sys.path.insert(0, os.environ["WEAKSPOT_BENCH_SOURCE"])
    from plant import KINDS

    limits = {"mem_limit": int(args.mem_gib * GIB), "timeout": args.timeout}
    out = args.out or CACHE / time.strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    print(f"weakspot: {described}; results in {out}", flush=True)
    start, text = time.perf_counter(), []
    if "tasks" in sections:
        pairs = _seeds(args, KINDS)
        (out / "seeds.txt").write_text("".join(f"{k} {s}\n" for k, s in pairs))
        print(f"seeds ({len(pairs)}), written to {out / 'seeds.txt'}:")
        print(",".join(f"{k}:{s}" for k, s in pairs), flush=True)
        records = []
        with open(out / "results.jsonl", "w") as fh:
            for i, (kind, seed) in enumerate(pairs):
                try:
                    record = run_task(kind, seed, out, limits)
                except Exception as exc:  # a draw that fails is a finding: keep going
                    record = {"task": f"{kind}/s{seed}", "kind": kind, "seed": seed}
                    record["error"] = f"{type(exc).__name__}: {exc}"[:500]
                records.append(record)
                fh.write(json.dumps(record, default=_json) + "\n")
                fh.flush()
                shown = _line(record) if "error" not in record else f"[{record['task']}] ERROR {record['error']}"  # fmt: skip
                print(f"{i + 1}/{len(pairs)} {shown}", flush=True)
        text.append(tables(records))
    if "scale" in sections:
        scale_text, scale_records = section_scale(args.quick, limits)
        (out / "scale.json").write_text(json.dumps(scale_records, indent=1, default=_json))
        text.append(scale_text)
    body = "\n\n".join(text) + f"\n\nweakspot: {described}; wall time {time.perf_counter() - start:.0f} s"  # fmt: skip
    (out / "tables.md").write_text(body + "\n")
    print("\n" + body)
    return 0


def _json(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(type(o))


if __name__ == "__main__":
    raise SystemExit(main())
