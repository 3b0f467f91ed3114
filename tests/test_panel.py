"""The side panel: its numbers equal torch's, every registry loss shows up for its task, and
moving its sliders in AppTest updates the table."""

import math

import pytest
import torch
import torch.nn.functional as F
from streamlit.testing.v1 import AppTest

from losslab import panel
from losslab.losses import LOSSES, TASKS, losses_for
from tests.conftest import ROOT


def _by_name(rows):
    return {r.name: r for r in rows}


def test_regression_rows_equal_torch():
    rows = _by_name(panel.regression_rows(2.0, 5.5))
    p = torch.tensor([5.5], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([2.0], dtype=torch.float64)
    for name, ref in {"mse": F.mse_loss, "mae": F.l1_loss, "huber": F.huber_loss, "smooth_l1": F.smooth_l1_loss}.items():
        p.grad = None
        value = ref(p, y)
        value.backward()
        assert rows[name].value == pytest.approx(value.item())
        assert rows[name].grad[0] == pytest.approx(p.grad.item())


def test_binary_rows_equal_torch_and_explain_the_naive_form():
    rows = _by_name(panel.binary_rows(1, 0.2))
    p = torch.tensor([0.2], dtype=torch.float64, requires_grad=True)
    F.binary_cross_entropy(p, torch.tensor([1.0], dtype=torch.float64)).backward()
    assert rows["bce"].value == pytest.approx(-math.log(0.2))
    assert rows["bce"].grad[0] == pytest.approx(p.grad.item())
    z = torch.tensor([math.log(0.2 / 0.8)], dtype=torch.float64, requires_grad=True)
    F.binary_cross_entropy_with_logits(z, torch.tensor([1.0], dtype=torch.float64)).backward()
    assert rows["bce_logits"].value == pytest.approx(-math.log(0.2))
    assert rows["bce_logits"].grad[0] == pytest.approx(z.grad.item())

    at_zero = _by_name(panel.binary_rows(1, 0.0))
    assert math.isinf(at_zero["bce"].value) and "log 0" in at_zero["bce"].note
    assert math.isfinite(at_zero["bce_logits"].value) and not at_zero["bce_logits"].note


def test_multiclass_rows_equal_torch():
    logits = [2.0, -1.0, 0.5, 0.0]
    rows = _by_name(panel.multiclass_rows(2, logits))
    z = torch.tensor([logits], dtype=torch.float64, requires_grad=True)
    F.cross_entropy(z, torch.tensor([2])).backward()
    assert rows["cross_entropy"].value == pytest.approx(F.cross_entropy(z, torch.tensor([2])).item())
    assert rows["cross_entropy"].grad == pytest.approx(z.grad.flatten().tolist())
    assert panel.softmax(logits) == pytest.approx(torch.softmax(z.detach()[0], 0).tolist())


def test_distribution_rows_and_information():
    p, q = [0.0, 0.5, 0.5], [0.2, 0.4, 0.4]
    rows = _by_name(panel.distribution_rows(p, q))
    ref = F.kl_div(torch.tensor([q]).log(), torch.tensor([p]), reduction="batchmean").item()
    assert math.isnan(rows["kl"].value) and "0 · log 0" in rows["kl"].note
    assert rows["kl_log"].value == pytest.approx(ref)
    info = panel.information(p, q)
    assert info["KL(P‖Q)"] == pytest.approx(ref)
    assert math.isinf(info["KL(Q‖P)"])  # Q puts mass where P has none
    assert info["H(P, Q)"] == pytest.approx(info["H(P)"] + info["KL(P‖Q)"])


def test_every_registry_loss_appears_for_its_task():
    produced = {
        "regression": panel.regression_rows(0.0, 1.0),
        "binary": panel.binary_rows(1, 0.7),
        "multiclass": panel.multiclass_rows(0, [1.0, 0.0, -1.0]),
        "distribution": panel.distribution_rows([0.5, 0.5], [0.3, 0.7]),
    }
    for task in TASKS:
        assert [r.name for r in produced[task]] == [l.name for l in losses_for(task)]
        for r in produced[task]:
            assert math.isfinite(r.value) and all(math.isfinite(g) for g in r.grad)
    # every loss of an explorer task; a lab's own loss (the Poisson lab's) lives in its lab only
    assert sum(len(v) for v in produced.values()) == len([l for l in LOSSES.values() if l.task in TASKS]) >= 30


def test_outlier_gradients_grow_only_for_mse():
    rows = {r["loss"]: r for r in panel.outlier_gradients([1.0, 1.0, 1.0], 50.0)}
    assert rows["mse"]["ratio"] == pytest.approx(50.0)
    assert rows["mae"]["ratio"] == pytest.approx(1.0)
    assert rows["huber"]["grad_outlier"] == pytest.approx(1.0)


def _panel_app():
    def script():
        from losslab.ui.loss_panel import loss_panel

        loss_panel()

    return AppTest.from_function(script, default_timeout=30)


def _table(at):
    return at.table[0].value.to_dict("index")


def test_moving_the_panel_sliders_updates_the_table(monkeypatch):
    monkeypatch.chdir(ROOT)
    at = _panel_app()
    at.run()
    assert not at.exception
    table = _table(at)
    assert table["MSE (L2)"]["value"] == "1" and table["MSE (L2)"]["gradient"] == "2"  # y = 0, ŷ = 1
    at.slider(key="panel_yhat_s").set_value(4.0).run()
    table = _table(at)
    assert table["MSE (L2)"]["value"] == "16" and table["MSE (L2)"]["gradient"] == "8"
    assert table["Huber (δ)"]["gradient"] == "1"
    assert at.number_input(key="panel_yhat_n").value == 4.0  # the exact box follows the slider


def test_panel_binary_at_p_zero_explains_the_inf(monkeypatch):
    monkeypatch.chdir(ROOT)
    at = _panel_app()
    at.run()
    at.selectbox(key="panel_task").set_value("binary").run()
    at.number_input(key="panel_p_n").set_value(0.0).run()
    table = _table(at)
    assert table["BCE on probabilities (naive)"]["value"] == "∞"
    assert table["BCE with logits (stable)"]["value"] == "1,000"  # i18n.readable: thousands grouped
    assert any("log 0" in w.value for w in at.warning)


def test_distribution_sweep_shows_where_the_naive_kl_breaks():
    curves = panel.sweep("distribution", ["kl", "kl_log"], [0.0, 0.5, 0.3, 0.2], [0.1, 0.5])
    assert all(math.isnan(v) for v in curves["kl"][1])  # an empty bin in P: NaN everywhere
    # Q = (0.5, 0.5·(0.5, 0.3, 0.2)) against P: KL = Σ P log(P / Q) = log 2 for each remaining bin
    assert curves["kl_log"][1][1] == pytest.approx(math.log(2))
    full = panel.sweep("distribution", ["kl", "kl_log"], [0.25] * 4, [0.25, 0.5])
    assert full["kl"][1] == pytest.approx(full["kl_log"][1]) and full["kl"][2] == pytest.approx(full["kl_log"][2])
