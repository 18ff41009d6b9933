"""Slices of a detector's misses and false positives, with boxes as the units.

`find_box_slices` is the detection analysis until the pipeline takes box units
(docs/detection.md): it matches the boxes (`weakspot.tasks.detection`), builds one row per
ground-truth box and per detection with its attributes, measures the box crops as images when
pixels are given, and runs weakspot's slice search once per view (misses among the boxes,
false positives among the detections). Each reported slice then gets its recall or precision
inside and outside with intervals, a test with the image as the cluster, and the AP50 that
fixing its errors would gain (TIDE's fix restricted to the slice).
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weakspot._errors import InputError
from weakspot.features import FeatureTable, bin_features
from weakspot.inputs import Examples
from weakspot.report.detection import slice_examples
from weakspot.slices import SearchOptions, Slice, SliceSearch, find_slices
from weakspot.stats import benjamini_hochberg, wilson_interval
from weakspot.tasks.detection import (
    DETECTION,
    FALSE_POSITIVE_VIEW,
    GROUND_TRUTH,
    MISSED_VIEW,
    BoxTable,
    ClusteredRates,
    DetectionMatch,
    DetectionOutcomes,
    Detections,
    GroundTruth,
    ap50_gain,
    box_table,
    clustered_rates,
    detection_figures,
    error_type_costs,
    match_detections,
)

#: Image properties measured on each box crop (``crop_<name>``) and on its whole image
#: (``image_<name>``) by the image stage's extractors.
CROP_PROPERTIES = ("brightness", "contrast", "saturation", "sharpness", "noise", "edge_density")
IMAGE_PROPERTIES = ("brightness", "contrast", "sharpness", "noise")

#: Attributes left out of the search by default (see `find_box_slices`).
DEFAULT_EXCLUDE = ("confidence", "class_frequency")

# a slice's rate is reported as what the user reads for its view: recall of the boxes, precision
# of the detections (one minus the view's error rate)
METRIC_OF_VIEW = {MISSED_VIEW: "recall", FALSE_POSITIVE_VIEW: "precision"}


@dataclass(frozen=True)
class BoxSlice:
    """One reported slice of boxes or detections.

    Attributes
    ----------
    view : str
        ``"missed"`` (ground-truth boxes) or ``"false_positive"`` (detections).
    slice : Slice
        The slice as the search reported it; its ``members`` are rows of the box table and its
        ``stats`` are the view's (error rate = miss rate or false discovery rate).
    metric : str
        ``"recall"`` or ``"precision"``.
    inside, outside : float
        The metric inside the slice and among the view's other units.
    inside_ci, outside_ci : tuple of float
        95% Wilson intervals, boxes counted as independent.
    clustered : ClusteredRates
        The error rates with images as clusters: intervals, design effects, one-sided p-value.
    cluster_q_value : float
        Benjamini-Hochberg over the cluster p-values of every view's reported slices.
    ap50_gain : float
        AP50 after TIDE's fix of the slice's errors, minus AP50 (`ap50_gain`; NaN when the
        fix leaves no class with a positive).
    error_types : dict of str to int
        The slice's errors by TIDE type.
    """

    view: str
    slice: Slice
    metric: str
    inside: float
    outside: float
    inside_ci: tuple[float, float]
    outside_ci: tuple[float, float]
    clustered: ClusteredRates
    cluster_q_value: float
    ap50_gain: float
    error_types: dict[str, int]

    @property
    def rule(self) -> str:
        return self.slice.rule()

    def describe(self) -> str:
        """One line a person reads: the rule, the metric inside vs outside, the AP at stake."""
        stats = self.slice.stats
        size = stats.size if stats else len(self.slice.members)
        unit = "boxes" if self.view == MISSED_VIEW else "detections"
        return (
            f"{self.rule or self.slice.label}: {self.metric} {self.inside:.2f} "
            f"[{self.clustered_metric_ci[0]:.2f}, {self.clustered_metric_ci[1]:.2f}] vs "
            f"{self.outside:.2f} elsewhere ({size} {unit}); fixing its errors gains "
            f"{self.ap50_gain:+.3f} AP50"
        )

    @property
    def clustered_metric_ci(self) -> tuple[float, float]:
        """The metric's 95% interval inside the slice with images as clusters."""
        low, high = self.clustered.ci
        return 1.0 - high, 1.0 - low

    def to_dict(self) -> dict[str, Any]:
        """The slice as JSON-ready values (NaN as None)."""
        stats = self.slice.stats
        rest_low, rest_high = self.clustered.rest_ci
        return _finite(
            {
                "view": self.view,
                "rule": self.rule or None,
                "description": self.slice.label or None,
                "method": self.slice.method,
                "size": stats.size if stats else len(self.slice.members),
                "errors": stats.errors if stats else None,
                "metric": self.metric,
                "inside": self.inside,
                "inside_ci": list(self.clustered_metric_ci),
                "inside_ci_boxes_independent": list(self.inside_ci),
                "outside": self.outside,
                "outside_ci": [1.0 - rest_high, 1.0 - rest_low],
                "design_effect": self.clustered.design_effect,
                "n_images": self.clustered.n_images,
                "q_value": stats.q_value if stats else None,
                "cluster_p_value": self.clustered.p_value,
                "cluster_q_value": self.cluster_q_value,
                "ap50_gain": self.ap50_gain,
                "error_types": self.error_types,
                "aliases": [a.rule or a.description for a in self.slice.aliases],
                # the rule as data, so that a gate or a comparison can measure it on boxes.csv
                "conditions": [c.to_dict() for c in self.slice.conditions or ()],
            }
        )


