"""Training settings: the study's protocol as defaults, and the one place their limits live.

The Train page, the CLI and the job manager all validate through `TrainConfig.problems()` and
read the limits below, so a setting allowed in one place is allowed everywhere.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from fmnist_viz.training.pacing import Pacing, plan_pacing
from fmnist_viz.training.precision import PRECISIONS

OPTIMIZERS = ("adam", "sgd", "rmsprop")
PROTOCOL_VAL_SIZE = 5000  # the first 5,000 training images validate
PROTOCOL_TRAIN_SIZE = 55000  # the other 55,000 train
PROTOCOL_EPOCHS = 10
PROTOCOL_BATCH_SIZE = 64
PROTOCOL_LEARNING_RATE = 0.001

EPOCHS_MAX = 500
BATCH_SIZE_MAX = 8192
BATCH_SIZE_CHOICES = (16, 32, 64, 128, 256)  # offered by the Train page
LEARNING_RATE_MAX = 10.0
LEARNING_RATE_FIELD_MIN = 1e-5  # the smallest rate the Train page's field offers
SEED_MAX = 2**31 - 1

QUICK_DEMO_TRAIN_LIMIT = 5000  # the Train page's quick demo: 5,000 images, 3 epochs
QUICK_DEMO_EPOCHS = 3
MAX_STEPS_PER_CALL = 64  # the most batches one call into TensorFlow may run (see pacing.py)


class ConfigError(ValueError):
    """Training settings that cannot be used; the message says which and why."""


class PrecisionError(ConfigError):
    """The fast bfloat16 mode asked for where this CPU or TensorFlow cannot run it fast."""


def is_int(value: Any) -> bool:
    """True for a Python or NumPy integer that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass
class TrainConfig:
    """Training settings; the defaults are the study's protocol."""

    epochs: int = PROTOCOL_EPOCHS
    batch_size: int = PROTOCOL_BATCH_SIZE
    learning_rate: float = PROTOCOL_LEARNING_RATE
    optimizer: str = "adam"
    momentum: float = 0.9  # used by sgd only
    train_limit: int | None = None  # train on the first N of the 55,000 training images
    val_size: int = PROTOCOL_VAL_SIZE  # the first N training images are the validation set
    seed: int | None = None  # None: a seed is drawn and recorded
    state_every: int | None = None  # batches between saved states; None: about a quarter epoch
    steps_per_call: int | None = None  # batches per call into TensorFlow; None: see pacing.py
    precision: str = "float32"  # or "bfloat16": the opt-in fast mode (see precision.py)

    def pacing(self, steps_per_epoch: int, flops_per_sample: float = 0.0) -> Pacing:
        """Batches per call and between two saved states within an epoch (see pacing.py)."""
        return plan_pacing(
            steps_per_epoch,
            self.batch_size,
            self.steps_per_call,
            self.state_every,
            flops_per_sample,
        )

    def state_interval(self, steps_per_epoch: int) -> int:
        """Batches between two saved states within an epoch (0: epoch ends only)."""
        return self.pacing(steps_per_epoch).state_every

    def problems(self) -> list[str]:
        """Plain-language reasons this configuration cannot be used (empty when fine)."""
        out = []
        if not is_int(self.epochs) or not 1 <= self.epochs <= EPOCHS_MAX:
            out.append(f"epochs must be a whole number from 1 to {EPOCHS_MAX}")
        if not is_int(self.batch_size) or not 1 <= self.batch_size <= BATCH_SIZE_MAX:
            out.append(f"batch size must be a whole number from 1 to {BATCH_SIZE_MAX}")
        lr = self.learning_rate
        if (
            isinstance(lr, bool)
            or not isinstance(lr, int | float)
            or not math.isfinite(lr)
            or not 0 < lr <= LEARNING_RATE_MAX
        ):
            out.append(
                f"learning rate must be a number above 0 and at most {LEARNING_RATE_MAX:g} "
                "(e.g. 0.001)"
            )
        if self.optimizer not in OPTIMIZERS:
            out.append(f"optimizer must be one of {', '.join(OPTIMIZERS)}")
        if not isinstance(self.momentum, int | float) or not 0 <= self.momentum < 1:
            out.append("momentum must be at least 0 and below 1")
        if self.train_limit is not None and (not is_int(self.train_limit) or self.train_limit < 1):
            out.append("training subset must be a positive whole number (or empty for all)")
        if not is_int(self.val_size) or self.val_size < 1:
            out.append("validation size must be a positive whole number")
        if self.seed is not None and (not is_int(self.seed) or not 0 <= self.seed <= SEED_MAX):
            out.append(f"seed must be a whole number from 0 to {SEED_MAX}")
        if self.state_every is not None and (not is_int(self.state_every) or self.state_every < 0):
            out.append("the state interval must be a whole number of batches (0: epoch ends only)")
        if self.steps_per_call is not None and (
            not is_int(self.steps_per_call) or not 1 <= self.steps_per_call <= MAX_STEPS_PER_CALL
        ):
            out.append(f"steps per call must be a whole number from 1 to {MAX_STEPS_PER_CALL}")
        if self.precision not in PRECISIONS:
            out.append(f"precision must be one of {', '.join(PRECISIONS)}")
        return out

    def check(self) -> TrainConfig:
        """Raise ConfigError listing every problem; return self when fine."""
        problems = self.problems()
        if problems:
            raise ConfigError("; ".join(problems))
        return self

    def to_dict(self) -> dict[str, Any]:
        """The settings as a plain dict (what run.json stores)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Settings from a dict such as run.json's; unknown keys are ignored."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)
