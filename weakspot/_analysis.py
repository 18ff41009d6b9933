"""`analyze`: run every stage on a predictions table and collect the result in `Analysis`.

The stages run in one direction, each a public function of its own package that takes and
returns typed records::

    inputs.resolve_inputs   -> Inputs        (examples, images, embeddings; validated once)
    features.build_features -> FeatureTable  (slicing columns, bins, embeddings, skipped images)
    metrics.measure         -> Metrics       (overall and per subgroup)
    slices.find_slices      -> SliceSearch   (finders, refinement, statistics, selection)
    explain.explain_slices  -> ExplainedSlice (title, sentence, what sets it apart, pictures)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weakspot._errors import InputError, missing_dependency
from weakspot._failures import failure_stage, inapplicable_note, training_split
from weakspot._options import AnalysisOptions, TrainingOptions, check_needs, will_have_embeddings
from weakspot._version import __version__
from weakspot._whole import WholeCounts, count_whole, group_rules
from weakspot.actions import Action
from weakspot.engine import get_engine
from weakspot.explain import ExplainedSlice, add_pictures, explain_slices, flag_pictures
from weakspot.features import BinnedFeatures, FeatureTable, ImageOptions, build_features
from weakspot.inputs import (
    ColumnOptions,
    Examples,
    Inputs,
    ReadOptions,
    is_partitioned,
    read_partitioned,
    read_partitioned_sample,
    resolve_inputs,
)
from weakspot.metrics import Metrics, check_sensitive, groups_frame, measure
from weakspot.modes import FailureMode
from weakspot.report import SCHEMA_VERSION, plain
from weakspot.slices import SearchOptions, SliceSearch, find_slices
from weakspot.tasks import ClassificationOutcomes, TaskWords

Progress = Callable[..., None]


@dataclass(frozen=True, eq=False)
class Analysis:
    """Everything one analysis found. Serialises to ``analysis.json`` with `to_dict`.

    Attributes
    ----------
    inputs : Inputs
        The validated examples, their images and embeddings.
    features : FeatureTable
        The slicing features, raw and binned.
    metrics : Metrics
        Overall and per-subgroup performance.
    search : SliceSearch
        The finders' run: counts of hypotheses, the finders and their options.
    slices : list of ExplainedSlice
        Reported slices, ranked, each with its explanation.
    config : dict
        The options the analysis ran with.
    notes : list of str
    failure_modes : list of FailureMode
        Reported slices grouped by shared errors, titled, with diagnoses (docs/actions.md).
    actions : list of Action
        What to do, ranked by expected gain; `weakspot.report.write_results` writes their files.
    whole : WholeCounts or None
        With a sample: the findings' rules counted on every row of the input (`weakspot._whole`).
    """

    inputs: Inputs
    features: FeatureTable
    metrics: Metrics
    search: SliceSearch
    slices: list[ExplainedSlice]
    config: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    quality: list[dict[str, Any]] = field(default_factory=list)
    failure_modes: list[FailureMode] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    whole: WholeCounts | None = None

    def _repr_html_(self) -> str:
        from weakspot.report import analysis_html

        return analysis_html(self.to_dict())

    @property
    def examples(self) -> Examples:
        return self.inputs.examples

    @property
    def binned(self) -> BinnedFeatures:
        return self.features.binned

    @property
    def overall(self) -> dict[str, Any]:
        return self.metrics.overall

    @property
    def disaggregated(self) -> dict[str, Any]:
        return self.metrics.disaggregated

    @property
    def skipped(self) -> list[dict[str, Any]]:
        """Images that could not be read: ``{index, path, reason}``."""
        return self.features.skipped

    @property
    def by_group(self) -> pd.DataFrame:
        """Subgroup metrics, one row per (feature, group), with Wilson intervals."""
        return groups_frame(self.metrics.disaggregated)

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
            raise InputError(
                f"Unknown feature(s) {unknown}; choose among {self.binned.names}.",
                parameter="feature",
            )
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
        ex, binned, info = self.examples, self.binned, self.features.info
        mode_of = {s: m.id for m in self.failure_modes for s in m.slices}
        whole = self.whole
        slices = [
            {
                **item.to_dict(ex.ids),
                "failure_mode": mode_of.get(item.id),
                **({"whole": whole.figures(item.id)} if whole else {}),
            }
            for item in self.slices
        ]
        sample = self.inputs.sample
        drawn = (
            {**sample.to_dict(), **({"whole": whole.to_dict()} if whole else {})}
            if sample
            else None
        )
        doc = {
            "schema_version": SCHEMA_VERSION,
            "weakspot_version": self.config.get("weakspot_version"),
            "task": {
                "name": ex.outcomes.task,
                "unit": ex.outcomes.unit,
                "binary_loss": ex.outcomes.binary,
                **ex.outcomes.task_options(),  # a regressor's loss; nothing for a classifier
            },
            "config": self.config,
            "dataset": {
                "n_examples": len(ex),
                "classes": ex.classes if isinstance(ex.outcomes, ClassificationOutcomes) else [],
                "has_probabilities": ex.proba is not None,
                "metadata_columns": list(ex.metadata.columns),
                "slicing_features": binned.names,
                **({"sample": drawn} if drawn else {}),
            },
            "notes": self.notes,
            "skipped": self.skipped,
            "overall": self.overall,
            "disaggregated": whole.disaggregated(self.disaggregated)
            if whole
            else self.disaggregated,
            "features": [
                {
                    "name": name,
                    "human_name": info.get(name, (name, ""))[0],
                    "unit": info.get(name, (name, ""))[1],
                    "bins": [c.describe() for c in bins],
                }
                for name, bins in zip(binned.names, binned.bins, strict=True)
            ],
            "search": self.search.counts,
            "slices": slices,
            "quality": self.quality,  # flagged images per quality flag (report, issue 10)
            "failure_modes": [
                {
                    **mode.to_dict(),
                    "members": [str(i) for i in ex.ids[mode.members]],
                    **({"whole": whole.figures(mode.id)} if whole else {}),
                }
                for mode in self.failure_modes
            ],
            "actions": [action.to_dict() for action in self.actions],
        }
        return plain(doc)


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
    cache: bool = True,
    embed_size: int | str = "auto",
    max_failed_share: float = 0.2,
    allow_outside_root: bool = False,
    sample: int | None = None,
    label: str | None = None,
    prediction: str | None = None,
    id_column: str | None = None,
    score_column: str | None = None,
    positive_class: str | None = None,
    classes: list[str] | None = None,
    metadata: list[str] | None = None,
    ignore: list[str] | None = None,
    sensitive: list[str] | None = None,
    methods: Sequence[str] | None = None,
    finder_options: Mapping[str, Mapping[str, Any]] | None = None,
    min_support: int | None = None,
    max_q: float = 0.05,
    min_lift: float = 1.1,
    max_slices: int = 15,
    n_bins: int = 5,
    random_state: int = 0,
    progress: Progress | None = None,
    engine: Any = "numpy",
    client: Any = None,
    train: pd.DataFrame | str | Path | None = None,
    train_images: Any = None,
    train_embeddings: np.ndarray | str | Path | None = None,
    task: str | None = None,
    loss: str | None = None,
    threshold: float | None = None,
    separator: str | None = None,
) -> Analysis:
    """Analyse a classifier's predictions: metrics, subgroup gaps and failure slices.

    Parameters
    ----------
    data : DataFrame, path of a table, folder of Parquet files, Dask DataFrame, or image folder
        One row per example (a Parquet folder or Dask DataFrame is read and validated
        partition by partition): the true label, the prediction, optional ``proba_<class>``
        columns (or one score column for a binary task), an optional id, and metadata.
        An image folder (one sub-folder per class) needs `predictions`.
    predictions : DataFrame or path, optional
        With an image folder as `data`: the predictions, one row per image, each naming its
        file by the path relative to the folder (or a path ending in it, or a file name no
        other image has) in the column `id_column` or `image_column` names, else in an ``id``,
        ``path``, ``file`` or ``image`` column. A row that names no file is skipped and listed
        (``Analysis.skipped``), like an unreadable image.
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
        Image-feature cache folder; default the user's cache folder (``$WEAKSPOT_CACHE_DIR``,
        else platformdirs' user cache), so that a second run computes nothing again.
    cache : bool
        False neither reads nor writes the image-feature cache.
    embed_size : "auto" or int
        Input side of the default backbone; "auto" embeds small images (long side <= 64 px)
        at 160 px (docs/images.md), an int (multiple of 32) forces it.
    max_failed_share : float
        Stop with `ImageError` when more than this share of the images cannot be read; fewer
        are skipped with a warning and listed in ``Analysis.skipped``.
    allow_outside_root : bool
        Open image paths from the table that lead outside the image root (the `images`
        folder, else the table's folder, else the working directory). By default such rows
        are skipped with their reason; see docs/security.md.
    sample : int, optional
        Analyse only this many rows of a larger table: the rows whose ids hash lowest under a
        key made from `random_state`, a uniform random sample that every engine, run and
        partitioning draws alike. The whole table is validated; a Parquet folder or file of
        several row groups, or a Dask DataFrame, is sampled as it is read, so that this
        process holds about twice the sample and one partition rather than the table. Every
        later stage, the lattice included, runs on the sample; ``dataset.sample`` and the
        first note say so. Then one more pass counts the overall errors, every subgroup and
        every finding with a rule on all rows (``whole`` in analysis.json) and tests each
        finding on the rows outside the sample (docs/scaling.md).
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
        Slice finders to run (see ``weakspot.slices.FINDERS``); default: every finder whose
        needs the inputs meet: ``lattice`` and ``error_tree``, plus ``domino``,
        ``failure_direction`` and ``barlow`` when there are embeddings.
    finder_options : dict of finder name to dict, optional
        Options of the finders, e.g. ``{"lattice": {"max_level": 2}}`` (each finder's options
        are its dataclass fields; see docs/finders.md).
    min_support : int, optional
        Smallest slice reported; default ``max(20, 1% of rows)``.
    max_q : float
        Largest Benjamini-Hochberg q-value reported.
    min_lift : float
        Smallest ratio of a reported slice's error rate to the rest's (at least 1): on large
        sets a significant slice can fail barely more often than the rest.
    max_slices : int
        At most this many slices are reported.
    n_bins : int
        Quantile bins per numeric column.
    random_state : int
        Seed of every random choice; the same inputs and seed give the same result.
    progress : callable, optional
        Called with the name of each stage as it starts.
    engine : "numpy", "dask" or an Engine
        Where the kernels that touch every row run (cell counts, quantiles, image chunks);
        the result is the same on every engine (see docs/scaling.md).
    client : distributed.Client, optional
        With ``engine="dask"``: the client of the cluster to run on.
    train : DataFrame or path, optional
        The training table, shaped like `data` (label, metadata, an image-path column;
        predictions and probabilities optional), measured by the same feature stage. The
        diagnoses that compare with training (under-representation, spurious correlation,
        distribution shift) need it and say so without it.
    train_images : folder, list of paths or ndarray, optional
        As `images`, for the training table.
    train_embeddings : ndarray of shape (n_train, d) or path of a .npy file, optional
        Precomputed training embeddings, to go with precomputed `embeddings`.
    task : str, optional
        The kind of model (``weakspot.tasks.TASKS``): it reads the label and prediction columns
        and defines a unit's error. ``"classification"`` (single-label), ``"regression"``
        (a numeric target) and ``"multilabel"`` (a set of labels per example: ``label_<name>``
        and ``pred_<name>`` 0/1 columns, or list columns; `weakspot.tasks.MultiLabel`) are
        built in; a registered task is chosen by its name
        (docs/architecture.md). None chooses from the columns: regression when they hold
        numbers that are not all whole, or a float label with more than 20 distinct values
        (`weakspot.tasks.detect_task`; the notes say so), else classification.
    loss : {"absolute", "squared"}, optional
        A regressor's loss per example (default ``"absolute"``); refused for a classifier.
    threshold : float, optional
        With ``task="multilabel"`` and ``proba_<label>`` columns but no ``pred_<label>``
        columns: a label is predicted where its probability is at least this (default 0.5).
    separator : str, optional
        With ``task="multilabel"`` and list-valued text columns: the separator of the labels
        in a cell (``"|"`` for ``cat|dog``); without it a cell must be a JSON list.
    """
    say = progress or (lambda stage, done=None, total=None: None)
    say("validating input")
    options = AnalysisOptions(
        columns=ColumnOptions(
            label=label,
            prediction=prediction,
            id_column=id_column,
            score_column=score_column,
            positive_class=positive_class,
            classes=classes,
            metadata=metadata,
            ignore=ignore,
            task=task,
            loss=loss,
            threshold=threshold,
            separator=separator,
        ),
        reading=ReadOptions(predictions, images, image_column, embeddings, allow_outside_root),
        images=ImageOptions(
            embed, layer, concepts, cache_dir, max_failed_share, cache=cache, embed_size=embed_size
        ),
        search=SearchOptions(methods, finder_options, min_support, max_q, min_lift, max_slices),
        training=TrainingOptions(train, train_images, train_embeddings),
        sensitive=tuple(sensitive or ()),
        n_bins=n_bins,
        sample=sample,
        random_state=random_state,
    ).checked()
    runner = get_engine(engine, **({"client": client} if client is not None else {}))
    return _run(data, options, runner, say)


def _run(data: Any, options: AnalysisOptions, runner: Any, say: Progress) -> Analysis:
    """Every stage, in order, on checked options."""
    inputs = _read_inputs(data, options)
    sensitive = list(options.sensitive)
    check_sensitive(inputs.examples, sensitive)
    check_needs(options.search, will_have_embeddings(inputs, options.images))
    if inputs.images is not None:
        say("extracting image features", 0, len(inputs.examples))
    features = build_features(
        inputs,
        images=options.images,
        n_bins=options.n_bins,
        progress=lambda done, total: say("extracting image features", done, total),
        engine=runner,
    )
    say("measuring performance")
    metrics = measure(
        inputs.examples, features, sensitive=sensitive, random_state=options.random_state
    )
    search = find_slices(
        inputs.examples,
        features,
        options.search,
        random_state=options.random_state,
        engine=runner,
        progress=say,
    )
    explained = explain_slices(
        search.slices, features, TaskWords.of_outcomes(inputs.examples.outcomes)
    )
    if inputs.images is not None:
        say("drawing example images")
    explained = add_pictures(
        explained,
        inputs,
        features.embeddings,
        embed=options.images.embed,
        random_state=options.random_state,
        unread=frozenset(np.flatnonzero(features.unread).tolist()),
    )
    split = None
    training = options.training
    if training.data is not None:
        say("reading the training set")
        split = training_split(
            training.data,
            images=training.images,
            embeddings=training.embeddings,
            evaluation=inputs.examples,
            features=features,
            image_options=options.images,
            label=options.columns.label,
            id_column=options.columns.id_column,
            image_column=options.reading.image_column,
        )
    say("diagnosing failure modes")
    modes, actions = failure_stage(
        explained,
        examples=inputs.examples,
        features=features,
        train=split,
        random_state=options.random_state,
        images=inputs.images,
        min_lift=options.search.min_lift,
    )
    whole = None
    if inputs.sample is not None:
        say("counting the findings on every row")
        findings = {
            **{item.id: item.conditions for item in explained},
            **{mode.id: mode.rule for mode in modes},
        }
        whole = count_whole(
            data,
            findings,
            inputs.examples,
            columns=options.columns,
            reading=options.reading,
            max_q=options.search.max_q,
            min_lift=options.search.min_lift,
            groups=group_rules(features.binned, sensitive),
            views={item.id: item.slice.view for item in explained},
        )
    config = _config(search, options, inputs, features)
    config["train"] = None if split is None else len(split)
    if options.sample is not None:  # only then, so that analyses without it keep their bytes
        config["sample"] = options.sample
    drawn = [inputs.sample.note()] if inputs.sample is not None else []
    notes = [
        *drawn,
        *inputs.examples.notes,
        *metrics.notes,
        *search.notes,
        *inapplicable_note(inputs.examples),
    ]
    quality = flag_pictures(inputs, features, random_state=options.random_state)
    return Analysis(
        inputs, features, metrics, search, explained, config, notes, quality, modes, actions, whole
    )


def _read_inputs(data: Any, options: AnalysisOptions) -> Inputs:
    """The inputs stage. A Parquet folder or Dask DataFrame is read and joined here, so that
    the joined table lives no longer than this call: the examples keep only what they use;
    with a sample, only the sample is joined."""
    columns, reading = options.columns.as_kwargs(), options.reading
    sample, random_state = options.sample, options.random_state
    if reading.predictions is None and is_partitioned(data):
        image_column = reading.image_column
        if sample is None:
            data = read_partitioned(data, image_column=image_column, **columns)
            return resolve_inputs(data, **reading.as_kwargs(), **columns)
        data, rows, classes = read_partitioned_sample(
            data, sample, random_state=random_state, image_column=image_column, **columns
        )
        if columns["classes"] is None and classes is not None:
            columns["classes"] = classes  # those of every row, not the sample's
        return resolve_inputs(data, rows=rows, **reading.as_kwargs(), **columns)
    return resolve_inputs(
        data, sample=sample, random_state=random_state, **reading.as_kwargs(), **columns
    )


def _config(
    search: SliceSearch, options: AnalysisOptions, inputs: Inputs, features: FeatureTable
) -> dict[str, Any]:
    """The options the analysis ran with, as analysis.json records them."""
    return {
        "methods": search.methods,
        "min_support": search.min_support,
        "max_q": options.search.max_q,
        "min_lift": options.search.min_lift,
        "max_slices": options.search.max_slices,
        "max_level": search.options.get("lattice", {}).get("max_level"),
        "n_bins": options.n_bins,
        "random_state": options.random_state,
        "sensitive": list(options.sensitive),
        "weakspot_version": __version__,
        "images": inputs.images is not None,
        "embedding_dim": None if features.embeddings is None else int(features.embeddings.shape[1]),
    }
