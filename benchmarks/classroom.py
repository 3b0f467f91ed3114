"""A class at once: N simulated students each open the regression lab and press Start at the
same moment, against a real `streamlit run` server on 127.0.0.1, and watch their run live.

Students are Streamlit websocket sessions (benchmarks/student.py) that speak the browser's
protocol, live polling included, but render nothing: 10 headless Chromium contexts alone took
both of this machine's cores for their renderers, which measured Chromium, not the server.

Reports runs completed, metric rows lost (expected - stored), home-page load time p50/p95
(a second session per student opens the home page while the class trains), /_stcore/health
p95, and peak memory of the server and its workers. Bounded in time.

    python benchmarks/classroom.py --students 10 30
    python benchmarks/classroom.py --viewers 1 100 --seconds 30          # a shared run, watched
    python benchmarks/classroom.py --viewers 100 --with-students 30       # both at once
    python benchmarks/classroom.py --viewers 1 100 --app-root /tmp/before # another checkout's server
    python benchmarks/classroom.py --lesson 40    # a class answering and running one lesson (lesson_hall.py)
    python benchmarks/classroom.py --lesson 100 --servers 2   # voting twice, two web processes behind HAProxy
    python benchmarks/classroom.py --students 30 --servers 2 --store postgres --executor ray
                                                  # 2 web replicas, PostgreSQL, a 2-node Ray cluster,
                                                  # printed after the single-host figure

With --viewers: the lecturer's run (a long regression run in slow motion) is pinned, V sessions
open its link (arriving evenly over 10 s) and poll it like the live chart does for --seconds; reports the server process's
CPU seconds per wall second (its workers excluded), bytes sent per viewer per second, page load
p50/p95 and health p95.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from student import Student  # noqa: E402

from losslab.jobs.service import JobService  # noqa: E402
from losslab.replicas import wait_healthy  # noqa: E402
from tests.e2e.conftest import Server  # noqa: E402
from tests.services import environment  # noqa: E402

EPOCHS = 10_000  # per student run: the seed default, 10,000 full-batch steps, 2 metric rows each


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    out = [pid]
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if int((proc / "stat").read_text().rsplit(") ", 1)[1].split()[1]) == pid:
                    out.append(int(proc.name))
            except (OSError, IndexError, ValueError):
                pass
    return out


class Sampler(threading.Thread):
    """Probes /_stcore/health every 100 ms and samples the server tree's memory."""

    def __init__(self, url: str, pid: int):
        super().__init__(daemon=True)
        self.url, self.pid = url, pid
        self.health: list[float] = []
        self.failures = 0
        self.peak_kb = 0
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            t0 = time.perf_counter()
            try:
                self.failures += urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=10).read() != b"ok"
            except OSError:
                self.failures += 1
            self.health.append(time.perf_counter() - t0)
            self.peak_kb = max(self.peak_kb, sum(rss_kb(p) for p in children(self.pid)))
            self.done.wait(0.1)


async def student(url: str, i: int, start: asyncio.Event, results: dict) -> None:
    try:
        async with Student(url) as s:
            await s.open("regression", f"epochs={EPOCHS}&seed={i}")
            await start.wait()  # everyone presses Start at the same moment
            await s.click("Start")
            if not s.run_id:
                results["errors"].append(f"student {i}: no run started: {' '.join(s.texts)[:200]}")
                return
            results["run_ids"].append(s.run_id)
            async with Student(url) as home:  # a second tab: the home page while the class trains
                results["home"].append(await home.open(""))
            results["final"].append(await s.watch())
    except Exception as exc:  # a stuck student is counted, not fatal
        results["errors"].append(f"student {i}: {type(exc).__name__}: {exc}")


async def classroom(n: int, url: str, results: dict | None = None) -> dict:
    """n students open the lab, press Start together and watch their runs; `results` (if given)
    fills as they go: run_ids once each has pressed Start."""
    results = results if results is not None else {}
    results.update({"run_ids": [], "home": [], "final": [], "errors": []})
    start = asyncio.Event()
    tasks = [asyncio.create_task(student(url, i, start, results)) for i in range(n)]
    await asyncio.sleep(2 + n * 0.2)  # every student has the page open
    start.set()
    await asyncio.gather(*tasks)
    return results


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def cpu_seconds(pids) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")




