"""The inputs stage: reading and validating the predictions table, its images and embeddings."""

from weakspot.inputs._embeddings import load_embeddings
from weakspot.inputs._examples import Examples, build_examples, read_table
from weakspot.inputs._options import ColumnOptions, ReadOptions, check_file_options
from weakspot.inputs._partitioned import is_partitioned, read_partitioned, read_partitioned_sample
from weakspot.inputs._resolve import Inputs, map_examples, resolve_inputs
from weakspot.inputs._sample import RowSample, check_sample

__all__ = [
    "ColumnOptions",
    "Examples",
    "Inputs",
    "ReadOptions",
    "RowSample",
    "build_examples",
    "check_file_options",
    "check_sample",
    "is_partitioned",
    "load_embeddings",
    "map_examples",
    "read_partitioned",
    "read_partitioned_sample",
    "read_table",
    "resolve_inputs",
]
