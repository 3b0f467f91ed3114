"""Each viewer in their own language: a figure (or the data behind it) shared by every session of
the server is built once per language and projector mode, so the lecturer's English gallery never
shows the legend of a Korean student who drew it first (nor the projector's big type on a laptop)."""

import json

import pytest

from losslab.i18n import t

COMBOS = [("ko", False), ("en", False), ("ko", True), ("en", True)]  # Korean first: the order the bug needed


@pytest.fixture
def viewer(monkeypatch):
    """Who is looking: the language and projector mode the UI's sources report (as a session would)."""
    from losslab import i18n
    from losslab.figures import common
    import losslab.ui.language  # noqa: F401  (its import installs the session's source: replaced below)
    import losslab.ui.style  # noqa: F401

    state = {"lang": "ko", "big": False}
    monkeypatch.setattr(i18n, "_source", lambda: state["lang"])
    monkeypatch.setattr(common, "_style_source", lambda: state["big"])
    return state


def _spec(prepared) -> dict:
    return json.loads(prepared.spec)


def test_the_class_gallery_speaks_each_viewers_language(viewer, tmp_path, monkeypatch):
    from losslab.jobs import service as service_mod
    from losslab.jobs.service import JobService
    from losslab.jobs.store import Transaction
    from losslab.lessons import BUILTIN
    from losslab.losses import LOSSES
    from losslab.ui.gallery import gallery_charts

    service = JobService(tmp_path / "runs.sqlite3", max_per_owner=5)  # no workers: the rows come from here
    monkeypatch.setattr(service_mod, "_service", service)
    lesson = BUILTIN["outliers"]  # MSE, MAE, Huber: names that differ between the languages
    for i in range(2):
        for run_id in service.start_lesson(lesson, f"student-{i}-token-abcdefghijkl", 0):
            with Transaction(service.conn) as c:
                c.executemany("INSERT INTO metrics VALUES (?, ?, ?, 'train', 'mse', ?, 0)",
                              [(run_id, s, s, 100.0 / s) for s in range(1, 51)])
                c.execute("UPDATE runs SET status = 'completed', version = 1 WHERE id = ?", (run_id,))
    seen = {}
    for lang, big in COMBOS:
        viewer.update(lang=lang, big=big)
        runs, charts = gallery_charts(lesson, service.lesson_runs(lesson))
        assert len(runs) == 6 and charts
        spec = _spec(charts[0][0])
        names = {trace.get("name") for trace in spec["data"]}
        label = str(LOSSES["mae"].label.get(lang))
        assert label in names, (lang, names)
        other = str(LOSSES["mae"].label.get("en" if lang == "ko" else "ko"))
        assert other not in names, (lang, names)
        assert spec["layout"]["title"]["text"] == t("lesson.gallery_curves", lang)
        seen[(lang, big)] = spec["layout"]["font"]["size"]
    assert seen[("ko", True)] > seen[("ko", False)] and seen[("en", True)] > seen[("en", False)]
    service.close()


def test_the_loss_panel_speaks_each_viewers_language_and_projector_mode(viewer):
    from losslab.losses import LOSSES
    from losslab.ui.loss_panel import _view

    seen = {}
    for lang, big in COMBOS:
        viewer.update(lang=lang, big=big)
        rows, marker, bars, frame = _view("regression", (), tuple(LOSSES), lang, big)
        spec = _spec(bars)
        assert spec["layout"]["title"]["text"] == t("figure.loss_values", lang)
        assert frame.index.name == t("table.loss", lang)
        seen[(lang, big)] = spec["layout"]["height"]  # the projector's bars are taller (their type is the panel's own)
    assert seen[("ko", True)] > seen[("ko", False)] and seen[("en", True)] > seen[("en", False)]


def test_a_shared_figure_is_one_per_language_and_projector_mode(viewer):
    import plotly.graph_objects as go

    from losslab.figures.common import layout
    from losslab.ui.cache import shared_figure

    built = []

    def build():
        built.append((viewer["lang"], viewer["big"]))
        return layout(go.Figure(go.Scatter(x=[0, 1], y=[1, 0], name=t("figure.data"))), t("lesson.gallery_curves"),
                      t("figure.step"), "")

    specs = {}
    for lang, big in COMBOS * 2:  # the second round finds each one cached
        viewer.update(lang=lang, big=big)
        specs[(lang, big)] = _spec(shared_figure(("language-test",), 1, build))
        assert specs[(lang, big)]["data"][0]["name"] == t("figure.data", lang)
        assert specs[(lang, big)]["layout"]["xaxis"]["title"]["text"] == t("figure.step", lang)
    assert built == COMBOS
