"""A title over image properties reads in words first, from the property descriptors."""

import numpy as np
import pytest

from weakspot.features import Condition
from weakspot.features.images import PropertyDescriptor, property_descriptors
from weakspot.modes._words import worded_title

INF = np.inf
KINDS = {
    "sharpness": "photographic",
    "brightness": "photographic",
    "contrast": "photographic",
    "is_odd_aspect_ratio": "quality",
    "is_blurry": "quality",
    "camera": "metadata",
    "entropy": "derived",
}


@pytest.mark.parametrize(
    ("rule", "title"),
    [
        (
            [Condition("sharpness", "in", [-INF, 0.0005])],
            "blurry images (sharpness < 0.0005)",
        ),
        (
            [Condition("brightness", "in", [-INF, 0.2]), Condition("contrast", "in", [-INF, 0.1])],
            "dark images, low in contrast (brightness < 0.2 and contrast < 0.1)",
        ),
        (
            [Condition("camera", "==", "C"), Condition("brightness", "in", [0.7, INF])],
            "bright images (camera == C and brightness >= 0.7)",
        ),
        ([Condition("is_blurry", "==", True)], "blurry images (is_blurry == True)"),
        (
            [Condition("is_odd_aspect_ratio", "==", True)],
            "odd aspect ratio images (is_odd_aspect_ratio == True)",
        ),
        ([Condition("camera", "==", "C")], "camera == C"),  # no look: the rule as it is
        ([Condition("is_blurry", "==", False)], "is_blurry == False"),  # not a look
        ([Condition("brightness", "in", [0.2, 0.4])], "brightness in [0.2, 0.4)"),
    ],
)
def test_the_title_says_the_look_then_the_rule(rule, title):
    assert worded_title(rule, KINDS, property_descriptors()) == title


def test_a_metadata_column_named_like_a_property_gets_no_image_words():
    rule = [Condition("brightness", "in", [-INF, 0.2])]
    assert worded_title(rule, {"brightness": "metadata"}, property_descriptors()) == (
        "brightness < 0.2"
    )


def test_a_users_property_titles_in_its_own_words():
    descriptors = {"red_share": PropertyDescriptor("Red share", "0-1", high="red", low="grey")}
    rule = [Condition("red_share", "in", [0.6, INF])]
    assert worded_title(rule, {"red_share": "photographic"}, descriptors) == (
        "red images (red_share >= 0.6)"
    )