@dataclass(frozen=True)
class BoxSlices:
    """What `find_box_slices` found.

    Attributes
    ----------
    slices : list of BoxSlice
        Reported slices of both views, confirmed with images as clusters, in the search's
        rank order.
    unconfirmed : list of BoxSlice
        Slices the box-level search reported whose image-cluster test did not hold
        (cluster q-value above max_q): their boxes come from too few images to say.
    table : BoxTable
        Every box with its outcome and attributes.
    outcomes : DetectionOutcomes
        The units' losses and views.
    match : DetectionMatch
        The matching (COCO's numbers, per-box rows).
    error_type_costs : dict of str to float
        TIDE's global breakdown at AP50: the AP gained by fixing every error of each type.
    counts : dict of str to int
        The search's hypotheses ``tested``, slices ``proposed``, ``significant`` and
        ``reported`` (both views together).
    notes : list of str
    figures : dict
        Recall and precision overall, per size bin and per class with intervals, each
        class's AP, the error counts by type and the precision-recall curves
        (`weakspot.tasks.detection.detection_figures`).
    examples : list of list of dict
        Per reported slice, its example images with their boxes (`slice_examples`); empty
        without pixels.
    """

    slices: list[BoxSlice]
    unconfirmed: list[BoxSlice]
    table: BoxTable
    outcomes: DetectionOutcomes
    match: DetectionMatch
    error_type_costs: dict[str, float]
    counts: dict[str, int]
    notes: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    examples: list[list[dict[str, Any]]] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """One row per reported slice: view, rule, size, metric inside and outside with
        intervals, cluster p- and q-values, AP50 gain."""
        rows = []
        for item in self.slices:
            stats = item.slice.stats
            rows.append(
                {
                    "view": item.view,
                    "rule": item.rule or item.slice.label,
                    "size": stats.size if stats else len(item.slice.members),
                    "errors": stats.errors if stats else np.nan,
                    "metric": item.metric,
                    "inside": item.inside,
                    "inside_low": item.clustered_metric_ci[0],
                    "inside_high": item.clustered_metric_ci[1],
                    "outside": item.outside,
                    "q_value": stats.q_value if stats else np.nan,
                    "cluster_p_value": item.clustered.p_value,
                    "cluster_q_value": item.cluster_q_value,
                    "ap50_gain": item.ap50_gain,
                }
            )
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """Everything but the tables, JSON-ready: COCO's numbers, TIDE's breakdown, the
        search's counts, the notes and the slices (confirmed and not)."""
        return _finite(
            {
                "task": {"name": "detection", "unit": "box"},
                "coco": vars(self.match.summary),
                "error_type_costs": self.error_type_costs,
                "counts": self.counts,
                "figures": self.figures,
                "notes": self.notes,
                "slices": [s.to_dict() for s in self.slices],
                "unconfirmed": [s.to_dict() for s in self.unconfirmed],
            }
        )

    def write(self, out: str | Path) -> dict[str, Path]:
        """Write ``detection.json`` (`to_dict`), ``box_slices.csv`` (`to_frame`),
        ``boxes.csv`` (every box with its outcome and attributes) and ``report.html`` (with
        the example images when pixels were given) into the folder `out`; the same inputs
        give the same bytes. Returns name -> path."""
        from weakspot.report.detection import render_detection_report

        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        paths = {
            "json": folder / "detection.json",
            "slices": folder / "box_slices.csv",
            "boxes": folder / "boxes.csv",
            "report": folder / "report.html",
        }
        doc = self.to_dict()
        text = json.dumps(doc, indent=2, sort_keys=True, allow_nan=False)
        paths["json"].write_text(text + "\n", encoding="utf-8")
        self.to_frame().to_csv(paths["slices"], index=False, lineterminator="\n")
        self.table.frame.to_csv(paths["boxes"], index=False, lineterminator="\n")
        # rendered from the document as written (keys sorted), as a rebuild from the file is
        html = render_detection_report(json.loads(text), self.examples or None)
        paths["report"].write_text(html, encoding="utf-8")
        return paths


