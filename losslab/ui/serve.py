"""`python -m losslab serve [streamlit options]`: the web app with its worker pool started
with the server, not on the first visit: the port opens once the workers have imported torch
and mapped MNIST, so the first Start after a (re)start trains at once. Same process as the
Streamlit server: the pages find this pool."""

from __future__ import annotations

import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app.py"


def main(argv: list[str]) -> int:
    from ..jobs.keyguard import trusted_proxies
    from ..jobs.service import get_service

    try:
        trusted_proxies()  # a malformed LOSSLAB_TRUSTED_PROXIES stops here, not at the first unlock
        service = get_service()  # spawns the workers now
    except ValueError as exc:  # the store or the cluster named in the environment: one sentence, no traceback
        print(f"losslab: {exc}", file=sys.stderr)
        return 2
    warm()  # meanwhile, in this process: torch, the explorer's first sweeps, what the pages import
    if service.executor is not None:
        # The port opens once the workers are warm: the first Start after a restart trains at once.
        service.executor.wait_ready(timeout=120)
    import gc
    import os

    from streamlit.web import cli as streamlit_cli

    # Streamlit's uvicorn believes X-Forwarded-For from any loopback peer (FORWARDED_ALLOW_IPS
    # defaults to 127.0.0.1), so a local client could name itself any address. Uvicorn trusts no
    # one here; which proxies to believe is LOSSLAB_TRUSTED_PROXIES' one job (jobs.keyguard).
    os.environ["FORWARDED_ALLOW_IPS"] = ""

    # torch, plotly and the warm caches are here for good: move them out of the collector's sight,
    # so each automatic collection walks only what the sessions allocate.
    gc.collect()
    gc.freeze()

    report_jobs_in_health(service)
    sys.argv = ["streamlit", "run", str(APP), *tls_options(argv), *argv]
    return streamlit_cli.main()


def tls_options(argv: list[str]) -> list[str]:
    """One server speaks HTTPS itself when LOSSLAB_TLS_CERT names a PEM (the certificate with its
    key, the same file HAProxy takes in --servers mode): Streamlit's own certificate options, both
    from the one file (Python's ssl reads the key from a combined PEM). Options given on the
    command line win; a missing file stopped the server earlier (settings.check_all)."""
    from .. import settings

    pem = settings.get("LOSSLAB_TLS_CERT")
    if pem is None or any(a.startswith(("--server.sslCertFile", "--server.sslKeyFile")) for a in argv):
        return []
    return [f"--server.sslCertFile={pem}", f"--server.sslKeyFile={pem}"]


def report_jobs_in_health(service) -> None:
    """/_stcore/health (what the image's HEALTHCHECK and HAProxy poll) also says whether the job
    system works: 503 with the reason when the store refuses writes or no worker lives. Streamlit
    has no hook for it, so its readiness check is wrapped; if a Streamlit upgrade renames it, the
    server runs as before and says so in one log line."""
    import logging

    try:
        from streamlit.runtime.runtime import Runtime

        original = Runtime.is_ready_for_browser_connection
        if not isinstance(original, property):
            raise AttributeError("Runtime.is_ready_for_browser_connection is not a property")
    except (ImportError, AttributeError) as exc:
        logging.getLogger("losslab").log(logging.WARNING, "health will not report the job system: %s", exc)
        return

    import asyncio

    async def ready(runtime):
        ok, message = await original.fget(runtime)
        if ok:  # off the event loop: a locked store would otherwise stall every session for its busy timeout
            try:
                ok, message = await asyncio.wait_for(asyncio.to_thread(service.health), 5.0)
            except asyncio.TimeoutError:
                ok, message = False, "run store not answering within 5 s"
        return ok, message

    Runtime.is_ready_for_browser_connection = property(ready)


def warm() -> None:
    _warm_explorer()
    warm_pages()


def page_modules() -> list[str]:
    """Every module the pages import (read from app_pages/*.py and app.py, not listed by hand)."""
    import ast

    names = set()
    for path in [APP, *sorted((APP.parent / "app_pages").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("losslab"):
                names.add(node.module)
                names.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names if a.name.startswith("losslab"))
    return sorted(names)


# Imported on first use by Streamlit, Plotly, pandas and pyarrow (the first chart, table or
# caption); tests/test_warm.py fails if one is missing or a page needs another.
FIRST_USE = ["plotly.io._json", "plotly.animation", "pyarrow.pandas_compat", "pyarrow.vendored.version",
             "narwhals._interchange.dataframe", "streamlit.emojis", "streamlit.runtime.scriptrunner.magic_funcs",
             "streamlit.components.v2.manifest_scanner",
             "plotly.colors"]  # a named colour scale ("Viridis", the step-size map) loads every palette module


def warm_pages() -> None:
    """Import what the pages import, before the port opens. Otherwise the first visitors after
    a (re)start import it in their script threads, and every other session arriving meanwhile
    waits on Python's import lock behind them: with a hall opening a link at once, page loads
    took 3-4 s in the first seconds while the CPU sat half idle. Plotly loads each figure class
    (and its validators' modules) on first use: all of graph_objs is ~0.7 s and ~50 MB, once."""
    import importlib
    import pkgutil

    import plotly.graph_objs

    for name in page_modules() + FIRST_USE:
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # `from losslab.ui.x import some_function` names a function, not a module
    for info in pkgutil.walk_packages(plotly.graph_objs.__path__, "plotly.graph_objs.",
                                      onerror=lambda name: None):
        if "widget" not in info.name:  # FigureWidget needs Jupyter's traitlets
            importlib.import_module(info.name)
    # A finished MNIST run's first visitor after a restart would otherwise wait for the digit
    # grids' subplot layouts (~0.1 s each, the same for every run)
    from ..figures.mnist import warm_grids
    from ..labs.mnist import SHOWN_DIGITS, SHOWN_MISTAKES

    warm_grids(SHOWN_DIGITS, SHOWN_MISTAKES)
    # The preview draws the loss's exact line: torch.func's Hessian imports its decompositions on first use
    from ..config import RegressionConfig
    from ..labs.regression import exact_line

    exact_line(RegressionConfig(loss="huber"))
    # and each compared loss's line and refits without each point (autograd's first double backward: ~2 s)
    from ..influence import influence, points
    from ..losses import LOSSES

    found = points(RegressionConfig())
    influence(found.xs, found.ys, tuple((n, LOSSES[n].resolve_param(None)) for n in ("mse", "mae", "huber")))


def _warm_explorer() -> None:
    """The explorer's first sweep compiles torch.func.vmap (~1.5 s): do it before anyone waits."""
    import numpy as np

    from .. import panel
    from ..losses import TASKS, losses_for

    for task, target, grid in (("regression", 0.0, (-5, 5)), ("binary", 1, (0, 1)), ("multiclass", 3, (-8, 8)),
                               ("distribution", [0.0, 0.5, 0.3, 0.2], (0, 1))):
        if task in TASKS:
            panel.sweep(task, [l.name for l in losses_for(task)], target, np.linspace(*grid, 11))
