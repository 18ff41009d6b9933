"""Image features: interpretable properties, quality flags, embeddings and concept tags.

Public entry points::

    from weakspot.features.images import extract_image_features, load_images_source

    source = load_images_source("data/val")            # path, label, id
    features = extract_image_features(source["path"].tolist(), labels=source["label"])
    features.properties, features.flags, features.concepts, features.embeddings

See ``docs/images.md`` for every property's formula, unit and range. Each column's meaning
for the later stages (its kind, the words for its values, its degraded direction, how to set
it) is its `PropertyDescriptor`, declared by the extractor that fills it
(`property_descriptors` looks them all up).
"""

from weakspot.features.images import _framing  # noqa: F401  (registers the framing extractor)
from weakspot.features.images._adjust import brightness_contrast, gaussian_blur, gaussian_noise
from weakspot.features.images._backbones import (
    Backbone,
    BackboneOutput,
    EfficientNetLite0,
    OnnxBackbone,
    TextAlignedBackbone,
    TorchBackbone,
    imagenet_class_names,
    resolve_backbone,
)
from weakspot.features.images._decode import (
    MAX_PIXELS,
    READ_ERRORS,
    as_uint8,
    decode_bytes,
    normalise_mode,
    read_file,
)
from weakspot.features.images._descriptors import (
    DEGRADED_DIRECTIONS,
    PROPERTY_KINDS,
    Medians,
    PropertyDescriptor,
    PropertyKind,
    PropertySetter,
)
from weakspot.features.images._extract import (
    EXTRACTOR_VERSION,
    ImageFeatures,
    extract_image_features,
)
from weakspot.features.images._extractors import (
    PROPERTY_EXTRACTORS,
    ImageBatch,
    PropertyExtractor,
    measure_images,
    property_descriptors,
    register_property_extractor,
)
from weakspot.features.images._flags import FLAG_COLUMNS, FLAG_DESCRIPTORS
from weakspot.features.images._properties import PROPERTY_COLUMNS
from weakspot.inputs import load_images_source

__all__ = [
    "DEGRADED_DIRECTIONS",
    "EXTRACTOR_VERSION",
    "FLAG_COLUMNS",
    "FLAG_DESCRIPTORS",
    "MAX_PIXELS",
    "PROPERTY_COLUMNS",
    "PROPERTY_EXTRACTORS",
    "PROPERTY_KINDS",
    "READ_ERRORS",
    "Backbone",
    "BackboneOutput",
    "EfficientNetLite0",
    "ImageBatch",
    "ImageFeatures",
    "Medians",
    "OnnxBackbone",
    "PropertyDescriptor",
    "PropertyExtractor",
    "PropertyKind",
    "PropertySetter",
    "TextAlignedBackbone",
    "TorchBackbone",
    "as_uint8",
    "brightness_contrast",
    "decode_bytes",
    "extract_image_features",
    "gaussian_blur",
    "gaussian_noise",
    "imagenet_class_names",
    "load_images_source",
    "measure_images",
    "normalise_mode",
    "property_descriptors",
    "read_file",
    "register_property_extractor",
    "resolve_backbone",
]
