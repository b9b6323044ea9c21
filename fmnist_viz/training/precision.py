"""Numeric precision of a training: float32 (the default, bit-identical to plain Keras) or the
opt-in fast mode, Keras mixed bfloat16.

In the fast mode the layers compute in bfloat16 while their variables (the master weights)
stay float32, so every saved state and model.keras holds float32 weights as in the default
mode and every inside page reads them unchanged. The output layer computes in float32 (its
softmax and the loss are not rounded to bfloat16's 8-bit mantissa). The policy is set only
around the build and fit inside the training process, and restored after.

bfloat16 is fast only where the CPU multiplies it natively (AVX512_BF16 or AMX-BF16) and
TensorFlow uses oneDNN; elsewhere it is emulated and slower than float32, so it is refused
with the reason.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

PRECISIONS = ("float32", "bfloat16")
PRECISION_LABELS = {"float32": "float32", "bfloat16": "bf16"}  # short, for run labels
KERAS_POLICIES = {"float32": "float32", "bfloat16": "mixed_bfloat16"}
BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")
CPUINFO = Path("/proc/cpuinfo")


def cpu_flags(cpuinfo: Path = CPUINFO) -> set[str]:
    """The CPU's feature flags (Linux /proc/cpuinfo; empty where it cannot be read)."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def onednn_enabled() -> bool:
    """True when TensorFlow runs its CPU kernels through oneDNN (the default on x86 Linux,
    unless TF_ENABLE_ONEDNN_OPTS=0)."""
    if os.environ.get("TF_ENABLE_ONEDNN_OPTS", "").strip() == "0":
        return False
    try:
        from tensorflow.python.util import _pywrap_util_port

        return bool(_pywrap_util_port.IsMklEnabled())
    except (ImportError, AttributeError):
        return False


def bfloat16_problem() -> str | None:
    """Why the fast bfloat16 mode cannot run here, or None when the CPU and TensorFlow
    support it."""
    flags = cpu_flags()
    found = [f for f in BF16_CPU_FLAGS if f in flags]
    if not found:
        return (
            "bfloat16 needs a CPU with AVX512_BF16 or AMX-BF16 instructions (e.g. Intel Xeon "
            "Cooper Lake / Sapphire Rapids or AMD Zen 4 and later); this CPU has neither, so "
            "bfloat16 would be emulated and slower than float32. Use --precision float32"
        )
    if not onednn_enabled():
        return (
            "bfloat16 needs TensorFlow's oneDNN CPU kernels, which are off here "
            "(TF_ENABLE_ONEDNN_OPTS=0 or a build without oneDNN). Use --precision float32"
        )
    return None


def precision_problem(precision: str) -> str | None:
    """Why this precision cannot be used here (None: fine). float32 always can."""
    if precision not in PRECISIONS:
        return f"precision must be one of {', '.join(PRECISIONS)}"
    return bfloat16_problem() if precision == "bfloat16" else None


@contextlib.contextmanager
def precision_policy(precision: str) -> Iterator[None]:
    """Keras' global dtype policy for this precision while the block runs, then the previous
    one again (models built inside keep their policy)."""
    import keras

    before = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(KERAS_POLICIES[precision])
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(before)
