"""Scale benchmark: the local (numpy) engine beside a Dask cluster on the same data.

    .venv/bin/python bench/scale/run.py lattice --rows 5e6 --features 20     # local vs cluster
    .venv/bin/python bench/scale/run.py lattice --rows 2e7 --features 20 --no-local
    .venv/bin/python bench/scale/run.py lattice --rows 2.5e6 --features 68    # USCensus shape
    .venv/bin/python bench/scale/run.py partition                            # per-partition cost
    .venv/bin/python bench/scale/run.py images --n 20000                     # image features
    .venv/bin/python bench/scale/run.py embed --n 2000                       # ... with embeddings
    .venv/bin/python bench/scale/run.py analyze --rows 5e6                   # a whole analysis
    .venv/bin/python bench/scale/run.py analyze --rows 2e7 --sample 1e6 --no-whole  # a sample

The table is random bin codes (5 bins per feature) with errors planted in one 2-condition slice,
made block by block from a seed: in this process for the local engine, on the workers for the
cluster (the client never holds it). The cluster is a `distributed.LocalCluster` of `--workers`
one-thread worker processes with a 2 GiB memory limit each; a worker's peak memory is its
process's maximum resident set (getrusage). Lattice options: alpha 0.95, k 10, level 3,
min_support 50 (as bench/core's scale section). Both engines must give the same top slices;
the script checks it and says so.

The ``analyze`` section runs the whole of ``weakspot analyze`` on a folder of Parquet files
(random metadata, errors planted in ``f0 == 1 and site == b``), once with the local engine and
once with ``--engine dask --scheduler`` on a cluster of separate processes, each analysis in its
own process so that its peak memory (the client's, for the cluster) is its own; it checks that
both write the same ``analysis.json``.

The ``embed`` section runs the image features with the default backbone (EfficientNet-Lite0,
onnxruntime) on a cluster started as separate processes, ``dask scheduler`` and ``dask worker
--nthreads 1 --no-nanny`` (tests/scale/cluster.py), so that each worker opens its own
onnxruntime session from the exported file, as on real machines.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from weakspot.engine import DaskEngine, NumpyEngine  # noqa: E402
from weakspot.engine._numpy import NumpyRows, count_cells_numpy  # noqa: E402
from weakspot.features.images._fit_size import cpu_count, thread_split  # noqa: E402
from weakspot.report._whole_text import whole_sentence  # noqa: E402
from weakspot.slices import lattice_search  # noqa: E402

DOMAIN = 5
BLOCK_ROWS = 1_000_000
SLICELINE_PAPER = "SliceLine paper (SIGMOD 2021), USCensus 2.5M x 68, level 3: 389 s on 112 vcores"


def block(seed: int, index: int, rows: int, features: int) -> tuple[np.ndarray, np.ndarray]:
    """Codes (rows, features) uint8 and planted 0/1 errors (rows,) of one block."""
    rng = np.random.default_rng([seed, index])
    codes = rng.integers(0, DOMAIN, (rows, features), dtype=np.uint8)
    inside = (codes[:, 0] == 1) & (codes[:, 1] == 2)
    errors = (rng.random(rows) < np.where(inside, 0.35, 0.05)).astype(float)
    return codes, errors


def _sizes(n: int, workers: int) -> list[int]:
    """Block sizes of at most BLOCK_ROWS rows, a multiple of `workers` blocks (even load)."""
    count = workers * -(-n // (workers * BLOCK_ROWS))
    edges = np.linspace(0, n, count + 1).round().astype(int)
    return [int(b - a) for a, b in zip(edges[:-1], edges[1:])]


def local_table(n: int, features: int, workers: int, seed: int = 0):
    parts = [block(seed, i, r, features) for i, r in enumerate(_sizes(n, workers))]
    return np.vstack([c for c, _ in parts]), np.concatenate([e for _, e in parts])


def cluster_table(n: int, features: int, workers: int, seed: int = 0):
    """The same table as dask arrays whose blocks are made on the workers."""
    import dask
    import dask.array as da

    codes, errors = [], []
    for i, rows in enumerate(_sizes(n, workers)):
        pair = dask.delayed(block, nout=2, pure=True)(seed, i, rows, features)
        codes.append(da.from_delayed(pair[0], (rows, features), np.uint8))
        errors.append(da.from_delayed(pair[1], (rows,), float))
    return da.concatenate(codes), da.concatenate(errors)


def peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def _search(codes, errors, level: int, engine):
    return lattice_search(
        codes,
        errors,
        alpha=0.95,
        k=10,
        max_level=level,
        min_support=50,
        domains=np.full(_width(codes), DOMAIN),
        engine=engine,
    )


def bench_lattice(args) -> None:
    n, p = int(float(args.rows)), args.features
    print(f"## Lattice search, {n:,} rows x {p} features, level {args.level}\n")
    print("| engine | time | peak memory | top slice | slices evaluated |\n|---|---|---|---|---|")
    local = None
    if args.local:
        t0 = time.perf_counter()
        codes, errors = local_table(n, p, args.workers)
        made = time.perf_counter() - t0
        t0 = time.perf_counter()
        local = _search(codes, errors, args.level, NumpyEngine())
        took = time.perf_counter() - t0
        del codes, errors
        print(
            f"| numpy, this process | {took:.1f} s (+{made:.1f} s making the table) | "
            f"{peak_gib():.2f} GiB (process) | {_top(local)} | {len(local.evaluated_sizes)} |"
        )
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            memory_limit="2GiB",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        engine = DaskEngine(client)
        t0 = time.perf_counter()
        codes, errors = cluster_table(n, p, args.workers)
        rows = engine.put_rows(codes, errors)  # made and summarised on the workers
        made = time.perf_counter() - t0
        t0 = time.perf_counter()
        remote = _search(rows, None, args.level, engine)
        took = time.perf_counter() - t0
        peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20)
        peak = ", ".join(f"{v:.2f}" for v in peaks.values())
        print(
            f"| dask, {args.workers} workers x 1 thread | {took:.1f} s (+{made:.1f} s making "
            f"the table on the workers) | {peak} GiB (each worker) | {_top(remote)} | "
            f"{len(remote.evaluated_sizes)} |"
        )
    if local is not None:
        same = all(
            np.array_equal(getattr(local, f), getattr(remote, f))
            for f in ("top_items", "top_scores", "evaluated_items", "evaluated_sizes")
        )
        print(f"\nSame top slices, scores and evaluated family on both engines: {same}")
    if p == 68:
        print(f"\nFor reference (not measured here): {SLICELINE_PAPER}.")


def _width(codes) -> int:
    return codes.n_features if hasattr(codes, "n_features") else codes.shape[1]


def _top(result) -> str:
    pairs = result.item_to_feature_bin(result.top_items[0])
    return " and ".join(f"f{f} = {b}" for f, b in pairs)


def bench_partition(args) -> None:
    """Seconds per million rows and feature combination of the counting step on one partition."""
    codes, errors = block(0, 0, BLOCK_ROWS, 20)
    rows = NumpyRows.of(codes, errors)
    domains = np.full(20, DOMAIN)
    print("## Per-partition cost of count_cells (1,000,000 rows x 20 features, one thread)\n")
    print("| combinations | width | time | per combination per million rows |\n|---|---|---|---|")
    for width, combos in (
        (1, np.arange(20)[:, None]),
        (2, np.array([[i, j] for i in range(20) for j in range(i + 1, 20)])),
        (3, np.array([[0, i, j] for i in range(1, 20) for j in range(i + 1, 20)])),
    ):
        cells = [np.arange(DOMAIN**width) for _ in combos]
        t0 = time.perf_counter()
        count_cells_numpy(rows.codes, rows.errors, rows.binary, combos, domains, cells)
        took = time.perf_counter() - t0
        print(f"| {len(combos)} | {width} | {took:.2f} s | {1e3 * took / len(combos):.1f} ms |")


def bench_images(args) -> None:
    from distributed import Client, LocalCluster
    from PIL import Image

    from weakspot.features.images import extract_image_features

    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    paths = []
    for i in range(args.n):
        path = folder / f"{i:06d}.png"
        if not path.exists():
            Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8)).save(path)
        paths.append(str(path))
    print(f"## Image features (properties and flags, --embed none), {args.n:,} PNG files 28x28\n")
    print("| engine | time | images/s |\n|---|---|---|")
    t0 = time.perf_counter()
    local = extract_image_features(paths, embed=None, batch_size=256, n_jobs=args.workers)
    took = time.perf_counter() - t0
    print(f"| numpy, {args.workers} threads | {took:.1f} s | {args.n / took:,.0f} |")
    with (
        LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            memory_limit="2GiB",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        t0 = time.perf_counter()
        remote = extract_image_features(
            paths, embed=None, batch_size=256, engine=DaskEngine(client)
        )
        took = time.perf_counter() - t0
    print(f"| dask, {args.workers} workers x 1 thread | {took:.1f} s | {args.n / took:,.0f} |")
    print(f"\nSame properties on both engines: {remote.properties.equals(local.properties)}")


def _jpegs(folder: Path, n: int, side: int) -> list[str]:
    """`n` JPEG files of `side` x `side` smooth colour noise (made once, then reused)."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"{i:06d}.jpg"
        if not path.exists():
            rng = np.random.default_rng([1, i])
            small = Image.fromarray(rng.integers(0, 256, (12, 12, 3), dtype=np.uint8))
            pixels = np.asarray(small.resize((side, side), Image.Resampling.BILINEAR), float)
            pixels += rng.normal(0, 12, pixels.shape)
            Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(path, quality=90)
        paths.append(str(path))
    return paths


