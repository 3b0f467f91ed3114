"""Every registry loss against its torch counterpart, values and gradients, and the edge cases
where the seed's naive BCE and KL break while the stable forms stay finite."""

import math

import pytest
import torch

from losslab.losses import LOSSES, TASKS, losses_for

pytestmark = pytest.mark.usefixtures("float64")  # tests/conftest.py: float64 default dtype, restored after


def _inputs(loss, seed=0):
    g = torch.Generator().manual_seed(seed)
    n, k = 16, 5
    if loss.task == "regression":
        return torch.randn(n, generator=g) * 3, torch.randn(n, generator=g) * 3
    if loss.task == "binary":
        y = (torch.rand(n, generator=g) > 0.5).double()
        if loss.input_kind == "probability":
            return torch.rand(n, generator=g) * 0.98 + 0.01, y
        return torch.randn(n, generator=g) * 3, y
    if loss.task == "multiclass":
        return torch.randn(n, k, generator=g) * 2, torch.randint(0, k, (n,), generator=g)
    p = torch.softmax(torch.randn(n, k, generator=g), -1)
    q = torch.softmax(torch.randn(n, k, generator=g), -1)
    return (q.log() if loss.input_kind == "log_distribution" else q), p


def _cases():
    # Each loss at its default parameter, and across its allowed range where it has one.
    for name, loss in LOSSES.items():
        spec = loss.param
        params = [None] if spec is None else [None, spec.low, spec.low + 0.3 * (spec.high - spec.low), spec.high]
        for param in params:
            yield name, param


@pytest.mark.parametrize("name, param", list(_cases()))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_value_and_gradient_match_torch(name, param, seed):
    loss = LOSSES[name]
    param = loss.resolve_param(param)
    pred, target = _inputs(loss, seed)
    a = pred.clone().requires_grad_(True)
    b = pred.clone().requires_grad_(True)
    ours = loss.fn(a, target, param)
    ref = loss.reference(b, target, param)
    ours.backward()
    ref.backward()
    assert ours.item() == pytest.approx(ref.item(), rel=1e-9, abs=1e-12)
    torch.testing.assert_close(a.grad, b.grad, rtol=1e-7, atol=1e-10)
    # value_and_grad, which the side panel uses, gives the same numbers
    value, grad = loss.value_and_grad(pred, target, param)
    assert value.item() == pytest.approx(ref.item(), rel=1e-9, abs=1e-12)
    torch.testing.assert_close(grad, b.grad, rtol=1e-7, atol=1e-10)


def test_every_task_has_losses_and_every_loss_documents_itself():
    for task in TASKS:
        assert losses_for(task), task
    for loss in LOSSES.values():
        assert loss.formula and loss.explanation and loss.label


def test_huber_is_mse_near_zero_and_linear_far_away():
    huber = LOSSES["huber"]
    small = huber(torch.tensor([0.5]), torch.tensor([0.0]), 1.0).item()
    big_grad = huber.value_and_grad(torch.tensor([100.0]), torch.tensor([0.0]), 1.0)[1].item()
    mse_grad = LOSSES["mse"].value_and_grad(torch.tensor([100.0]), torch.tensor([0.0]))[1].item()
    assert small == pytest.approx(0.5 * 0.25)
    assert big_grad == pytest.approx(1.0)
    assert mse_grad == pytest.approx(200.0)


def test_log_cosh_does_not_overflow_for_huge_residuals():
    value, grad = LOSSES["log_cosh"].value_and_grad(torch.tensor([1000.0]), torch.tensor([0.0]))
    assert value.item() == pytest.approx(1000 - math.log(2))
    assert grad.item() == pytest.approx(1.0)


