"""The exceptions weakspot raises.

One root, so that callers can catch everything weakspot says with one clause::

    WeakspotError (ValueError)
    ├── InputError          the table, a column or a file is not usable as given
    ├── ImageError          too many images could not be decoded
    └── MissingDependency   an optional extra (torch, onnxruntime, fairlearn) is not installed

Every message names the problem, echoes the offending value and says how to fix it.
"""

from __future__ import annotations


class WeakspotError(ValueError):
    """Root of every error weakspot raises on purpose."""


class InputError(WeakspotError):
    """The input table, one of its columns or an input file cannot be used as given.

    Attributes
    ----------
    parameter : str or None
        The `weakspot.analyze` parameter the problem is about (``"sensitive"``, ``"images"``),
        so that the command line can name its own flag instead.
    """

    def __init__(self, message: str, *, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter


class ImageError(WeakspotError):
    """Images could not be read (more than the allowed share failed)."""


class MissingDependency(WeakspotError, ImportError):
    """An optional dependency is needed for the requested feature."""


def missing_dependency(package: str, extra: str, purpose: str) -> MissingDependency:
    """Build the error raised when an optional `package` is needed for `purpose`."""
    return MissingDependency(
        f"{purpose} needs the optional package {package!r}, which is not installed. "
        f"Install it with: pip install 'weakspot[{extra}]'"
    )
