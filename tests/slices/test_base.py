"""`make_finder`: options by name, typed from the command line's text, and its errors."""

from __future__ import annotations

import pytest

from weakspot import InputError
from weakspot.slices import default_methods, make_finder


def test_text_options_take_the_type_of_the_default():
    lattice = make_finder("lattice", {"max_level": "2", "alpha": "0.9"})
    assert (lattice.max_level, lattice.alpha) == (2, 0.9)
    assert type(lattice.max_level) is int
    direction = make_finder("failure_direction", {"top_shares": "0.1,0.2"})
    assert direction.top_shares == (0.1, 0.2)
    # values given from Python are kept as they are
    assert make_finder("lattice", {"max_level": 4}).max_level == 4


def test_a_bad_option_value_names_the_option_and_its_type():
    with pytest.raises(InputError, match=r"Option 'max_level' takes a int \(default 3\); got 'x'"):
        make_finder("lattice", {"max_level": "x"})
    with pytest.raises(InputError, match=r"takes a tuple .*; got '0.1,a'") as info:
        make_finder("failure_direction", {"top_shares": "0.1,a"})
    assert info.value.parameter == "finder_options"


def test_unknown_finders_and_options_are_refused_with_the_choices():
    with pytest.raises(InputError, match=r"Unknown slice finder 'latice'; available: \[") as info:
        make_finder("latice")
    assert info.value.parameter == "methods"
    with pytest.raises(InputError, match=r"Finder 'lattice' has no option 'depth'; its options"):
        make_finder("lattice", {"depth": 2})


def test_the_default_methods_follow_the_declared_needs():
    assert default_methods(frozenset()) == ("lattice", "error_tree")
    # the embedding finders search class by class: a regressor's embeddings do not run them
    assert default_methods(frozenset({"embeddings"})) == ("lattice", "error_tree")
    assert default_methods(frozenset({"embeddings", "classes"})) == (
        "lattice",
        "error_tree",
        "domino",
        "failure_direction",
        "barlow",
    )
