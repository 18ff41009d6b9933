"""``augment``: an augmentation spec whose copies have the failing mode's look, by measurement.

The transforms are found by `weakspot.actions._reproduce.find_reproduction`: each candidate
(brightness and contrast, gamma, blur, noise, inversion, a frame, low resolution) is applied to
evaluation images from outside the mode, and the one whose copies land among the mode's images
in property space (checked with the image stage's own property code) makes the spec. No spec is
proposed when no transform reproduces the look, or when the images cannot be opened: a guessed
augmentation can hurt (the frame that comparing property means read as "brighter"). Written in
Albumentations' serialisation (`weakspot.actions.augment` applies it without Albumentations).

The expected gain is the diagnosis-scaled one times the reproduction (at most 1): a transform
that reproduces half of the look is credited with half of the errors.
"""

from __future__ import annotations

import json
from typing import ClassVar

from weakspot.actions._base import (
    Action,
    artifact_name,
    gain_action,
    register_action,
)
from weakspot.actions._reproduce import reproduction_of
from weakspot.actions.augment import ALBUMENTATIONS_VERSION
from weakspot.diagnoses import Diagnosis, DiagnosisContext
from weakspot.modes import FailureMode


@register_action
class Augment:
    kind: ClassVar[str] = "augment"
    verifiable: ClassVar[bool] = True  # `weakspot verify` retrains with it
    serves: ClassVar[tuple[str, ...]] = (
        "image_quality",
        "distribution_shift",
        "under_representation",
    )

    def propose(
        self, mode: FailureMode, diagnosis: Diagnosis | None, context: DiagnosisContext
    ) -> Action | None:
        if diagnosis is None:
            return None
        found = reproduction_of(mode, context)
        if found is None:
            return None
        transforms = found.serialised()
        spec = {
            "__version__": ALBUMENTATIONS_VERSION,
            "transform": {
                "__class_fullname__": "Compose",
                "p": 1.0,
                "transforms": transforms,
            },
        }
        relative = artifact_name(f"{mode.id}-augment.json")
        names = ", ".join(dict.fromkeys(t["__class_fullname__"] for t in transforms))
        share = min(1.0, found.reproduction)
        c = found.shares
        return gain_action(
            self.kind,
            mode,
            diagnosis,
            context,
            steps=(
                f"Augment training images so that some look {found.describe()}: {names} as in "
                "the spec (albumentations.from_dict(json.load(f)), or "
                "weakspot.actions.augment.apply_spec), then retrain."
            ),
            artifact=relative,
            files={relative: json.dumps(spec, indent=2) + "\n"},
            reach=(
                share,
                f"the reproduction {share:.2f} ({found.n_images} copies of images from outside "
                f"the mode have {c['copies']:.0%} mode members among their nearest images by "
                f"their properties, against {c['originals']:.0%} before and {c['members']:.0%} "
                "for the mode's own)",
            ),
        )
