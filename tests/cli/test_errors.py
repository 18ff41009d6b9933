"""Library errors in the command line's words."""

from __future__ import annotations

import pytest

from weakspot import InputError
from weakspot.cli._errors import flag_of, in_cli_words

PARAMETERS = ["label", "label_column", "sensitive", "max_q", "image_column"]


def test_a_parameter_becomes_its_flag():
    assert flag_of("image_column") == "--image-column"
    assert flag_of("max_q") == "--max-q"


@pytest.mark.parametrize(
    ("message", "words"),
    [
        ("sensitive='x' is not a metadata column", "--sensitive 'x' is not a metadata column"),
        ("Pass the column as label=.", "Pass the column as --label."),
        ("No label column (label=)", "No label column (--label)"),
        ("max_q= must be in (0, 1], got 2.", "--max-q must be in (0, 1], got 2."),
        # the longer name is replaced first, so label= inside label_column= is left alone
        ("label_column='y' and label='z'", "--label-column 'y' and --label 'z'"),
        # a word that only ends like a parameter, or a parameter without '=', is not a flag
        ("mislabel='a'; the label is 'b'", "mislabel='a'; the label is 'b'"),
    ],
)
def test_every_parameter_is_written_as_its_flag(message, words):
    assert in_cli_words(InputError(message), PARAMETERS) == words
