"""`analyze`: run every stage on a predictions table and collect the result in `Analysis`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weakspot._errors import InputError, MissingDependency, missing_dependency
from weakspot._failures import failure_stage, training_split
from weakspot._version import __version__
from weakspot.features._binning import BinnedFeatures, bin_features
from weakspot.inputs._examples import Examples, build_examples, read_table
from weakspot.inputs._image_inputs import (
    check_image_array,
    resolve_image_paths,
    table_for_image_folder,
)
from weakspot.metrics._disaggregated import disaggregated_metrics, groups_frame
from weakspot.metrics._overview import overall_metrics
from weakspot.slices._base import FINDERS, SearchContext
from weakspot.slices._cutpoints import held_out_half, place_cutpoints
from weakspot.slices._refine import refine_slice
from weakspot.slices._select import select_slices
from weakspot.slices._slice import Slice

logger = logging.getLogger("weakspot")
DEFAULT_METHODS = ("lattice", "error_tree")
EMBEDDING_METHODS = ("domino", "failure_direction", "barlow")
N_SLICES_WITH_PICTURES = 10

Progress = Callable[..., None]


@dataclass
class Analysis:
    """Everything one analysis found. Serialises to ``analysis.json`` with `to_dict`.

    Attributes
    ----------
    examples : Examples
    binned : BinnedFeatures
    overall : dict
        See `weakspot.metrics.overall_metrics`.
    disaggregated : dict
        See `weakspot.metrics.disaggregated_metrics`.
    slices : list of Slice
        Reported slices, ranked.
    search : dict
        How many hypotheses were tested, proposed, significant and reported.
    config : dict
        The options the analysis ran with.
    notes : list of str
    skipped : list of dict
        Images that could not be read: ``{index, path, reason}``.
    feature_info : dict
        Feature name -> (human name, unit) for image-derived features.
    failure_modes : list of FailureMode
        Reported slices grouped by shared errors, with diagnoses (see docs/actions.md).
    actions : list of Action
        What to do, ranked by expected gain; `weakspot.report.write_results` writes their files.
    """

    examples: Examples
    binned: BinnedFeatures
    overall: dict[str, Any]
    disaggregated: dict[str, Any]
    slices: list[Slice]
    search: dict[str, Any]
    config: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    feature_info: dict[str, tuple[str, str]] = field(default_factory=dict)
    failure_modes: list[Any] = field(default_factory=list)
    actions: list[Any] = field(default_factory=list)

    @property
    def by_group(self) -> pd.DataFrame:
        """Subgroup metrics, one row per (feature, group), with Wilson intervals."""
        return groups_frame(self.disaggregated)

    def metric_frame(self, feature: str | list[str]):
        """The subgroup accuracy of `feature` (or an intersection) as a fairlearn `MetricFrame`.

        Needs fairlearn (``pip install 'weakspot[fairness]'``).
        """
        try:
            from fairlearn.metrics import MetricFrame, selection_rate
        except ImportError:
            raise missing_dependency("fairlearn", "fairness", "Analysis.metric_frame") from None
        from sklearn.metrics import accuracy_score

        names = [feature] if isinstance(feature, str) else list(feature)
        unknown = [f for f in names if f not in self.binned.names]
        if unknown:
            raise InputError(f"Unknown feature(s) {unknown}; choose among {self.binned.names}.")
        groups = pd.DataFrame(
            {
                f: [self.binned.bins[j][b].describe() for b in self.binned.codes[:, j]]
                for f in names
                for j in [self.binned.names.index(f)]
            }
        )
        metrics: dict[str, Any] = {"accuracy": accuracy_score, "count": lambda y, p: len(y)}
        if len(self.examples.classes) == 2:
            positive = self.examples.classes[1]
            metrics["selection_rate"] = lambda y, p: selection_rate(y, p, pos_label=positive)
        return MetricFrame(
            metrics=metrics,
            y_true=self.examples.labels,
            y_pred=self.examples.predictions,
            sensitive_features=groups,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON document written to ``analysis.json`` (see docs/schema.md)."""
        from weakspot.report._json import analysis_to_dict

        return analysis_to_dict(self)


