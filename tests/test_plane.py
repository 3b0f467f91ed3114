"""The slice's plane on all the real MNIST images: every value equals a direct evaluation (the model
built at those weights and called), for the linear model and the MLP, PCA and random planes,
cross-entropy (fused form, with and without label smoothing) and a loss called as registered."""

import pytest
import torch

from losslab.config import MnistConfig
from losslab.models import build_model
from losslab.plane import Plane, checkpoint_losses, source_data
from losslab.slices import DirectEvaluator, pca_directions, random_directions, trajectory
from losslab.training import ListReporter, train


_RUNS: dict = {}


def _run(config):
    if config not in _RUNS:  # each config trains once for the whole file
        rep = ListReporter()
        train(config, rep)
        _RUNS[config] = trajectory([b for _, b in rep.checkpoints])
    return _RUNS[config]


def _directions(config, weights, method):
    if method == "pca":
        return pca_directions(weights)[:2]
    model = build_model(config)
    torch.nn.utils.vector_to_parameters(weights[-1], model.parameters())
    return random_directions(model, seed=4)


# A grid row (shared b), scattered points (the path's projections) and, for PCA, a far corner.
ROW = (torch.tensor([-1.0, -0.3, 0.0, 0.6, 1.0]), torch.full((5,), 0.4))
SCATTERED = (torch.tensor([0.0, 0.8, -0.5]), torch.tensor([0.0, -0.7, 0.25]))


@pytest.mark.parametrize("model, loss, param, method", [
    ("linear", "cross_entropy", None, "pca"), ("linear", "cross_entropy", None, "random"),
    ("mlp", "cross_entropy", None, "pca"), ("mlp", "cross_entropy", None, "random"),
    ("linear", "cross_entropy", 0.1, "pca"), ("mlp", "focal", None, "random"), ("linear", "multi_hinge", None, "pca")])
def test_every_point_of_the_plane_is_the_direct_evaluation_on_all_images(real_mnist, model, loss, param, method):
    # one epoch on all 60,000 images (batch 600: 100 steps, ~50 checkpoints)
    config = MnistConfig(model=model, hidden=32, loss=loss, loss_param=param, batch_size=600, epochs=1, lr=0.1)
    weights = _run(config)
    d1, d2 = _directions(config, weights, method)
    data = source_data(config, 0)
    assert len(data["y"]) == 60_000 and len(data["test_y"]) == 10_000  # all of them
    plane = Plane(origin=weights[-1], u=d1, v=d2, **data)
    direct = DirectEvaluator(config, 0)
    scale = 1.0 if method == "random" else float((weights[0] - weights[-1]).norm())  # PCA: the path's own size
    for a, b in (ROW, SCATTERED):
        a, b = a * scale, b * scale
        losses, accuracies = plane.losses(a, b), plane.accuracies(a, b)
        for j in range(len(a)):
            true_loss, true_accuracy = direct(weights[-1] + float(a[j]) * d1 + float(b[j]) * d2)
            assert float(losses[j]) == pytest.approx(true_loss, rel=2e-6, abs=1e-6)
            # the same argmax; a top-two tie within float32 rounding may flip one test image
            assert abs(float(accuracies[j]) - true_accuracy) <= 1 / 10_000


def test_a_wrong_class_far_ahead_overflows_nothing(real_mnist):
    """Far out on the plane a wrong class beats the true one by more than float32's exp can take
    (~88): the relative log-sum-exp falls back to the max shift and stays exact."""
    config = MnistConfig(batch_size=600, epochs=1, lr=0.1)
    weights = _run(config)
    d1, d2 = pca_directions(weights)[:2]
    plane = Plane(origin=weights[-1], u=d1, v=d2, **source_data(config, 0))
    far = 200 * float((weights[0] - weights[-1]).norm())
    a, b = torch.tensor([far, 0.0]), torch.tensor([0.0, -far])
    losses = plane.losses(a, b)
    direct = DirectEvaluator(config, 0)
    for j in range(2):
        true_loss = direct(weights[-1] + float(a[j]) * d1 + float(b[j]) * d2)[0]
        with torch.no_grad():
            z = direct.model(direct.x)
        assert float((z - z.gather(1, direct.y.view(-1, 1))).max()) > 89  # the overflow case is really reached
        assert float(losses[j]) == pytest.approx(true_loss, rel=2e-6)


@pytest.mark.parametrize("model, loss, param", [("linear", "cross_entropy", None), ("mlp", "cross_entropy", 0.1),
                                                ("linear", "gce", None)])
def test_checkpoint_losses_are_the_direct_evaluation(real_mnist, model, loss, param):
    config = MnistConfig(model=model, hidden=32, loss=loss, loss_param=param, batch_size=600, epochs=1, lr=0.1,
                         label_noise=20.0)
    weights = _run(config)[::7]
    data = source_data(config, 0)
    got = checkpoint_losses(data["model"], data["shapes"], weights, data["x"], data["y"], data["loss_fn"], data["param"])
    direct = DirectEvaluator(config, 0)  # the labels the run trained on, noise included
    assert got == pytest.approx([direct(w)[0] for w in weights], rel=2e-6)


def test_a_number_of_images_measures_the_first_ones(real_mnist):
    """A slice stored with a number (before 'all' was the default) replays on the same images."""
    config = MnistConfig(train_subset=3000, batch_size=100, epochs=1)
    data = source_data(config, 1000)
    assert len(data["y"]) == 1000 and len(data["test_y"]) == 1000
    everything = source_data(config, 0)
    assert len(everything["y"]) == 3000 and len(everything["test_y"]) == 10_000  # a subset run: all its own images
