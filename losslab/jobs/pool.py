"""What every executor needs to know about its workers: how many, and where the losslab package
lives (a spawned worker or a Ray actor imports it from there). Shared by the local pool and the
Ray executor without either importing the other."""

from __future__ import annotations

import os
from pathlib import Path

from .. import settings


def default_workers() -> int:
    return settings.get("LOSSLAB_WORKERS") or (os.cpu_count() or 1)  # 0: one per core


PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])


def ready_file(target, pid: int) -> Path:
    """Where a worker says it is warm (the server waits for these before it opens its port). Here,
    not in the worker: the web process reads it without importing the worker (nor the loop)."""
    from .store import local_dir

    return local_dir(target) / f"worker-{pid}.ready"