def _finite(value: Any) -> Any:
    """`value` with every float NaN or infinity as None and numpy scalars as Python's."""
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def find_box_slices(
    ground_truth: GroundTruth,
    detections: Detections,
    metadata: pd.DataFrame | None = None,
    images: str | Path | None = None,
    *,
    metadata_id: str | None = None,
    match: DetectionMatch | None = None,
    options: SearchOptions | None = None,
    exclude: Sequence[str] = DEFAULT_EXCLUDE,
    n_bins: int = 5,
    random_state: int = 0,
) -> BoxSlices:
    """Slices of boxes a detector misses and of detections that are false, with their cost.

    Parameters
    ----------
    ground_truth, detections : GroundTruth, Detections
        From any reader of `weakspot.tasks.detection` (COCO, YOLO, VOC, in memory).
    metadata : DataFrame, optional
        One row per image, joined to its boxes (see `box_table`).
    images : str or Path, optional
        The folder of the ground truth's image files (their ``file_names`` inside it): each
        box crop and each image is then measured by the image stage's extractors. Without it
        the pixel attributes are left out, with a note.
    metadata_id : str, optional
        The metadata's image id column.
    match : DetectionMatch, optional
        A matching already made (`match_detections`); made here otherwise.
    options : SearchOptions, optional
        The search's finders and thresholds, as in `weakspot.analyze`; both views' hypotheses
        form one false-discovery family held to ``max_q``, and so do the image-cluster tests
        of the reported slices.
    exclude : sequence of str
        Attributes left out of the search (they stay in the table). By default
        ``confidence``: any useful detector's false positives sit at low scores, so the
        low-score band would top every search without saying anything new; and
        ``class_frequency``: one value per class, so a rule would name a class by a number
        (``class_frequency == 0.239`` for ``category == cat``).
    n_bins : int
        Quantile bins of each numeric attribute.
    random_state : int

    Returns
    -------
    BoxSlices
    """
    options = options or SearchOptions()
    options.check()
    match = match or match_detections(ground_truth, detections)
    table = box_table(
        ground_truth, detections, match.boxes, metadata=metadata, metadata_id=metadata_id
    )
    if images is not None:
        table = table.with_columns(*_pixel_columns(ground_truth, detections, Path(images)))
    else:
        table = BoxTable(
            table.frame,
            table.info,
            [
                *table.notes,
                "No pixels given (images=): the box crops' and images' properties "
                "(brightness, contrast, sharpness, ...) are left out of the search.",
            ],
        )
    unknown = sorted(set(exclude) - set(table.attribute_columns))
    if unknown:
        raise InputError(
            f"exclude= names {unknown}, which are not attributes of the box table; they are "
            f"{table.attribute_columns}.",
            parameter="exclude",
        )
    outcomes = DetectionOutcomes.from_frame(table.frame)
    search = _search(table, outcomes, exclude, options, n_bins, random_state)
    covered = {v.name: np.flatnonzero(np.asarray(v.covers, bool)) for v in outcomes.views()}
    found = [_describe(s, covered[s.view], outcomes, match) for s in search.slices]
    q_values = benjamini_hochberg(np.array([b.clustered.p_value for b in found]))
    found = [replace(b, cluster_q_value=float(q)) for b, q in zip(found, q_values, strict=True)]
    reported = [b for b in found if b.cluster_q_value <= options.max_q]
    notes = [*table.notes, *search.notes]
    examples: list[list[dict[str, Any]]] = []
    if images is not None:
        examples, unread = slice_examples(
            table.frame,
            ground_truth,
            detections,
            [np.asarray(b.slice.members, dtype=np.int64) for b in reported],
            Path(images),
        )
        notes += [f"Example image not drawn: {name}" for name in unread]
    return BoxSlices(
        slices=reported,
        unconfirmed=[b for b in found if b.cluster_q_value > options.max_q],
        table=table,
        outcomes=outcomes,
        match=match,
        error_type_costs=error_type_costs(match),
        counts=dict(search.counts),
        notes=notes,
        figures=detection_figures(
            table.frame, match.evaluation, match.accumulation, ground_truth.categories
        ),
        examples=examples,
    )


