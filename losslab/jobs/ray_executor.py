"""LOSSLAB_EXECUTOR=ray: the workers live as Ray actors on a cluster (RAY_ADDRESS), not as
processes of this server. The store stays the queue: each actor runs the same warm-up and
claim-train-report loop as a local worker (worker.warm, worker.serve), against the same store
(PostgreSQL when the cluster has more than one host), so the executor only decides where
workers live.

Actors are named and detached in the "losslab" namespace: every web replica finds the same
LOSSLAB_WORKERS actors (creating the missing ones), and a replica's restart leaves them training.
Each replica's supervisor pings them every ~0.5 s; the run of an actor that died (its node lost,
killed) resumes from its saved state on another actor, at most MAX_RESUMES times, then fails
with the reason; the dead actor is replaced."""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
import zlib
from typing import Optional

from ..i18n import Problem
from .pool import PACKAGE_PARENT, default_workers
from .store import as_target, connect, describe, worker_died

log = logging.getLogger("losslab.executor")
NAMESPACE = "losslab"
PREFIX = "losslab-worker-"
PING_SECONDS = 0.5


class Worker:
    """One warm worker in a Ray actor (one CPU): a thread runs the claim loop, so the actor
    still answers info() while it trains."""

    def __init__(self, target: str, index: int, threads: int = 1):
        import ray

        from .worker import serve, warm

        warm(threads)
        self.token = f"ray/{index}:{secrets.token_hex(4)}"
        self.node = ray.get_runtime_context().get_node_id()
        self.conn = connect(as_target(target))
        self._stop = threading.Event()
        self.thread = threading.Thread(target=serve, args=(self.conn, self.token, lambda: not self._stop.is_set()),
                                       daemon=True, name="losslab-claim-loop")
        self.thread.start()

    def info(self) -> dict:
        return {"token": self.token, "node": self.node, "pid": os.getpid(), "serving": self.thread.is_alive()}

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(30)


