"""Reading and validating the predictions table."""

from weakspot.inputs._examples import Examples, build_examples, read_table

__all__ = ["Examples", "build_examples", "read_table"]
