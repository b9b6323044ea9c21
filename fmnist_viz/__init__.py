"""Fashion-MNIST CNN Explorer engine: train small CNNs on Fashion-MNIST and look inside them.

Nothing in this package imports streamlit; it works from a notebook or the CLI. TensorFlow is
imported lazily, only by the functions that build or run models.

The engine is a stack of concept packages. Each one's `__init__` names its public API, which
the others import; a package imports only the packages below it (tests/test_layers.py checks
every import, also those inside functions). Bottom up:

    data      Fashion-MNIST: finding, reading and validating it; uploads and drawings
    models    network specs: format, presets, validation, the Keras build, spec files
    training  one training: settings, memory budget, the protocol, events, evaluation, export
    runs      run folders: the store, saved states, the recorder, status, archives
    jobs      trainings in the background: the job manager, the local pool and Ray, the worker
    inside    one image through the network: probes, the model at a state, ReLU, dropout
    seeing    what the network sees: attribution, top images, activation maximisation, embeddings
    study     runs side by side: configurations, comparisons, the study's log, stats, sweeps
    teaching  the words: the Lesson's steps, page intros, concept notes, sentences under charts
    figures   pure Plotly builders for every view
    cli       the command line

This module holds what every layer shares: the classes and the image shape.
"""

__version__ = "0.1.0"

LAYERS: tuple[str, ...] = (
    "data",
    "models",
    "training",
    "runs",
    "jobs",
    "inside",
    "seeing",
    "study",
    "teaching",
    "figures",
    "cli",
)  # the packages, bottom up (see above)

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
