"""Fashion-MNIST in: finding and validating the dataset (`loading`: a named folder, Debian's
package, the Keras cache, a download, the bundled `sample/`), its file format (`idx`), a user's
picture made into a 28x28 Fashion-MNIST image (`uploads`) and a drawing's pixels through the
same conversion (`canvas`).
"""

from fmnist_viz.data.canvas import convert_drawing
from fmnist_viz.data.idx import DataError
from fmnist_viz.data.loading import FashionMNIST, examples_per_class, load_fashion_mnist
from fmnist_viz.data.uploads import PREVIEW_SIDE, ConvertedImage, ImageError, convert_upload

__all__ = [
    "PREVIEW_SIDE",
    "ConvertedImage",
    "DataError",
    "FashionMNIST",
    "ImageError",
    "convert_drawing",
    "convert_upload",
    "examples_per_class",
    "load_fashion_mnist",
]
