"""The default backbone's input size fitted to the images, and the CPUs a run may use.

`thread_split` shares the CPUs between the decoding workers and the backbone's threads.

Small images (Fashion-MNIST's 28 px, CIFAR's 32 px) carry no detail that a 224 px input would
show. Upscaled to 160 px rather than 224 px, their 10 nearest neighbours share their label as
often to within 1.1 points (Fashion-MNIST 0.763 vs 0.774; scikit-learn's 8 px digits 0.803 vs
0.777), and they embed about twice as fast; at 128 px Fashion-MNIST loses 2.1 points. Measured by
``bench/images/bench_embed_size.py`` (docs/images.md). Larger images keep the training size.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from PIL import Image

from weakspot._errors import InputError

DEFAULT_INPUT = 224
SMALL_INPUT = 160
SMALL_SIDE = 64  # images whose long side is at most this many pixels count as small
_SAMPLE = 16


def cpu_count() -> int:
    """CPUs this process may run on (its affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def thread_split(n_jobs: int | None, *, embeds: bool, cores: int) -> tuple[int, int]:
    """Decoding workers and backbone threads for a run on `cores` CPUs.

    An explicit `n_jobs` is used for both, as given (the backbone's threads capped at `cores`).
    Without one, a run that embeds gives the backbone every CPU but ``max(1, cores // 8)``,
    which decode: on one thread the forward of a 160 px Fashion-MNIST input costs about 20 times
    its decoding (docs/images.md), and onnxruntime's threads meet at a barrier
    after every operator, so one thread of theirs that a decoding worker preempts stalls them
    all. A run that does not embed decodes on every CPU.

    Returns
    -------
    (decode_workers, backbone_threads) : tuple of int, each >= 1
        Without `n_jobs` and with `embeds`, they sum to `cores` (when ``cores >= 2``).
    """
    cores = max(1, cores)
    if n_jobs is not None:
        return n_jobs, max(1, min(n_jobs, cores))
    if not embeds:
        return cores, cores
    decode = max(1, cores // 8)
    return decode, max(1, cores - decode)


def fitted_input_size(source: Any, embed_size: int | str) -> int:
    """The input side for the default backbone.

    Parameters
    ----------
    source : object with ``paths`` (list of str or None) and ``array`` (ndarray or None)
        The images, as `extract_image_features` holds them.
    embed_size : "auto" or int
        "auto": `SMALL_INPUT` when the median long side of up to 16 evenly spaced images is at
        most `SMALL_SIDE` pixels, else `DEFAULT_INPUT`. An int (a multiple of 32 from 32 to
        1024) is taken as it is.
    """
    if embed_size != "auto":
        if (
            isinstance(embed_size, bool)
            or not isinstance(embed_size, int | np.integer)
            or not 32 <= embed_size <= 1024
            or embed_size % 32
        ):
            raise InputError(
                f"embed_size must be 'auto' or a multiple of 32 from 32 to 1024 (the "
                f"backbone halves the input five times); got {embed_size!r}. Try 224 or 128."
            )
        return int(embed_size)
    sides = _long_sides(source)
    if sides and float(np.median(sides)) <= SMALL_SIDE:
        return SMALL_INPUT
    return DEFAULT_INPUT


def _long_sides(source: Any) -> list[int]:
    """Long sides of a few evenly spaced images; unreadable files are left out."""
    if source.array is not None:
        return [int(max(source.array.shape[1:3]))]
    paths = source.paths
    picks = np.unique(np.linspace(0, len(paths) - 1, min(_SAMPLE, len(paths))).astype(int))
    sides = []
    for i in picks:
        try:
            with Image.open(paths[i]) as im:  # reads the header only
                sides.append(max(im.size))
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            continue
    return sides
