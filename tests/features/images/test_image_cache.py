"""The feature cache: a second run computes nothing, and a killed run resumes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from weakspot.features.images import extract_image_features
from weakspot.features.images._cache import (
    DEFAULT_MAX_MB,
    FeatureCache,
    cache_limit_bytes,
    evict_lru,
)
from weakspot.features.images._extract import _config


def _write(folder: Path, images: np.ndarray) -> list[str]:
    folder.mkdir(exist_ok=True)
    paths = []
    for i, img in enumerate(images):
        path = folder / f"{i:05d}.png"
        Image.fromarray(img).save(path)
        paths.append(str(path))
    return paths


def test_second_run_computes_nothing_and_matches(tmp_path, fashion):
    paths = _write(tmp_path / "img", fashion[0][:150])
    first = extract_image_features(paths, embed=None, cache_dir=tmp_path / "c", batch_size=32)
    second = extract_image_features(paths, embed=None, cache_dir=tmp_path / "c", batch_size=32)
    assert (first.n_cached, second.n_cached) == (0, 150)
    np.testing.assert_array_equal(first.properties.to_numpy(), second.properties.to_numpy())
    assert first.flags.equals(second.flags)
    # Content, not path, is the key: a renamed copy is still served from the cache.
    moved = tmp_path / "moved.png"
    Path(paths[0]).rename(moved)
    third = extract_image_features([str(moved)], embed=None, cache_dir=tmp_path / "c")
    assert third.n_cached == 1


def test_cache_keys_on_array_content(tmp_path, fashion):
    images = fashion[0][:40].copy()
    extract_image_features(images, embed=None, cache_dir=tmp_path)
    images[0] = 255 - images[0]
    again = extract_image_features(images, embed=None, cache_dir=tmp_path)
    assert again.n_cached == 39


_CHILD = """
import sys, time
import numpy as np
from weakspot.features.images import extract_image_features
paths = sys.argv[2:]
def slow(done, total):
    print(done, flush=True)
    time.sleep(0.15)