def _search(
    table: BoxTable,
    outcomes: DetectionOutcomes,
    exclude: Sequence[str],
    options: SearchOptions,
    n_bins: int,
    random_state: int,
) -> SliceSearch:
    """weakspot's slice search on every box: once per view of `outcomes` (misses on the
    ground-truth boxes, false positives on the detections), one false-discovery family."""
    frame = table.frame
    wanted = [c for c in table.attribute_columns if c not in exclude]
    # a column with one value (or none) cannot tell a slice apart
    kept = [str(c) for c in wanted if frame[c].nunique(dropna=True) > 1]
    columns = frame[kept].astype({c: object for c in kept if frame[c].dtype == bool})
    features = FeatureTable(
        columns=columns,
        binned=bin_features(columns, n_bins=n_bins),
        info={c: table.info[c] for c in kept if c in table.info},
        kinds={c: "metadata" for c in kept},
    )
    ids = frame["unit"].map({GROUND_TRUTH: "box", DETECTION: "detection"}) + ":"
    examples = Examples(
        ids=(ids + frame["box"].astype(str)).to_numpy(dtype=object),
        outcomes=outcomes,
        metadata=columns,
    )
    return find_slices(examples, features, options, random_state=random_state)


def _describe(
    found: Slice, rows: np.ndarray, outcomes: DetectionOutcomes, match: DetectionMatch
) -> BoxSlice:
    """The slice (members: rows of the table) with its metric, intervals, cluster test and AP
    gain; `rows` (shape (m,)) are the units its view covers."""
    view = found.view
    members = np.asarray(found.members, dtype=np.int64)
    n = len(outcomes)
    inside = np.zeros(n, dtype=bool)
    inside[members] = True
    covered = np.zeros(n, dtype=bool)
    covered[rows] = True
    errors = outcomes.loss
    k_in, n_in = float(errors[inside].sum()), int(inside.sum())
    outside = covered & ~inside
    k_out, n_out = float(errors[outside].sum()), int(outside.sum())
    low, high = wilson_interval(n_in - k_in, n_in)
    rest_low, rest_high = wilson_interval(n_out - k_out, n_out)
    clustered = clustered_rates(errors[rows], inside[rows], outcomes.image[rows])
    table_rows = np.flatnonzero(inside & (errors > 0))
    kinds = outcomes.unit_kind
    gt_rows = table_rows[kinds[table_rows] == GROUND_TRUTH]
    dt_rows = table_rows[kinds[table_rows] == DETECTION]
    n_gt = int(np.count_nonzero(kinds == GROUND_TRUTH))
    fix_boxes = np.zeros(n_gt, dtype=bool)
    fix_boxes[gt_rows] = True
    fix_dets = np.zeros(n - n_gt, dtype=bool)
    fix_dets[dt_rows - n_gt] = True  # detection rows follow the ground-truth rows
    gain = ap50_gain(match, boxes=fix_boxes, detections=fix_dets)
    types, type_counts = np.unique(outcomes.error_type[table_rows].astype(str), return_counts=True)
    return BoxSlice(
        view=view,
        slice=found,
        metric=METRIC_OF_VIEW[view],
        inside=1.0 - k_in / n_in if n_in else float("nan"),
        outside=1.0 - k_out / n_out if n_out else float("nan"),
        inside_ci=(float(low), float(high)),
        outside_ci=(float(rest_low), float(rest_high)),
        clustered=clustered,
        cluster_q_value=1.0,
        ap50_gain=float(gain),
        error_types={str(t): int(c) for t, c in zip(types, type_counts, strict=True)},
    )


