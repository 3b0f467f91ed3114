"""`python -m losslab serve [streamlit options]`: the web app with its worker pool started
with the server, not on the first visit, so the first Start after a (re)start does not wait
for workers to import torch. Same process as the Streamlit server: the pages find this pool."""

from __future__ import annotations

import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app.py"


def main(argv: list[str]) -> int:
    from .jobs.service import get_service

    get_service()  # spawns the warm workers now; they import torch while Streamlit starts
    from streamlit.web import cli as streamlit_cli

    sys.argv = ["streamlit", "run", str(APP), *argv]
    return streamlit_cli.main()