def analyze(
    data: pd.DataFrame | str | Path,
    *,
    predictions: pd.DataFrame | str | Path | None = None,
    images: Any = None,
    image_column: str | None = None,
    embed: Any = "efficientnet",
    layer: str | None = None,
    embeddings: np.ndarray | str | Path | None = None,
    concepts: bool = True,
    cache_dir: str | Path | None = None,
    max_failed_share: float = 0.2,
    label: str | None = None,
    prediction: str | None = None,
    id_column: str | None = None,
    score_column: str | None = None,
    positive_class: str | None = None,
    classes: list[str] | None = None,
    metadata: list[str] | None = None,
    ignore: list[str] | None = None,
    sensitive: list[str] | None = None,
    methods: tuple[str, ...] | list[str] | None = None,
    min_support: int | None = None,
    max_q: float = 0.05,
    max_slices: int = 15,
    max_level: int = 3,
    n_bins: int = 5,
    random_state: int = 0,
    progress: Progress | None = None,
    train: pd.DataFrame | str | Path | None = None,
    train_images: Any = None,
    train_embeddings: np.ndarray | None = None,
) -> Analysis:
    """Analyse a classifier's predictions: metrics, subgroup gaps and failure slices.

    Parameters
    ----------
    data : DataFrame, path of a table, or path of an image folder
        One row per example: the true label, the prediction, optional ``proba_<class>``
        columns (or one score column for a binary task), an optional id, and metadata.
        An image folder (one sub-folder per class) needs `predictions`.
    predictions : DataFrame or path, optional
        With an image folder as `data`: the predictions, one row per image, tied to the files
        by an ``id`` column holding the path relative to the folder.
    images : folder, list of paths or ndarray, optional
        The images of the rows: the folder that the table's image-path column is relative to,
        one path per row, or pixels of shape (n, H, W) or (n, H, W, C). Without it, a table
        with an image-path column (``image``, ``path``, ``file``, ...) is read relative to
        the table's folder.
    image_column : str, optional
        Image-path column of the table.
    embed : "efficientnet", None, path of an .onnx file, or a torch module
        Backbone for image embeddings and concept tags; None skips them.
    layer : str, optional
        Intermediate output of a user's ONNX/torch model to embed with.
    embeddings : ndarray of shape (n, d), or path of a .npy file, optional
        Precomputed embeddings, one row per example; no backbone runs then.
    concepts : bool
        Tag each image with the backbone's top ImageNet concept, as a slicing feature.
    cache_dir : str or Path, optional
        Image-feature cache; a second run over the same images computes nothing again.
    max_failed_share : float
        Stop with `ImageError` when more than this share of the images cannot be read; fewer
        are skipped with a warning and listed in ``Analysis.skipped``.
    label, prediction, id_column, score_column : str, optional
        Column names, detected from common names when omitted.
    positive_class : str, optional
        The class a binary score column is the probability of.
    classes : list of str, optional
        Every class the model can predict, if some are absent from this set.
    metadata, ignore : list of str, optional
        Columns to slice on (default: all others), and columns to leave out.
    sensitive : list of str, optional
        Metadata columns whose subgroups and intersections are always measured.
    methods : sequence of str, optional
        Slice finders to run (see ``weakspot.slices.FINDERS``); default: ``lattice`` and
        ``error_tree``, plus ``domino`` and ``failure_direction`` when embeddings exist.
    min_support : int, optional
        Smallest slice reported; default ``max(20, 1% of rows)``.
    max_q : float
        Largest Benjamini-Hochberg q-value reported.
    max_slices : int
        At most this many slices are reported.
    max_level : int
        Most conditions in a lattice slice.
    n_bins : int
        Quantile bins per numeric column.
    random_state : int
        Seed of every random choice; the same inputs and seed give the same result.
    progress : callable, optional
        Called with the name of each stage as it starts.
    train : DataFrame or path, optional
        The training table, shaped like `data` (label, metadata, image-path column;
        predictions and probabilities optional). Its features come from the same stage; the
        diagnoses that need it (under-representation, spurious correlation, shift) use it.
    train_images : folder, list of paths or ndarray, optional
        As `images`, for the training table.
    train_embeddings : ndarray of shape (n_train, d), optional
        Precomputed training embeddings, when `embeddings` are given for the evaluation.
    """
    say = progress or (lambda stage, done=None, total=None: None)
    say("validating input")
    frame, image_source = _resolve_table(data, predictions, images, image_column)
    examples = build_examples(
        frame,
        label=label,
        prediction=prediction,
        id_column=id_column,
        image_column=image_column,
        score_column=score_column,
        positive_class=positive_class,
        classes=classes,
        metadata=metadata,
        ignore=ignore,
    )
    _check_options(examples, sensitive, methods or (), max_q, max_slices)
    support = (
        min_support if min_support is not None else max(20, int(np.ceil(0.01 * len(examples))))
    )

    features = slicing_features(examples)
    columns: dict[str, tuple[str, str]] = {}
    skipped: list[dict[str, Any]] = []
    vectors = _user_embeddings(embeddings, len(examples))
    pixels = _image_input(examples, image_source, images)
    if pixels is not None:
        say("extracting image features", 0, len(examples))
        image_features = _extract_images(
            pixels,
            examples,
            embed=embed,
            layer=layer,
            embeddings=vectors,
            concepts=concepts,
            cache_dir=cache_dir,
            max_failed_share=max_failed_share,
            progress=lambda done, total: say("extracting image features", done, total),
        )
        image_columns = _image_columns(image_features)
        # a metadata column of the same name keeps its name; the image's gets a prefix
        clash = {c: f"image_{c}" for c in image_columns.columns if c in features.columns}
        features = pd.concat([features, image_columns.rename(columns=clash)], axis=1)
        columns = {clash.get(k, k): v for k, v in image_features.columns.items()}
        skipped = image_features.skipped
        vectors = image_features.embeddings
    train_split = None
    if train is not None:
        say("reading the training set")

        def train_features(ex, root, imgs):
            frame = slicing_features(ex)
            source = _image_input(ex, root, imgs)
            if source is None:
                return frame, None
            found = _extract_images(
                source,
                ex,
                embed=embed,
                layer=layer,
                embeddings=None,
                concepts=concepts,
                cache_dir=cache_dir,
                max_failed_share=max_failed_share,
                progress=lambda done, total: say("training images", done, total),
            )
            extra = _image_columns(found)
            extra = extra.rename(columns={c: f"image_{c}" for c in extra if c in frame.columns})
            return pd.concat([frame, extra], axis=1), found.embeddings

        train_split = training_split(
            train,
            images=train_images,
            embeddings=train_embeddings,
            evaluation=examples,
            columns=list(features.columns),
            label=label,
            id_column=id_column,
            image_column=image_column,
            features_of=train_features,
        )
    say("binning features")
    features = _drop_constant(features)
    binned = bin_features(features, n_bins=n_bins)
    if methods is None:
        methods = DEFAULT_METHODS + (EMBEDDING_METHODS if vectors is not None else ())

    say("measuring performance")
    overall = overall_metrics(
        examples.labels, examples.predictions, examples.classes, examples.proba
    )
    constant = [c for c in sensitive or [] if c not in binned.names]
    notes_constant = [
        f"Sensitive column {c!r} has a single value: there are no subgroups to compare."
        for c in constant
    ]
    disaggregated = disaggregated_metrics(
        binned,
        examples.labels,
        examples.predictions,
        examples.classes,
        sensitive=[c for c in sensitive or [] if c in binned.names],
    )

    context = SearchContext(
        binned=binned,
        features=features,
        errors=examples.errors,
        labels=examples.labels,
        predictions=examples.predictions,
        proba=examples.proba,
        classes=examples.classes,
        embeddings=vectors,
        min_support=support,
        random_state=random_state,
    )
    outputs = []
    for name in methods:
        say(f"searching slices: {name}")
        finder = FINDERS[name](max_level=max_level) if name == "lattice" else FINDERS[name]()
        outputs.append(finder.find(context))
    say("testing and ranking slices")
    held_out = held_out_half(len(examples), random_state)
    for output in outputs:
        output.slices = [
            place_cutpoints(
                refine_slice(item, binned, examples.errors),
                binned,
                features,
                examples.errors,
                held_out,
            )
            for item in output.slices
        ]
    slices, counts = select_slices(
        outputs,
        examples.errors,
        min_support=support,
        max_q=max_q,
        max_slices=max_slices,
        labels=examples.labels,
    )
    for item in slices:
        explain_slice(item, binned, features)
    if pixels is not None:
        say("drawing example images")
        _attach_pictures(slices, pixels, examples, vectors, embed, random_state)
    say("diagnosing failure modes")
    modes, actions = failure_stage(
        slices,
        examples=examples,
        binned=binned,
        features=features,
        feature_info=columns,
        embeddings=vectors,
        train=train_split,
        random_state=random_state,
    )
    config = {
        "methods": list(methods),
        "min_support": support,
        "max_q": max_q,
        "max_slices": max_slices,
        "max_level": max_level,
        "n_bins": n_bins,
        "random_state": random_state,
        "sensitive": list(sensitive or []),
        "weakspot_version": __version__,
    }
    notes = list(examples.notes) + notes_constant + [n for o in outputs for n in o.notes]
    config["images"] = pixels is not None
    config["embedding_dim"] = None if vectors is None else int(vectors.shape[1])
    config["train"] = None if train_split is None else len(train_split)
    return Analysis(
        examples,
        binned,
        overall,
        disaggregated,
        slices,
        counts,
        config,
        notes,
        skipped,
        columns,
        modes,
        actions,
    )


