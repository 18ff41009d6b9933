"""The ``weakspot`` command line: a thin layer over `weakspot.analyze`."""

from weakspot.cli._app import app, main

__all__ = ["app", "main"]
