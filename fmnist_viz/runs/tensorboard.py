"""TensorBoard event files for a run's per-epoch scalars, written with TensorFlow alone
(no tensorboard package needed): `tensorboard --logdir runs` shows them when installed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fmnist_viz.training import EpochRecord


class TensorBoardWriter:
    """Per-epoch scalars in TensorBoard's format, written with TensorFlow alone."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.writers: dict[str, Any] = {}

    def _writer(self, split: str) -> Any:
        import tensorflow as tf

        if split not in self.writers:
            self.writers[split] = tf.summary.create_file_writer(str(self.folder / split))
        return self.writers[split]

    def epoch(self, record: EpochRecord) -> None:
        """Write one epoch's training and validation loss and accuracy."""
        import tensorflow as tf
        from tensorflow.core.framework import summary_pb2

        meta = summary_pb2.SummaryMetadata()
        meta.plugin_data.plugin_name = "scalars"
        meta.data_class = summary_pb2.DATA_CLASS_SCALAR
        values = {
            "train": {"epoch_loss": record.loss, "epoch_accuracy": record.accuracy},
            "validation": {"epoch_loss": record.val_loss, "epoch_accuracy": record.val_accuracy},
        }
        for split, scalars in values.items():
            with self._writer(split).as_default():
                for tag, value in scalars.items():
                    tf.summary.write(
                        tag, tf.constant(value, tf.float32), record.epoch, metadata=meta
                    )
            self._writer(split).flush()

    def close(self) -> None:
        """Flush and close the event files."""
        for writer in self.writers.values():
            writer.close()
        self.writers.clear()
