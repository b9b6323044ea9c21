"""`fmnist-viz app`: start the Streamlit app on a runs folder, as `tensorboard --logdir` does.

The app is `dashboard.py` with its `pages/` and `ui/`: beside this package in a checkout, or
installed with it as `fmnist_viz_app/` (see pyproject.toml). Its Streamlit settings come from
the app's own `.streamlit/config.toml`, passed on as options, so the command works from any
folder.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tomllib
from pathlib import Path

from fmnist_viz.cli.support import UsageError

APP_PACKAGE = "fmnist_viz_app"  # where a wheel installs the app
SCRIPT = "dashboard.py"
RUNS_DIR_ENV = "FMNIST_RUNS_DIR"
DATA_DIR_ENV = "FMNIST_DATA_DIR"


def app_folder() -> Path:
    """The folder holding dashboard.py: the installed app, else the checkout's root."""
    spec = importlib.util.find_spec(APP_PACKAGE)
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(__file__).resolve().parents[2]


def streamlit_options(folder: Path) -> list[str]:
    """The app's .streamlit/config.toml as command-line options (`--section.key value`)."""
    path = folder / ".streamlit" / "config.toml"
    if not path.is_file():
        return []
    options = []
    for section, values in tomllib.loads(path.read_text(encoding="utf-8")).items():
        for key, value in values.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            options += [f"--{section}.{key}", text]
    return options


def app_command(args: argparse.Namespace, folder: Path | None = None) -> list[str]:
    """The streamlit command line for these arguments (UsageError for a bad runs folder)."""
    folder = folder or app_folder()
    script = folder / SCRIPT
    if not script.is_file():
        raise UsageError(f"The app is not installed: {script} is missing")
    command = [sys.executable, "-m", "streamlit", "run", str(script), *streamlit_options(folder)]
    command += ["--server.port", str(args.port)]
    if args.address:
        command += ["--server.address", args.address]
    return command


def app_environment(args: argparse.Namespace) -> dict[str, str]:
    """The environment the app starts in: the runs (and data) folder made absolute."""
    env = dict(os.environ)
    if args.runs_dir:
        runs = Path(args.runs_dir).expanduser().resolve()
        if runs.exists() and not runs.is_dir():
            raise UsageError(f"--runs-dir {runs} is not a folder")
        env[RUNS_DIR_ENV] = str(runs)
    if args.data_dir:
        env[DATA_DIR_ENV] = str(Path(args.data_dir).expanduser().resolve())
    return env


def cmd_app(args: argparse.Namespace) -> int:
    """Replace this process with the Streamlit server (its exit code is the command's)."""
    command = app_command(args)
    env = app_environment(args)
    print(f"Starting the app on port {args.port} ({Path(command[4]).parent})", file=sys.stderr)
    os.execve(sys.executable, command, env)
    return 0  # not reached