def _load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def bench_embed(args) -> None:
    """Properties, flags, embeddings and concepts of N files: this process vs the cluster."""
    import tempfile

    from distributed import Client

    from tests.scale.cluster import LocalDaskCluster
    from weakspot.features.images import EfficientNetLite0, extract_image_features

    paths = _jpegs(Path(args.folder), args.n, args.side)
    EfficientNetLite0(input_size=args.embed_size)  # the one-off export is not timed
    options = {"embed_size": args.embed_size, "batch_size": args.batch_size}
    print(
        f"## Image features with embeddings (EfficientNet-Lite0 at {args.embed_size} px, "
        f"onnxruntime), {args.n:,} JPEG files {args.side}x{args.side}\n"
    )
    print("| engine | time | images/s | load before -> after |\n|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        before = _load()
        t0 = time.perf_counter()
        local = extract_image_features(paths, cache_dir=Path(tmp) / "local", **options)
        took = time.perf_counter() - t0
        decode, threads = thread_split(None, embeds=True, cores=cpu_count())
        print(
            f"| numpy, this process ({decode} decode thread(s) + {threads} onnxruntime "
            f"thread(s)) | {took:.1f} s | {args.n / took:,.0f} | {before} -> {_load()} |"
        )
        cluster = LocalDaskCluster(Path(tmp), n_workers=args.workers)
        try:
            with Client(cluster.address, timeout=60) as client:
                client.wait_for_workers(args.workers, timeout=60)
                engine = DaskEngine(client)
                runs = []
                for label, cache in (
                    ("", "remote"),
                    (", again into a new cache (sessions open)", "remote2"),
                    (", rerun from the shared cache", "remote"),
                ):
                    before = _load()
                    t0 = time.perf_counter()
                    runs.append(
                        extract_image_features(
                            paths, cache_dir=Path(tmp) / cache, engine=engine, **options
                        )
                    )
                    took = time.perf_counter() - t0
                    print(
                        f"| dask, {args.workers} worker processes x 1 thread{label} | "
                        f"{took:.1f} s | {args.n / took:,.0f} | {before} -> {_load()} |"
                    )
        finally:
            cluster.close()
    remote, _, rerun = runs
    assert local.embeddings is not None and remote.embeddings is not None
    gap = float(np.max(np.abs(local.embeddings - remote.embeddings)))
    same = (
        remote.properties.equals(local.properties)
        and remote.flags.equals(local.flags)
        and remote.concepts is not None
        and remote.concepts["concept"].equals(local.concepts["concept"])
    )
    print(
        f"\nSame properties, flags and concepts on both engines: {same}; largest embedding "
        f"difference {gap:.1e}; images read from the cache on the rerun: {rerun.n_cached:,}"
    )


def write_predictions(folder: Path, n: int, parts: int, seed: int = 0) -> None:
    """A predictions table of `n` rows in `parts` Parquet files: ten coded columns f0-f9,
    a site, an age, a binary label and prediction wrong 35% of the time where ``f0 == 1 and
    site == b`` and 5% elsewhere."""
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    for part, rows in enumerate(_sizes(n, parts)):
        rng = np.random.default_rng([seed, part])
        table = pd.DataFrame({f"f{j}": rng.integers(0, 5, rows) for j in range(10)})
        table["site"] = rng.choice(list("abcd"), rows)
        table["age"] = rng.normal(40, 10, rows).round(1)
        label = rng.integers(0, 2, rows)
        inside = ((table["f0"] == 1) & (table["site"] == "b")).to_numpy()
        wrong = rng.random(rows) < np.where(inside, 0.35, 0.05)
        table["label"], table["prediction"] = label, np.where(wrong, 1 - label, label)
        table["id"] = [f"p{part}-{i}" for i in range(rows)]
        table.to_parquet(folder / f"part-{part:04d}.parquet")


def _analyze_in_child(folder: Path, out: Path, extra: list[str]) -> dict:
    """``weakspot analyze`` in a child process: wall time, its peak memory, its stage times."""
    import json
    import subprocess

    command = [str(Path(sys.executable).with_name("weakspot")), "analyze", str(folder)]
    t0 = time.perf_counter()
    proc = subprocess.Popen([*command, "--out", str(out), "-q", *extra], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - t0
    if status != 0:
        raise SystemExit(f"weakspot analyze failed (status {status}): {' '.join(command)}")
    timing = json.loads((out / "run.json").read_text())["timing"]
    return {"seconds": took, "peak_gib": usage.ru_maxrss / 2**20, "stages": timing}


def bench_analyze(args) -> None:
    """The whole `weakspot analyze` on a Parquet folder: local engine vs a cluster; with
    ``--sample N`` also both engines on a sample of N rows (``--no-whole``: only those)."""
    import json
    import tempfile

    from tests.scale.cluster import LocalDaskCluster

    n = int(float(args.rows))
    variants = [[]] if args.sample is None else [["--sample", str(int(float(args.sample)))]]
    if args.sample is not None and args.whole:
        variants.insert(0, [])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "preds"
        write_predictions(folder, n, max(2, -(-n // 500_000)))
        runs, docs, same = {}, {}, {}
        before = _load()
        cluster = LocalDaskCluster(Path(tmp), n_workers=args.workers, memory_limit="4GiB")
        try:
            for k, extra in enumerate(variants):
                what = f", sample of {int(float(args.sample)):,}" if extra else ""
                local, remote = Path(tmp) / f"local{k}", Path(tmp) / f"cluster{k}"
                runs[f"numpy, its own process{what}"] = _analyze_in_child(folder, local, extra)
                label = f"dask, {args.workers} worker processes x 1 thread (client){what}"
                on_cluster = ["--engine", "dask", "--scheduler", cluster.address, *extra]
                runs[label] = _analyze_in_child(folder, remote, on_cluster)
                pair = [json.loads((d / "analysis.json").read_text()) for d in (local, remote)]
                for doc in pair:  # how the run was made differs by design
                    doc["config"].pop("run", None)
                docs[what], same[what] = pair[0], pair[0] == pair[1]
        finally:
            cluster.close()
    print(
        f"## `weakspot analyze` on {n:,} rows x 12 columns in Parquet (load {before} -> {_load()})\n"
    )
    stages = list(dict.fromkeys(s["stage"] for run in runs.values() for s in run["stages"]))
    print("| engine | time | peak memory | " + " | ".join(stages) + " |")
    print("|---" * (3 + len(stages)) + "|")
    for label, run in runs.items():
        seconds = {s["stage"]: s["seconds"] for s in run["stages"]}
        cells = " | ".join(f"{seconds[s]:.1f} s" if s in seconds else "-" for s in stages)
        print(f"| {label} | {run['seconds']:.1f} s | {run['peak_gib']:.2f} GiB | {cells} |")
    for what, doc in docs.items():
        titles = [m["title"] for m in doc["failure_modes"]]
        print(f"\n{what.strip(', ') or 'whole table'}: same analysis.json on both engines: "
              f"{same[what]}; {doc['dataset']['n_examples']:,} rows analysed; failure modes: "
              f"{titles}")  # fmt: skip
        for mode in doc["failure_modes"]:
            figures = f"{mode['size']:,} rows, {mode['error_rate']:.2%} fail"
            whole = whole_sentence(mode.get("whole"))  # a sample's mode, counted on every row
            print(
                f"- {mode['id']} in the analysed rows: {figures}" + (f"; {whole}" if whole else "")
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    lat = sub.add_parser("lattice")
    lat.add_argument("--rows", default="5e6")
    lat.add_argument("--features", type=int, default=20)
    lat.add_argument("--level", type=int, default=3)
    lat.add_argument("--workers", type=int, default=2)
    lat.add_argument("--no-local", dest="local", action="store_false")
    sub.add_parser("partition")
    img = sub.add_parser("images")
    img.add_argument("--n", type=int, default=20000)
    img.add_argument("--workers", type=int, default=2)
    img.add_argument("--folder", default="/tmp/weakspot-bench-images")
    emb = sub.add_parser("embed")
    emb.add_argument("--n", type=int, default=2000)
    emb.add_argument("--side", type=int, default=160)
    emb.add_argument("--embed-size", type=int, default=160)
    emb.add_argument("--batch-size", type=int, default=64)
    emb.add_argument("--workers", type=int, default=2)
    emb.add_argument("--folder", default="/tmp/weakspot-bench-embed")
    ana = sub.add_parser("analyze")
    ana.add_argument("--rows", default="1e6")
    ana.add_argument("--workers", type=int, default=2)
    ana.add_argument("--sample", default=None, help="also analyse a sample of N rows")
    ana.add_argument("--no-whole", dest="whole", action="store_false", help="with --sample")
    args = parser.parse_args()
    sections = {
        "analyze": bench_analyze,
        "lattice": bench_lattice,
        "partition": bench_partition,
        "images": bench_images,
        "embed": bench_embed,
    }
    sections[args.what](args)


if __name__ == "__main__":
    main()