def _resolve_table(data, predictions, images, image_column) -> tuple[pd.DataFrame, Path | None]:
    """The predictions table, and the folder its image paths are relative to (if any)."""
    if isinstance(data, str | Path) and Path(data).is_dir():
        if predictions is None:
            raise InputError(
                f"{str(data)!r} is an image folder: also give the model's predictions for its images "
                "(--predictions PREDS.csv, with an 'id' column holding each image's path relative to the folder)."
            )
        table = read_table(predictions) if isinstance(predictions, str | Path) else predictions
        return table_for_image_folder(data, table), None
    if predictions is not None:
        raise InputError(
            "predictions= goes with an image folder as data; here data is already the predictions table."
        )
    frame = read_table(data) if isinstance(data, str | Path) else data
    if isinstance(images, str | Path):
        return frame, Path(images)
    return frame, Path(data).parent if isinstance(data, str | Path) else None


def _image_input(examples: Examples, root: Path | None, images: Any) -> Any:
    """What to decode: the given array / paths, or the table's image paths, or None."""
    if images is not None and not isinstance(images, str | Path):
        return check_image_array(images, len(examples))
    if examples.image_paths is None:
        if images is not None:
            raise InputError(
                f"--images {str(images)!r} was given but the table has no image-path column "
                "(image, image_path, path, file, filename, filepath); name it with --image-column."
            )
        return None
    return resolve_image_paths(examples.image_paths, root)


