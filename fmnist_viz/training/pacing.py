"""How many batches the engine runs per call into TensorFlow, and where states fall.

Keras' `steps_per_execution=n` runs n batches in one traced call, which saves the Python
round trip per batch (about 8 % on the study's Model 1, see benchmarks/bench_training.py) and
gives the same numbers bit for bit. Callbacks then see one begin and one end per call, so
what the live views need is planned here in whole calls:

- progress after every call: a call holds at most SAMPLES_PER_CALL images (8 batches of 64,
  about 0.1-0.2 s for the presets on 2 cores), and a heavier model gets fewer batches per
  call (by its FLOPs per image) so that a call stays within about 0.25 s: progress at least
  every 0.5 s;
- a state exactly every K batches: K is a multiple of n (the default quarter epoch is
  rounded up to one, and n is at most a quarter epoch; an explicit --state-every K keeps K
  and n becomes a divisor of K); the study's protocol: 8 per call, a state every 216
  batches; the quick demo: 8 per call, a state every 24;
- a Stop request is seen before every call, so the call running then is the last.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

STATES_PER_EPOCH = 4  # default: a state every quarter epoch, rounded up to whole calls
# (the quick demo saves 13)

CALL_SECONDS = 0.25  # a call should take at most about this long (progress every 0.5 s)
ASSUMED_FLOPS = 40e9  # a cautious training rate of 2 cores (Model 1 runs at about 68 GFLOP/s)
SAMPLES_PER_CALL = 512  # the default: batches per call so that a call holds about this many images
DEFAULT_MAX_STEPS = 16  # ... but at most this many


@dataclass(frozen=True)
class Pacing:
    """Batches per call and batches between two saved states within an epoch (0: none)."""

    steps_per_call: int
    state_every: int


def default_steps_per_call(batch_size: int) -> int:
    """Batches per call for this batch size: SAMPLES_PER_CALL images, 1 to DEFAULT_MAX_STEPS."""
    return max(1, min(DEFAULT_MAX_STEPS, SAMPLES_PER_CALL // max(1, batch_size)))


def largest_divisor_at_most(k: int, n: int) -> int:
    """The largest divisor of k that is at most n (1 at least)."""
    return next(d for d in range(max(1, min(n, k)), 0, -1) if k % d == 0)


def plan_pacing(
    steps_per_epoch: int,
    batch_size: int,
    steps_per_call: int | None = None,
    state_every: int | None = None,
    flops_per_sample: float = 0.0,
) -> Pacing:
    """The calls and states of a training: see the module docstring.

    steps_per_call None: the default for the batch size, fewer for a heavy model (its
    training FLOPs per image, when given) so that a call stays within CALL_SECONDS.
    state_every None: a quarter epoch rounded up to a whole number of calls; 0: epoch ends
    only; K: exactly every K batches.
    """
    n = steps_per_call
    if n is None:
        n = default_steps_per_call(batch_size)
        if flops_per_sample > 0:
            calls = CALL_SECONDS * ASSUMED_FLOPS / (flops_per_sample * max(1, batch_size))
            n = max(1, min(n, int(calls)))
    n = max(1, min(n, steps_per_epoch))
    if state_every is None:
        quarter = max(1, math.ceil(steps_per_epoch / STATES_PER_EPOCH))
        n = min(n, quarter)  # a short epoch keeps its quarter-epoch states
        return Pacing(n, math.ceil(quarter / n) * n)
    if state_every == 0:
        return Pacing(n, 0)
    return Pacing(largest_divisor_at_most(state_every, n), state_every)
