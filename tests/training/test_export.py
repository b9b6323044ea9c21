"""Tests of taking things out of the app: the exported Keras code (training.export), run in a
fresh interpreter, builds the app's model layer for layer; spec JSON (models.spec_files) round
trips and bad files are refused with the validator's reasons; a run's zip (runs.archive) holds
its files."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from fmnist_viz.models import SpecError, build_model, import_spec, preset, spec_json
from fmnist_viz.runs import RunError, RunStore, run_zip
from fmnist_viz.training import TrainConfig, keras_code
from tests.run_support import FIXTURE, add_run

CUSTOM = {  # what the presets lack: BatchNorm, average pooling, strides, valid padding, tanh
    "name": "custom net",
    "title": "Custom",
    "layers": [
        {"type": "conv2d", "filters": 8, "kernel_size": 5, "padding": "valid"},
        {"type": "batchnorm"},
        {"type": "avgpool2d", "pool_size": 2, "strides": 2},
        {"type": "conv2d", "filters": 16, "kernel_size": 3, "strides": 2, "activation": "tanh"},
        {"type": "maxpool2d", "pool_size": 2, "padding": "same"},
        {"type": "dense", "units": 32},  # a Flatten is added before it, as the app does
        {"type": "dropout", "rate": 0.25},
        {"type": "dense", "units": 10, "activation": "softmax"},
    ],
}
SPECS = {"original": preset("original"), "model1": preset("model1"), "model2": preset("model2")}
SPECS["custom"] = CUSTOM
SETTINGS = (
    "filters",
    "kernel_size",
    "strides",
    "padding",
    "activation",
    "pool_size",
    "rate",
    "units",
)

DESCRIBE = """
import json, runpy, sys
out = {}
for key, path in json.loads(sys.argv[1]).items():
    model = runpy.run_path(path)["build_model"]()
    keep = %r
    out[key] = {
        "params": model.count_params(),
        "input": list(model.input_shape),
        "layers": [
            [type(l).__name__, l.name, {k: v for k, v in l.get_config().items() if k in keep}]
            for l in model.layers
        ],
    }
print(json.dumps(out))
"""


def _describe_here(spec: dict) -> dict:
    """The same description of the app's own build of the spec."""
    model = build_model(spec)
    layers = [
        [type(layer).__name__, layer.name, _settings(layer.get_config())] for layer in model.layers
    ]
    described = {"params": model.count_params(), "input": list(model.input_shape), "layers": layers}
    return json.loads(json.dumps(described))  # tuples become lists, as in the subprocess


def _settings(config: dict) -> dict:
    return {k: v for k, v in config.items() if k in SETTINGS}


@pytest.mark.slow
def test_exported_code_builds_the_same_model_in_a_fresh_interpreter(tmp_path: Path) -> None:
    paths = {}
    for key, spec in SPECS.items():
        paths[key] = str(tmp_path / f"{key}.py")
        Path(paths[key]).write_text(keras_code(spec))
    proc = subprocess.run(
        [sys.executable, "-c", DESCRIBE % (SETTINGS,), json.dumps(paths)],
        capture_output=True,
        text=True,
        timeout=300,
        env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    built = json.loads(proc.stdout.strip().splitlines()[-1])
    for key, spec in SPECS.items():
        assert built[key] == _describe_here(spec), key
    study = [built[k]["params"] for k in ("original", "model1", "model2")]
    assert study == [412_778, 814_218, 814_218]
    kinds = [layer[0] for layer in built["custom"]["layers"]]
    assert "BatchNormalization" in kinds and "AveragePooling2D" in kinds and "Flatten" in kinds


def test_the_script_prints_its_summary_and_compiles_with_the_settings() -> None:
    code = keras_code(preset("model1"), TrainConfig(optimizer="sgd", learning_rate=0.01))
    assert 'if __name__ == "__main__":\n    build_model().summary()' in code
    assert "keras.optimizers.SGD(learning_rate=0.01, momentum=0.9)" in code
    assert "8 layers, 814,218 parameters" in code
    compile(code, "model1.py", "exec")


def test_a_hostile_title_cannot_break_the_script() -> None:
    spec = {**CUSTOM, "title": 'x"""; import os; os.remove("/") #\\'}
    code = keras_code(spec)
    compile(code, "custom.py", "exec")
    namespace: dict = {}
    exec(compile(code.split("import keras")[0], "doc.py", "exec"), namespace)  # docstring only
    assert "import os" in namespace["__doc__"]  # it stayed inside the docstring


def test_an_invalid_spec_is_not_exported() -> None:
    bad = {"name": "bad", "layers": [{"type": "dense", "units": 0}]}
    with pytest.raises(SpecError, match="units"):
        keras_code(bad)
    with pytest.raises(SpecError):
        spec_json(bad)


def test_spec_json_round_trips_through_import() -> None:
    for spec in SPECS.values():
        text = spec_json(spec)
        again = import_spec(text.encode())
        assert spec_json(again) == text
        assert build_model(again).count_params() == build_model(spec).count_params()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("{not json", "not valid JSON"),
        ('{"name": "x"}', "'layers' list"),
        ('{"layers": [{"type": "lstm"}]}', "unknown type 'lstm'"),
        ('{"layers": [{"type": "conv2d", "filters": 0}]}', "filters must be between 1 and"),
        ('{"layers": [{"type": "dense", "units": 10}]' + " " * 300_000 + "}", "at most"),
        ('{"layers": [' + ",".join(['{"type": "flatten"}'] * 41) + "]}", "limit is 40"),
    ],
)
def test_bad_spec_files_get_plain_reasons(text: str, needle: str) -> None:
    with pytest.raises(SpecError, match=needle):
        import_spec(text, where="Cannot read upload.json")


def test_run_zip_holds_model_history_and_run_json(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    config = TrainConfig(epochs=3, seed=1)
    run_id = add_run(store, "a1", preset("model1"), config, FIXTURE["a1"][4], "finished")
    archive = zipfile.ZipFile(io.BytesIO(run_zip(store, run_id)))
    names = sorted(archive.namelist())
    assert names == sorted(f"{run_id}/{n}" for n in ("model.keras", "history.csv", "run.json"))
    for name in names:
        assert archive.read(name) == (store.path(run_id) / name.split("/")[1]).read_bytes()
    with pytest.raises(RunError):
        run_zip(store, "no-such-run")