def _pixel_columns(
    ground_truth: GroundTruth, detections: Detections, folder: Path
) -> tuple[pd.DataFrame, dict[str, tuple[str, str]], list[str]]:
    """``crop_<property>`` and ``image_<property>`` for every row of the box table (ground
    truth, then detections), measured by the image stage's extractors; NaN for the boxes of
    an image that could not be read, which the notes name."""
    from PIL import Image, ImageOps

    from weakspot.features.images import (
        PROPERTY_COLUMNS,
        READ_ERRORS,
        measure_images,
        normalise_mode,
        read_file,
    )

    if not folder.is_dir():
        raise InputError(
            f"images={str(folder)!r} is not a folder; give the folder that holds the ground "
            "truth's image files (their file names are read inside it).",
            parameter="images",
        )
    boxes = np.concatenate([ground_truth.boxes, detections.boxes])
    image_of = np.concatenate([ground_truth.image, detections.image])
    crops = np.full((len(boxes), len(CROP_PROPERTIES)), np.nan)
    whole = np.full((len(boxes), len(IMAGE_PROPERTIES)), np.nan)
    unread: list[str] = []
    # each image's rows at once (a sort, not a scan of every row per image)
    order = np.argsort(image_of, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(image_of[order]) != 0])
    for rows in np.split(order, starts[1:]) if len(order) else []:
        position = int(image_of[rows[0]])
        name = str(ground_truth.images.file_names[position])
        path = folder / name
        if not path.is_file():
            path = folder / Path(name).name
        try:
            with Image.open(io.BytesIO(read_file(path))) as opened:
                im, _ = normalise_mode(ImageOps.exif_transpose(opened))
                pixels = np.asarray(im)
        except READ_ERRORS as exc:
            unread.append(f"{name} ({str(exc).splitlines()[0][:80]})")
            continue
        pieces = [_crop(pixels, boxes[r]) for r in rows]
        crops[rows] = measure_images(pieces, CROP_PROPERTIES)
        whole[rows] = measure_images([pixels], IMAGE_PROPERTIES)[0]
    frame = pd.DataFrame(
        {
            **{f"crop_{c}": crops[:, j] for j, c in enumerate(CROP_PROPERTIES)},
            **{f"image_{c}": whole[:, j] for j, c in enumerate(IMAGE_PROPERTIES)},
        }
    )
    info = {
        **{
            f"crop_{c}": (f"{PROPERTY_COLUMNS[c][0]} of the box", PROPERTY_COLUMNS[c][1])
            for c in CROP_PROPERTIES
        },
        **{
            f"image_{c}": (f"{PROPERTY_COLUMNS[c][0]} of the image", PROPERTY_COLUMNS[c][1])
            for c in IMAGE_PROPERTIES
        },
    }
    notes = [f"Box crops and images measured from {folder}."]
    if unread:
        notes.append(
            f"{len(unread)} images could not be read; their boxes have no pixel properties: "
            + "; ".join(unread[:5])
        )
    return frame, info, notes


def _crop(pixels: np.ndarray, box: np.ndarray) -> np.ndarray:
    """The box's pixels, clipped to the image and at least one pixel on each side."""
    h, w = pixels.shape[:2]
    x1 = int(np.clip(np.floor(box[0]), 0, w - 1))
    y1 = int(np.clip(np.floor(box[1]), 0, h - 1))
    x2 = int(np.clip(np.ceil(box[2]), x1 + 1, w))
    y2 = int(np.clip(np.ceil(box[3]), y1 + 1, h))
    return pixels[y1:y2, x1:x2]