def _extract_images(
    pixels,
    examples: Examples,
    *,
    embed,
    layer,
    embeddings,
    concepts,
    cache_dir,
    max_failed_share,
    progress,
):
    from weakspot.features.images import extract_image_features

    try:
        return extract_image_features(
            pixels,
            embed=embed,
            layer=layer,
            embeddings=embeddings,
            concepts=concepts,
            labels=examples.labels,
            cache_dir=cache_dir,
            max_failed_share=max_failed_share,
            progress=progress,
        )
    except MissingDependency:
        if embed != "efficientnet" or embeddings is not None:
            raise
        # the default backbone is optional: without torch, analyse the interpretable properties only
        logger.warning(
            "torch is not installed: image embeddings and concept tags are skipped "
            "(pip install 'weakspot[torch]' to add them)."
        )
        return extract_image_features(
            pixels,
            embed=None,
            concepts=False,
            labels=examples.labels,
            cache_dir=cache_dir,
            max_failed_share=max_failed_share,
            progress=progress,
        )


def _image_columns(image_features) -> pd.DataFrame:
    parts = [image_features.properties, image_features.flags]
    if image_features.concepts is not None:
        parts.append(image_features.concepts.drop(columns=["concept_score"], errors="ignore"))
    return pd.concat(parts, axis=1)


def _user_embeddings(embeddings, n: int) -> np.ndarray | None:
    if embeddings is None:
        return None
    vectors = np.load(embeddings) if isinstance(embeddings, str | Path) else np.asarray(embeddings)
    if vectors.ndim != 2 or vectors.shape[0] != n:
        raise InputError(
            f"embeddings must have shape (n, d) with n = {n} rows of the table, got {vectors.shape}."
        )
    return vectors.astype(np.float32)


