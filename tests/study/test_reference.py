"""Tests of study.reference: the packaged log of the study's 20 runs, checked against the
copy beside the repository and by hand."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from fmnist_viz.study import logged_mean, matches_protocol, study_band, study_test_accuracies
from fmnist_viz.study import reference as study_log
from fmnist_viz.study.reference import STUDY_CSV, StudyLogError, protocol_settings, study_runs

SHARED_CSV = Path(__file__).resolve().parents[3] / "shared" / "study_runs.csv"
FULL = "Full dataset from /data (60,000 train / 10,000 test images)"


def test_the_log_has_200_epoch_rows_and_16_test_accuracies() -> None:
    frame = study_runs()
    assert len(frame) == 200
    assert frame.groupby("model")["run"].nunique().to_dict() == {"model1": 10, "model2": 10}
    assert frame["epoch"].between(1, 10).all()
    assert frame["test_accuracy"].notna().sum() == 16
    assert study_test_accuracies("model1") == (
        0.9181, 0.9217, 0.9201, 0.9159, 0.9149, 0.9197, 0.9231
    )  # fmt: skip
    assert len(study_test_accuracies("model2")) == 9
    assert study_test_accuracies("original") == ()  # the study gives no Original figures


@pytest.mark.skipif(not SHARED_CSV.is_file(), reason="../shared/study_runs.csv is not beside")
def test_the_packaged_copy_equals_the_shared_log() -> None:
    assert STUDY_CSV.read_bytes() == SHARED_CSV.read_bytes()


def test_bands_by_hand_from_the_csv_text() -> None:
    with STUDY_CSV.open() as f:
        rows = [r for r in csv.DictReader(f) if r["model"] == "model1"]
    for metric in ("accuracy", "val_loss", "val_accuracy", "gap"):
        epochs, mean, std, n = study_band("model1", metric)
        for e in range(1, 11):
            at = [r for r in rows if int(r["epoch"]) == e]
            if metric == "gap":
                values = [float(r["accuracy"]) - float(r["val_accuracy"]) for r in at]
            else:
                values = [float(r[metric]) for r in at]
            m = sum(values) / 10
            assert mean[e - 1] == pytest.approx(m)
            assert std[e - 1] == pytest.approx(math.sqrt(sum((v - m) ** 2 for v in values) / 9))
        assert epochs.tolist() == list(range(1, 11)) and n.tolist() == [10] * 10
    # SEED.md: Model 1's mean validation loss 0.317 after epoch 1, training accuracy 0.953 at 10
    assert study_band("model1", "val_loss")[1][0] == pytest.approx(0.317, abs=5e-4)
    assert study_band("model1", "accuracy")[1][-1] == pytest.approx(0.953, abs=5e-4)


def test_bands_refuse_what_the_log_lacks() -> None:
    with pytest.raises(ValueError, match="no 'loss'"):
        study_band("model1", "loss")
    with pytest.raises(ValueError, match="not 'original'"):
        study_band("original", "accuracy")


def test_logged_mean() -> None:
    assert logged_mean("model2") == pytest.approx(np.mean(study_test_accuracies("model2")))
    assert math.isnan(logged_mean("custom"))


def test_protocol_matching() -> None:
    settings = protocol_settings()
    assert settings == {
        "epochs": 10,
        "batch_size": 64,
        "learning_rate": 0.001,
        "optimizer": "adam",
        "train_limit": None,
        "val_size": 5000,
    }
    assert matches_protocol("model1", settings, FULL)
    assert not matches_protocol("original", settings, FULL)  # not logged
    assert not matches_protocol(None, settings, FULL)
    assert not matches_protocol("model2", {**settings, "epochs": 3}, FULL)
    assert not matches_protocol("model2", {**settings, "train_limit": 5000}, FULL)
    assert not matches_protocol("model2", settings, "Offline sample: 7,000 images")
    assert not matches_protocol("model2", settings, None)


def test_a_damaged_log_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "study_runs.csv"
    bad.write_text("model,run,epoch\nmodel1,1,1\n")
    monkeypatch.setattr(study_log, "STUDY_CSV", bad)
    study_log._frame.cache_clear()
    try:
        with pytest.raises(StudyLogError, match="columns"):
            study_runs()
    finally:
        study_log._frame.cache_clear()
