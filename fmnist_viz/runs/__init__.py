"""Runs on disk: the run folders (`store`), what makes one usable and whether its process lives
(`checks`), its batch and history files (`files`), the weights it saves while it learns
(`states`), atomic writes (`atomic`), the recorder that writes a training into its folder
(`recorder`), TensorBoard event files (`tensorboard`), a run's status in words and the default
run (`status`), and a run as a zip (`archive`).
"""

from fmnist_viz.runs.archive import run_zip
from fmnist_viz.runs.atomic import file_version, write_bytes_atomic
from fmnist_viz.runs.files import BatchTail
from fmnist_viz.runs.recorder import RunRecorder
from fmnist_viz.runs.states import (
    StateError,
    StateRef,
    conv_weights,
    encode_state,
    kernel_limits,
    kernel_snapshot,
    other_weights,
    read_state,
    weight_change,
)
from fmnist_viz.runs.status import USABLE, badge, default_run, planned_epochs, status_text
from fmnist_viz.runs.store import (
    ACTIVE,
    MODEL_FILE,
    RUN_FILE,
    STOP_FILE,
    RunError,
    RunInfo,
    RunStore,
    now_iso,
)

__all__ = [
    "ACTIVE",
    "MODEL_FILE",
    "RUN_FILE",
    "STOP_FILE",
    "USABLE",
    "BatchTail",
    "RunError",
    "RunInfo",
    "RunRecorder",
    "RunStore",
    "StateError",
    "StateRef",
    "badge",
    "conv_weights",
    "default_run",
    "encode_state",
    "file_version",
    "kernel_limits",
    "kernel_snapshot",
    "now_iso",
    "other_weights",
    "planned_epochs",
    "read_state",
    "run_zip",
    "status_text",
    "weight_change",
    "write_bytes_atomic",
]
