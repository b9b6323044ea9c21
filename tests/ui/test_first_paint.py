"""Home's first paint needs no TensorFlow (checked in a fresh interpreter); TensorFlow is
then warmed up in the background for the inside pages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys, time
import threading
from streamlit.testing.v1 import AppTest
warm = []
real_start = threading.Thread.start
def start(self):  # note when the warm-up thread starts, and what was imported by then
    if self.name == "fmnist-warm-up":
        warm.append(sorted(m for m in ("tensorflow", "keras") if m in sys.modules))
    return real_start(self)
threading.Thread.start = start
at = AppTest.from_file(sys.argv[1], default_timeout=60).run()
titles = [t.value for t in at.title]
from ui.core import warm_up
deadline = time.time() + 120
while warm_up.warm_up_seconds() is None and warm and time.time() < deadline:
    time.sleep(0.2)
print(json.dumps({"exception": [str(e.value) for e in at.exception], "warm": warm,
                  "titles": titles, "warmed": warm_up.warm_up_seconds(),
                  "tensorflow_now": "tensorflow" in sys.modules}))
"""


def test_home_renders_without_importing_tensorflow(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "FMNIST_RUNS_DIR": str(tmp_path),
        "FMNIST_DATA_DIR": str(ROOT / "fmnist_viz" / "data" / "sample"),
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
    assert result["warm"] == [[]], "the page imported TensorFlow before its warm-up"
    assert result["warmed"] is not None and result["tensorflow_now"]  # warmed afterwards
