"""`serve` imports what the pages need before the port opens (losslab/ui/serve.py warm):
the first visitors after a restart must not import modules in their script threads, where every
other session arriving meanwhile waits on Python's import lock behind them (a hall opening a
link together saw 3-4 s page loads with the CPU half idle)."""

import json
import subprocess
import sys

from tests.conftest import ROOT

CHECK = """
import json, os, sys
from losslab.ui.serve import warm
warm()
from streamlit.testing.v1 import AppTest
from tests.conftest import app
before = set(sys.modules)
for page in (None, "regression", "binary", "mnist", "explorer", "runs", "lesson"):
    at = app(page)
    assert not at.exception, (page, at.exception)
heavy = ("losslab", "plotly", "_plotly_utils", "pandas", "pyarrow", "narwhals", "torch", "numpy", "streamlit", "packaging")
print(json.dumps(sorted(m for m in set(sys.modules) - before
                        if m.split(".")[0] in heavy and not m.startswith("streamlit.testing"))))
"""


def test_no_page_imports_a_module_the_warm_up_did_not(tmp_path):
    env = {"LOSSLAB_HOME": str(tmp_path), "LOSSLAB_WORKERS": "1", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
