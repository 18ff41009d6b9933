"""The features stage: every column a slice may be defined by, in one `FeatureTable`.

Metadata and the true label come from the table; images add interpretable properties, quality
flags and a concept tag; embeddings ride along for the embedding-space finders. The columns are
binned once here, so every finder and every metric sees the same bins.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from weakspot._errors import MissingDependency
from weakspot.features._binning import BinnedFeatures, bin_features
from weakspot.inputs import Inputs
from weakspot.tasks import ClassificationOutcomes

if TYPE_CHECKING:  # the image stage is imported only when there are images
    from weakspot.features.images import PropertyDescriptor

logger = logging.getLogger("weakspot")

#: What a column is, in the order a person can act on it (failure-mode titles use this).
KINDS = ("label", "metadata", "flag", "property", "concept")


@dataclass(frozen=True)
class ImageOptions:
    """How images become features (see `weakspot.analyze` for each option)."""

    embed: Any = "efficientnet"
    layer: str | None = None
    concepts: bool = True
    cache_dir: Any = None
    max_failed_share: float = 0.2
    cache: bool = True
    embed_size: Any = "auto"


@dataclass(frozen=True, eq=False)
class FeatureTable:
    """Every slicing feature of an analysis, raw and binned, with what a person needs to read it.

    Attributes
    ----------
    columns : DataFrame, shape (n, f)
        The slicing features before binning: the label, metadata, image properties, flags and
        concepts; constant columns are left out.
    binned : BinnedFeatures
        The same columns as bin codes, shape (n, f).
    info : mapping of str to (str, str)
        Column -> (human name, unit), for image-derived columns.
    kinds : mapping of str to str
        Column -> one of `KINDS`.
    descriptors : mapping of str to PropertyDescriptor
        Image property and flag column -> what it means to the later stages (declared by its
        extractor; see `weakspot.features.images.PropertyDescriptor`), under the column's
        name in this table (``image_brightness`` when a metadata column took ``brightness``);
        constant columns, left out of `columns`, keep theirs.
    embeddings : ndarray of float32, shape (n, d), or None
    skipped : list of dict
        Images that could not be read: ``{index, path, reason}``.
    unread : ndarray of bool, shape (n,)
        The rows of `skipped` (an image that could not be read, or that the path rule
        refused): they have no image features (their properties are missing, their flags
        False) and their embedding, even one the caller gave, is not used. This is the one
        definition of which rows have features; every later stage (finders, diagnoses, actions,
        pictures) leaves these rows out of what it computes from images or embeddings.
    """

    columns: pd.DataFrame
    binned: BinnedFeatures
    info: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    kinds: Mapping[str, str] = field(default_factory=dict)
    embeddings: np.ndarray | None = None
    skipped: list[dict[str, Any]] = field(default_factory=list)
    descriptors: Mapping[str, PropertyDescriptor] = field(default_factory=dict)
    unread: np.ndarray = field(default=None)  # type: ignore[arg-type]  # filled in __post_init__

    def __post_init__(self) -> None:
        if self.unread is None:  # a table made without an image stage: every row was read
            object.__setattr__(self, "unread", unread_mask(len(self.columns), self.skipped))

    @property
    def readable(self) -> np.ndarray:
        """Rows that have every feature, shape (n,) bool: ``~unread``."""
        return ~self.unread


def unread_mask(n: int, skipped: list[dict[str, Any]]) -> np.ndarray:
    """The rows listed in `skipped` (``{index, ...}``), as a bool mask of shape (n,)."""
    unread = np.zeros(n, dtype=bool)
    unread[np.array([int(s["index"]) for s in skipped], dtype=np.int64)] = True
    return unread


def build_features(
    inputs: Inputs,
    *,
    images: ImageOptions,
    n_bins: int = 5,
    progress: Callable[[int, int], None] | None = None,
    engine: Any = None,
) -> FeatureTable:
    """The `FeatureTable` of the inputs: table columns, image features, bins.

    `engine` (see `weakspot.engine`) runs the image chunks and the bins' quantiles.

    A metadata column keeps its name when an image feature has the same one; the image's gets
    an ``image_`` prefix.
    """
    examples = inputs.examples
    columns = slicing_features(examples.outcomes.target_feature(), examples.metadata)
    kinds = {c: "label" if c == "label" else "metadata" for c in columns.columns}
    info: dict[str, tuple[str, str]] = {}
    descriptors: dict[str, PropertyDescriptor] = {}
    skipped: list[dict[str, Any]] = []
    embeddings = inputs.embeddings
    if inputs.images is not None:
        extracted = _extract_images(inputs, images, progress, engine)
        image_columns, image_kinds = _image_columns(extracted)
        clash = {c: f"image_{c}" for c in image_columns.columns if c in columns.columns}
        columns = pd.concat([columns, image_columns.rename(columns=clash)], axis=1)
        kinds.update({clash.get(c, c): kind for c, kind in image_kinds.items()})
        info = {clash.get(k, k): v for k, v in extracted.columns.items()}
        descriptors = {clash.get(k, k): v for k, v in extracted.descriptors.items()}
        skipped = extracted.skipped
        embeddings = extracted.embeddings
    columns = drop_constant(columns)
    return FeatureTable(
        columns=columns,
        binned=bin_features(columns, n_bins=n_bins, engine=engine),
        info=info,
        kinds={c: kinds[c] for c in columns.columns},
        embeddings=embeddings,
        skipped=skipped,
        descriptors=descriptors,
        unread=unread_mask(len(examples), skipped),
    )


def slicing_features(labels: np.ndarray | None, metadata: pd.DataFrame) -> pd.DataFrame:
    """Metadata plus the true label (a class, or a regressor's true value; none for a task
    without a one-column target); never the prediction too.

    Slicing on the label and the prediction together yields confusion-matrix cells whose error
    rate is 1 by construction; per-class confusions are in the metrics instead.
    """
    # shallow: the columns stay the metadata's own arrays, not a second copy of every one
    # (0.5 GB at 5,000,000 rows x 12 columns); inserting the label changes this frame only
    features = metadata.copy(deep=False)
    if labels is None:
        return features
    features.insert(0, "label", labels)
    if "label" in metadata.columns:
        features = features.loc[:, ~features.columns.duplicated()]
    return features


def drop_constant(features: pd.DataFrame) -> pd.DataFrame:
    """Columns with one value everywhere cannot tell a slice apart; leave them out."""
    varying = [c for c in features.columns if features[c].nunique(dropna=False) > 1]
    return features[varying]


def _extract_images(inputs: Inputs, options: ImageOptions, progress, engine):
    """Image features; without torch the default backbone is skipped, not the analysis."""
    from weakspot.features._image_rows import extract_allowed
    from weakspot.features.images import extract_image_features

    images = inputs.images
    assert images is not None, "only called when there are images"

    def run(embed, concepts):
        def extract(paths, **rows):
            return extract_image_features(
                paths,
                embed=embed,
                layer=options.layer,
                concepts=concepts,
                cache_dir=options.cache_dir,
                cache=options.cache,
                embed_size=options.embed_size,
                progress=progress,
                engine=engine,
                **rows,
            )

        # a classifier's flag thresholds are set per class; a task without classes has one
        outcomes = inputs.examples.outcomes
        labels = outcomes.labels if isinstance(outcomes, ClassificationOutcomes) else None
        share = options.max_failed_share
        if not inputs.refused:  # an array, Python paths, or table paths all allowed
            return extract(
                images, labels=labels, embeddings=inputs.embeddings, max_failed_share=share
            )
        # rows the path rule refused are never opened; they come back as skipped
        return extract_allowed(
            extract,
            list(images),
            inputs.refused,
            labels=labels,
            embeddings=inputs.embeddings,
            max_failed_share=share,
        )

    try:
        return run(options.embed, options.concepts)
    except MissingDependency:
        if options.embed != "efficientnet" or inputs.embeddings is not None:
            raise
        logger.warning(
            "torch is not installed: image embeddings and concept tags are skipped "
            "(pip install 'weakspot[torch]' to add them)."
        )
        return run(None, False)


def _image_columns(extracted) -> tuple[pd.DataFrame, dict[str, str]]:
    """The slicing columns of extracted image features, and each one's kind."""
    parts = [extracted.properties, extracted.flags]
    kinds = {c: "property" for c in extracted.properties.columns}
    kinds.update({c: "flag" for c in extracted.flags.columns})
    if extracted.concepts is not None:
        concepts = extracted.concepts.drop(columns=["concept_score"], errors="ignore")
        parts.append(concepts)
        kinds.update({c: "concept" for c in concepts.columns})
    return pd.concat(parts, axis=1), kinds
