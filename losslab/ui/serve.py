"""`python -m losslab serve [streamlit options]`: the web app with its worker pool started
with the server, not on the first visit: the port opens once the workers have imported torch
and mapped MNIST, so the first Start after a (re)start trains at once. Same process as the
Streamlit server: the pages find this pool."""

from __future__ import annotations

import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app.py"


def main(argv: list[str]) -> int:
    from ..jobs.service import get_service

    try:
        service = get_service()  # spawns the workers now
    except ValueError as exc:  # the store or the cluster named in the environment: one sentence, no traceback
        print(f"losslab: {exc}", file=sys.stderr)
        return 2
    _warm_explorer()  # meanwhile, in this process: torch and the explorer's first sweeps
    if service.executor is not None:
        # The port opens once the workers are warm: the first Start after a restart trains at once.
        service.executor.wait_ready(timeout=120)
    import gc

    from streamlit.web import cli as streamlit_cli

    # torch, plotly and the warm caches are here for good: move them out of the collector's sight,
    # so each automatic collection walks only what the sessions allocate.
    gc.collect()
    gc.freeze()

    sys.argv = ["streamlit", "run", str(APP), *argv]
    return streamlit_cli.main()


def _warm_explorer() -> None:
    """The explorer's first sweep compiles torch.func.vmap (~1.5 s): do it before anyone waits."""
    import numpy as np

    from .. import panel
    from ..losses import TASKS, losses_for

    for task, target, grid in (("regression", 0.0, (-5, 5)), ("binary", 1, (0, 1)), ("multiclass", 3, (-8, 8)),
                               ("distribution", [0.0, 0.5, 0.3, 0.2], (0, 1))):
        if task in TASKS:
            panel.sweep(task, [l.name for l in losses_for(task)], target, np.linspace(*grid, 11))
