"""Object detection: typed records for boxes, readers for the formats detectors write, and
matching equal to pycocotools' COCOeval with one row per box and TIDE's error types.

Per-box attributes (`box_table`), the box as the unit of analysis (`DetectionOutcomes`, with a
view of misses and one of false positives), rates with images as clusters and the AP50 that
fixing a set of errors gains (TIDE's fix). Not registered as a task yet: the pipeline's stages
do not take box units so far; ``weakspot.find_box_slices`` runs the slice search on boxes (see
docs/detection.md).
"""

from weakspot.tasks.detection._accumulate import (
    SUMMARY_NAMES,
    Accumulation,
    Summary,
    accumulate,
    precision_recall,
    summarize,
)
from weakspot.tasks.detection._attributes import (
    ATTRIBUTES,
    DETECTION,
    GROUND_TRUTH,
    OUTCOME_COLUMNS,
    SIZE_BINS,
    BoxTable,
    box_table,
    size_bins,
)
from weakspot.tasks.detection._clusters import ClusteredRates, clustered_rates
from weakspot.tasks.detection._coco import read_coco_detections, read_coco_ground_truth
from weakspot.tasks.detection._data_yaml import read_data_yaml
from weakspot.tasks.detection._error_types import (
    DETECTION_ERRORS,
    ERROR_TYPES,
    Background,
    Both,
    BoxOutcomes,
    Classification,
    Duplicate,
    ErrorType,
    Localisation,
    Missed,
    box_outcomes,
)
from weakspot.tasks.detection._evaluate import COCOParams, Evaluation, evaluate, match_image
from weakspot.tasks.detection._figures import CURVES, detection_figures, pr_curves, rates
from weakspot.tasks.detection._files import FORMATS, detection_format, read_detection_files
from weakspot.tasks.detection._fix import ap50_after_fixing, ap50_gain, error_type_costs
from weakspot.tasks.detection._match import DetectionMatch, match_detections
from weakspot.tasks.detection._memory import detections_from_predictions, ground_truth_from_targets
from weakspot.tasks.detection._outcomes import (
    FALSE_POSITIVE_VIEW,
    MISSED_VIEW,
    DetectionOutcomes,
)
from weakspot.tasks.detection._overlap import box_iou
from weakspot.tasks.detection._records import (
    Detections,
    GroundTruth,
    Images,
    box_areas,
    xywh_to_xyxy,
)
from weakspot.tasks.detection._voc import read_voc_detections, read_voc_ground_truth
from weakspot.tasks.detection._yolo import label_path, read_yolo_detections, read_yolo_ground_truth

__all__ = [
    "ATTRIBUTES",
    "CURVES",
    "DETECTION",
    "DETECTION_ERRORS",
    "ERROR_TYPES",
    "FALSE_POSITIVE_VIEW",
    "FORMATS",
    "GROUND_TRUTH",
    "MISSED_VIEW",
    "OUTCOME_COLUMNS",
    "SIZE_BINS",
    "SUMMARY_NAMES",
    "Accumulation",
    "Background",
    "Both",
    "BoxOutcomes",
    "BoxTable",
    "COCOParams",
    "Classification",
    "ClusteredRates",
    "DetectionMatch",
    "DetectionOutcomes",
    "Detections",
    "Duplicate",
    "ErrorType",
    "Evaluation",
    "GroundTruth",
    "Images",
    "Localisation",
    "Missed",
    "Summary",
    "accumulate",
    "ap50_after_fixing",
    "ap50_gain",
    "box_areas",
    "box_iou",
    "box_outcomes",
    "box_table",
    "clustered_rates",
    "detection_figures",
    "detection_format",
    "detections_from_predictions",
    "error_type_costs",
    "evaluate",
    "ground_truth_from_targets",
    "label_path",
    "match_detections",
    "match_image",
    "pr_curves",
    "precision_recall",
    "rates",
    "read_coco_detections",
    "read_coco_ground_truth",
    "read_data_yaml",
    "read_detection_files",
    "read_voc_detections",
    "read_voc_ground_truth",
    "read_yolo_detections",
    "read_yolo_ground_truth",
    "size_bins",
    "summarize",
    "xywh_to_xyxy",
]
