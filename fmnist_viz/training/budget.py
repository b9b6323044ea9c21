"""Memory budgets: what a training or a probe of a model needs, and the limit per request.

The parameter cap alone does not bound memory: a single Conv2D of 4,096 1×1 filters has few
parameters but 3.2 million activations per image. Training memory is estimated from the
spec's shapes (pure Python, so an editor can show it) and refused above a limit, before any
TensorFlow work starts. The constants come from measuring peak RSS of `model.fit` on this
machine (see `benchmarks/bench_memory.py`): the estimate was 1.0 to 1.7 times the measured
extra memory for the presets and for wide 1×1 and 3×3 convolutions at batch sizes 32 to 512.

The limit is FMNIST_MEMORY_LIMIT_MB (default 2,048 MB per training: a 2-core, 8 GB classroom
machine runs one training at a time beside the server), or the CLI's --memory-limit-mb.
It covers what a model adds to the process; TensorFlow itself and the loaded dataset come on
top (about 0.6 GB and, for the full set, 0.2 GB).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from typing import Any

from fmnist_viz import IMAGE_SHAPE
from fmnist_viz.training.config import ConfigError

DEFAULT_MEMORY_LIMIT_MB = 2048
MEMORY_LIMIT_MAX_MB = 1 << 20  # 1 TB: anything above is a typo
FIXED_MB = 64.0  # traced functions and workspace of one fit, whatever the model (measured)
ACTIVATION_FACTOR = 3.0  # bytes kept per forward activation byte: outputs, gradients, workspace
PARAMETER_FACTOR = 4  # weights, gradients and Adam's two moments
PROBE_FACTOR = 2.0  # a probe's outputs exist as tensors and as NumPy copies
PROBE_SHARE = 0.25  # the share of the limit one probe call (a batch of images) may use
BF16_COPY_BYTES = 2  # mixed bfloat16: a bfloat16 copy of every weight beside the float32 one
FLOAT_BYTES = 4
MB = 1024 * 1024


class ResourceError(ConfigError):
    """A model and settings that would need more memory than one request may use."""


def memory_limit_mb(value: Any = None) -> int:
    """The limit in MB: `value` when given, else $FMNIST_MEMORY_LIMIT_MB, else the default.

    ConfigError for a value that is not a whole number of MB from 1 to MEMORY_LIMIT_MAX_MB.
    """
    source = "memory limit"
    if value is None:
        value = os.environ.get("FMNIST_MEMORY_LIMIT_MB") or DEFAULT_MEMORY_LIMIT_MB
        source = "FMNIST_MEMORY_LIMIT_MB"
    try:
        number = int(str(value).strip())
    except ValueError:
        number = 0
    if not 1 <= number <= MEMORY_LIMIT_MAX_MB:
        raise ConfigError(
            f"{source} must be a whole number of megabytes from 1 to {MEMORY_LIMIT_MAX_MB}, "
            f"not {value!r}"
        )
    return number


def sample_floats(shapes: Iterable[Sequence[int]]) -> int:
    """Floats one image occupies in the forward pass: the input plus every layer's output."""
    return math.prod(IMAGE_SHAPE) + sum(math.prod(shape) for shape in shapes)


def training_flops(rows: Iterable[Any]) -> float:
    """Floating-point operations to train on one image (forward and backward, about 3 times
    the forward pass), from a spec summary's rows: each weight is one multiply-add per
    output position of its layer (Model 1: about 16 million)."""
    forward = sum(2 * row.params * math.prod(row.output_shape[:-1]) for row in rows)
    return 3.0 * forward


def training_mb(
    shapes: Iterable[Sequence[int]], params: int, batch_size: int, precision: str = "float32"
) -> float:
    """Estimated memory (MB) a `model.fit` of this model adds at this batch size.

    Mixed bfloat16 keeps the float32 master weights, gradients and Adam moments and adds a
    bfloat16 copy of the weights. Its activations are counted at float32 size: the bfloat16
    outputs come with float32 casts (inputs, the output layer, the loss) and oneDNN
    workspaces, so the float32 figure is kept as the upper bound the refusal needs.
    """
    activations = batch_size * sample_floats(shapes) * FLOAT_BYTES * ACTIVATION_FACTOR
    weights = params * FLOAT_BYTES * PARAMETER_FACTOR
    if precision == "bfloat16":
        weights += params * BF16_COPY_BYTES
    return FIXED_MB + (activations + weights) / MB


def training_problem(
    shapes: Iterable[Sequence[int]],
    params: int,
    batch_size: int,
    limit_mb: int,
    precision: str = "float32",
) -> str | None:
    """A plain message when training would need more than limit_mb, else None."""
    need = training_mb(list(shapes), params, batch_size, precision)
    if need <= limit_mb:
        return None
    return (
        f"Training this model at batch size {batch_size:,} needs about {need:,.0f} MB of "
        f"memory; the limit is {limit_mb:,} MB per run. Use fewer filters or units, pool "
        "earlier, or a smaller batch size (the limit is FMNIST_MEMORY_LIMIT_MB, or the "
        "command line's --memory-limit-mb)"
    )


def check_training(
    spec: dict[str, Any], batch_size: int, limit_mb: int | None = None, precision: str = "float32"
) -> float:
    """The estimated training memory (MB) of a valid spec; ResourceError above the limit."""
    from fmnist_viz.models import check_spec

    summary = check_spec(spec)
    shapes = [row.output_shape for row in summary.rows]
    limit = memory_limit_mb(limit_mb)
    problem = training_problem(shapes, summary.total_params, batch_size, limit, precision)
    if problem:
        raise ResourceError(problem)
    return training_mb(shapes, summary.total_params, batch_size, precision)


def inference_batch(per_image_floats: int, cap: int, limit_mb: int | None = None) -> int:
    """Images per inference call so that its outputs stay within PROBE_SHARE of the limit."""
    budget = memory_limit_mb(limit_mb) * MB * PROBE_SHARE
    per_image = max(per_image_floats, 1) * FLOAT_BYTES * PROBE_FACTOR
    return int(max(1, min(cap, budget // per_image)))
