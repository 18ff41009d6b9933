"""A title in words first: what the images look like, then the rule that says it exactly.

A rule over image properties is faithful but not read as a cause: ``sharpness < 0.0005`` is
exact and ``blurry images`` is what a person sees. The words come from each property's
`PropertyDescriptor` (its ``low`` and ``high`` words, a flag's word), so a user's extractor
titles its modes in its own words. A rule with no image condition that has words keeps its
plain text (``camera == C``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from weakspot.features import Condition
from weakspot.features.images import PropertyDescriptor

# the kinds (`weakspot.modes.KIND_ORDER`) whose columns are image properties with words
IMAGE_KINDS = frozenset({"quality", "photographic", "derived"})


def condition_word(condition: Condition, descriptor: PropertyDescriptor) -> str | None:
    """The descriptor's word for the images `condition` selects, or None when it has none.

    A flag set to True takes its word ("blurry"); a one-sided threshold takes the word of its
    side (``sharpness < t``: "blurry"); a two-sided range, a category or a flag set to False
    says nothing a person would call a look.
    """
    if descriptor.unit == "flag":
        flagged = condition.op == "==" and condition.value in (True, "True", 1, "1")
        return descriptor.high if flagged else None
    if condition.op != "in":
        return None
    low, high = (float(v) for v in condition.value)
    if np.isinf(low) and not np.isinf(high):
        return descriptor.low
    if np.isinf(high) and not np.isinf(low):
        return descriptor.high
    return None


def worded_title(
    rule: Sequence[Condition],
    kinds: Mapping[str, str],
    descriptors: Mapping[str, PropertyDescriptor],
) -> str:
    """The title of a mode with rule `rule`: the look in words, then the rule in brackets.

    ``[sharpness < 0.0005]`` -> ``"blurry images (sharpness < 0.0005)"``;
    ``[brightness < 0.2, contrast < 0.1]`` -> ``"dark images, low in contrast (brightness <
    0.2 and contrast < 0.1)"``; ``[camera == C]`` -> ``"camera == C"``.
    """
    text = " and ".join(c.describe() for c in rule)
    words: list[str] = []
    flags: set[str] = set()  # a flag's word reads before "images" ("odd aspect ratio images")
    for condition in rule:
        descriptor = descriptors.get(condition.feature)
        if descriptor is None or kinds.get(condition.feature) not in IMAGE_KINDS:
            continue
        word = condition_word(condition, descriptor)
        if word and word not in words:
            words.append(word)
            if descriptor.unit == "flag":
                flags.add(word)
    if not words:
        return text
    adjectives = [w for w in words if " " not in w or w in flags]
    phrases = [w for w in words if w not in adjectives]
    look = " and ".join(adjectives) + " images" if adjectives else "images"
    if phrases:
        look += (", " if adjectives else " ") + " and ".join(phrases)
    return f"{look} ({text})"
