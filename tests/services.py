"""Real services for tests and benchmarks: a throwaway PostgreSQL cluster (Debian's binaries,
initdb + pg_ctl in a temporary folder, as an unprivileged user, on a free port) and a local Ray
cluster of two nodes (Ray's own cluster_utils). Each says why it is missing instead of faking it."""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    """`Postgres().start()`; `fresh()` gives each test its own schema (a URL whose search_path
    names it), so tests share one server but never each other's rows."""

    _names = itertools.count(1)

    def __init__(self):
        self.bin = self.bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="losslab-pg-"))
        self.port = free_port()
        self.user = None

    @staticmethod
    def bin_dir() -> Path | None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
        if found:
            return Path(found[-1]).parent
        initdb = shutil.which("initdb")
        return Path(initdb).parent if initdb else None

    @classmethod
    def missing(cls) -> str | None:
        if cls.bin_dir() is None:
            return "PostgreSQL is not installed (Debian: apt-get install postgresql); .ci/run installs it"
        try:
            import psycopg  # noqa: F401
        except ImportError:
            return "psycopg is not installed (pip install -r requirements-dev.txt)"
        if os.geteuid() == 0 and _uid("postgres") is None:
            return "running as root and there is no 'postgres' user to run PostgreSQL as"
        return None

    def _run(self, *args, **kw):
        # initdb refuses root: run it (and the server) as the postgres user the package made.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(prefix + [str(a) for a in args], check=True, capture_output=True, text=True, **kw)

    def start(self) -> "Postgres":
        if os.geteuid() == 0:
            uid = _uid("postgres")
            os.chmod(self.root, 0o755)
            os.chown(self.root, uid, -1)
        data = self.root / "data"
        self._run(self.bin / "initdb", "-D", data, "-A", "trust", "-U", "losslab", "-E", "UTF8", "--no-sync")
        # fsync off: a test cluster that dies with its temp folder needs no durability
        self.opts = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                     "-c synchronous_commit=off -c full_page_writes=off -c max_connections=400")
        self.resume()
        return self

    def pause(self) -> None:
        """Stop the server, keeping its data: every connection to it fails until resume()."""
        self._run(self.bin / "pg_ctl", "-D", self.root / "data", "-m", "fast", "-w", "stop")

    def resume(self) -> None:
        self._run(self.bin / "pg_ctl", "-D", self.root / "data", "-o", self.opts, "-l", self.root / "server.log",
                  "-w", "-t", "60", "start")

    def url(self, schema: str | None = None) -> str:
        base = f"postgresql://losslab@127.0.0.1:{self.port}/postgres"
        return base + (f"?options=-csearch_path%3D{schema}" if schema else "")

    def fresh(self) -> str:
        import psycopg

        name = f"t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as c:
            c.execute(f"CREATE SCHEMA {name}")
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(self.bin / "pg_ctl", "-D", self.root / "data", "-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)


def _uid(name: str) -> int | None:
    import pwd

    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        return None


def ray_missing() -> str | None:
    try:
        import ray  # noqa: F401
    except ImportError:
        return "ray is not installed (pip install -r requirements-dev.txt)"
    return None


class RayCluster:
    """Two Ray nodes on this machine (a head and a worker node, one CPU each by default), the
    driver (this process) connected to it."""

    def __init__(self, nodes: int = 2, cpus: int = 1):
        from ray.cluster_utils import Cluster

        self.cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": cpus, "include_dashboard": False})
        for _ in range(nodes - 1):
            self.cluster.add_node(num_cpus=cpus)
        self.cluster.wait_for_nodes()
        self.address = self.cluster.address

    def nodes(self) -> int:
        import ray

        return sum(1 for n in ray.nodes() if n["Alive"])

    def shutdown(self) -> None:
        import ray

        ray.shutdown()
        self.cluster.shutdown()


def environment(stack, store: str, executor: str, sqlite_file: Path) -> tuple[object, dict]:
    """Start what a benchmark's setup needs on `stack` (stopped when it closes): a PostgreSQL
    server for store="postgres", a 2-node Ray cluster for executor="ray". Returns the store's
    target and the variables a losslab server needs to use them."""
    env, target = {}, sqlite_file
    if store == "postgres":
        pg = Postgres().start()
        stack.callback(pg.stop)
        env["LOSSLAB_DATABASE_URL"] = target = pg.fresh()
    if executor == "ray":
        cluster = RayCluster(nodes=2, cpus=1)
        stack.callback(cluster.shutdown)
        env.update(LOSSLAB_EXECUTOR="ray", RAY_ADDRESS=cluster.address)
    return target, env
