"""Library errors in the command line's words: a parameter name becomes its flag."""

from __future__ import annotations

import re

from weakspot._errors import WeakspotError


def flag_of(parameter: str) -> str:
    """The flag of an `analyze` parameter: ``image_column`` -> ``--image-column``."""
    return "--" + parameter.replace("_", "-")


def in_cli_words(exc: WeakspotError, parameters: list[str]) -> str:
    """The error's message with every ``parameter=`` written as the flag that sets it.

    ``sensitive='x' is not a metadata column`` reads ``--sensitive 'x' is not ...``;
    ``(label=)`` reads ``(--label)``.
    """
    text = str(exc)
    for name in sorted(parameters, key=len, reverse=True):
        text = re.sub(rf"\b{name}=(?=[\s).,;:]|$)", flag_of(name), text)
        text = re.sub(rf"\b{name}=", flag_of(name) + " ", text)
    return text
