"""The feature cache: a second run computes nothing, and a killed run resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
from PIL import Image

from weakspot.features.images import extract_image_features


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
