"""`AnalysisOptions`: every option of `weakspot.analyze`, grouped by the stage that reads it.

`analyze` builds one record from its keyword arguments and calls `checked()` before any work,
so a wrong option is refused before a table is read or an image decoded; each stage then
receives its own typed group (`ColumnOptions` and `ReadOptions` for the inputs, `ImageOptions`
for the features, `SearchOptions` for the slices, `TrainingOptions` for the training split).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from weakspot._errors import InputError
from weakspot.features import ImageOptions
from weakspot.inputs import ColumnOptions, Inputs, ReadOptions, check_file_options, check_sample
from weakspot.slices import FINDERS, SearchOptions


@dataclass(frozen=True)
class TrainingOptions:
    """The training table, its images and precomputed embeddings (all optional)."""

    data: Any = None
    images: Any = None
    embeddings: Any = None

    def check(self) -> None:
        """Training images or embeddings without a training table are a mistake, not a no-op."""
        if self.data is None:
            for name, value in (
                ("train_images", self.images),
                ("train_embeddings", self.embeddings),
            ):
                if value is not None:
                    raise InputError(
                        f"{name}= was given without train=: give the training table too "
                        "(train=PATH or a DataFrame), or leave it out.",
                        parameter=name,
                    )


@dataclass(frozen=True)
class AnalysisOptions:
    """Every option of one analysis (see `weakspot.analyze` for each)."""

    columns: ColumnOptions = field(default_factory=ColumnOptions)
    reading: ReadOptions = field(default_factory=ReadOptions)
    images: ImageOptions = field(default_factory=ImageOptions)
    search: SearchOptions = field(default_factory=SearchOptions)
    training: TrainingOptions = field(default_factory=TrainingOptions)
    sensitive: tuple[str, ...] = ()
    n_bins: int = 5
    sample: int | None = None
    random_state: int = 0

    def checked(self) -> AnalysisOptions:
        """These options, validated, with the image cache's folder made; raises `InputError`
        naming the first wrong option and its fix."""
        if self.n_bins < 2:
            raise InputError(f"n_bins= must be at least 2, got {self.n_bins}.", parameter="n_bins")
        state = self.random_state
        if not isinstance(state, int | np.integer) or not 0 <= state < 2**32:
            raise InputError(
                f"random_state= must be an integer from 0 to 2**32 - 1, got {state!r}.",
                parameter="random_state",
            )
        self.search.check()
        self.columns.check()
        self.training.check()
        check_sample(self.sample)
        if any(not isinstance(name, str) for name in self.sensitive):
            raise InputError(
                f"sensitive= must be a list of column names, got {list(self.sensitive)!r}.",
                parameter="sensitive",
            )
        images = self.images
        cache_dir = check_file_options(images.cache_dir, images.embed, images.max_failed_share)
        return replace(self, images=replace(images, cache_dir=cache_dir))


def will_have_embeddings(inputs: Inputs, images: ImageOptions) -> bool:
    """Whether the feature stage will give these inputs embeddings: given ones, or images with
    a backbone that can run (the default one needs torch, else it is skipped with a warning)."""
    if inputs.embeddings is not None:
        return True
    if inputs.images is None or images.embed is None:
        return False
    return images.embed != "efficientnet" or importlib.util.find_spec("torch") is not None


def check_needs(search: SearchOptions, embeddings: bool) -> None:
    """A finder asked for by name whose needs the inputs do not meet is an error, not silence:
    checked after the inputs are read and before the image stage runs."""
    need = [m for m in search.methods or () if "embeddings" in FINDERS[m].needs]
    if need and not embeddings:
        raise InputError(
            f"methods= {need} search embedding space, but this analysis has no embeddings. "
            "Give images (with a backbone: embed='efficientnet' or an .onnx model) or "
            "embeddings= (an (n, d) array or .npy file), or choose among "
            f"{[m for m, cls in FINDERS.items() if not cls.needs]}.",
            parameter="methods",
        )
