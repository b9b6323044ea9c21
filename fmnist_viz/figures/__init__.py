"""Pure Plotly builders, one module per kind of figure (data in, a figure out, no state): shared
styling (`layout`), feature maps (`maps`), kernels, ReLU, dropout, the prediction
(`probabilities`), learning curves (`curves`, `live`), evaluation, attribution, filters
(`filters`: one filter, `layer_filters`: every filter of a layer), embeddings, the Lesson's
figures (`lesson`), the Class board's scatter (`board`), and any of them restyled for a projector
(`projector`).
"""

from fmnist_viz.figures.attribution import (
    attribution_figure,
    map_range,
    methods_panel,
    shared_scale,
)
from fmnist_viz.figures.board import accuracy_vs_params
from fmnist_viz.figures.curves import gap_chart, group_colors, overlay_curves, small_multiples
from fmnist_viz.figures.dropout import dropout_triplet
from fmnist_viz.figures.embeddings import (
    Points,
    embedding_scatter,
    separability_by_epoch,
    separability_line,
    stage_overview,
)
from fmnist_viz.figures.evaluation import (
    confusion_cell,
    confusion_heatmap,
    misclassified_gallery,
    per_class_bars,
)
from fmnist_viz.figures.filters import (
    class_spread_figure,
    grown_figure,
    image_with_field,
    top_images_figure,
)
from fmnist_viz.figures.kernels import (
    deep_kernel_grid,
    filter_slices,
    first_layer_kernels,
    kernel_evolution,
    weight_histogram,
)
from fmnist_viz.figures.layer_filters import filter_grid
from fmnist_viz.figures.lesson import (
    conv_step_figure,
    examples_by_class,
    fitting_figure,
    pool_step_figure,
    study_verdict_figure,
)
from fmnist_viz.figures.live import live_curves
from fmnist_viz.figures.maps import (
    channel_detail,
    channel_grid,
    examples_grid,
    image_figure,
    layer_figure,
    vector_bar,
)
from fmnist_viz.figures.palette import (
    CLASS_COLORS,
    HIDDEN,
    RUN_COLORS,
    class_color,
    run_color,
)
from fmnist_viz.figures.probabilities import probability_bars
from fmnist_viz.figures.projector import for_projector
from fmnist_viz.figures.relu import relu_pair, relu_share_bars

__all__ = [
    "CLASS_COLORS",
    "HIDDEN",
    "RUN_COLORS",
    "Points",
    "accuracy_vs_params",
    "attribution_figure",
    "channel_detail",
    "channel_grid",
    "class_color",
    "class_spread_figure",
    "confusion_cell",
    "confusion_heatmap",
    "conv_step_figure",
    "deep_kernel_grid",
    "dropout_triplet",
    "embedding_scatter",
    "examples_by_class",
    "examples_grid",
    "filter_grid",
    "filter_slices",
    "first_layer_kernels",
    "fitting_figure",
    "for_projector",
    "gap_chart",
    "group_colors",
    "grown_figure",
    "image_figure",
    "image_with_field",
    "kernel_evolution",
    "layer_figure",
    "live_curves",
    "map_range",
    "methods_panel",
    "misclassified_gallery",
    "overlay_curves",
    "per_class_bars",
    "pool_step_figure",
    "probability_bars",
    "relu_pair",
    "relu_share_bars",
    "run_color",
    "separability_by_epoch",
    "separability_line",
    "shared_scale",
    "small_multiples",
    "stage_overview",
    "study_verdict_figure",
    "top_images_figure",
    "vector_bar",
    "weight_histogram",
]
