"""A class at once: N simulated students each open the regression lab and press Start at the
same moment, against a real `streamlit run` server on 127.0.0.1, and watch their run live.

Students are Streamlit websocket sessions (benchmarks/student.py) that speak the browser's
protocol, live polling included, but render nothing: 10 headless Chromium contexts alone took
both of this machine's cores for their renderers, which measured Chromium, not the server.

Reports runs completed, metric rows lost (expected - stored), home-page load time p50/p95
(a second session per student opens the home page while the class trains), /_stcore/health
p95, and peak memory of the server and its workers. Bounded in time.

    python benchmarks/classroom.py --students 10 30
"""

from __future__ import annotations

import argparse
import asyncio
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
from tests.e2e.conftest import Server  # noqa: E402

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


async def classroom(n: int, url: str) -> dict:
    results = {"run_ids": [], "home": [], "final": [], "errors": []}
    start = asyncio.Event()
    tasks = [asyncio.create_task(student(url, i, start, results)) for i in range(n)]
    await asyncio.sleep(2 + n * 0.2)  # every student has the page open
    start.set()
    await asyncio.gather(*tasks)
    return results


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=[10, 30])
    args = parser.parse_args()
    for n in args.students:
        with tempfile.TemporaryDirectory() as tmp:
            srv = Server(Path(tmp), None).start()
            sampler = Sampler(srv.url, srv.proc.pid)
            sampler.start()
            t0 = time.perf_counter()
            try:
                results = asyncio.run(asyncio.wait_for(classroom(n, srv.url), timeout=1500))
            finally:
                sampler.done.set()
                sampler.join()
            wall = time.perf_counter() - t0
            service = JobService(Path(tmp) / "losslab.sqlite3")
            runs = service.runs_by_id(results["run_ids"])
            completed = sum(r["status"] == "completed" for r in runs)
            lost = sum(EPOCHS - len(set(service.metrics(r["id"]).get(key, ([], []))[0]))
                       for r in runs for key in ("train/loss", "train/mse"))
            srv.stop()
            home = results["home"]
            print(f"N = {n} students on {os.cpu_count()} cores, {EPOCHS}-step regression runs, wall {wall:.0f} s")
            print(f"  runs started {len(runs)}/{n}, completed {completed}; metric rows lost {lost}; "
                  f"students who saw their run end: {sum(f == 'completed' for f in results['final'])}")
            print(f"  home page load while the class trains: p50 {pct(home, 0.5):.2f} s, p95 {pct(home, 0.95):.2f} s")
            print(f"  /_stcore/health: p95 {1000 * pct(sampler.health, 0.95):.0f} ms over {len(sampler.health)} "
                  f"probes, {sampler.failures} failed")
            print(f"  peak memory, server + workers (RSS): {sampler.peak_kb / 1024:.0f} MB")
            for e in results["errors"][:5]:
                print("  !", e)


if __name__ == "__main__":
    main()