extract_image_features(paths, embed=None, cache_dir=sys.argv[1], batch_size=10, progress=slow)
print("finished", flush=True)
"""


def test_run_killed_with_sigkill_resumes(tmp_path, fashion):
    paths = _write(tmp_path / "img", fashion[0][:200])
    cache = tmp_path / "cache"
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(_CHILD))
    child = subprocess.Popen(
        [sys.executable, str(script), str(cache), *paths],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert child.stdout is not None
    seen = 0
    deadline = time.monotonic() + 60
    while seen < 60 and time.monotonic() < deadline:
        seen = int(child.stdout.readline().strip() or 0)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    child.stdout.close()  # the pipe's reader, or it warns "unclosed file" when collected
    assert child.returncode == -signal.SIGKILL
    assert 60 <= seen < 200
    resumed = extract_image_features(paths, embed=None, cache_dir=cache, batch_size=10)
    assert resumed.n_cached >= seen
    assert resumed.n_cached < 200
    fresh = extract_image_features(paths, embed=None)
    np.testing.assert_allclose(
        resumed.properties.to_numpy(), fresh.properties.to_numpy(), equal_nan=True
    )
    assert extract_image_features(paths, embed=None, cache_dir=cache).n_cached == 200


def _chunks(root: Path) -> list[Path]:
    return sorted(root.glob("images-*/chunk-*.npz"))


def test_cache_is_on_by_default_in_the_user_cache_folder(_private_cache, fashion):
    images = fashion[0][:50]
    first = extract_image_features(images, embed=None, batch_size=20)
    assert first.n_cached == 0 and len(_chunks(_private_cache)) == 3
    assert extract_image_features(images, embed=None).n_cached == 50


def test_cache_false_neither_reads_nor_writes(_private_cache, fashion):
    images = fashion[0][:30]
    extract_image_features(images, embed=None)
    before = _chunks(_private_cache)
    off = extract_image_features(images, embed=None, cache=False)
    assert off.n_cached == 0 and _chunks(_private_cache) == before
    extract_image_features(fashion[0][30:60], embed=None, cache=False)
    assert _chunks(_private_cache) == before


def test_least_recently_used_files_are_evicted_first(tmp_path, fashion):
    root = tmp_path / "c"
    files: dict[int, Path] = {}
    for age, start in enumerate((0, 20, 40)):  # three runs, one chunk file each, oldest first
        extract_image_features(fashion[0][start : start + 20], embed=None, cache_dir=root)
        (path,) = [p for p in _chunks(root) if p not in files.values()]
        os.utime(path, (1_000_000 + age, 1_000_000 + age))
        files[start] = path
    # reading the oldest run again marks its file as used
    assert extract_image_features(fashion[0][:20], embed=None, cache_dir=root).n_cached == 20
    size = files[0].stat().st_size
    assert evict_lru(root, max_bytes=2 * size + size // 2) == 1
    assert not files[20].exists() and files[0].exists() and files[40].exists()
    assert evict_lru(root, max_bytes=0) == 2 and _chunks(root) == []


def test_size_limit_comes_from_the_environment(monkeypatch, _private_cache, fashion):
    monkeypatch.setenv("WEAKSPOT_CACHE_MAX_MB", "0")
    extract_image_features(fashion[0][:20], embed=None)
    assert _chunks(_private_cache) == []  # everything beyond 0 MiB is evicted after the run
    monkeypatch.setenv("WEAKSPOT_CACHE_MAX_MB", "a lot")
    assert cache_limit_bytes() == int(DEFAULT_MAX_MB * 1024 * 1024)


def test_a_file_evicted_under_a_running_index_is_computed_again(tmp_path, fashion):
    root = tmp_path / "c"
    images = fashion[0][:20]
    reference = extract_image_features(images, embed=None, cache_dir=root)
    cache = FeatureCache(root, _config(None))
    key = next(iter(cache.index_))
    for path in _chunks(root):
        path.unlink()
    assert cache.get(key) is None
    again = extract_image_features(images, embed=None, cache_dir=root)
    assert again.n_cached == 0
    np.testing.assert_array_equal(again.properties.to_numpy(), reference.properties.to_numpy())


def _open_files_under(root: Path) -> list[str]:
    """Files under `root` this process holds open (Linux's /proc)."""
    links = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            links.append(os.readlink(f"/proc/self/fd/{fd}"))
    return [link for link in links if link.startswith(str(root))]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux's /proc")
def test_a_garbled_chunk_is_computed_again_and_its_file_closed(tmp_path, fashion):
    root = tmp_path / "c"
    images = fashion[0][:20]
    reference = extract_image_features(images, embed=None, cache_dir=root)
    for path in _chunks(root):
        data = path.read_bytes()  # the zip's magic kept, its directory garbled
        path.write_bytes(data[:4] + bytes(200) + data[-40:])
    again = extract_image_features(images, embed=None, cache_dir=root)
    assert again.n_cached == 0
    np.testing.assert_array_equal(again.properties.to_numpy(), reference.properties.to_numpy())
    # a handle left open warns "unclosed file" whenever it is collected (for the command
    # line, as the run ends); none may be left, whatever still refers to the error
    assert _open_files_under(root) == []


def test_a_retried_cluster_task_reads_what_its_lost_try_wrote(tmp_path, fashion):
    import pickle

    from weakspot.features.images._extract import _ChunkWork, _Source

    paths = _write(tmp_path / "img", fashion[0][:12])
    store = FeatureCache(tmp_path / "c", _config(None))
    work = _ChunkWork(_Source.of(paths), store, None)
    shipped = pickle.dumps(work.to_workers())
    assert str(paths[0]).encode() not in shipped  # each task carries its own chunk's paths
    task = pickle.dumps(work.pack(range(4, 12)))
    assert str(paths[4]).encode() in task and str(paths[3]).encode() not in task
    first = pickle.loads(shipped)(pickle.loads(task))  # a worker that wrote its chunk, then died
    assert first.stored and len(first.fresh) == 8 and first.nets == []
    retry = pickle.loads(shipped)(pickle.loads(task))  # the scheduler's retry, same state
    assert retry.fresh == [] and [it.index for it in retry.items] == list(range(4, 12))
    assert all(it.cached is not None and it.decoded is None for it in retry.items)
    cached = np.stack([it.cached["properties"] for it in retry.items])
    np.testing.assert_array_equal(cached, first.rows["properties"])
    # a chunk of other images is not taken for it
    assert not store.adopt([str(it.key) for it in first.items[:3]])
