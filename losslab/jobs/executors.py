"""Executors start the processes that run training. The service only calls start/notify/
shutdown/status, so a Ray executor can replace the local pool without touching pages."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path
from typing import Optional, Protocol

from .. import settings
from ..i18n import Problem
from .dialect import is_url
from .pool import PACKAGE_PARENT, default_workers, ready_file
from .store import as_target, connect, local_dir, worker_died

log = logging.getLogger("losslab.executor")


class Executor(Protocol):
    def scope(self) -> tuple[str, tuple]: ...  # the runs a start-up recovers (SQL where, params)
    def start(self) -> None: ...
    def wait_ready(self, timeout: float = 60.0) -> bool: ...
    def notify(self) -> None: ...
    def shutdown(self) -> None: ...
    def status(self) -> dict: ...




class LocalExecutor:
    """A pool of warm worker processes on this machine, watched by a supervisor thread that
    fails the run of a worker that died (SIGKILL, out of memory) and starts a new worker.

    Workers are fresh interpreters (`python -m losslab.jobs.worker`), i.e. spawned, never
    forked: fork with torch's and Streamlit's threads can deadlock, and multiprocessing's
    spawn would re-import the parent's __main__ (Streamlit's CLI) in every worker."""

    def __init__(self, db_path, workers: Optional[int] = None, threads: Optional[int] = None):
        self.db_path = as_target(db_path)
        # Worker tokens start with this pool's name: on a PostgreSQL store shared by several
        # hosts, a restart recovers only this host's runs (scope()).
        self.pool = f"{socket.gethostname()}.{zlib.crc32(str(local_dir(self.db_path).resolve()).encode()):08x}"
        self.workers = workers or default_workers()
        # workers × threads ≤ cores: two workers on two cores get one thread each.
        self.threads = threads or max(1, (os.cpu_count() or 1) // self.workers)
        self.procs: list[subprocess.Popen] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._supervisor: Optional[threading.Thread] = None
        self.restarts = 0

    def _spawn(self) -> subprocess.Popen:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [PACKAGE_PARENT, os.environ.get("PYTHONPATH")])))
        return subprocess.Popen([sys.executable, "-m", "losslab.jobs.worker", str(self.db_path), str(self.threads),
                                 str(os.getpid()), self.pool], env=env, stdin=subprocess.DEVNULL)

    def start(self) -> None:
        with self._lock:
            self.procs = [self._spawn() for _ in range(self.workers)]
        self._supervisor = threading.Thread(target=self._supervise, daemon=True, name="losslab-supervisor")
        self._supervisor.start()

    def wait_ready(self, timeout: float = 60.0) -> bool:
        """Block until every worker has imported torch and loaded MNIST (or `timeout` passed)."""

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                pids = [p.pid for p in self.procs if p.poll() is None]
            if pids and all(ready_file(self.db_path, pid).exists() for pid in pids):
                return True
            time.sleep(0.05)
        return False

    def notify(self) -> None:
        pass  # idle workers poll the queue every 50 ms; nothing to wake

    def _supervise(self) -> None:
        """Restart dead workers; never dies itself: a store that fails while a dead worker's runs are
        settled is retried on the next round (the worker is restarted at once either way)."""
        conn = None
        self.unsettled: list = getattr(self, "unsettled", [])  # dead workers whose runs the store refused
        while not self._stop.wait(0.2):
            try:
                if conn is None:
                    conn = connect(self.db_path)
                with self._lock:
                    for i, p in enumerate(self.procs):
                        if p.poll() is None or self._stop.is_set():
                            continue
                        self.unsettled.append(p)
                        self._forget(p)
                        self.procs[i] = self._spawn()
                        self.restarts += 1
                while self.unsettled:
                    self._fail_runs_of(conn, self.unsettled[0])
                    self.unsettled.pop(0)
                self.supervisor_error = None
            except Exception as exc:  # the store: log, reconnect next round; workers were restarted already
                self.supervisor_error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                log.error("supervisor: the run store failed (%s); retrying", self.supervisor_error)
                try:
                    conn is not None and conn.close()
                except Exception:
                    pass
                conn = None
                self._stop.wait(1.0)
        if conn is not None:
            conn.close()

    def _forget(self, proc: subprocess.Popen) -> None:

        ready_file(self.db_path, proc.pid).unlink(missing_ok=True)

    def scope(self) -> tuple[str, tuple]:
        """The runs a restart of this pool recovers: all of a SQLite store's (one machine owns
        it), only this pool's on a shared server."""
        return ("worker LIKE ?", (f"{self.pool}/%",)) if is_url(self.db_path) else ("1 = 1", ())

    def _fail_runs_of(self, conn, proc: subprocess.Popen) -> None:
        code = proc.returncode
        key = {-9: "jobs.worker_killed", -15: "jobs.worker_terminated"}.get(code, "jobs.worker_exit")
        resumed, failed = worker_died(conn, "worker LIKE ?", (f"{self.pool}/{proc.pid}:%",), Problem(key, code=code))
        log.warning("worker %s died (exit code %s); %d run(s) queued to resume, %d failed; starting a new worker",
                    proc.pid, code, resumed, failed)

    def status(self) -> dict:
        with self._lock:
            alive = sum(p.poll() is None for p in self.procs)
        return {"workers": self.workers, "alive": alive, "threads_per_worker": self.threads, "restarts": self.restarts,
                "supervisor": bool(self._supervisor and self._supervisor.is_alive()),
                "store_error": getattr(self, "supervisor_error", None)}

    def shutdown(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._supervisor:
            self._supervisor.join(timeout)
        with self._lock:
            for p in self.procs:
                p.terminate()
            for p in self.procs:
                try:
                    p.wait(timeout)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
                self._forget(p)


def make(target):
    """LOSSLAB_EXECUTOR=ray: Ray actors (RAY_ADDRESS) that every replica shares; else the local
    pool, started by the one process holding this home's worker lock (None for the others)."""
    if settings.get("LOSSLAB_EXECUTOR") == "ray":  # anything but local or ray: its one sentence
        from .ray_executor import RayExecutor

        return RayExecutor(target)
    return LocalExecutor(target) if _take_worker_lock(local_dir(target)) else None


_lock_file = None


def _take_worker_lock(home: Path) -> bool:
    import fcntl

    global _lock_file
    home.mkdir(parents=True, exist_ok=True)
    f = open(home / "workers.lock", "a+")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        return False
    _lock_file = f  # held for the life of the process; the OS releases it when the process ends
    return True
