"""The (η, momentum) map on the regression lab's page: the figure marks the edge, the optimum and
the run; the section renders in English and Korean with its sentence; its ★ button fills the form
and Start runs that config; other losses say the map is local, or why there is none."""

import json

import pytest

from losslab import step_map as sm
from losslab.config import RegressionConfig
from losslab.figures.step_map import figure
from losslab.jobs import service as service_mod
from tests.conftest import app
from tests.test_step_map import VALLEY


def test_the_figure_marks_the_edge_the_optimum_and_the_run():
    m = sm.step_map(VALLEY.replace(lr=0.05, momentum=0.3))
    o = m.optimum
    fig = figure(m.lrs, m.momenta, m.gap, lam_max=m.curvature.eigenvalues[1], optimum=(o.lr, o.momentum, o.rate),
                 current=m.current, picks=sm.picks(m.lrs, m.curvature.eigenvalues), title="map")
    heat, edge, cells, star, diamond = fig.data
    assert fig.layout.xaxis.type == "log" and fig.layout.title.text == "map"
    assert heat.colorbar.title.text == "convergence rate per step" and heat.colorscale[0][1] != heat.colorscale[-1][1]
    assert edge.fill == "toself" and edge.name.startswith("diverges")
    assert min(edge.x) == pytest.approx(m.edge_lr, rel=1e-6)  # the polygon starts at 2/λmax on β = 0
    assert (star.marker.symbol, star.x[0], star.y[0]) == ("star", o.lr, o.momentum)
    assert (diamond.marker.symbol, diamond.x[0], diamond.y[0]) == ("diamond", 0.05, 0.3)
    assert len(cells.x) == len(sm.picks(m.lrs, m.curvature.eigenvalues)[0]) and not cells.showlegend


def _map_spec(at):
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    found = [sp for sp in specs if any(tr.get("type") == "heatmap" and "fill" not in tr for tr in sp["data"])
             and any(str(tr.get("name", "")).startswith("★") for tr in sp["data"])]
    assert len(found) == 1, [sp["layout"].get("title") for sp in specs]
    return found[0]


RAW_SGD = {"x_scale": "raw", "optimizer": "sgd", "lr": "0.00005", "momentum": "0.9", "schedule": "constant"}


@pytest.mark.parametrize("lang, title, fastest, yours, sentence", [
    ("en", "Convergence rate of SGD with momentum on MSE (raw heights)", "★ fastest: η = 6.37e-05, β = 0.99",
     "◆ your run: η = 5e-05, β = 0.90", "On your data (raw heights) the fastest constant step is **η = 6.37e-05**"),
    ("ko", "MSE에서 SGD+모멘텀의 수렴률 (원래 키)", "★ 가장 빠름: η = 6.37e-05, β = 0.99",
     "◆ 내 실행: η = 5e-05, β = 0.90", "이 데이터(원래 키)에서 가장 빠른 고정 스텝은 **η = 6.37e-05**")])
def test_the_section_shows_the_map_of_the_forms_data(app_env, lang, title, fastest, yours, sentence):
    at = app("regression", {"lang": lang, **RAW_SGD})
    assert not at.exception, at.exception
    assert [e for e in at.expander if e.label.startswith("Step size" if lang == "en" else "스텝 크기")]
    spec = _map_spec(at)
    assert spec["layout"]["title"]["text"].replace(" <br>", " ").replace("<br>", " ") == title  # wrapped to fit a phone, never cut
    names = [tr.get("name", "").replace(" <br>", " ").replace("<br>", " ") for tr in spec["data"]]
    assert any(n.startswith(fastest) for n in names) and any(n.startswith(yours) for n in names), names
    assert any(m.value.startswith(sentence) for m in at.markdown), [m.value[:80] for m in at.markdown]
    assert any("κ = 3.6e+06" in m.value and "0.9979" in m.value for m in at.markdown)  # the capped β*


def test_the_fastest_button_fills_the_form_and_start_runs_it(app_env):
    at = app("regression", {"x_scale": "raw"})
    at.button(key="reg_map_fastest").click().run()
    assert not at.exception, at.exception
    eig = sm.curvature(RegressionConfig(x_scale="raw")).eigenvalues
    lr = float(f"{sm.best_lr(0.99, eig):.3g}")
    assert (at.selectbox(key="reg_optimizer").value, at.number_input(key="reg_lr").value,
            at.slider(key="reg_momentum").value, at.radio(key="reg_schedule").value) == ("sgd", lr, 0.99, "constant")
    _map_spec(at)  # the map is drawn again, its ◆ now the form's run
    at.button(key="reg_map_start").click().run()
    assert not at.exception, at.exception
    (run,) = service_mod.get_service().list_runs(None)
    c = run["config"]
    assert (c["optimizer"], c["lr"], c["momentum"], c["schedule"], c["x_scale"]) == ("sgd", lr, 0.99, "constant", "raw")
    assert at.query_params["run"] == run["id"]


@pytest.mark.parametrize("query, needle", [({"loss": "huber"}, "is not a quadratic"),
                                           ({"loss": "mae"}, "is piecewise linear")])
def test_other_losses_say_the_map_is_local_or_why_there_is_none(app_env, query, needle):
    at = app("regression", query)
    assert not at.exception, at.exception
    assert any(needle in c.value for c in [*at.caption, *at.info]), needle


def test_a_finished_runs_page_marks_its_run_on_the_map(app_env):
    svc = service_mod.get_service()
    run_id = svc.submit(RegressionConfig(optimizer="sgd", lr=0.05, momentum=0.5, schedule="constant", epochs=50),
                        "someone-else-entirely-123")
    svc.wait(run_id, timeout=60)
    at = app("regression", {"run": run_id})
    assert not at.exception, at.exception
    assert any(str(tr.get("name", "")).startswith("◆ your run: η = 0.05, β = 0.50") for tr in _map_spec(at)["data"])
