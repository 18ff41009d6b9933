"""The inputs stage: reading and validating the predictions table, its images and embeddings."""

from weakspot.inputs._embeddings import load_embeddings
from weakspot.inputs._examples import Examples, build_examples, read_table
from weakspot.inputs._image_bytes import (
    BYTES_FOLDER,
    MAX_IMAGE_BYTES,
    content_hash,
    user_cache_root,
)
from weakspot.inputs._image_folder import load_images_source
from weakspot.inputs._options import ColumnOptions, ReadOptions, check_file_options
from weakspot.inputs._partitioned import is_partitioned, read_partitioned, read_partitioned_sample
from weakspot.inputs._resolve import Inputs, map_examples, resolve_inputs
from weakspot.inputs._sample import RowSample, check_sample

__all__ = [
    "BYTES_FOLDER",
    "MAX_IMAGE_BYTES",
    "ColumnOptions",
    "Examples",
    "Inputs",
    "ReadOptions",
    "RowSample",
    "build_examples",
    "check_file_options",
    "check_sample",
    "content_hash",
    "is_partitioned",
    "load_embeddings",
    "load_images_source",
    "map_examples",
    "read_partitioned",
    "read_partitioned_sample",
    "read_table",
    "resolve_inputs",
    "user_cache_root",
]
