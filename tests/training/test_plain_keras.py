"""The engine is bit-identical to plain Keras by default: the ten validation losses of a short
run of `training.train()` (several batches per call, the default) equal those of a plain
`model.fit` script (one batch per call, no engine code) with the same seed and threads."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.data_support import SKIP_REAL, real_dir

ROOT = Path(__file__).resolve().parents[2]
SEED, EPOCHS, TRAIN, VAL, THREADS = 21, 10, 2048, 256, 2  # 32 batches of 64 per epoch

THREADS_CODE = f"""
import os, sys, json
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow as tf
tf.config.threading.set_intra_op_parallelism_threads({THREADS})
tf.config.threading.set_inter_op_parallelism_threads({THREADS})
import numpy as np, keras
from fmnist_viz.data import load_fashion_mnist
data = load_fashion_mnist(sys.argv[1])
"""

PLAIN = THREADS_CODE + textwrap.dedent(f"""
    keras.utils.set_random_seed({SEED})
    def scaled(x):
        return (np.asarray(x, dtype=np.float32) / 255.0)[..., np.newaxis]
    x_val, y_val = scaled(data.x_train[:{VAL}]), np.eye(10, dtype=np.float32)[data.y_train[:{VAL}]]
    x, y = data.x_train[{VAL}:{VAL + TRAIN}], data.y_train[{VAL}:{VAL + TRAIN}]
    x, y = scaled(x), np.eye(10, dtype=np.float32)[y]
    L = keras.layers
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        L.Conv2D(32, 3, padding="same", activation="relu"), L.MaxPooling2D(2),
        L.Conv2D(64, 2, padding="same", activation="relu"), L.MaxPooling2D(2),
        L.Flatten(), L.Dense(256, activation="relu"), L.Dropout(0.3),
        L.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.001), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    h = model.fit(x, y, batch_size=64, epochs={EPOCHS}, validation_data=(x_val, y_val), verbose=0)
    print(json.dumps({{"val_loss": [float(v).hex() for v in h.history["val_loss"]]}}))
""")

ENGINE = THREADS_CODE + textwrap.dedent(f"""
    from fmnist_viz.models import preset
    from fmnist_viz.training import TrainConfig, train
    config = TrainConfig(epochs={EPOCHS}, train_limit={TRAIN}, val_size={VAL}, seed={SEED})
    result = train(preset("model1"), config, data)
    print(json.dumps({{
        "val_loss": [float(r.val_loss).hex() for r in result.history],
        "steps_per_call": config.pacing({TRAIN} // 64).steps_per_call,
    }}))
""")


def _run(code: str, data_dir: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code, str(data_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.skipif(real_dir() is None, reason=SKIP_REAL)
def test_ten_validation_losses_equal_a_plain_keras_fit_bit_for_bit() -> None:
    data_dir = real_dir()
    engine = _run(ENGINE, data_dir)
    plain = _run(PLAIN, data_dir)
    assert engine["steps_per_call"] == 8  # the default: several batches per call
    assert len(engine["val_loss"]) == EPOCHS
    assert engine["val_loss"] == plain["val_loss"]
