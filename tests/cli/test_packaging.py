"""The project as a package: pyproject's dependencies are requirements.txt's, the wheel holds
the engine with its data and the app, and an installed copy runs `fmnist-viz` (the CLI and the
web app) from any folder, without the checkout."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tomllib
import urllib.request
import zipfile
from pathlib import Path

import pytest

from fmnist_viz.cli import main
from fmnist_viz.cli.app import app_command, app_environment, streamlit_options
from fmnist_viz.cli.support import UsageError
from tests.browser_support import free_port
from tests.cli.test_cli import ROOT, SAMPLE_DIR
from tests.run_support import wait_until

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _requirements() -> list[str]:
    """requirements.txt's requirement lines, without comments."""
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def test_the_dependencies_are_the_requirements() -> None:
    assert PYPROJECT["project"]["dependencies"] == _requirements()


def test_the_console_command_is_the_cli() -> None:
    assert PYPROJECT["project"]["scripts"] == {"fmnist-viz": "fmnist_viz.cli:main"}


def _args(**given: object) -> argparse.Namespace:
    values: dict[str, object] = {"runs_dir": None, "data_dir": None, "port": 8501, "address": None}
    return argparse.Namespace(**{**values, **given})


def test_the_app_command_runs_dashboard_with_the_apps_settings(tmp_path: Path) -> None:
    command = app_command(_args(port=9000, address="127.0.0.1"), ROOT)
    assert command[:5] == [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py")]
    options = dict(zip(command[5::2], command[6::2], strict=True))
    assert options["--server.maxUploadSize"] == "10"  # from .streamlit/config.toml
    assert options["--server.headless"] == "true"
    assert options["--theme.primaryColor"] == "#2a6fdb"
    assert options["--server.port"] == "9000"
    assert options["--server.address"] == "127.0.0.1"
    assert "--server.address" not in app_command(_args(), ROOT)  # Streamlit's default


def test_every_setting_of_the_app_is_passed_on() -> None:
    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    count = sum(len(values) for values in settings.values())
    assert len(streamlit_options(ROOT)) == 2 * count


def test_the_runs_folder_is_made_absolute_and_checked(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = app_environment(_args(runs_dir="class-runs", data_dir=str(SAMPLE_DIR)))
    assert env["FMNIST_RUNS_DIR"] == str(tmp_path / "class-runs")
    assert env["FMNIST_DATA_DIR"] == str(SAMPLE_DIR)
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(UsageError, match="is not a folder"):
        app_environment(_args(runs_dir="a-file"))
    assert main(["app", "--runs-dir", str(tmp_path / "a-file")]) == 2


def test_an_app_that_is_not_there_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not installed"):
        app_command(_args(), tmp_path)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from this checkout."""
    out = tmp_path_factory.mktemp("wheel")
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run([*build, "-w", str(out), str(ROOT)], check=True, capture_output=True)
    return next(out.glob("fmnist_viz-*.whl"))


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel installed (without its dependencies, which this interpreter has) into a
    folder of its own."""
    target = tmp_path_factory.mktemp("site")
    install = [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target"]
    subprocess.run([*install, str(target), str(wheel)], check=True, capture_output=True)
    return target


def _run(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """The installed console script, from a folder outside the checkout."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(site), "FMNIST_OFFLINE": "1"}
    script = site / "bin" / "fmnist-viz"
    return subprocess.run(
        [sys.executable, str(script), *args], cwd=cwd, env=env, capture_output=True, text=True
    )


@pytest.mark.slow
def test_the_wheel_holds_the_engine_its_data_and_the_app(wheel: Path, installed: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        packed = archive.namelist()
    assert not [n for n in packed if "__pycache__" in n or n.startswith("tests/")]
    names = {str(p.relative_to(installed)) for p in installed.rglob("*")}
    for needed in [
        "fmnist_viz/data/sample/train-images-idx3-ubyte.gz",
        "fmnist_viz/study/study_runs.csv",
        "fmnist_viz_app/dashboard.py",
        "fmnist_viz_app/pages/home.py",
        "fmnist_viz_app/ui/__init__.py",
        "fmnist_viz_app/.streamlit/config.toml",
        "bin/fmnist-viz",
    ]:
        assert needed in names


@pytest.mark.slow
def test_an_installed_copy_runs_the_cli_from_anywhere(installed: Path, tmp_path: Path) -> None:
    done = _run(installed, tmp_path, "summary", "--arch", "model2")
    assert done.returncode == 0, done.stderr
    assert "814,218" in done.stdout
    code = (
        "import fmnist_viz, fmnist_viz.study.reference as r, fmnist_viz.data.loading as d;"
        "print(fmnist_viz.__file__); print(len(r.study_runs()));"
        "print(d.load_dir(d.SAMPLE_DIR)[0].shape)"
    )
    env = {"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin"}
    probe = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert probe.returncode == 0, probe.stderr
    where, rows, shape = probe.stdout.split("\n")[:3]
    assert where.startswith(str(installed))
    assert int(rows) == 200  # 2 models x 10 runs x 10 epochs
    assert shape == "(6000, 28, 28)"
    bad = _run(installed, tmp_path, "train", "--arch", "model9")
    assert bad.returncode == 2 and re.search(r"error: .*model9", bad.stderr)


@pytest.mark.slow
def test_an_installed_copy_serves_the_app(installed: Path, tmp_path: Path) -> None:
    port = free_port()
    env = {
        "PYTHONPATH": str(installed),
        "PATH": "/usr/bin:/bin",
        "FMNIST_OFFLINE": "1",
        "HOME": str(tmp_path),
    }
    args = ["app", "--runs-dir", "runs", "--data-dir", str(SAMPLE_DIR), "--port", str(port)]
    script = installed / "bin" / "fmnist-viz"
    server = subprocess.Popen(
        [sys.executable, str(script), *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:

        def health() -> str | None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health") as r:
                    return r.read().decode()
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                return None

        assert wait_until(health, 60, "the installed app's health check") == "ok"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/train") as page:
            assert page.status == 200
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_wheel_names_folders_that_exist() -> None:
    """A renamed folder would silently drop out of the wheel."""
    wheel = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]
    for source in [*wheel["packages"], *wheel["force-include"]]:
        assert (ROOT / source).exists(), source
