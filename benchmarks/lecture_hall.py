"""`python benchmarks/classroom.py --viewers 1 100 [--with-students 30] [--servers 2]`: the lecturer's
run is pinned (the lecturer's tab has drawn it), V sessions open its link (arriving evenly over 10 s)
and poll it like the live chart does for --seconds; reports the server process's CPU seconds per wall second (its workers
excluded), bytes sent per viewer per second, page load p50/p95 and health p95. Run from
classroom.py, which holds the shared parts (the sampler, the class, the replicated service)."""

from __future__ import annotations

import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from classroom import EPOCHS, Replicated, Sampler, classroom, cpu_seconds, pct
from student import Student

from losslab.jobs.service import JobService
from tests.e2e.conftest import Server

ARRIVALS = 10.0  # seconds over which the viewers open the link (a hall clicking a shared link)


async def viewer(url: str, run_id: str, until: float, results: dict, delay: float = 0.0) -> None:
    await asyncio.sleep(delay)
    try:
        async with Student(url) as s:
            results["loads"].append((delay, await s.open("regression", f"run={run_id}")))
            results["first_bytes"].append(s.bytes)
            start_bytes, t0 = s.bytes, time.monotonic()
            await s.watch(until=until)
            results["polls"].append(s.polls)
            results["rate"].append((s.bytes - start_bytes) / max(1e-9, time.monotonic() - t0))
    except Exception as exc:
        results["errors"].append(f"viewer: {type(exc).__name__}: {exc}")


async def lecture(url: str, run_id: str, v: int, seconds: float, students: int, collide: bool) -> tuple[dict, dict]:
    """The class (if any) opens the lab and presses Start together; the hall opens the shared link
    once the class is training (with `collide`: from the moment the class opens the lab, so the
    arrivals meet the Start burst)."""
    results = {"loads": [], "first_bytes": [], "rate": [], "errors": [], "polls": []}  # loads: (arrival, seconds)
    class_state: dict = {}
    class_results = asyncio.create_task(classroom(students, url, class_state)) if students else None
    if students and not collide:
        while len(class_state.get("run_ids", [])) + len(class_state.get("errors", [])) < students:
            await asyncio.sleep(0.1)
    until = time.monotonic() + seconds
    # The lecturer pressed Share to class on the run's page: that tab drew the run before the
    # hall opens the link (a load, not one of the viewers).
    async with Student(url) as lecturer:
        await lecturer.open("regression", f"run={run_id}")
    tasks = [asyncio.create_task(viewer(url, run_id, until, results, ARRIVALS * i / v)) for i in range(v)]
    await asyncio.gather(*tasks)
    return results, (await class_results if class_results else None)


def _spy(spec: str | None, pids: list[int]):
    """--spy FILE[:FROM-TO]: py-spy's raw stacks of the thread holding the (first) server
    process's GIL, from FROM to TO seconds after the viewers start arriving (default 0-15). py-spy
    is a dev tool: pip install py-spy."""
    if not spec:
        return None
    path, _, window = spec.partition(":")
    start, _, end = (window or "0-15").partition("-")
    cmd = [str(Path(sys.executable).with_name("py-spy")), "record", "-p", str(pids[0]), "-r", "100",
           "-d", str(int(float(end) - float(start))), "-f", "raw", "--threads", "--nonblocking", "-o", path]
    return subprocess.Popen(["sh", "-c", f"sleep {float(start)} && exec \"$@\"", "spy", *cmd],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main(args) -> None:
    from losslab.config import RegressionConfig

    for v in args.viewers:
        with tempfile.TemporaryDirectory() as tmp:
            token = "bench-admin-token-123456"
            if args.servers > 1:
                srv = Replicated(Path(tmp), args.servers, {"LOSSLAB_ADMIN_TOKEN": token}, Path(args.app_root))
                server_pids = srv.pids
            else:
                srv = Server(Path(tmp), None, {"LOSSLAB_ADMIN_TOKEN": token}, root=Path(args.app_root)).start()
                server_pids = lambda: [srv.proc.pid]  # noqa: E731
            os.environ["LOSSLAB_ADMIN_TOKEN"] = token
            service = JobService(Path(tmp) / "losslab.sqlite3")
            run_id = service.submit(RegressionConfig(epochs=100_000, speed=200), "the-lecturer-owner-token")
            service.pin(run_id, token)
            service.wait(run_id, timeout=60, statuses=("running",))
            time.sleep(2)
            sampler = Sampler(srv.url, srv.proc.pid)
            sampler.start()
            spy = _spy(args.spy, server_pids())
            cpu0, t0 = cpu_seconds(server_pids()), time.perf_counter()
            own0 = resource.getrusage(resource.RUSAGE_SELF)
            try:
                results, class_results = asyncio.run(asyncio.wait_for(
                    lecture(srv.url, run_id, v, args.seconds, args.with_students, args.collide), timeout=1800))
            finally:
                sampler.done.set()
                sampler.join()
                if spy:
                    spy.wait()
            wall = time.perf_counter() - t0
            own1 = resource.getrusage(resource.RUSAGE_SELF)
            clients = (own1.ru_utime + own1.ru_stime - own0.ru_utime - own0.ru_stime) / wall
            cpu = cpu_seconds(server_pids()) - cpu0
            service.stop(run_id, "the-lecturer-owner-token")
            srv.stop()
            rate = sorted(results["rate"])
            polls = sum(results["polls"])
            print(f"{v} viewers of one pinned run" + (f" + {args.with_students} students training" if args.with_students else "")
                  + (" (the hall arrives as the class presses Start)" if args.collide and args.with_students else "")
                  + f", {args.seconds:.0f} s, {args.servers} server process(es), code at {args.app_root}")
            print(f"  server CPU: {cpu / wall:.3f} s per wall second (workers excluded); {polls} polls served, "
                  f"{1000 * cpu / max(1, polls + v):.1f} ms of server CPU per poll or page load")
            print(f"  the simulated clients (this process, sharing the cores): {clients:.2f} CPU s per wall second")
            if os.environ.get("LOSSLAB_BENCH_TIMELINE"):
                print("  page loads by arrival (s after start: seconds):",
                      " ".join(f"{a:.1f}:{d:.2f}" for a, d in sorted(results["loads"])))
            loads = [d for _, d in results["loads"]]
            print(f"  page load (the run's link): p50 {pct(loads, 0.5):.2f} s, p95 {pct(loads, 0.95):.2f} s")
            print(f"  bytes sent per viewer per second while polling: median {pct(rate, 0.5) / 1000:.1f} KB/s; "
                  f"first load {pct(results['first_bytes'], 0.5) / 1000:.0f} KB")
            print(f"  /_stcore/health: p95 {1000 * pct(sampler.health, 0.95):.0f} ms over {len(sampler.health)} probes, "
                  f"{sampler.failures} failed; peak RSS server + workers {sampler.peak_kb / 1024:.0f} MB")
            if class_results:
                runs = service.runs_by_id(class_results["run_ids"])
                lost = sum(EPOCHS - len(set(service.metrics(r["id"]).get(key, ([], []))[0]))
                           for r in runs for key in ("train/loss", "train/mse"))
                home = class_results["home"]
                print(f"  students: runs {len(runs)}/{args.with_students}, completed "
                      f"{sum(r['status'] == 'completed' for r in runs)}, metric rows lost {lost}; home page p95 "
                      f"{pct(home, 0.95):.2f} s")
            for e in results["errors"][:5]:
                print("  !", e)
