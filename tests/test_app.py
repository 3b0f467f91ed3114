"""Every page through streamlit.testing.v1.AppTest: renders without exception, and the widgets
build the config the service receives. Real service, real workers, in a temporary home."""


import pytest

from losslab.jobs import service as service_mod
from losslab.ui.pages import PAGES as NAVIGATION
from tests.conftest import app

PAGES = list(NAVIGATION)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_exception(app_env, page):
    at = app(page)
    assert not at.exception, at.exception
    assert at.title, "each page has a title"
    assert "Loss panel" in [h.value for h in at.header]  # the side panel is on every page, after a rerun too


def _submitted():
    svc = service_mod.get_service()
    return svc.list_runs(None)


def test_regression_widgets_build_the_submitted_config(app_env):
    at = app("regression")
    at.selectbox(key="reg_loss").set_value("huber").run()
    at.number_input(key="reg_param_huber").set_value(2.5)
    at.number_input(key="reg_epochs").set_value(300)
    at.number_input(key="reg_outliers").set_value(2)
    at.number_input(key="reg_lr").set_value(0.05)
    at.selectbox(key="reg_optimizer").set_value("sgd").run()
    at.number_input(key="reg_lr").set_value(0.0001).run()
    at.button(key="reg_start").click().run()
    assert not at.exception, at.exception
    runs = _submitted()
    assert len(runs) == 1
    c = runs[0]["config"]
    assert (c["loss"], c["loss_param"], c["epochs"], c["outliers"], c["optimizer"], c["lr"]) == \
        ("huber", 2.5, 300, 2, "sgd", 0.0001)
    assert at.query_params["run"] == runs[0]["id"]  # the run lives in the URL


def test_compare_submits_one_run_per_loss_from_the_same_start(app_env):
    at = app("regression")
    at.number_input(key="reg_epochs").set_value(100).run()
    at.button(key="reg_compare_go").click().run()
    runs = _submitted()
    assert sorted(r["config"]["loss"] for r in runs) == ["huber", "mae", "mse"]
    assert {r["config"]["seed"] for r in runs} == {0} and {r["label"] for r in runs} == {"compare"}


def test_mnist_widgets_build_the_submitted_config(app_env):
    at = app("mnist")
    at.selectbox(key="mn_model").set_value("mlp").run()
    at.selectbox(key="mn_loss").set_value("focal").run()
    at.number_input(key="mn_param_focal").set_value(1.5)
    at.number_input(key="mn_train_subset").set_value(100)
    at.number_input(key="mn_batch_size").set_value(10)
    at.number_input(key="mn_epochs").set_value(1)
    at.slider(key="mn_label_noise").set_value(20.0).run()
    at.button(key="mn_start").click().run()
    assert not at.exception, at.exception
    c = _submitted()[0]["config"]
    assert (c["model"], c["loss"], c["loss_param"], c["train_subset"], c["batch_size"], c["label_noise"]) == \
        ("mlp", "focal", 1.5, 100, 10, 20.0)


def test_bad_widget_combination_gets_one_sentence_and_no_run(app_env):
    at = app("mnist")
    at.number_input(key="mn_train_subset").set_value(100)
    at.number_input(key="mn_batch_size").set_value(500).run()
    assert any("batch_size must be in [1, 100]" in e.value for e in at.error)
    assert at.button(key="mn_start").disabled
    assert _submitted() == []


@pytest.mark.parametrize("query, needle", [
    ({"run": "garbage"}, "no longer exists"),
    ({"run": "../../etc/passwd"}, "is not valid"),
    ({"lr": "nan"}, "Ignored `lr=nan`"),
    ({"epochs": "1e99"}, "Ignored `epochs=1e99`"),
    ({"loss": "cross_entropy"}, "Ignored `loss=cross_entropy`"),
    ({"speed": "3"}, "Ignored `speed=3`"),
])
def test_bad_url_parameters_get_a_clear_message(app_env, query, needle):
    at = app("regression", query)
    assert not at.exception, at.exception
    assert any(needle in w.value for w in at.warning), [w.value for w in at.warning]


