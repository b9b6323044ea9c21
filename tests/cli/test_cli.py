"""Tests for the command line: `main(argv)` in process (exit code, stdout, stderr), and one
run of `python -m fmnist_viz` in a subprocess for the real entry point."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from scipy import stats as sp_stats

from fmnist_viz import models as arch
from fmnist_viz.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = ROOT / "fmnist_viz" / "data" / "sample"
SPEC = {
    "name": "cli spec",
    "layers": [
        {"type": "conv2d", "filters": 4, "kernel_size": 3},
        {"type": "maxpool2d"},
        {"type": "dense", "units": 10, "activation": "softmax"},
    ],
}


@dataclass
class Result:
    """What a command did: exit code, standard output and standard error."""

    returncode: int
    stdout: str
    stderr: str


def cli_env(runs_dir: Path) -> dict[str, str]:
    """The environment a command runs in: no FMNIST_* from outside, the sample data, offline."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FMNIST_")}
    env.update(
        FMNIST_OFFLINE="1",
        FMNIST_RUNS_DIR=str(runs_dir),
        FMNIST_DATA_DIR=str(SAMPLE_DIR),
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    return env


def cli(runs_dir: Path, *args: str) -> Result:
    """Run `main(args)` in this process with cli_env's environment, capturing its output."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        for key in [k for k in os.environ if k.startswith("FMNIST_")]:
            mp.delenv(key)
        for key, value in cli_env(runs_dir).items():
            mp.setenv(key, value)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    return Result(code, out.getvalue(), err.getvalue())


def ok_json(result: Result):
    """The command's JSON output, after checking it succeeded."""
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def assert_usage_error(result: Result, needle: str) -> None:
    """Exit code 2 and one line on stderr that says what was wrong; nothing on stdout."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert needle in lines[0]
    assert result.stdout == ""


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory):
    """One short CLI training on the bundled sample: (runs dir, parsed JSON row)."""
    runs_dir = tmp_path_factory.mktemp("cli-runs")
    args = ("train", "--arch", "model1", "--epochs", "1", "--train-limit", "300", "--seed", "3")
    return runs_dir, ok_json(cli(runs_dir, *args, "--json"))


# ----------------------------------------------------------------------------- summary


HEAVY_LIBRARIES = ("pandas", "scipy", "tensorflow", "keras", "plotly")


def test_the_command_line_starts_light() -> None:
    """Parsing a command and refusing bad settings load none of the heavy libraries: they come
    with the commands that use them (a refused `train` answers in a fraction of a second)."""
    probe = (
        "import sys; from fmnist_viz.cli import commands; commands.build_parser(); "
        f"print(' '.join(m for m in {HEAVY_LIBRARIES!r} if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert loaded.stdout.split() == []


def test_summary_preset_json(tmp_path: Path) -> None:
    out = ok_json(cli(tmp_path, "summary", "--arch", "model1", "--json"))
    assert out["arch"] == "model1"
    assert out["total_params"] == 814_218
    assert [row["name"] for row in out["layers"]][:2] == ["conv1", "pool1"]
    assert out["layers"][0]["output_shape"] == [28, 28, 32]
    assert sum(row["params"] for row in out["layers"]) == 814_218


def test_summary_preset_text(tmp_path: Path) -> None:
    proc = cli(tmp_path, "summary", "--arch", "original")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Original\n")
    assert "Total parameters: 412,778" in proc.stdout


def test_summary_spec_file(tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(SPEC), encoding="utf-8")
    out = ok_json(cli(tmp_path, "summary", "--arch", str(path), "--json"))
    assert out["arch"] == "cli spec"
    assert out["total_params"] == arch.check_spec(SPEC).total_params == 40 + 14 * 14 * 4 * 10 + 10
    assert [row["type"] for row in out["layers"]] == ["Conv2D", "MaxPooling2D", "Flatten", "Dense"]
    assert any("Flatten layer was added" in note for note in out["notes"])


# ----------------------------------------------------------------------------- training


@pytest.mark.slow
def test_train_json(trained) -> None:
    _, row = trained
    assert row["status"] == "finished"
    assert 0 < row["test_accuracy"] <= 1
    assert row["arch"] == "model1" and row["seed"] == 3 and row["epochs_done"] == 1
    assert row["best_epoch"] == 1
    assert str(SAMPLE_DIR) in row["data_source"]


@pytest.mark.slow
def test_runs_lists_the_trained_run(trained) -> None:
    runs_dir, row = trained
    listed = ok_json(cli(runs_dir, "runs", "--json"))
    assert [r["id"] for r in listed] == [row["id"]]
    assert listed[0]["status"] == "finished" and listed[0]["damaged"] is None
    assert listed[0]["test_accuracy"] == pytest.approx(row["test_accuracy"])
    assert (runs_dir / row["id"] / "model.keras").is_file()


def test_runs_text_lists_damage(tmp_path: Path) -> None:
    (tmp_path / "broken-run").mkdir()
    proc = cli(tmp_path, "runs")
    assert proc.returncode == 0, proc.stderr
    assert "broken-run" in proc.stdout and "run.json is missing" in proc.stdout


def test_runs_empty_store(tmp_path: Path) -> None:
    assert ok_json(cli(tmp_path / "empty", "runs", "--json")) == []


@pytest.mark.slow
def test_reproduce_json(tmp_path: Path) -> None:
    args = ("--runs", "2", "--epochs", "1", "--train-limit", "200", "--workers", "2", "--json")
    out = ok_json(cli(tmp_path, "reproduce", "--arch", "model1", "model2", *args))
    assert set(out["groups"]) == {"model1", "model2"}
    for key, group in out["groups"].items():
        acc = group["test_accuracy"]
        assert acc["n"] == 2 and len(group["runs"]) == 2
        assert all(r["arch"] == key and r["status"] == "finished" for r in group["runs"])
        assert [r["seed"] for r in group["runs"]] == [1000, 1001]
        assert acc["min"] <= acc["mean"] <= acc["max"]
        # the sample, one epoch: the study's numbers are no reference for these runs
        assert group["study_mean_test_accuracy"] is None and group["versus_study"] is None
    welch = out["welch"]
    assert (welch["a"], welch["b"]) == ("model1", "model2")
    assert {"t", "df", "p", "reading"} <= set(welch)
    assert welch["p"] is None or 0 <= welch["p"] <= 1
    assert len(list(tmp_path.iterdir())) == 4
    assert out["wall_seconds"] > 0
    assert out["runs_per_hour"] == pytest.approx(4 * 3600 / out["wall_seconds"])


def test_wall_time_line() -> None:
    from fmnist_viz.cli.support import wall_line

    assert wall_line(2988, 20) == "wall time 49.8 min (2,988 s) for 20 runs: 24.1 runs per hour"


def test_bfloat16_refused_where_the_cpu_lacks_it(tmp_path: Path, monkeypatch) -> None:
    from fmnist_viz.training import precision

    monkeypatch.setattr(precision, "cpu_flags", lambda *a: {"avx2"})
    args = ("train", "--arch", "model1", "--epochs", "1", "--precision", "bfloat16")
    assert_usage_error(cli(tmp_path, *args), "AVX512_BF16")
    assert not tmp_path.exists() or not list(tmp_path.iterdir())  # refused before any run


def test_reproduce_compares_protocol_runs_with_the_logged_runs() -> None:
    from fmnist_viz.cli.study import _versus_study
    from fmnist_viz.study import study_test_accuracies

    ours = [0.915, 0.913, 0.917]
    versus = _versus_study("model2", ours, comparable=True)
    logged = study_test_accuracies("model2")
    expected = sp_stats.ttest_ind(ours, logged, equal_var=False)
    assert versus["welch"]["t"] == pytest.approx(-expected.statistic)  # study − ours
    assert versus["welch"]["p"] == pytest.approx(expected.pvalue)
    assert versus["logged"]["n"] == 9
    assert versus["logged"]["mean"] == pytest.approx(sum(logged) / 9)
    assert "ours" in versus["welch"]["reading"]
    assert _versus_study("model2", ours, comparable=False) is None
    assert _versus_study("original", ours, comparable=True) is None  # not logged


# ----------------------------------------------------------------------------- export


def test_export_keras_and_json_and_back(tmp_path: Path) -> None:
    from fmnist_viz.models import spec_json
    from fmnist_viz.training import keras_code

    code = cli(tmp_path, "export", "--arch", "model2")
    assert code.returncode == 0 and code.stdout == keras_code(arch.preset("model2"))
    spec_file = tmp_path / "mine.json"
    spec_file.write_text(json.dumps(SPEC))
    exported = cli(tmp_path, "export", "--arch", str(spec_file), "--format", "json")
    assert exported.returncode == 0
    assert exported.stdout == spec_json(SPEC) + "\n"
    again = tmp_path / "again.json"
    again.write_text(exported.stdout)  # the exported JSON is a spec the CLI reads back
    summary = ok_json(cli(tmp_path, "summary", "--arch", str(again), "--json"))
    assert summary["total_params"] == arch.check_spec(SPEC).total_params
    assert_usage_error(cli(tmp_path, "export", "--arch", "model2", "--format", "onnx"), "onnx")


# ----------------------------------------------------------------------------- sweep


@pytest.mark.slow
def test_sweep_table_csv_and_run_markers(tmp_path: Path) -> None:
    runs_dir, table = tmp_path / "runs", tmp_path / "out" / "sweep.csv"
    table.parent.mkdir()
    args = ("--runs", "2", "--epochs", "1", "--train-limit", "200", "--workers", "2")
    args += ("--csv", str(table))
    out = ok_json(
        cli(
            runs_dir, "sweep", "--arch", "model1", "--set", "dropout1.rate=0.2,0.6", *args, "--json"
        )
    )
    rows = out["configurations"]
    assert [r["configuration"] for r in rows] == [
        "model1 · dropout1.rate=0.2",
        "model1 · dropout1.rate=0.6",
    ]
    metas = [json.loads(p.read_text()) for p in sorted(runs_dir.glob("*/run.json"))]
    assert len(metas) == 4
    for row in rows:
        mine = [m for m in metas if m["sweep"]["configuration"] == row["configuration"]]
        tests = [m["test_accuracy"] for m in mine]
        assert sorted(m["config"]["seed"] for m in mine) == [1000, 1001]
        assert {m["spec"]["layers"][-2]["rate"] for m in mine} == {row["dropout1.rate"]}
        assert row["test_n"] == row["finished"] == 2
        assert row["test_mean"] == pytest.approx(sum(tests) / 2)
        assert row["test_std"] == pytest.approx(abs(tests[0] - tests[1]) / 2**0.5)
    assert {m["sweep"]["id"] for m in metas} == {out["sweep"]}
    csv_rows = list(csv.DictReader(table.open()))
    assert [r["configuration"] for r in csv_rows] == [r["configuration"] for r in rows]
    assert float(csv_rows[0]["test_mean"]) == pytest.approx(rows[0]["test_mean"])
    assert out["wall_seconds"] > 0 and out["runs_per_hour"] > 0


def test_sweep_refuses_a_csv_it_could_not_write_and_clashing_names(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    args = ("sweep", "--arch", "model1", "--csv", str(tmp_path / "missing" / "t.csv"))
    assert_usage_error(cli(runs, *args), "the folder")
    assert_usage_error(cli(runs, "sweep", "--arch", "model1", "--csv", str(tmp_path)), "folder")
    spec = tmp_path / "copy.json"
    spec.write_text(json.dumps({**arch.preset("model1"), "title": "edited"}))  # named model1
    assert_usage_error(cli(runs, "sweep", "--arch", "model1", str(spec)), "the same name")
    assert not runs.exists() or not any(runs.iterdir())  # no run was created


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--set", "dropout3.rate=0.1"], "model1 has no layer 'dropout3'"),
        (["--set", "conv1.rate=0.1"], "has no setting 'rate'"),
        (["--set", "dropout1.rate=0.1,x"], "'x' is not a number"),
        (["--set", "dropout1.rate=1.5"], "dropout rate"),
        (["--set", "colour=red"], "'colour' is not a setting"),
        (["--set", "batch_size"], "KEY=VALUE1,VALUE2"),
        (["--set", "batch_size=0,64"], "batch size must be"),
        (["--set", "batch_size=32", "--set", "batch_size=64"], "set more than once"),
        (
            ["--set", "batch_size=" + ",".join(map(str, range(1, 16))), "--runs", "8"],
            "limit is 100",
        ),
        (["--executor", "ray", "--ray-address", "auto", "--workers", "0"], "must be at least 1"),
    ],
)
def test_sweep_refuses_bad_grids_before_anything_starts(
    tmp_path: Path, args: list[str], needle: str
) -> None:
    assert_usage_error(cli(tmp_path, "sweep", "--arch", "model1", *args), needle)
    assert list(tmp_path.iterdir()) == []  # no run was created


def test_ray_asked_for_without_ray_installed(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    args = (
        "train",
        "--arch",
        "model1",
        "--epochs",
        "1",
        "--train-limit",
        "100",
        "--executor",
        "ray",
    )
    assert_usage_error(cli(tmp_path, *args), "Ray is not installed: pip install ray")
    assert [p for p in tmp_path.iterdir() if p.is_dir()] == []  # no run was created


# ----------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["train", "--arch", "model1", "--epochs", "0"], "epochs must be a whole number from 1"),
        (["train", "--arch", "model1", "--epochs", "x"], "'x' is not a whole number"),
        (["train", "--arch", "model3"], "'model3' is neither a preset"),
        (["train", "--epochs", "1"], "required: --arch"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "required: command"),
        (["train", "--arch", "model1", "--learning-rate", "50"], "learning rate must be"),
        (["train", "--arch", "model1", "--seed", "-5"], "seed"),
        (["train", "--arch", "model1", "--precision", "float16"], "invalid choice: 'float16'"),
        (["reproduce", "--arch", "model1"], "required: --runs"),
        (["summary", "--arch", "model1", "--bogus"], "unrecognized arguments: --bogus"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_bad_arguments(tmp_path: Path, args: list[str], needle: str) -> None:
    assert_usage_error(cli(tmp_path, *args), needle)
    assert not any(tmp_path.iterdir())  # nothing was created


def test_damaged_spec_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"layers": [', encoding="utf-8")
    assert_usage_error(cli(tmp_path, "summary", "--arch", str(path)), "Cannot read spec file")
    assert_usage_error(cli(tmp_path, "train", "--arch", str(path)), "Cannot read spec file")


def test_invalid_spec_file(tmp_path: Path) -> None:
    path = tmp_path / "invalid.json"
    bad = {"layers": [{"type": "dropout", "rate": 1.0}, *SPEC["layers"]]}
    path.write_text(json.dumps(bad), encoding="utf-8")
    assert_usage_error(cli(tmp_path, "summary", "--arch", str(path)), "dropout rate")


def test_infinite_filters_in_spec_file_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "inf.json"
    path.write_text('{"layers": [{"type": "conv2d", "filters": Infinity}]}', encoding="utf-8")
    assert_usage_error(cli(tmp_path, "summary", "--arch", str(path)), "filters")


def test_the_real_entry_point_exits_2_with_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "fmnist_viz", "train", "--arch", "model1", "--seed", "-5"],
        cwd=ROOT,
        env=cli_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert_usage_error(Result(proc.returncode, proc.stdout, proc.stderr), "seed")
    assert not any(tmp_path.iterdir())
