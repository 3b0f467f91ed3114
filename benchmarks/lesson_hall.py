"""`python benchmarks/classroom.py --lesson 100 [--servers 2]`: a class voting twice on one lesson.

A real server with the admin token (with --servers N: N Streamlit processes behind HAProxy, as
`losslab serve --servers N` runs a class); the lecturer's session watches the lesson's dashboard
(/admin?l=ID, token typed in) and notes when each answer shows in its histogram and each second
vote in its switch-matrix count. Students arrive over 10 s, each opens /lesson?l=ID, picks a
prediction and a confidence, presses Start and watches their run to the end; once every student
has answered, the lecturer opens the second vote (the store call its button makes); each student's
page notices it (its own poll), votes again with a confidence. Reports how stale the lecturer's
histogram and switch matrix are after each vote and after the last one (a vote's commit in the
store → the lecturer's page showing it) p50/p95, answers lost, runs completed, metric rows lost,
the students' page load p95 and health p95."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
import time
from pathlib import Path

from classroom import Replicated, Sampler, pct
from student import Student

from losslab.config import RegressionConfig
from losslab.jobs.service import JobService
from tests.e2e.conftest import Server

TOKEN = "bench-lesson-admin-token-123456"
EPOCHS = 2000
CHOICES = ("MSE", "MAE", "Huber")
CONFIDENCES = ("sure", "fairly sure", "guessing")
ANSWERS = re.compile(r"Answers so far: (.*)\.")
REVOTES = re.compile(r"(\d+) of \d+ students have voted again")


def _total(texts: list[str]) -> int | None:
    for text in texts:
        m = ANSWERS.search(text)
        if m:
            return sum(int(part.rsplit(": ", 1)[1]) for part in m.group(1).split("; "))
    return None


def _revotes(texts: list[str]) -> int | None:
    for text in texts:
        m = REVOTES.search(text)
        if m:
            return int(m.group(1))
    return None


async def lecturer(url: str, where: tuple, stop: asyncio.Event, seen: list, seen2: list) -> None:
    """The dashboard or the lecture's remote, polled the way the browser polls it; (wall time,
    count shown) per poll."""
    async with Student(url) as s:
        await s.open("admin", f"l={where[1]}" if where[0] == "lesson" else "")
        await s.set("Admin token", TOKEN)
        if where[0] == "lecture":
            await s.open(*where)  # the same session, unlocked: the remote
        while not stop.is_set():
            if not s.auto:
                await asyncio.sleep(0.5)
                continue
            await s.poll_next()  # the histogram (with the switch matrix) and the gallery, each at its own interval
            total, again = _total(s.texts), _revotes(s.texts)
            if total is not None:
                seen.append((time.time(), total))
            if again is not None:
                seen2.append((time.time(), again))


async def student(url: str, where: tuple, i: int, delay: float, results: dict, answered: list) -> None:
    await asyncio.sleep(delay)
    try:
        async with Student(url) as s:
            results["open"].append(await s.open(*where))
            await s.set("Your prediction", CHOICES[i % 3])
            await s.set("How sure are you?", CONFIDENCES[i % 3])
            await s.click("Submit my prediction and start")
            answered.append(i)
            results["final"].append(await s.watch(others_poll=True))
            deadline = time.monotonic() + 300
            while not any("Vote again" in b for b in s.buttons) and time.monotonic() < deadline:
                await s.poll_next()  # the page's own poll notices the second vote opening
            await s.set("Your answer now", CHOICES[(i + 1) % 3] if i % 4 == 0 else CHOICES[i % 3])
            await s.set("How sure are you?", CONFIDENCES[(i + 1) % 3])
            await s.click("Vote again")
            results["revoted"].append(i)
    except Exception as exc:
        results["errors"].append(f"student {i}: {type(exc).__name__}: {exc}")


async def hall(url: str, service: JobService, lesson_id: str, n: int, where: tuple) -> tuple[dict, list, list]:
    results = {"open": [], "final": [], "errors": [], "revoted": []}
    stop, seen, seen2, answered = asyncio.Event(), [], [], []
    watcher = asyncio.create_task(lecturer(url, where, stop, seen, seen2))
    await asyncio.sleep(3)
    students = [asyncio.create_task(student(url, where, i, 10.0 * i / n, results, answered)) for i in range(n)]
    while len(answered) + len(results["errors"]) < n:
        await asyncio.sleep(0.2)
    service.open_second_vote(lesson_id, TOKEN)  # what the lecturer's 🗳 button does
    await asyncio.gather(*students)
    await asyncio.sleep(3)  # the last votes reach the dashboard
    stop.set()
    await watcher
    return results, seen, seen2


def _latency(committed: list[float], seen: list) -> list[float]:
    """Per vote k (in commit order): the first lecturer poll at or after its commit showing ≥ k."""
    out = []
    for k, at in enumerate(committed, 1):
        shown = next((t for t, total in seen if total >= k and t >= at), None)
        if shown is not None:
            out.append(shown - at)
    return out


def main(n: int, app_root: str, servers: int = 1, lecture: bool = True) -> None:
    """lecture: the lesson is a lecture's step, students open the lecture's link (their pages also
    follow its step) and the lecturer watches the remote; else /lesson?l=ID and /admin?l=ID (the
    lesson dashboard, whose gallery of every run refreshes every 3 s in the same session)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {"LOSSLAB_ADMIN_TOKEN": TOKEN}
        if servers > 1:
            srv = Replicated(Path(tmp), servers, env, Path(app_root))
            pid = srv.proc.pid
        else:
            srv = Server(Path(tmp), None, env, root=Path(app_root)).start()
            pid = srv.proc.pid
        os.environ["LOSSLAB_ADMIN_TOKEN"] = TOKEN
        service = JobService(Path(tmp) / "losslab.sqlite3")
        lesson_id = service.save_lesson(
            {"config": RegressionConfig(outliers=3, epochs=EPOCHS).to_dict(), "title": "Outliers",
             "question": "Which loss moves most?", "choices": list(CHOICES), "answer": 0, "editable": ["loss"]},
            TOKEN, "lecturer")
        if lecture:
            where = ("lecture", f"l={service.save_lecture({'title': 'Outliers', 'lessons': [lesson_id]}, TOKEN, 'lecturer')}")
        else:
            where = ("lesson", f"l={lesson_id}")
        sampler = Sampler(srv.url, pid)
        sampler.start()
        t0 = time.perf_counter()
        try:
            results, seen, seen2 = asyncio.run(asyncio.wait_for(hall(srv.url, service, lesson_id, n, where), timeout=1800))
        finally:
            sampler.done.set()
            sampler.join()
        wall = time.perf_counter() - t0
        lesson = service.lesson(lesson_id)
        first = sorted(r[0] for r in service.conn.execute("SELECT time FROM answers WHERE lesson = ?", (lesson_id,)))
        second = sorted(r[0] for r in service.conn.execute("SELECT time FROM revotes WHERE lesson = ?", (lesson_id,)))
        latency, latency2 = _latency(first, seen), _latency(second, seen2)
        stale = _latency(first[-1:], [(t, c - len(first) + 1) for t, c in seen]) if first else []
        stale2 = _latency(second[-1:], [(t, c - len(second) + 1) for t, c in seen2]) if second else []
        (sure1,) = service.conn.execute("SELECT COUNT(confidence) FROM answers WHERE lesson = ?", (lesson_id,)).fetchone()
        (sure2,) = service.conn.execute("SELECT COUNT(confidence) FROM revotes WHERE lesson = ?", (lesson_id,)).fetchone()
        runs = service.lesson_runs(lesson)
        lost = sum(EPOCHS - len(set(service.metrics(r["id"]).get(key, ([], []))[0]))
                   for r in runs for key in ("train/loss", "train/mse"))
        srv.stop()
        nan = float("nan")
        print(f"{n} students voting twice on one lesson ({EPOCHS}-step regression runs) on /{where[0]}, the lecturer on "
              f"{'the lecture remote' if lecture else 'the lesson dashboard (/admin)'}, {servers} web process(es), "
              f"{os.cpu_count()} cores, wall {wall:.0f} s")
        print(f"  first vote: stored {len(first)}/{n} (lost {n - len(first)}), histogram {service.histogram(lesson)}; "
              f"lecturer's histogram staleness p50 {pct(latency, 0.5):.2f} s, p95 {pct(latency, 0.95):.2f} s over "
              f"{len(latency)} votes; after the last vote {(stale or [nan])[0]:.2f} s; {sure1} with a confidence")
        print(f"  second vote: stored {len(second)}/{len(results['revoted'])} sent (lost "
              f"{len(results['revoted']) - len(second)}), switches {service.switch_matrix(lesson)['all']}; "
              f"switch-matrix staleness p50 {pct(latency2, 0.5):.2f} s, p95 {pct(latency2, 0.95):.2f} s over "
              f"{len(latency2)} votes; after the last vote {(stale2 or [nan])[0]:.2f} s; {sure2} with a confidence")
        print(f"  runs {len(runs)}, completed {sum(r['status'] == 'completed' for r in runs)}; metric rows lost {lost}; "
              f"students who saw their run end: {sum(f == 'completed' for f in results['final'])}")
        print(f"  students' lesson page load p50 {pct(results['open'], 0.5):.2f} s, p95 {pct(results['open'], 0.95):.2f} s; "
              f"/_stcore/health p95 {1000 * pct(sampler.health, 0.95):.0f} ms; peak RSS {sampler.peak_kb / 1024:.0f} MB")
        for e in results["errors"][:5]:
            print("  !", e)
