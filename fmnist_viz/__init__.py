"""Fashion-MNIST CNN Explorer engine: data, architectures, training, runs, probes, figures.

Nothing in this package imports streamlit; it works from a notebook or the CLI.
TensorFlow is imported lazily, only by the modules that build or run models.
"""

__version__ = "0.1.0"

CLASS_NAMES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
NUM_CLASSES = 10
IMAGE_SHAPE = (28, 28, 1)
