"""The default backbone's input size fitted to the images, or forced."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from weakspot._errors import InputError
from weakspot.features.images._fit_size import (
    DEFAULT_INPUT,
    SMALL_INPUT,
    cpu_count,
    fitted_input_size,
    thread_split,
)


class _Source:
    def __init__(self, paths=None, array=None):
        self.paths, self.array = paths, array


def _files(folder, side: int, n: int = 5) -> list[str]:
    paths = []
    for i in range(n):
        path = folder / f"{i}.png"
        Image.fromarray(np.full((side, side), 9 * i, np.uint8)).save(path)
        paths.append(str(path))
    return paths


def test_small_images_get_the_small_input_and_large_ones_the_default(tmp_path):
    assert fitted_input_size(_Source(array=np.zeros((3, 28, 28), np.uint8)), "auto") == SMALL_INPUT
    assert fitted_input_size(_Source(array=np.zeros((2, 100, 90, 3), np.uint8)), "auto") == 224
    (tmp_path / "s").mkdir()
    (tmp_path / "l").mkdir()
    assert fitted_input_size(_Source(paths=_files(tmp_path / "s", 32)), "auto") == SMALL_INPUT
    assert fitted_input_size(_Source(paths=_files(tmp_path / "l", 200)), "auto") == DEFAULT_INPUT
    assert SMALL_INPUT < DEFAULT_INPUT == 224


def test_unreadable_files_do_not_decide_and_none_readable_keeps_the_default(tmp_path):
    (tmp_path / "s").mkdir()
    paths = _files(tmp_path / "s", 28, n=2) + [str(tmp_path / "missing.png")]
    assert fitted_input_size(_Source(paths=paths), "auto") == SMALL_INPUT
    assert fitted_input_size(_Source(paths=[str(tmp_path / "missing.png")]), "auto") == 224


@pytest.mark.parametrize("size", [32, 128, 224, 320])
def test_a_forced_size_is_kept(size):
    assert fitted_input_size(_Source(array=np.zeros((1, 28, 28), np.uint8)), size) == size


@pytest.mark.parametrize("size", [100, 0, 2048, "big", True, 22.4])
def test_a_bad_size_is_refused_with_the_fix(size):
    with pytest.raises(InputError, match=r"embed_size must be 'auto' or a multiple of 32"):
        fitted_input_size(_Source(array=np.zeros((1, 28, 28), np.uint8)), size)


def test_cpu_count_is_at_least_one():
    assert 1 <= cpu_count() <= 4096


@pytest.mark.parametrize("cores", [2, 3, 4, 8, 16, 64])
def test_auto_threads_split_the_cores_between_decoding_and_the_backbone(cores):
    decode, backbone = thread_split(None, embeds=True, cores=cores)
    assert decode + backbone == cores
    assert decode == max(1, cores // 8) and backbone >= decode


def test_auto_threads_without_a_backbone_decode_on_every_core():
    assert thread_split(None, embeds=False, cores=2) == (2, 2)
    assert thread_split(None, embeds=True, cores=1) == (1, 1)  # one core: both share it


@pytest.mark.parametrize("n_jobs", [1, 2, 6])
def test_an_explicit_n_jobs_wins_over_the_split(n_jobs):
    assert thread_split(n_jobs, embeds=True, cores=4) == (n_jobs, min(n_jobs, 4))
    assert thread_split(n_jobs, embeds=False, cores=4) == (n_jobs, min(n_jobs, 4))
