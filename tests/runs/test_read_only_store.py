"""A read-only run store lists and renders: the CLI's `runs` and the app's pages, run in a
process that cannot write there (as root: without the capabilities that bypass file modes)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "fmnist_viz" / "data" / "sample"
PAGES_SCRIPT = """
import json, sys
from streamlit.testing.v1 import AppTest
report = {}
run = {"run": sys.argv[2]}
for page, query in [(None, {}), ("pages/runs.py", {}), ("pages/feature_maps.py", run),
                    ("pages/kernels.py", run), ("pages/compare.py", {}), ("pages/evaluate.py", {}),
                    ("pages/attribution.py", run), ("pages/filters.py", run)]:
    at = AppTest.from_file(sys.argv[1], default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    report[page or "home"] = {
        "exception": [str(e.value) for e in at.exception],
        "charts": len(at.get("plotly_chart")),
        "errors": [e.value for e in at.error],
    }
print(json.dumps(report))
"""


def _unprivileged() -> list[str]:
    """A command prefix that makes a root process obey file modes (no-op for other users)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot make a store read-only")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


def _fingerprint(folder: Path) -> dict[str, str]:
    """Every file under a folder with a hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _freeze(folder: Path) -> None:
    """Remove every write permission under folder."""
    for path in [folder, *folder.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _thaw(folder: Path) -> None:
    """Give write permission back (so pytest can clean up)."""
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


@pytest.fixture
def frozen(tiny_runs, tmp_path: Path):
    """A read-only copy of the tiny runs, plus a stale 'running' run and a leftover temp file."""
    store, ids = tiny_runs
    root = tmp_path / "runs"
    shutil.copytree(store.root, root)
    stale = root / "20260101-000000-stale-0000"
    stale.mkdir()
    meta = json.loads((root / ids["model1"] / "run.json").read_text())
    meta.update(id=stale.name, name="stale", status="running", pid=2**22 + 7)
    meta.update(host=socket.gethostname())
    (stale / "run.json").write_text(json.dumps(meta))
    (root / ids["model2"] / ".tmp-left-by-a-killed-write").write_bytes(b"partial")
    _freeze(root)
    try:
        yield root, ids, stale.name
    finally:
        _thaw(root)


def _run(args: list[str], runs: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "FMNIST_RUNS_DIR": str(runs),
        "FMNIST_DATA_DIR": str(SAMPLE),
        "FMNIST_OFFLINE": "1",
        "PYTHONPATH": str(ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    return subprocess.run(
        [*_unprivileged(), sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_a_read_only_store_lists_and_renders(frozen) -> None:
    root, ids, stale = frozen
    before = _fingerprint(root)
    probe = _run(["-c", f"open({str(root / 'x')!r}, 'w')"], root)
    assert probe.returncode != 0 and "Permission denied" in probe.stderr  # really read-only

    listed = _run(["-m", "fmnist_viz", "runs", "--json"], root)
    assert listed.returncode == 0, listed.stderr
    rows = {r["id"]: r for r in json.loads(listed.stdout)}
    assert rows[stale]["status"] == "interrupted"  # seen as such, without a write
    assert rows[ids["model2"]]["status"] == rows[ids["model1"]]["status"] == "finished"

    pages = _run(["-c", PAGES_SCRIPT, str(ROOT / "dashboard.py"), ids["model2"]], root)
    assert pages.returncode == 0, pages.stderr[-2000:]
    report = json.loads(pages.stdout.strip().splitlines()[-1])
    for page, seen in report.items():
        assert seen["exception"] == [], (page, seen)
    assert report["pages/feature_maps.py"]["charts"] >= 4
    assert report["pages/kernels.py"]["charts"] >= 2
    assert report["pages/evaluate.py"]["charts"] >= 2
    assert report["pages/attribution.py"]["charts"] >= 2
    assert report["pages/filters.py"]["charts"] >= 2  # computed and kept in memory
    assert _fingerprint(root) == before  # nothing written, the temp file left alone
