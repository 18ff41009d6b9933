"""Image features: interpretable properties, quality flags, embeddings and concept tags.

Public entry points::

    from weakspot.features.images import extract_image_features, load_images_source

    source = load_images_source("data/val")            # path, label, id
    features = extract_image_features(source["path"].tolist(), labels=source["label"])
    features.properties, features.flags, features.concepts, features.embeddings

See ``docs/images.md`` for every property's formula, unit and range.
"""

from weakspot.features.images._backbones import (
    Backbone,
    BackboneOutput,
    EfficientNetLite0,
    OnnxBackbone,
    TextAlignedBackbone,
    TorchBackbone,
    imagenet_class_names,
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
    register_property_extractor,
)
from weakspot.features.images._flags import FLAG_COLUMNS
from weakspot.features.images._properties import PROPERTY_COLUMNS
from weakspot.inputs._image_folder import load_images_source

__all__ = [
    "EXTRACTOR_VERSION",
    "FLAG_COLUMNS",
    "PROPERTY_COLUMNS",
    "PROPERTY_EXTRACTORS",
    "Backbone",
    "BackboneOutput",
    "EfficientNetLite0",
    "ImageBatch",
    "ImageFeatures",
    "OnnxBackbone",
    "PropertyExtractor",
    "TextAlignedBackbone",
    "TorchBackbone",
    "extract_image_features",
    "imagenet_class_names",
    "load_images_source",
    "register_property_extractor",
]