class TestNaiveFormsBreak:
    def test_naive_bce_gives_inf_for_confident_wrong_answer(self):
        # label 1, predicted p = 0: -log(0) = inf
        value, grad = LOSSES["bce"].value_and_grad(torch.tensor([0.0]), torch.tensor([1.0]))
        assert math.isinf(value.item())

    def test_naive_bce_gives_nan_for_confident_right_answer(self):
        # label 1, p = 1: the (1 - y) log(1 - p) term is 0 * log(0) = 0 * -inf = NaN
        value, _ = LOSSES["bce"].value_and_grad(torch.tensor([1.0]), torch.tensor([1.0]))
        assert math.isnan(value.item())

    @pytest.mark.parametrize("z, y", [(-800.0, 1.0), (800.0, 1.0), (800.0, 0.0), (-800.0, 0.0)])
    def test_stable_bce_stays_finite_at_saturated_logits(self, z, y):
        value, grad = LOSSES["bce_logits"].value_and_grad(torch.tensor([z]), torch.tensor([y]))
        assert math.isfinite(value.item()) and math.isfinite(grad.item())
        # the confident wrong answer costs about |z| nats, the right one about 0
        expected = abs(z) if (z > 0) != (y > 0.5) else 0.0
        assert value.item() == pytest.approx(expected, abs=1e-6)
        # and matches torch's own stable form
        ref = torch.nn.functional.binary_cross_entropy_with_logits(torch.tensor([z]), torch.tensor([y]))
        assert value.item() == pytest.approx(ref.item())

    def test_naive_kl_gives_nan_for_empty_bin_in_p(self):
        p = torch.tensor([[0.0, 0.5, 0.5]])
        q = torch.tensor([[0.2, 0.4, 0.4]])
        naive, _ = LOSSES["kl"].value_and_grad(q, p)
        stable, grad = LOSSES["kl_log"].value_and_grad(q.log(), p)
        assert math.isnan(naive.item())
        assert stable.item() == pytest.approx(math.log(0.5 / 0.4))
        assert torch.isfinite(grad).all()
        ref = torch.nn.functional.kl_div(q.log(), p, reduction="batchmean")
        assert stable.item() == pytest.approx(ref.item())

    def test_naive_kl_gives_inf_for_empty_bin_in_q(self):
        p = torch.tensor([[0.4, 0.3, 0.3]])
        q = torch.tensor([[0.0, 0.5, 0.5]])
        naive, _ = LOSSES["kl"].value_and_grad(q, p)
        assert math.isinf(naive.item())


def test_stable_kl_treats_empty_bins_in_both_p_and_q_as_zero():
    # P and Q both empty in bin 0: 0 · log(0 / 0) counts as 0; torch's kl_div says NaN here.
    p = torch.tensor([[0.0, 0.5, 0.5]])
    log_q = torch.log(torch.tensor([[0.0, 0.5, 0.5]]))
    value, grad = LOSSES["kl_log"].value_and_grad(log_q, p)
    assert value.item() == 0.0 and torch.isfinite(grad).all()
    assert math.isnan(torch.nn.functional.kl_div(log_q, p, reduction="batchmean").item())


def _extreme_inputs(loss):
    """Saturated inputs: logits ±1e4, residuals ±1e4, a distribution with bins near 0."""
    if loss.task == "regression":
        return torch.tensor([1e4, -1e4, 0.0, 1e-9]), torch.tensor([0.0, 0.0, 0.0, 0.0])
    if loss.task == "binary":
        return torch.tensor([1e4, -1e4, 1e4, -1e4, 0.0]), torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0])
    if loss.task == "multiclass":
        z = torch.tensor([[1e4, 0.0, -1e4], [1e4, 0.0, -1e4], [-1e4, 1e4, 0.0], [0.0, 0.0, 0.0]])
        return z, torch.tensor([0, 2, 1, 1])
    p = torch.tensor([[1e-30, 0.5, 0.5 - 1e-30], [1.0, 1e-30, 1e-30]])
    q = torch.tensor([[1e-30, 0.5, 0.5 - 1e-30], [1.0 - 2e-30, 1e-30, 1e-30]])
    return (q.log() if loss.input_kind == "log_distribution" else q), p


STABLE = [name for name, loss in LOSSES.items() if name not in {l.name for l in LOSSES.values() if l.stable_form}]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", STABLE)
def test_stable_forms_are_finite_at_extreme_inputs_across_their_range(name, dtype):
    loss = LOSSES[name]
    params = [None] if loss.param is None else [loss.param.low, 0.5 * (loss.param.low + loss.param.high) / 10,
                                                 loss.param.default, loss.param.high]
    for param in params:
        pred, target = _extreme_inputs(loss)
        pred = pred.to(dtype).requires_grad_(True)
        target = target.to(dtype) if target.is_floating_point() else target
        value = loss.fn(pred, target, loss.resolve_param(param))
        (grad,) = torch.autograd.grad(value, pred)
        assert torch.isfinite(value) and bool(torch.isfinite(grad).all()), (name, param, value, grad)