class RayExecutor:
    def __init__(self, target, workers: Optional[int] = None, address: Optional[str] = None):
        self.target = as_target(target)
        # Actors are named after their store too: two classes' stores on one cluster never share.
        self.prefix = f"{PREFIX}{zlib.crc32(str(self.target).encode()):08x}-"
        self.workers = workers or default_workers()
        self.address = address or os.environ.get("RAY_ADDRESS") or "auto"
        self.actors: list = [None] * self.workers
        self.infos: list[Optional[dict]] = [None] * self.workers
        self.restarts = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._supervisor: Optional[threading.Thread] = None
        self._cls = None

    # --- Ray ------------------------------------------------------------------------------
    def _connect(self):
        try:
            import ray
        except ImportError:
            raise ValueError("LOSSLAB_EXECUTOR=ray needs Ray: pip install -r requirements-cluster.txt") from None
        if not ray.is_initialized():
            try:
                # The actors import losslab from this checkout (an installed image has it anyway).
                ray.init(address=self.address, namespace=NAMESPACE, log_to_driver=False, configure_logging=False,
                         runtime_env={"env_vars": {"PYTHONPATH": PACKAGE_PARENT}})
            except (ConnectionError, RuntimeError) as exc:
                raise ValueError(f"cannot reach the Ray cluster at RAY_ADDRESS={self.address} ({str(exc).splitlines()[0]}): "
                                 "start it (ray start --head) or fix RAY_ADDRESS") from None
        if self._cls is None:
            self._cls = ray.remote(num_cpus=1, max_concurrency=2, max_restarts=0)(Worker)
        return ray

    def _actor(self, i: int):
        """Actor i: the existing one of that name (another replica's), or a new one."""
        return self._cls.options(name=f"{self.prefix}{i}", namespace=NAMESPACE, lifetime="detached",
                                 get_if_exists=True).remote(str(self.target), i)

    def _ping(self, timeout: float) -> list[Optional[dict]]:
        """Each actor's info, or None for one that is dead (or missing). All are asked at once
        and waited for together, so a slow actor costs `timeout` once, not once per actor."""
        ray = self._connect()
        refs = [a.info.remote() if a is not None else None for a in self.actors]
        asked = [r for r in refs if r is not None]
        ready, _ = ray.wait(asked, num_returns=len(asked), timeout=timeout) if asked else ([], [])
        ready = set(ready)
        out = []
        for ref in refs:
            if ref is None:
                out.append(None)
            elif ref not in ready:
                out.append({"token": None, "busy": True})  # warming up, or its node is slow: not dead
            else:
                try:
                    out.append(ray.get(ref))
                except ray.exceptions.RayActorError:
                    out.append(None)
        return out

    # --- the Executor protocol --------------------------------------------------------------
    def scope(self) -> tuple[str, tuple]:
        """At a replica's start: runs of Ray workers that are no longer alive (the cluster
        restarted, an actor died while no replica was watching). Live actors' runs go on."""
        self._connect()
        with self._lock:
            self.actors = [self._existing(i) for i in range(self.workers)]
            self.infos = self._ping(timeout=5.0)
        live = [info["token"] for info in self.infos if info and info.get("token")]
        marks = ", ".join("?" for _ in live)
        return (f"worker LIKE 'ray/%' AND worker NOT IN ({marks})" if live else "worker LIKE 'ray/%'", tuple(live))

    def _existing(self, i: int):
        import ray

        try:
            return ray.get_actor(f"{self.prefix}{i}", namespace=NAMESPACE)
        except ValueError:
            return None

    def start(self) -> None:
        self._connect()
        with self._lock:
            self.actors = [a if a is not None else self._actor(i) for i, a in enumerate(self.actors)]
        self._supervisor = threading.Thread(target=self._supervise, daemon=True, name="losslab-ray-supervisor")
        self._supervisor.start()

    def wait_ready(self, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            infos = self._ping(timeout=max(0.1, min(5.0, deadline - time.monotonic())))
            if all(info and info.get("token") for info in infos):
                with self._lock:
                    self.infos = infos
                return True
            time.sleep(0.2)  # a missing or dead actor answers at once: do not spin
        return False

    def notify(self) -> None:
        pass  # actors poll the queue every 50 ms, like local workers

    def _supervise(self) -> None:
        conn = connect(self.target)
        while not self._stop.wait(PING_SECONDS):
            infos = self._ping(timeout=5.0)
            with self._lock:
                for i, info in enumerate(infos):
                    if info is not None or self._stop.is_set():
                        if info and info.get("token"):
                            self.infos[i] = info
                        continue
                    dead = self.infos[i]
                    if dead and dead.get("token"):
                        self._fail_runs_of(conn, dead["token"])
                    self.actors[i] = self._actor(i)  # a replacement (or one another replica made)
                    self.infos[i] = None
                    self.restarts += 1
        conn.close()

    @staticmethod
    def _fail_runs_of(conn, token: str) -> None:
        resumed, failed = worker_died(conn, "worker = ?", (token,), Problem("jobs.actor_died"))
        log.warning("Ray worker %s died; %d run(s) queued to resume, %d failed; starting a new actor",
                    token, resumed, failed)

    def status(self) -> dict:
        """For the Lecturer page: the actors, the nodes they are on, restarts."""
        with self._lock:
            infos = list(self.infos)
        actors = [{"actor": f"{self.prefix}{i}", "node": (info or {}).get("node", "")[:12] or "-",
                   "pid": (info or {}).get("pid"), "alive": bool(info and info.get("token"))}
                  for i, info in enumerate(infos)]
        return {"executor": "ray", "workers": self.workers, "alive": sum(a["alive"] for a in actors),
                "nodes": len({a["node"] for a in actors if a["alive"]}), "actors": actors,
                "restarts": self.restarts, "store": describe(self.target)}

    def shutdown(self, timeout: float = 5.0) -> None:
        """This replica stops watching; the detached actors keep serving the other replicas.
        (kill() ends them, for tests and for the last replica of a class.)"""
        self._stop.set()
        if self._supervisor:
            self._supervisor.join(timeout)

    def kill(self) -> None:
        import ray

        self.shutdown()
        for a in self.actors:
            if a is not None:
                try:
                    ray.kill(a, no_restart=True)
                except Exception:  # already gone
                    pass
