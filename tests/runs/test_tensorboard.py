"""The run store's TensorBoard events: per-epoch scalars TensorBoard's scalar plugin reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fmnist_viz.runs.tensorboard import TensorBoardWriter
from fmnist_viz.training import EpochRecord


def _events(folder: Path) -> list:
    import tensorflow as tf

    out = []
    for path in sorted(folder.glob("events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                out.append((event.step, value))
    return out


def test_epoch_scalars_are_written_as_tensorboard_scalars(tmp_path: Path) -> None:
    import tensorflow as tf
    from tensorflow.core.framework import summary_pb2

    writer = TensorBoardWriter(tmp_path)
    writer.epoch(EpochRecord(1, 0.9, 0.7, 0.8, 0.75, 2.0))
    writer.epoch(EpochRecord(2, 0.5, 0.8, 0.6, 0.78, 2.0))
    writer.close()
    train = _events(tmp_path / "train")
    val = _events(tmp_path / "validation")
    assert {v.tag for _, v in train} == {"epoch_loss", "epoch_accuracy"}
    for _, value in train + val:
        assert value.metadata.plugin_data.plugin_name == "scalars"
        assert value.metadata.data_class == summary_pb2.DATA_CLASS_SCALAR
    losses = {step: float(tf.make_ndarray(v.tensor)) for step, v in val if v.tag == "epoch_loss"}
    assert losses == {1: np.float32(0.8), 2: np.float32(0.6)}