def test_url_prefills_the_form(app_env):
    at = app("regression", {"loss": "huber", "loss_param": "3", "lr": "0.05"})
    assert at.selectbox(key="reg_loss").value == "huber"
    assert at.number_input(key="reg_param_huber").value == 3.0
    assert at.number_input(key="reg_lr").value == 0.05


def test_run_page_shows_a_finished_run(app_env):
    svc = service_mod.get_service()
    from losslab.config import RegressionConfig

    run_id = svc.submit(RegressionConfig(epochs=200), "someone-else-entirely-123")
    svc.wait(run_id, timeout=60)
    at = app("regression", {"run": run_id})
    assert not at.exception, at.exception
    assert any("completed" in m.value for m in at.markdown)
    assert not [b for b in at.button if b.key == "reg_stop"]  # not the viewer's run: no stop button


def test_runs_csv_holds_every_metric_row(app_env):
    from losslab.config import RegressionConfig
    from losslab.ui.runs import csv_bytes

    svc = service_mod.get_service()
    run_id = svc.submit(RegressionConfig(epochs=120), "csv-owner-token-abcdefghij")
    svc.wait(run_id, timeout=60)
    lines = csv_bytes([run_id]).decode().splitlines()
    assert lines[0] == "run,step,epoch,split,name,value,time"
    assert len(lines) == 1 + 2 * 120  # loss and mse at every step
    assert lines[1].startswith(f"{run_id},1,1,train,")


def test_lecturer_view_unlocks_with_the_admin_token(app_env, monkeypatch):
    monkeypatch.setenv("LOSSLAB_ADMIN_TOKEN", "lecture-secret")
    at = app("admin")
    at.text_input(key="admin_input").set_value("wrong").run()
    assert any("not the server's LOSSLAB_ADMIN_TOKEN" in e.value for e in at.error)
    at.text_input(key="admin_input").set_value("lecture-secret").run()
    assert not at.exception, at.exception
    assert any(m.label == "Workers alive" for m in at.metric)


def test_regression_preview_shows_the_seeds_starting_line(app_env):
    from losslab.config import RegressionConfig
    from losslab.labs.regression import initial_line
    from losslab.training import ListReporter, train

    at = app("regression", {"seed": "7", "outliers": "2"})
    assert not at.exception, at.exception
    specs = [__import__("json").loads(c.proto.spec) for c in at.get("plotly_chart")]
    preview = [sp for sp in specs if "click a point to remove it" in str(sp["layout"].get("title"))]
    assert len(preview) == 1  # the data (editable) and where the line starts, before Start
    names = [t["name"] for t in preview[0]["data"]]
    assert names[0] == "cell" and names[-1] == "points" and names[-2] == "starting line (seed 7)"
    kinds = [m for t in preview[0]["data"] if t["name"] == "points" for m in t["marker"]["symbol"]]
    assert kinds == ["circle"] * 10 + ["x"] * 2  # the data, then the two outliers
    rep = ListReporter()
    train(RegressionConfig(seed=7, outliers=2, epochs=1), rep)
    assert initial_line(RegressionConfig(seed=7, outliers=2)) == (rep.snapshots[0][2]["slope"], rep.snapshots[0][2]["intercept"])


def test_runs_page_says_when_a_linked_run_is_gone(app_env):
    at = app("runs", {"run": "AAAAAAAAAAAA"})
    assert not at.exception, at.exception
    assert any("no longer exists" in w.value for w in at.warning)


def test_projector_mode_shows_a_finished_runs_table_as_static_type(app_env):
    """st.dataframe's canvas stays at 14 px whatever the CSS: in projector mode the same rows come
    as a static table (18 px there), so the back row can read the final numbers."""
    from losslab.config import RegressionConfig

    svc = service_mod.get_service()
    run_id = svc.submit(RegressionConfig(epochs=200), "someone-else-entirely-123")
    svc.wait(run_id, timeout=60)
    plain = app("regression", {"run": run_id})
    present = app("regression", {"run": run_id, "present": "true"})
    assert not plain.exception and not present.exception, (plain.exception, present.exception)
    assert plain.dataframe and not present.dataframe
    assert len(present.table) == len(plain.table) + len(plain.dataframe)
    static = [list(table.value.columns) for table in present.table]
    assert all(list(frame.value.columns) in static for frame in plain.dataframe)
