"""Home's first paint needs no TensorFlow (checked in a fresh interpreter); TensorFlow is
then warmed up in the background for the inside pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.apptest_support import fresh_interpreter_report

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


@pytest.mark.slow
def test_home_renders_without_importing_tensorflow(tmp_path: Path) -> None:
    result = fresh_interpreter_report(SCRIPT, tmp_path, timeout=120)
    assert result["exception"] == []
    assert result["titles"] == ["Fashion-MNIST CNN Explorer"]
    assert result["warm"] == [[]], "the page imported TensorFlow before its warm-up"
    assert result["warmed"] is not None and result["tensorflow_now"]  # warmed afterwards
