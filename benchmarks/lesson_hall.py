"""`python benchmarks/classroom.py --lesson 40`: a class answering and running one lesson.

A real server with the admin token; the lecturer's session watches the lesson's dashboard
(/admin?l=ID, token typed in) and notes when each new answer shows in its histogram. Students
arrive over 10 s, each opens /lesson?l=ID, picks a prediction, presses Start and watches their run
to the end. Reports the histogram latency (an answer's commit in the store → the lecturer's page
showing it) p50/p95, runs completed, metric rows lost, page load p95 and health p95."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
import time
from pathlib import Path

from classroom import Sampler, pct
from student import Student

from losslab.config import RegressionConfig
from losslab.jobs.service import JobService
from tests.e2e.conftest import Server

TOKEN = "bench-lesson-admin-token-123456"
EPOCHS = 2000
CHOICES = ("MSE", "MAE", "Huber")
ANSWERS = re.compile(r"Answers so far: (.*)\.")


def _total(texts: list[str]) -> int | None:
    for text in texts:
        m = ANSWERS.search(text)
        if m:
            return sum(int(part.rsplit(": ", 1)[1]) for part in m.group(1).split("; "))
    return None


async def lecturer(url: str, lesson_id: str, stop: asyncio.Event, seen: list) -> None:
    """The dashboard, polled the way the browser polls it; (wall time, answers shown) per poll."""
    async with Student(url) as s:
        await s.open("admin", f"l={lesson_id}")
        await s.set("Admin token", TOKEN)
        while not stop.is_set():
            if not s.auto:
                await asyncio.sleep(0.5)
                continue
            await s.poll_next()  # the histogram and the gallery, each at its own interval
            total = _total(s.texts)
            if total is not None:
                seen.append((time.time(), total))


async def student(url: str, lesson_id: str, i: int, delay: float, results: dict) -> None:
    await asyncio.sleep(delay)
    try:
        async with Student(url) as s:
            results["open"].append(await s.open("lesson", f"l={lesson_id}"))
            await s.set("Your prediction", CHOICES[i % 3])
            await s.click("Submit my prediction and start")
            results["final"].append(await s.watch(others_poll=True))
    except Exception as exc:
        results["errors"].append(f"student {i}: {type(exc).__name__}: {exc}")


async def hall(url: str, lesson_id: str, n: int) -> tuple[dict, list]:
    results = {"open": [], "final": [], "errors": []}
    stop, seen = asyncio.Event(), []
    watcher = asyncio.create_task(lecturer(url, lesson_id, stop, seen))
    await asyncio.sleep(3)
    await asyncio.gather(*(student(url, lesson_id, i, 10.0 * i / n, results) for i in range(n)))
    await asyncio.sleep(3)  # the last answers reach the dashboard
    stop.set()
    await watcher
    return results, seen


def main(n: int, app_root: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        srv = Server(Path(tmp), None, {"LOSSLAB_ADMIN_TOKEN": TOKEN}, root=Path(app_root)).start()
        os.environ["LOSSLAB_ADMIN_TOKEN"] = TOKEN
        service = JobService(Path(tmp) / "losslab.sqlite3")
        lesson_id = service.save_lesson(
            {"config": RegressionConfig(outliers=3, epochs=EPOCHS).to_dict(), "title": "Outliers",
             "question": "Which loss did you pick?", "choices": list(CHOICES), "editable": ["loss"]}, TOKEN, "lecturer")
        sampler = Sampler(srv.url, srv.proc.pid)
        sampler.start()
        t0 = time.perf_counter()
        try:
            results, seen = asyncio.run(asyncio.wait_for(hall(srv.url, lesson_id, n), timeout=1800))
        finally:
            sampler.done.set()
            sampler.join()
        wall = time.perf_counter() - t0
        lesson = service.lesson(lesson_id)
        answered = sorted(row[0] for row in service.conn.execute("SELECT time FROM answers WHERE lesson = ?",
                                                                  (lesson_id,)))
        latency = []
        if os.environ.get("BENCH_DEBUG"):
            print("seen", seen[:5], seen[-2:], "answered", answered[:3])
        for k, at in enumerate(answered, 1):  # the first poll that shows at least k answers
            shown = next((t for t, total in seen if total >= k and t >= at), None)
            if shown is not None:
                latency.append(shown - at)
        runs = service.lesson_runs(lesson)
        lost = sum(EPOCHS - len(set(service.metrics(r["id"]).get(key, ([], []))[0]))
                   for r in runs for key in ("train/loss", "train/mse"))
        srv.stop()
        print(f"{n} students answering and running one lesson ({EPOCHS}-step regression), {os.cpu_count()} cores, "
              f"wall {wall:.0f} s")
        print(f"  answers stored {len(answered)}/{n}, histogram {service.histogram(lesson)}; histogram latency "
              f"(answer committed → lecturer's page shows it): p50 {pct(latency, 0.5):.2f} s, "
              f"p95 {pct(latency, 0.95):.2f} s, max {max(latency or [float('nan')]):.2f} s over {len(latency)} answers")
        print(f"  runs {len(runs)}, completed {sum(r['status'] == 'completed' for r in runs)}; metric rows lost {lost}; "
              f"students who saw their run end: {sum(f == 'completed' for f in results['final'])}")
        print(f"  lesson page load p50 {pct(results['open'], 0.5):.2f} s, p95 {pct(results['open'], 0.95):.2f} s; "
              f"/_stcore/health p95 {1000 * pct(sampler.health, 0.95):.0f} ms; peak RSS {sampler.peak_kb / 1024:.0f} MB")
        for e in results["errors"][:5]:
            print("  !", e)
