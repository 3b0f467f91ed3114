"""A class at once: N simulated students (browser contexts in one headless Chromium) each open
the regression lab and press Start at the same moment, against a real `streamlit run` server.

Reports runs completed, metric rows lost (expected rows - stored rows), home-page load time
p50/p95 (measured while the class trains), /_stcore/health p95, and peak server memory
(server + worker processes, resident set). Bounded in time.

    python benchmarks/classroom.py --students 10 30
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.async_api import async_playwright  # noqa: E402

from losslab.jobs.service import JobService  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, Server  # noqa: E402

EPOCHS = 2000  # per student run: 2,000 steps × 2 metric rows


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree(pid: int) -> list[int]:
    out = [pid]
    for child in Path("/proc").iterdir():
        if child.name.isdigit():
            try:
                if int((child / "stat").read_text().split(") ")[1].split()[1]) == pid:
                    out.append(int(child.name))
            except (OSError, IndexError, ValueError):
                pass
    return out


class Sampler(threading.Thread):
    """Polls /_stcore/health every 100 ms and the server tree's memory, until stopped."""

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
                ok = urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=10).read() == b"ok"
                self.failures += not ok
            except OSError:
                self.failures += 1
            self.health.append(time.perf_counter() - t0)
            self.peak_kb = max(self.peak_kb, sum(rss_kb(p) for p in tree(self.pid)))
            self.done.wait(0.1)


async def student(browser, url: str, i: int, results: dict) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(180_000)
    try:
        await page.goto(f"{url}/regression?epochs={EPOCHS}&seed={i}")
        await page.get_by_role("button", name="▶ Start").click()
        await page.wait_for_url("**run=*")
        results.setdefault("run_ids", []).append(page.url.split("run=")[1].split("&")[0])
        # While the class trains, this student opens the home page in a second tab.
        home = await context.new_page()
        t0 = time.perf_counter()
        await home.goto(url)
        await home.wait_for_function("() => document.body.innerText.includes('see how loss functions behave')")
        results.setdefault("home", []).append(time.perf_counter() - t0)
        await home.close()
        await page.wait_for_function("() => /completed|stopped|failed|diverged|interrupted/.test("
                                     "document.querySelector(\"[data-testid='stMain']\").innerText)", timeout=300_000)
    except Exception as exc:  # a student who got stuck is counted, not fatal to the benchmark
        results.setdefault("errors", []).append(f"student {i}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
    finally:
        await context.close()


async def classroom(n: int, url: str) -> dict:
    results: dict = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        await asyncio.gather(*(student(browser, url, i, results) for i in range(n)))
        await browser.close()
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
            srv = Server(Path(tmp), None, {"LOSSLAB_MAX_RUNS_PER_OWNER": "3"}).start()
            sampler = Sampler(srv.url, srv.proc.pid)
            sampler.start()
            t0 = time.perf_counter()
            try:
                results = asyncio.run(classroom(n, srv.url))
            finally:
                sampler.done.set()
                sampler.join()
                wall = time.perf_counter() - t0
            service = JobService(Path(tmp) / "losslab.sqlite3")
            runs = service.runs_by_id(results.get("run_ids", []))
            completed = sum(r["status"] == "completed" for r in runs)
            lost = 0
            for r in runs:
                stored = service.metrics(r["id"])
                for key in ("train/loss", "train/mse"):
                    steps = stored.get(key, ([], []))[0]
                    lost += EPOCHS - len(set(steps))
            srv.stop()
            print(f"N = {n} students, {os.cpu_count()} cores, {EPOCHS}-step regression runs, wall {wall:.1f} s")
            print(f"  runs started {len(runs)}, completed {completed}; metric rows lost {lost}")
            home = results.get("home", [])
            print(f"  home page load while the class trains: p50 {pct(home, 0.5):.2f} s, p95 {pct(home, 0.95):.2f} s")
            print(f"  /_stcore/health: p95 {1000 * pct(sampler.health, 0.95):.0f} ms over {len(sampler.health)} "
                  f"probes, {sampler.failures} failed")
            print(f"  peak server memory (server + workers, RSS): {sampler.peak_kb / 1024:.0f} MB")
            for e in results.get("errors", [])[:5]:
                print("  !", e)


if __name__ == "__main__":
    main()
