"""Real data that works offline, for the demo, the tests and the benchmarks."""

from weakspot.datasets._demo import make_demo_predictions, write_demo_images
from weakspot.datasets._fashion_mnist import (
    FASHION_MNIST_CLASSES,
    fashion_mnist_available,
    load_fashion_mnist,
)

__all__ = [
    "FASHION_MNIST_CLASSES",
    "fashion_mnist_available",
    "load_fashion_mnist",
    "make_demo_predictions",
    "write_demo_images",
]