def _drop_constant(features: pd.DataFrame) -> pd.DataFrame:
    """Columns with one value everywhere cannot tell a slice apart; leave them out."""
    varying = [c for c in features.columns if features[c].nunique(dropna=False) > 1]
    return features[varying]


def slicing_features(examples: Examples) -> pd.DataFrame:
    """Metadata plus the true label; never the prediction too.

    Slicing on the label and the prediction together yields confusion-matrix cells whose error
    rate is 1 by construction; per-class confusions are in the metrics instead.
    """
    features = examples.metadata.copy()
    features.insert(0, "label", examples.labels)
    if "label" in examples.metadata.columns:
        features = features.loc[:, ~features.columns.duplicated()]
    return features


def explain_slice(item: Slice, binned: BinnedFeatures, features: pd.DataFrame) -> None:
    """Fill the slice's sentence, and what sets it apart from the rest.

    A member-set slice (found in embedding space) is read through the short rule over
    interpretable features that best reproduces its members, with that rule's fidelity; when
    no rule is faithful, the sentence says so rather than inventing one.
    """
    from weakspot.explain import describe_members, distinguishing_features

    if item.conditions is None:
        reading = describe_members(item.members, binned, features)
        item.extra["found_as"] = item.description
        item.extra["explanation"] = reading.to_dict()
        item.extra["distinguishing"] = reading.distinguishing
        item.description = reading.subject
        rule_text = item.extra["explanation"]["rule_text"]
        item.extra["title"] = (
            f"~ {rule_text} (rule F1 {reading.f1:.2f})"
            if rule_text
            else f"{item.method} group, no faithful rule"
        )
    else:
        item.extra["title"] = item.rule()
        mask = np.zeros(len(features), dtype=bool)
        mask[item.members] = True
        item.extra["distinguishing"] = distinguishing_features(mask, features)[:5]
    item.description = describe_slice(item)


def _attach_pictures(slices, source, examples: Examples, vectors, embed, random_state: int) -> None:
    """Example images inside and outside the top slices; feature pictures for Barlow slices."""
    from weakspot.explain import barlow_feature_pictures, slice_examples

    rng = np.random.default_rng(random_state)
    backbone = None
    for item in slices[:N_SLICES_WITH_PICTURES]:
        item.extra["examples"] = slice_examples(
            item,
            source,
            ids=examples.ids,
            labels=examples.labels,
            predictions=examples.predictions,
            rng=rng,
        )
        if item.method == "barlow" and embed == "efficientnet" and vectors is not None:
            try:
                if backbone is None:
                    from weakspot.features.images import EfficientNetLite0

                    backbone = EfficientNetLite0()
                item.extra["feature_pictures"] = barlow_feature_pictures(
                    item, source, vectors, backbone
                )
            except MissingDependency:
                pass


def describe_slice(item: Slice) -> str:
    """One sentence a person can read: the rule, the error rate with its interval, the lift."""
    s = item.stats
    who = (
        f"Examples where {item.rule()}"
        if item.conditions
        else item.description or "A group of examples"
    )
    lift = "many" if not np.isfinite(s["lift"]) else f"{s['lift']:.1f}"
    return (
        f"{who} fail {s['error_rate']:.0%} of the time (95% CI {s['ci'][0]:.0%}-{s['ci'][1]:.0%}) "
        f"against {s['rest_error_rate']:.0%} elsewhere ({lift}x), {s['errors']} errors in {s['size']} examples."
    )


def _check_options(examples: Examples, sensitive, methods, max_q, max_slices) -> None:
    for name in sensitive or []:
        if name not in examples.metadata.columns:
            raise InputError(
                f"--sensitive {name!r} is not a metadata column. Metadata columns are: {list(examples.metadata.columns)[:12]}."
            )
    unknown = [m for m in methods if m not in FINDERS]
    if unknown:
        raise InputError(f"Unknown slice finder(s) {unknown}; available: {sorted(FINDERS)}.")
    if not 0 < max_q <= 1:
        raise InputError(f"max_q must be in (0, 1], got {max_q}.")
    if max_slices < 1:
        raise InputError(f"max_slices must be at least 1, got {max_slices}.")
