"""Home's first paint needs no TensorFlow: checked in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import json, sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=60).run()
heavy = sorted(m for m in ("tensorflow", "keras") if m in sys.modules)
print(json.dumps({"exception": [str(e.value) for e in at.exception], "heavy": heavy,
                  "titles": [t.value for t in at.title]}))
"""


def test_home_renders_without_importing_tensorflow(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "FMNIST_RUNS_DIR": str(tmp_path),
        "FMNIST_DATA_DIR": str(ROOT / "fmnist_viz" / "sample_data"),
        "FMNIST_OFFLINE": "1",
        "PYTHONPATH": str(ROOT),
    }
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(ROOT / "dashboard.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["exception"] == []
    assert result["titles"] == ["Fashion-MNIST CNN Explorer"]
    assert result["heavy"] == [], f"Home imported {result['heavy']}"
