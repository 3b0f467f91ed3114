"""A finished run's page opens cheaply: everything drawn from the run (it never changes again) is
built once per server process and language, whoever opens the link and whatever they toggle,
and the page sets no timer (no polling) once the run has ended."""

import json
import traceback

import plotly.graph_objs as go
import pytest
import streamlit

from losslab.config import MnistConfig, RegressionConfig, SliceConfig, StudyConfig
from losslab.i18n import t
from losslab.jobs import service as service_mod
from tests.conftest import app

OTHER = "the-lecturer-token-xyzxyz"  # the link's run is someone else's, as a shared link is
TINY_MNIST = MnistConfig(train_subset=100, batch_size=5, epochs=5, model="mlp", hidden=16)


@pytest.fixture
def builds(monkeypatch):
    """Every Plotly figure made from now on, named by the losslab.figures function that made it."""
    made, init = [], go.Figure.__init__

    def counting(self, *args, **kwargs):
        made.append(next((f.name for f in reversed(traceback.extract_stack()) if "/losslab/figures/" in f.filename), "?"))
        init(self, *args, **kwargs)

    monkeypatch.setattr(go.Figure, "__init__", counting)
    return made


@pytest.fixture
def timers(monkeypatch):
    """The run_every of every fragment the pages start from now on (None: no timer)."""
    seen, real = [], streamlit.fragment

    def spy(func=None, *, run_every=None):
        seen.append(run_every)
        return real(func, run_every=run_every) if func else real(run_every=run_every)

    monkeypatch.setattr(streamlit, "fragment", spy)
    return seen


def _finished(config, **label) -> str:
    svc = service_mod.get_service()
    run_id = svc.submit(config, OTHER, **label)
    assert svc.wait(run_id, timeout=120)["status"] == "completed"
    return run_id


def _titles(at) -> set[str]:
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return {s["layout"].get("title", {}).get("text", "") for s in specs}


def _open(task, run_id, lang="en"):
    at = app(task, {"run": run_id, "lang": lang})
    assert not at.exception, at.exception
    return at


def test_a_finished_mnist_runs_figures_are_built_once_per_language(app_env, builds):
    run_id = _finished(TINY_MNIST)
    _finished(SliceConfig(run=run_id, method="pca", grid=11, images=200), label=f"slice:{run_id}:pca")
    at = _open("mnist", run_id)
    assert {"loss_curves", "confusion_matrix", "digits_grid", "reliability_diagram", "slice_view", "path_gap"} <= set(builds)
    assert t("figure.loss_while_training", "en") in _titles(at)

    builds.clear()
    at = _open("mnist", run_id)  # another student opens the same link
    assert builds == []
    at.toggle(key="mn_temperature").set_value(True).run()  # after temperature scaling: a figure of its own, once
    assert builds == ["reliability_diagram"]
    builds.clear()
    at.toggle(key="mn_temperature").set_value(False).run()
    _open("mnist", run_id).toggle(key="mn_temperature").set_value(True).run()
    assert builds == []

    at = _open("mnist", run_id, "ko")  # the same figures in Korean, built once more, then kept too
    assert "digits_grid" in builds and t("figure.loss_while_training", "ko") in _titles(at)
    builds.clear()
    _open("mnist", run_id, "ko")
    assert builds == []


def test_a_finished_regression_runs_toggled_figures_are_built_once(app_env, builds):
    run_id = _finished(RegressionConfig(epochs=200, loss="huber"))
    _open("regression", run_id)
    assert {"loss_curves", "regression_fit", "residuals", "landscape"} <= set(builds)
    for toggle, figure in (("reg_land_3d", "landscape_3d"), ("reg_land_pulls", "pulls_on_line")):
        builds.clear()
        _open("regression", run_id).toggle(key=toggle).set_value(True).run()
        assert figure in builds
        builds.clear()
        at = _open("regression", run_id).toggle(key=toggle).set_value(True).run()
        assert not at.exception, at.exception
        assert builds == []


def test_a_finished_studys_figures_and_files_are_made_once(app_env, builds, monkeypatch):
    from losslab.ui import study

    pngs = []
    monkeypatch.setattr(study, "table_png", lambda *args: pngs.append(args) or b"png")
    run_id = _finished(StudyConfig(losses=("cross_entropy", "gce"), noise_rates=(0.0, 40.0), model="linear",
                                   epochs=1, train_subset=100, batch_size=50))
    at = _open("study", run_id)
    assert builds.count("study_curves") == 2 and len(pngs) == 1  # a chart per noise rate; the table as a PNG
    assert [b for b in at.get("download_button") if b.proto.label == t("study.download_png", "en")]
    builds.clear()
    _open("study", run_id)
    assert builds == [] and len(pngs) == 1
    _open("study", run_id, "ko")  # the PNG's title and header are in the reader's language
    assert len(pngs) == 2 and pngs[1][0] == t("study.table_title", "ko")


def test_a_finished_runs_page_sets_no_timer(app_env, timers):
    for task, config in (("regression", RegressionConfig(epochs=200)), ("mnist", TINY_MNIST)):
        run_id = _finished(config)
        timers.clear()
        _open(task, run_id)
        assert timers and all(every is None for every in timers), (task, timers)
