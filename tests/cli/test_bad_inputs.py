"""A corpus of bad inputs, as a hostile but fair user would try them: spec files, training
settings, data folders, a damaged or unusable run store. Each gets its documented one-line
message and exit code 2 (or, for listings, a reason beside the run), never a traceback, and
a finished run already in the store is never lost or changed."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from fmnist_viz.data import loading as fdata
from fmnist_viz.models import preset
from fmnist_viz.runs import RunStore
from fmnist_viz.training import TrainConfig
from tests.cli.test_cli import assert_usage_error, cli
from tests.run_support import add_run, damaged_runs

HISTORY = [(1, 0.6, 0.8, 0.5, 0.82, 1.0)]
TINY = {
    "layers": [
        {"type": "conv2d", "filters": 2, "kernel_size": 3},
        {"type": "maxpool2d", "pool_size": 4},
        {"type": "dense", "units": 10, "activation": "softmax"},
    ]
}
WIDE_1X1 = {  # few parameters, 3.2 million activations per image
    "layers": [
        {"type": "conv2d", "filters": 4096, "kernel_size": 1},
        {"type": "maxpool2d", "pool_size": 28},
        {"type": "dense", "units": 10, "activation": "softmax"},
    ]
}


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file under a folder and a hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def store(tmp_path: Path) -> RunStore:
    """A run store holding one finished run that no bad input may touch."""
    runs = RunStore(tmp_path / "runs")
    run_id = add_run(runs, "keep me", preset("model1"), TrainConfig(epochs=1), HISTORY, "finished")
    runs.update(run_id, test_accuracy=0.9)
    return runs


def _write(tmp: Path, name: str, content: str | bytes) -> str:
    path = tmp / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return str(path)


# ---------------------------------------------------------------- spec files

SPECS: dict[str, tuple[Callable[[Path], str], str]] = {
    "not json": (lambda t: _write(t, "s.json", '{"layers": ['), "not valid JSON"),
    "nested 100,000 deep": (lambda t: _write(t, "s.json", "[" * 100_000), "nested too deeply"),
    "5,000-digit number": (
        lambda t: _write(
            t, "s.json", '{"layers": [{"type": "dense", "units": 1' + "0" * 5000 + "}]}"
        ),
        "not valid JSON",
    ),
    "300 KB": (lambda t: _write(t, "s.json", " " * 300_000 + "{}"), "a spec is at most"),
    "a million layers": (
        lambda t: _write(t, "s.json", json.dumps({"layers": [{}] * 1_000_000})),
        "a spec is at most",
    ),
    "500 layers": (
        lambda t: _write(t, "s.json", json.dumps({"layers": [{"type": "flatten"}] * 500})),
        "The model has 500 layers; the limit is 40",
    ),
    "a list of numbers": (lambda t: _write(t, "s.json", "[1, 2, 3]"), "Layer 1 is not an object"),
    "a string": (lambda t: _write(t, "s.json", '"model1"'), "an object with a 'layers' list"),
    "unknown layer": (
        lambda t: _write(t, "s.json", '{"layers": [{"type": "lstm"}]}'),
        "unknown type 'lstm'",
    ),
    "NaN filters": (
        lambda t: _write(t, "s.json", '{"layers": [{"type": "conv2d", "filters": NaN}]}'),
        "filters must be a whole number",
    ),
    "not utf-8": (lambda t: _write(t, "s.json", b"\xff\xfe\x00{"), "not valid JSON"),
    "a folder": (lambda t: str(t), "is neither a preset"),
}


@pytest.mark.parametrize("case", SPECS, ids=list(SPECS))
def test_bad_spec_files(store: RunStore, tmp_path: Path, case: str) -> None:
    make, needle = SPECS[case]
    before = fingerprint(store.root)
    for command in ("summary", "train"):
        result = cli(store.root, command, "--arch", make(tmp_path))
        assert_usage_error(result, needle)
    assert fingerprint(store.root) == before


# ---------------------------------------------------------------- training settings

SETTINGS: dict[str, tuple[list[str], str]] = {
    "epochs 0": (["--epochs", "0"], "epochs must be a whole number from 1 to 500"),
    "epochs 501": (["--epochs", "501"], "epochs must be a whole number from 1 to 500"),
    "epochs x": (["--epochs", "x"], "'x' is not a whole number"),
    "batch 0": (["--batch-size", "0"], "batch size must be a whole number from 1"),
    "learning rate 50": (["--learning-rate", "50"], "learning rate must be a number above 0"),
    "learning rate nan": (["--learning-rate", "nan"], "learning rate must be a number above 0"),
    "learning rate -1": (["--learning-rate", "-1"], "learning rate must be a number above 0"),
    "optimizer": (["--optimizer", "adamw"], "invalid choice: 'adamw'"),
    "seed -5": (["--seed", "-5"], "seed must be a whole number from 0"),
    "seed 2**31": (["--seed", str(2**31)], "seed must be a whole number from 0"),
    "train limit 0": (["--train-limit", "0"], "training subset must be a positive whole number"),
    "memory limit abc": (["--memory-limit-mb", "abc"], "memory limit must be a whole number"),
    "memory limit 0": (["--memory-limit-mb", "0"], "memory limit must be a whole number"),
    "batch 8192 of Model 1": (["--batch-size", "8192"], "at batch size 8,192 needs about"),
}


@pytest.mark.parametrize("case", SETTINGS, ids=list(SETTINGS))
def test_bad_settings(store: RunStore, case: str) -> None:
    extra, needle = SETTINGS[case]
    before = fingerprint(store.root)
    assert_usage_error(cli(store.root, "train", "--arch", "model1", *extra), needle)
    assert fingerprint(store.root) == before


def test_the_wide_1x1_model_is_refused_before_anything_starts(
    store: RunStore, tmp_path: Path
) -> None:
    spec = _write(tmp_path, "wide.json", json.dumps(WIDE_1X1))
    args = ["train", "--arch", spec, "--train-limit", "128", "--batch-size", "128"]
    before = fingerprint(store.root)
    result = cli(store.root, *args)
    assert_usage_error(result, "Training this model at batch size 128 needs about 4,")
    assert "the limit is 2,048 MB per run" in result.stderr
    assert fingerprint(store.root) == before
    ok = cli(store.root, "summary", "--arch", spec)  # it is a valid model, just too big to train
    assert ok.returncode == 0 and "Total parameters: 49,162" in ok.stdout


# ---------------------------------------------------------------- data folders


def _idx(array: np.ndarray, magic: int | None = None) -> bytes:
    magic = magic or (fdata.IMAGES_MAGIC if array.ndim == 3 else fdata.LABELS_MAGIC)
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def _data_dir(tmp: Path, damage: Callable[[dict[str, bytes]], None] | None) -> Path:
    """A small valid data folder, then damaged."""
    rng = np.random.default_rng(0)
    files = {
        fdata.TRAIN_IMAGES: _idx(rng.integers(0, 255, (24, 28, 28))),
        fdata.TRAIN_LABELS: _idx(np.arange(24) % 10),
        fdata.TEST_IMAGES: _idx(rng.integers(0, 255, (10, 28, 28))),
        fdata.TEST_LABELS: _idx(np.arange(10) % 10),
    }
    if damage:
        damage(files)
    folder = tmp / "data"
    folder.mkdir()
    for stem, blob in files.items():
        (folder / f"{stem}.gz").write_bytes(blob)
    return folder


DATA: dict[str, tuple[Callable[[Path], str], str]] = {
    "missing": (lambda t: str(t / "nowhere"), "it does not exist"),
    "a file": (lambda t: _write(t, "data", "x"), "it is not a folder"),
    "empty": (lambda t: str((t / "empty").mkdir() or t / "empty"), "missing train-images"),
    "truncated": (
        lambda t: str(
            _data_dir(t, lambda f: f.update({fdata.TEST_IMAGES: f[fdata.TEST_IMAGES][:-40]}))
        ),
        "t10k-images-idx3-ubyte.gz: truncated gzip stream",
    ),
    "garbage": (
        lambda t: str(_data_dir(t, lambda f: f.update({fdata.TRAIN_LABELS: b"garbage"}))),
        "train-labels-idx1-ubyte.gz: not a valid gzip file",
    ),
    "wrong magic": (
        lambda t: str(
            _data_dir(t, lambda f: f.update({fdata.TRAIN_IMAGES: _idx(np.zeros((2, 28, 28)), 7)}))
        ),
        "bad magic number 7",
    ),
    "labels as images": (
        lambda t: str(
            _data_dir(t, lambda f: f.update({fdata.TRAIN_IMAGES: f[fdata.TRAIN_LABELS]}))
        ),
        "train-images-idx3-ubyte.gz: is an IDX labels file (magic 2049)",
    ),
    "wrong counts": (
        lambda t: str(_data_dir(t, lambda f: f.update({fdata.TEST_LABELS: _idx(np.arange(9))}))),
        "has 10 images but",
    ),
}


@pytest.mark.parametrize("case", DATA, ids=list(DATA))
def test_a_named_data_folder_is_used_or_refused(store: RunStore, tmp_path: Path, case: str) -> None:
    make, needle = DATA[case]
    folder = make(tmp_path)
    before = fingerprint(store.root)
    args = ["--arch", "model1", "--epochs", "1", "--data-dir", folder]
    result = cli(store.root, "train", *args)
    assert_usage_error(result, needle)
    assert "cannot be used" in result.stderr and "Nothing else was tried" in result.stderr
    assert_usage_error(cli(store.root, "reproduce", "--runs", "1", *args), needle)
    assert fingerprint(store.root) == before


@pytest.mark.slow
def test_a_usable_named_folder_is_announced(store: RunStore, tmp_path: Path) -> None:
    folder = _data_dir(tmp_path, None)
    args = ["--train-limit", "12", "--epochs", "1", "--seed", "1", "--data-dir", str(folder)]
    spec = _write(tmp_path, "tiny.json", json.dumps(TINY))
    result = cli(store.root, "train", "--arch", spec, *args, "--json")
    assert result.returncode == 0, result.stderr
    assert (
        result.stderr.splitlines()[0] == f"data: Dataset from {folder} (24 train / 10 test images)"
    )
    assert json.loads(result.stdout)["status"] == "finished"


# ---------------------------------------------------------------- the run store


def test_a_run_store_that_is_a_file(tmp_path: Path) -> None:
    blocker = Path(_write(tmp_path, "runs", "not a folder"))
    result = cli(blocker, "train", "--arch", "model1", "--epochs", "1")
    assert_usage_error(result, f"The run store {blocker} is a file, not a folder")
    result = cli(blocker / "inside", "train", "--arch", "model1", "--epochs", "1")
    assert_usage_error(result, "Runs cannot be saved in")
    assert blocker.read_text() == "not a folder"


def test_damaged_runs_are_listed_with_their_reason_and_json_stays_json(store: RunStore) -> None:
    reasons = damaged_runs(store)
    before = fingerprint(store.root)
    result = cli(store.root, "runs", "--json")
    assert result.returncode == 0, result.stderr
    assert "NaN" not in result.stdout
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    for run_id, reason in reasons.items():
        assert rows[run_id]["status"] == "damaged"
        assert reason in rows[run_id]["damaged"], (run_id, rows[run_id]["damaged"])
    (kept,) = [r for r in rows.values() if r["name"] == "keep me"]
    assert kept["status"] == "finished" and kept["test_accuracy"] == 0.9
    text = cli(store.root, "runs")
    assert text.returncode == 0 and "Traceback" not in text.stderr
    assert len(text.stdout.splitlines()) == len(rows) + 1
    assert fingerprint(store.root) == before  # listing never writes


def test_damaged_artefacts_are_run_errors_not_crashes(store: RunStore) -> None:
    from fmnist_viz.runs import RunError

    reasons = damaged_runs(store)
    for run_id in reasons:
        for read in (store.predictions, store.history):
            with contextlib.suppress(RunError):  # a clear message; anything else fails
                read(run_id)
        for state in store.states(run_id):
            with contextlib.suppress(RunError):
                store.state(state)
    empty = next(r for r, why in reasons.items() if why.startswith("predictions.npz"))
    with pytest.raises(RunError, match=r"predictions\.npz is damaged"):
        store.predictions(empty)
    cut = next(r for r, why in reasons.items() if why.startswith("epoch_001"))
    (state,) = store.states(cut)  # an older run's per-epoch snapshot, read as a state
    with pytest.raises(RunError, match=r"State epoch_001\.npz is damaged"):
        store.state(state)


REFUSAL_SCRIPT = """
import resource, runpy, sys
resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
sys.argv = ["fmnist_viz", *sys.argv[1:]]
try:
    runpy.run_module("fmnist_viz", run_name="__main__")
finally:
    with open("/proc/self/status") as f:
        hwm = next(int(l.split()[1]) for l in f if l.startswith("VmHWM"))
    print(f"peak_mb={hwm / 1024:.0f} tensorflow={'tensorflow' in sys.modules}", file=sys.stderr)
"""


@pytest.mark.slow
def test_a_refused_model_never_allocates(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.cli.test_cli import ROOT, cli_env

    spec = _write(tmp_path, "wide.json", json.dumps(WIDE_1X1))
    limit = 1536 * 1024 * 1024  # far below the ~5 GB the training would take
    args = ["train", "--arch", spec, "--train-limit", "128", "--batch-size", "128"]
    proc = subprocess.run(
        [sys.executable, "-c", REFUSAL_SCRIPT.replace("MEMORY", str(limit)), *args],
        cwd=ROOT,
        env=cli_env(tmp_path / "runs"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert lines[0].startswith("error: Training this model at batch size 128 needs about")
    peak, tensorflow = lines[-1].split()
    assert tensorflow == "tensorflow=False"  # refused before TensorFlow was even imported
    assert int(peak.removeprefix("peak_mb=")) < 200
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
