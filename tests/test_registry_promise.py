"""The registry's promise: a new loss is one function and one `register(...)`. A loss added
here, in the test, appears in the side panel, the explorer, the lab's loss menu and the CLI
with no other edit; the per-loss teaching text lives on the loss."""

import json

import pytest

from losslab import cli, panel
from losslab.losses import LOSSES, Loss, losses_for, register, unit_of
from tests.conftest import app


def _abs_cubed(p, y, _):
    return ((p - y).abs() ** 3).mean()


@pytest.fixture
def new_loss():
    loss = register(Loss(name="abs_cubed", label="Cubed error (added by a test)", task="regression",
                         input_kind="value", formula=r"\frac{1}{n}\sum_i |r_i|^3",
                         explanation="A loss that exists only in this test.", fn=_abs_cubed, reference=_abs_cubed,
                         unit="{y}³", explorer_note="Cubed errors: outliers pull harder still."))
    yield loss
    del LOSSES["abs_cubed"]


def test_the_side_panel_lists_it(new_loss):
    rows = {r.name: r for r in panel.regression_rows(0.0, 2.0)}
    assert rows["abs_cubed"].value == pytest.approx(8.0) and rows["abs_cubed"].grad == [pytest.approx(12.0)]


def test_the_side_panel_on_a_page_shows_it(app_env, new_loss):
    at = app("home")
    assert "Cubed error (added by a test)" in at.sidebar.table[0].value.index


def test_the_explorer_draws_it_with_its_note(app_env, new_loss):
    at = app("explorer")
    assert not at.exception, at.exception
    assert "abs_cubed" in at.multiselect(key="ex_regression_losses").value
    assert "Cubed errors: outliers pull harder still." in [c.value for c in at.caption]
    assert "abs_cubed" in [r["loss"] for r in panel.outlier_gradients([1.0, 2.0], 30.0)]


def test_the_lab_offers_it(app_env, new_loss):
    at = app("regression")
    assert "Cubed error (added by a test)" in at.selectbox(key="reg_loss").options
    assert unit_of(new_loss, "kg") == "kg³"


def test_the_cli_trains_with_it(new_loss, capsys):
    assert cli.main(["train", "regression", "--loss", "abs_cubed", "--epochs", "20", "--lr", "0.01", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["config"]["loss"] == "abs_cubed" and out["status"] == "completed"


def test_naive_losses_name_a_registered_stable_sibling():
    naive = [l for l in LOSSES.values() if l.stable_form]
    assert {l.name for l in naive} == {"bce", "kl"}
    for loss in naive:
        sibling = LOSSES[loss.stable_form]
        assert sibling.task == loss.task and not sibling.stable_form
    note = {r.name: r.note for r in panel.binary_rows(1, 0.0)}["bce"]
    assert note.endswith(f"{LOSSES['bce_logits'].label} stays finite.")


def test_every_task_has_losses():
    assert all(losses_for(t) for t in ("regression", "binary", "multiclass", "distribution"))
