"""The mechanism of a failure mode in words: which plain image properties set it apart.

"images where camera == C are dark: brightness 0.11 vs 0.42 elsewhere; 97% flagged dark
(1% elsewhere)". The sentence takes the plain photographic property whose standardised
difference between the mode and the rest is largest (at least `MIN_EFFECT`), the word its
`PropertyDescriptor` gives that direction (``low`` / ``high``), and the quality flag whose
share rises most (a flag that thresholds a photographic property, such as ``is_dark``, also
names the look). Without image features it names the strongest difference of any column
outside the title's rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from weakspot.explain import distinguishing_features
from weakspot.features.images import PropertyDescriptor, property_descriptors

MIN_EFFECT = 0.5
MIN_FLAG_SHARE = 0.3


def mechanism_sentence(
    mask: np.ndarray,
    features: pd.DataFrame,
    kinds: dict[str, str],
    feature_info: dict[str, tuple[str, str]],
    title: str | None,
    rule_features: Sequence[str] = (),
    descriptors: Mapping[str, PropertyDescriptor] | None = None,
) -> str:
    """One sentence on what sets the rows in `mask` (bool, shape (n,)) apart in image terms.

    `rule_features` are the columns of the title's rule: the fallback, which names the column
    that differs most, looks past them (the rows of ``site == B`` are all B by definition).
    A table without image features gets the fallback, in words about rows, not images.
    `descriptors` give each image column's words (default: `property_descriptors`).
    """
    described = property_descriptors() if descriptors is None else descriptors
    image = [c for c in features.columns if kinds.get(c) in ("photographic", "derived")]
    has_images = bool(image) or any(kind == "quality" for kind in kinds.values())
    subject = _subject(title, kinds, "images" if has_images else "examples")
    others = features.drop(columns=[c for c in rule_features if c in features.columns])
    if not has_images:
        return _fallback(subject, mask, others, images=False)
    effects = distinguishing_features(mask, features[image]) if image else []
    plain = [e for e in effects if kinds.get(e["feature"]) == "photographic"]
    strong = [e for e in plain if abs(e["effect"]) >= MIN_EFFECT][:2] or [
        e for e in effects if abs(e["effect"]) >= MIN_EFFECT
    ][:1]
    flag = _top_flag(mask, features, kinds)
    if not strong and flag is None:
        return _fallback(subject, mask, others, images=True)
    # a flag that thresholds a photographic property is a look ("dark"), not only a flag
    looks = {
        f for d in described.values() if d.kind in ("photographic", "content") for f in d.flags
    }
    words = [_flag_word(flag[0], described)] if flag is not None and flag[0] in looks else []
    figures = []
    for e in strong:
        name = feature_info.get(e["feature"], (e["feature"], ""))[0].lower()
        higher = e["effect"] >= 0
        descriptor = described.get(e["feature"])
        fallback = f"{'high' if higher else 'low'} in {name}"
        words.append(descriptor.word(higher) if descriptor is not None else fallback)
        figures.append(f"{name} {_num(e['in_slice'])} vs {_num(e['elsewhere'])} elsewhere")
    words = list(dict.fromkeys(words))
    head = f"{subject} are {' and '.join(words)}" if words else f"{subject} stand out"
    parts = [head + (": " + ", ".join(figures) if figures else "")]
    if flag is not None:
        column, inside, outside = flag
        word = _flag_word(column, described)
        parts.append(f"{inside:.0%} flagged {word} ({outside:.0%} elsewhere)")
    return "; ".join(parts)


def _subject(title: str | None, kinds: dict[str, str], things: str = "images") -> str:
    """``images from camera C`` for one metadata value, ``images where <title>`` otherwise
    (``examples ...`` for a table without images)."""
    if not title:
        return f"these {things}"
    feature, _, value = title.partition(" == ")
    if value and " and " not in title and kinds.get(feature) == "metadata":
        return f"{things} from {feature} {value}"
    return f"{things} where {title}"


def _top_flag(mask, features: pd.DataFrame, kinds) -> tuple[str, float, float] | None:
    best = None
    for column in features.columns:
        if kinds.get(column) != "quality":
            continue
        values = features[column].astype("string").to_numpy(dtype=object) == "True"
        inside, outside = values[mask].mean(), values[~mask].mean() if (~mask).any() else 0.0
        if (
            inside >= MIN_FLAG_SHARE
            and inside - outside > 0.2
            and (best is None or inside - outside > best[1] - best[2])
        ):
            best = (column, float(inside), float(outside))
    return best


def _flag_word(column: str, described: Mapping[str, PropertyDescriptor]) -> str:
    """The word of a flagged image ("dark"): its descriptor's `high`, else the column."""
    descriptor = described.get(column)
    return descriptor.high if descriptor is not None and descriptor.high else column


def _fallback(subject: str, mask: np.ndarray, others: pd.DataFrame, *, images: bool) -> str:
    """The column outside the rule that differs most between `mask` and the rest."""
    effects = distinguishing_features(mask, others)
    none = "no image property or other column" if images else "no other column"
    if not effects or effects[0]["strength"] < 0.2:
        return f"{none} sets {subject} clearly apart"
    e = effects[0]
    head = f"no image property sets {subject} apart; " if images else f"{subject}: "
    if e["kind"] == "numeric":
        return (
            f"{head}of the other columns they differ most in {e['feature']}: "
            f"{_num(e['in_slice'])} vs {_num(e['elsewhere'])} elsewhere"
        )
    return (
        f"{head}of the other columns they differ most in {e['feature']}: "
        f"{e['in_slice']:.0%} are {e['value']} vs {e['elsewhere']:.0%} elsewhere"
    )


def _num(x: float) -> str:
    return f"{x:.3g}" if abs(x) >= 0.01 or x == 0 else f"{x:.2g}"
