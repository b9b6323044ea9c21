"""Inside a trained network, for one image: every layer's output (`probes`), the model at a saved
state (`at_state`), compiled forward passes to each conv layer (`conv_passes`), tape functions
over the model's own layers and the class score (`class_gradients`), what ReLU zeroes (`relu`),
what dropout drops (`dropout`), which input pixels a map cell sees (`receptive_field`), and one
conv and one pooling output written out in numbers (`worked_examples`).
"""

from fmnist_viz.inside.at_state import model_at, snapshot_outputs
from fmnist_viz.inside.class_gradients import (
    LOG_PROBABILITY,
    LOGIT,
    MAX_BATCH,
    ClassGradients,
    class_score,
    conv_layers,
    gradients,
    run_gradient,
)
from fmnist_viz.inside.conv_passes import conv_names, conv_stack, map_part
from fmnist_viz.inside.dropout import dropout_view, mc_dropout, showable_layers
from fmnist_viz.inside.probes import LayerOutput, Prober, as_batch, one_image
from fmnist_viz.inside.receptive_field import Field, layer_fields
from fmnist_viz.inside.relu import ReluStats, relu_stats, telling_channel, zero_shares
from fmnist_viz.inside.worked_examples import (
    POOL_KINDS,
    ConvStep,
    PoolStep,
    Window,
    conv_equation,
    conv_step,
    layer_conv_step,
    layer_pool_step,
    layer_window,
    on_the_object,
    pool_equation,
    pool_step,
    strongest,
)

__all__ = [
    "LOGIT",
    "LOG_PROBABILITY",
    "MAX_BATCH",
    "POOL_KINDS",
    "ClassGradients",
    "ConvStep",
    "Field",
    "LayerOutput",
    "PoolStep",
    "Prober",
    "ReluStats",
    "Window",
    "as_batch",
    "class_score",
    "conv_equation",
    "conv_layers",
    "conv_names",
    "conv_stack",
    "conv_step",
    "dropout_view",
    "gradients",
    "layer_conv_step",
    "layer_fields",
    "layer_pool_step",
    "layer_window",
    "map_part",
    "mc_dropout",
    "model_at",
    "on_the_object",
    "one_image",
    "pool_equation",
    "pool_step",
    "relu_stats",
    "run_gradient",
    "showable_layers",
    "snapshot_outputs",
    "strongest",
    "telling_channel",
    "zero_shares",
]
