"""DESIGN.md rule 1, checked on every test run: only losslab/ui imports streamlit, and the
page files (app_pages/, app.py) hold no torch code."""

import re

from tests.conftest import ROOT

STREAMLIT = re.compile(r"^\s*(import streamlit|from streamlit)", re.M)
TORCH = re.compile(r"^\s*(import torch|from torch)", re.M)


def test_only_losslab_ui_imports_streamlit():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "losslab").rglob("*.py")
                 if "ui" not in p.relative_to(ROOT / "losslab").parts[:1] and STREAMLIT.search(p.read_text())]
    assert offenders == []


def test_pages_hold_no_torch_code():
    files = [ROOT / "app.py", *(ROOT / "app_pages").glob("*.py")]
    assert len(files) >= 6
    assert [str(p.relative_to(ROOT)) for p in files if TORCH.search(p.read_text())] == []


def test_no_legacy_pages_folder():
    # A pages/ folder would switch Streamlit back to file-based navigation (see app.py).
    assert not (ROOT / "pages").exists()
