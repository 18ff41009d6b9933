"""Notebook display for records of the lower stages, without their importing the report.

A notebook shows an object as HTML when it has ``_repr_html_``. The cards for a slice and a
failure mode are the report's (`weakspot.report`), but the records live in stages below it
(`weakspot.explain`, `weakspot.slices`, `weakspot.modes`), which may not import it. So the
records' ``_repr_html_`` asks this registry, at the bottom of the layers, and the report fills
it when it is imported::

    weakspot.report._notebook   register_html(ExplainedSlice, render)   (at import)
    ExplainedSlice._repr_html_  -> html_of(self)                        (at display)

``import weakspot`` imports the report, and importing any ``weakspot.<stage>`` imports
``weakspot`` first, so the registry is full whenever a record exists. A type with no renderer
gives None, and IPython then shows its ``repr``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_RENDERERS: dict[type, Callable[[Any], str | None]] = {}


def register_html(cls: type[T], render: Callable[[T], str | None]) -> None:
    """Show instances of `cls` (and of its subclasses) in a notebook as ``render(obj)``.

    `render` returns the HTML, or None to let the notebook fall back to the ``repr`` (a record
    that has nothing to show yet). Registering a type again replaces its renderer.
    """
    _RENDERERS[cls] = render


def html_of(obj: object) -> str | None:
    """The HTML of `obj` from the renderer of its nearest registered class, or None."""
    for cls in type(obj).__mro__:
        render = _RENDERERS.get(cls)
        if render is not None:
            return render(obj)
    return None


__all__ = ["html_of", "register_html"]