class Replicated:
    """`python -m losslab serve --servers N` (HAProxy in front) on a free port, as a class server runs it."""

    def __init__(self, home: Path, servers: int, env_extra: dict, root: Path):
        import subprocess

        from tests.e2e.conftest import free_port

        port = free_port()
        self.url = f"http://127.0.0.1:{port}/losslab"
        env = dict(os.environ, LOSSLAB_HOME=str(home), LOSSLAB_WORKERS="2", **env_extra)
        self.log = open(home / "serve.log", "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "losslab", "serve", "--servers", str(servers), "--port",
                                      str(port), "--base-path", "losslab", "--server.headless=true"], cwd=root, env=env,
                                     stdout=self.log, stderr=self.log)
        if not wait_healthy(f"{self.url}/_stcore/health", 300):
            raise RuntimeError("the replicated service did not start")

    def pids(self) -> list[int]:
        """The Streamlit processes and HAProxy (not the training workers)."""
        return children(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(60)
        self.log.close()


def main() -> None:
    # Simulated students all come from 127.0.0.1; a real class comes from one address per device.
    # The per-address cap (LOSSLAB_MAX_RUNS_PER_CLIENT, 12) would turn away all but 12 of them.
    os.environ.setdefault("LOSSLAB_MAX_RUNS_PER_CLIENT", "10000")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=[10, 30])
    parser.add_argument("--viewers", type=int, nargs="+", default=None)
    parser.add_argument("--with-students", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--app-root", default=str(Path(__file__).resolve().parents[1]))
    parser.add_argument("--collide", action="store_true",
                        help="--viewers mode: the hall opens the link in the same seconds the class presses Start "
                             "(default: once the class is training)")
    parser.add_argument("--spy", default=None, help="--viewers mode: FILE[:FROM-TO], py-spy's raw stacks of the server from FROM to TO s (default 0-15)")
    parser.add_argument("--servers", type=int, default=1, help="Streamlit processes behind HAProxy (--viewers and --lesson modes)")
    parser.add_argument("--lesson", type=int, default=0, help="N students voting (with confidence), running and voting again on one lesson")
    parser.add_argument("--dashboard", action="store_true",
                        help="--lesson mode: students on /lesson, the lecturer on /admin (default: a lecture's link and its remote)")
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite",
                        help="students mode: a real PostgreSQL server (tests/services.py) instead of SQLite")
    parser.add_argument("--executor", choices=("local", "ray"), default="local",
                        help="students mode: a 2-node local Ray cluster instead of the local pool")
    args = parser.parse_args()
    if args.lesson:
        import lesson_hall

        lesson_hall.main(args.lesson, args.app_root, args.servers, lecture=not args.dashboard)
        return
    if args.viewers:
        import lecture_hall

        lecture_hall.main(args)
        return
    setups = [("sqlite", "local", 1)]
    if (args.store, args.executor, args.servers) != ("sqlite", "local", 1):
        setups.append((args.store, args.executor, args.servers))  # next to the single-host figure
    for n in args.students:
        for store, executor, servers in setups:
            with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
                students_main(n, Path(tmp), store, executor, servers, args.app_root, stack)


def students_main(n: int, tmp: Path, store: str, executor: str, servers: int, app_root: str, stack) -> None:
    """N students at once on one setup: the store, the executor, and how many web processes."""
    target, env = environment(stack, store, executor, tmp / "losslab.sqlite3")
    if servers > 1 or env:
        srv = Replicated(tmp, servers, env, Path(app_root))
    else:
        srv = Server(tmp, None, root=Path(app_root)).start()
    stack.callback(srv.stop)
    sampler = Sampler(srv.url, srv.proc.pid)
    sampler.start()
    t0 = time.perf_counter()
    try:
        results = asyncio.run(asyncio.wait_for(classroom(n, srv.url), timeout=1500))
    finally:
        sampler.done.set()
        sampler.join()
    wall = time.perf_counter() - t0
    service = JobService(target)
    runs = service.runs_by_id(results["run_ids"])
    completed = sum(r["status"] == "completed" for r in runs)
    lost = sum(EPOCHS - len(set(service.metrics(r["id"]).get(key, ([], []))[0]))
               for r in runs for key in ("train/loss", "train/mse"))
    nodes = len({r["worker"].split(":")[0] for r in runs if r["worker"]})
    service.close()
    home = results["home"]
    print(f"N = {n} students on {os.cpu_count()} cores, {EPOCHS}-step regression runs, {store} + {executor} workers, "
          f"{servers} web process(es), wall {wall:.0f} s")
    print(f"  runs started {len(runs)}/{n}, completed {completed}; metric rows lost {lost}; "
          f"students who saw their run end: {sum(f == 'completed' for f in results['final'])}; "
          f"trained by {nodes} distinct workers")
    print(f"  home page load while the class trains: p50 {pct(home, 0.5):.2f} s, p95 {pct(home, 0.95):.2f} s")
    print(f"  /_stcore/health: p95 {1000 * pct(sampler.health, 0.95):.0f} ms over {len(sampler.health)} "
          f"probes, {sampler.failures} failed")
    print(f"  peak memory, server + workers (RSS): {sampler.peak_kb / 1024:.0f} MB", flush=True)
    for e in results["errors"][:5]:
        print("  !", e)


if __name__ == "__main__":
    main()
