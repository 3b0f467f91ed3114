"""The lab registry: a lab declared in one module (the Poisson lab: losslab/labs/poisson.py) shows
up everywhere a lab does (the navigation, home, the CLI, the worker, the runs table, lessons, the
gallery, the code export) without any of those naming it; and every lab's run has its result on
the Runs page and on home (binary runs showed "–" before)."""

import json
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT, app, wait_for


def test_a_lab_lives_in_at_most_six_files():
    """Everything that names the Poisson lab in the product (tests and docs aside): its module,
    its line in the registry, its page file, its strings in two languages, its program's writer."""
    out = subprocess.run(["git", "grep", "-il", "poisson", "--", "losslab", "app_pages", "app.py"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.split()
    assert sorted(out) == sorted(["losslab/labs/poisson.py", "losslab/labs/__init__.py", "app_pages/poisson.py",
                                  "losslab/i18n/en.toml", "losslab/i18n/ko.toml", "losslab/export/poisson.py"])


def test_every_registered_lab_is_in_every_list_of_labs():
    from losslab.cli import _build_parser
    from losslab.config import CONFIGS
    from losslab.labs import LABS
    from losslab.lessons import LESSON_TASKS
    from losslab.ui.pages import LAB_OF_TASK, PAGES

    assert {"regression", "binary", "mnist", "poisson"} <= set(LABS)
    commands = _build_parser()._subparsers._group_actions[0].choices["train"]._subparsers._group_actions[0].choices
    for task, lab in LABS.items():
        assert CONFIGS[task] is lab.config
        assert (ROOT / PAGES[task].file).exists() and LAB_OF_TASK[task] == task
        assert task in commands
        assert task in LESSON_TASKS or not lab.lesson


def test_the_poisson_lab_trains_to_its_exact_minimum_and_mse_lands_elsewhere():
    """Poisson NLL is convex in (w, b): a run ends on its exact minimum (Newton's, checked by
    SciPy's BFGS on the same counts); MSE on the counts ends on a different line."""
    scipy_optimize = pytest.importorskip("scipy.optimize")
    import numpy as np

    from losslab.labs.poisson import PoissonConfig, counts, exact_minimum
    from losslab.runner import run

    config = PoissonConfig()
    x, y = (t.double().numpy().ravel() for t in counts(config))
    from scipy.special import gammaln

    nll = lambda th: float(np.mean(np.exp(th[0] * x + th[1]) - y * (th[0] * x + th[1]) + gammaln(y + 1)))  # noqa: E731
    oracle = scipy_optimize.minimize(nll, [0.0, 0.0], method="BFGS", options={"gtol": 1e-10})
    best = exact_minimum(config)
    assert best.certified and best.loss == pytest.approx(oracle.fun, rel=1e-9)
    assert best.theta == pytest.approx(tuple(oracle.x), abs=1e-5)
    result = run(config)
    assert result.final["final/gap"] < 1e-4
    assert (result.final["slope"], result.final["intercept"]) == pytest.approx(best.theta, abs=2e-3)
    mse = run(config.replace(loss="mse_counts", lr=0.01))
    assert mse.final["final/nll"] > best.loss * 1.01 and abs(mse.final["slope"] - best.theta[0]) > 0.2
    assert "final/gap" not in mse.final  # no exact answer claimed for a non-convex loss


def test_the_cli_trains_a_registered_lab():
    from losslab.cli import main

    out = subprocess.run([sys.executable, "-m", "losslab", "train", "poisson", "--epochs", "30", "--json"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    final = json.loads(out.stdout)["final"]
    assert final["final/nll"] > 0 and "slope" in final
    assert main(["train", "poisson", "--rate-slope", "9"]) == 2  # out of range: one sentence, exit 2


def _wait_done(service, run_id):
    return wait_for(lambda: service.get(run_id)["status"] in ("completed", "failed", "diverged") and service.get(run_id),
                    timeout=120, what=f"run {run_id} to end")


def test_poisson_and_binary_runs_in_the_page_the_runs_table_home_a_lesson_and_its_gallery(app_env, monkeypatch):
    from losslab.config import BinaryConfig
    from losslab.jobs.service import get_service
    from losslab.labs.poisson import PoissonConfig
    from losslab.ui.runs import describe

    at = app("poisson", {"epochs": "40"})
    assert not at.exception, at.exception
    assert at.title[0].value == "🔔 Poisson lab"
    at.button(key="poisson_start").click().run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    service = get_service()
    (run,) = service.list_runs(None, limit=5)
    run = _wait_done(service, run["id"])
    assert run["status"] == "completed" and run["total_steps"] == 40
    assert describe(run)["result"].startswith("Poisson NLL ")

    binary = _wait_done(service, service.submit(BinaryConfig(epochs=20), "someone"))
    assert describe(binary)["result"].endswith("% acc")  # it was "–"

    runs_page = app("runs", {"run": f"{run['id']},{binary['id']}"})  # opened by link: the Runs table
    assert not runs_page.exception, runs_page.exception
    results = list(runs_page.dataframe[0].value["result"])
    assert any(r.startswith("Poisson NLL ") for r in results) and any(r.endswith("% acc") for r in results)

    monkeypatch.setenv("LOSSLAB_ADMIN_TOKEN", "secret")
    lesson = service.lesson(service.save_lesson({"config": PoissonConfig(epochs=30).to_dict(), "title": "Counts",
                                                 "editable": ["loss"]}, "secret", "lecturer"))
    student = app("lesson", {"l": lesson.id})
    assert not student.exception, student.exception
    student.button(key=f"ls_{lesson.id}_start").click().run()
    assert not student.exception, student.exception
    wait_for(lambda: all(r["status"] == "completed" for r in service.lesson_runs(lesson)) and service.lesson_runs(lesson),
             timeout=120, what="the lesson's run")
    student.button(key="ls_gallery_refresh").click().run()
    assert not student.exception, student.exception
    captions = [c.value for c in student.caption]
    drawn = [re.match(r"1 curves, (\d+) points drawn", c) for c in captions]  # the gallery's curve chart
    assert any(m and int(m.group(1)) > 0 for m in drawn), captions
