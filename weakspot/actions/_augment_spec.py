"""``augment``: an augmentation spec that reproduces the mode's failing image property.

The spec matches the property that sets the mode apart (class-matched, in its degraded
direction), with its size measured on the data: brightness as the difference of mean
luminance (``brightness_limit`` around it, +/- 50%), contrast as the ratio of RMS contrasts
(``contrast_limit`` = ratio - 1, +/- 50%), blur as a Gaussian sigma of
``(sharpness elsewhere / sharpness in the mode) ** 0.25`` pixels (a Laplacian's variance
falls roughly as sigma^-4), noise as ``sqrt(noise_in^2 - noise_out^2)``. Written in
Albumentations' serialisation (`weakspot.actions.augment`).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import numpy as np

from weakspot.actions._base import Action, artifact_name, gain_action, register_action
from weakspot.actions.augment import ALBUMENTATIONS_VERSION
from weakspot.diagnoses._base import Diagnosis, DiagnosisContext
from weakspot.diagnoses._evidence import _numeric, mode_mask


def _means(context: DiagnosisContext, mask: np.ndarray, name: str) -> tuple[float, float] | None:
    features = context.evaluation.features
    if name not in features.columns:
        return None
    values = _numeric(features[name])
    if values is None:
        return None
    return float(np.nanmean(values[mask])), float(np.nanmean(values[~mask]))


def _band(centre: float, low: float, high: float) -> list[float]:
    a, b = sorted((centre * 0.5, centre * 1.5))
    return [round(max(low, a), 3), round(min(high, b), 3)]


def transforms_for(context: DiagnosisContext, mask: np.ndarray) -> list[dict[str, Any]]:
    """Serialised Albumentations transforms matching how the mode's images differ."""
    out = []
    brightness, contrast = _means(context, mask, "brightness"), _means(context, mask, "contrast")
    if brightness and abs(brightness[0] - brightness[1]) >= 0.05:
        shift = brightness[0] - brightness[1]
        c = contrast[0] / contrast[1] - 1 if contrast and contrast[1] > 0 else 0.0
        out.append(
            {
                "__class_fullname__": "RandomBrightnessContrast",
                "brightness_limit": _band(shift, -1.0, 1.0),
                "contrast_limit": _band(c, -0.95, 3.0) if abs(c) >= 0.1 else [0.0, 0.0],
                "brightness_by_max": True,
                "p": 0.5,
            }
        )
    sharp = _means(context, mask, "sharpness")
    if sharp and sharp[0] > 0 and sharp[1] / sharp[0] >= 1.5:
        sigma = float((sharp[1] / sharp[0]) ** 0.25)
        out.append(
            {
                "__class_fullname__": "GaussianBlur",
                "blur_limit": [0, 0],
                "sigma_limit": _band(sigma, 0.3, 10.0),
                "p": 0.5,
            }
        )
    noise = _means(context, mask, "noise")
    if noise and noise[0] > 1.5 * noise[1]:
        std = float(np.sqrt(max(noise[0] ** 2 - noise[1] ** 2, 0.0)))
        out.append(
            {"__class_fullname__": "GaussNoise", "std_range": _band(std, 0.0, 1.0), "p": 0.5}
        )
    return out


@register_action
class Augment:
    kind: ClassVar[str] = "augment"
    serves: ClassVar[tuple[str, ...]] = ("image_quality", "distribution_shift")

    def propose(
        self, mode: Any, diagnosis: Diagnosis | None, context: DiagnosisContext
    ) -> Action | None:
        if diagnosis is None:
            return None
        transforms = transforms_for(context, mode_mask(mode, len(context.evaluation)))
        if not transforms:
            return None
        spec = {
            "__version__": ALBUMENTATIONS_VERSION,
            "transform": {"__class_fullname__": "Compose", "p": 1.0, "transforms": transforms},
        }
        relative = artifact_name(f"{mode.id}-augment.json")
        files = {relative: json.dumps(spec, indent=2) + "\n"}
        names = ", ".join(t["__class_fullname__"] for t in transforms)
        return gain_action(
            self.kind,
            mode,
            diagnosis,
            context,
            steps=(
                f"Augment training images with {names} as in the spec "
                "(albumentations.from_dict(json.load(f)), or weakspot.actions.augment.apply_spec), "
                "then retrain."
            ),
            artifact=relative,
            files=files,
        )
