"""The inputs stage: reading and validating the predictions table, its images and embeddings."""

from weakspot.inputs._embeddings import load_embeddings
from weakspot.inputs._examples import Examples, build_examples, read_table
from weakspot.inputs._resolve import Inputs, resolve_inputs

__all__ = [
    "Examples",
    "Inputs",
    "build_examples",
    "load_embeddings",
    "read_table",
    "resolve_inputs",
]
