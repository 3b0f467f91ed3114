"""Counterfactuals: every built-in lesson has one per wrong option, and its run (real training of
the very configs a student's click queues) makes that option the right one, judged against the
exact answers (closed-form least squares, 2/λmax, the losses' exact minima), not against where
another run stopped. Two options no run can make right say so, with the exact reason tested.
Then the service: after Reveal only, not in the class's gallery, a lecturer's own optional."""

import pytest
import torch

from losslab import datasets, step_map
from losslab.i18n import Problem, t
from losslab.jobs.errors import JobError
from losslab.labs.mnist import mnist_data
from losslab.labs.regression import exact_line, regression_points
from losslab.lessons import BUILTIN, make, moves_at_175
from losslab.losses import LOSSES
from losslab.training import train

SECRET = "lecture-secret"
WRONG = [(lid, c) for lid, lesson in BUILTIN.items() for c in range(len(lesson.choices)) if c != lesson.answer]


def test_every_wrong_option_of_every_builtin_lesson_has_its_counterfactual_in_both_languages():
    for lesson_id, lesson in BUILTIN.items():
        wrong = set(range(len(lesson.choices))) - {lesson.answer}
        assert {cf.choice for cf in lesson.counterfactuals} == wrong, lesson_id
        assert lesson.counterfactual(lesson.answer) is None
        for cf in lesson.counterfactuals:
            for lang in ("en", "ko"):
                words = t(cf.text, lang, **(lesson.facts(cf.config(lesson.config)) if lesson.facts and cf.changes
                                            is not None else {}))
                assert words and "{" not in words and words != cf.text and words.count(". ") == 0, (lesson_id, lang)


# --- the regression lessons: exact least squares and 2/λmax --------------------------------------
def _off_least_squares(config, result) -> float:
    """The largest distance (kg) over the data's heights between the run's line and least squares."""
    xs, ys, _ = regression_points(config)
    slope, intercept = datasets.least_squares(xs, ys)
    return max(abs((result.final["slope"] - slope) * x + result.final["intercept"] - intercept) for x in (min(xs), max(xs)))


def _seed_verdict(config, result) -> int:
    """The seed's choices: 0 on the least-squares line, 1 close but visibly off, 2 the loss blew up."""
    if result.status == "diverged":
        return 2
    off = _off_least_squares(config, result)
    return 0 if off < 0.1 else 1 if 1.0 < off < 5.0 else -1


def _diverge_verdict(config, result) -> int:
    """The diverge lesson's: 0 converged quickly (on least squares), 1 converging slowly (stable,
    still off after its steps), 2 the loss blew up."""
    if result.status == "diverged":
        return 2
    off = _off_least_squares(config, result)
    return 0 if off < 0.01 else 1 if off > 1.0 else -1


def _edge(config) -> float:
    """2/λmax of MSE's exact Hessian in the model's own weights (losslab.step_map)."""
    return float(step_map.edge(0.0, step_map.curvature(config).eigenvalues[1]))


@pytest.mark.parametrize("choice", [0, 1, 2])
def test_seed_and_its_counterfactuals(choice):
    lesson = BUILTIN["seed"]
    (config,) = lesson.counterfactual_configs(choice) if choice != lesson.answer else lesson.configs()
    result = train(config)
    assert _seed_verdict(config, result) == choice
    if choice == 2:  # plain SGD above the exact edge of stability
        assert config.optimizer == "sgd" and config.momentum == 0 and config.lr > _edge(config)


@pytest.mark.parametrize("choice", [0, 1, 2])
def test_diverge_and_its_counterfactuals(choice):
    lesson = BUILTIN["diverge"]
    (config,) = lesson.counterfactual_configs(choice) if choice != lesson.answer else lesson.configs()
    eigenvalues = step_map.curvature(config).eigenvalues
    rate = float(step_map.rate(config.lr, 0.0, eigenvalues))  # the error's exact shrink factor per step
    result = train(config)
    assert _diverge_verdict(config, result) == choice
    if choice == 0:  # standardised: Hessian 2·I, η = 1/2 makes the rate exactly 0: there in one step
        assert eigenvalues == pytest.approx((2.0, 2.0), abs=1e-5) and rate < 1e-5  # (float32 heights)
    elif choice == 1:  # just below 2/λmax: stable, and after 500 steps the flat direction has barely moved
        assert config.lr < _edge(config) < 1.1 * config.lr and rate < 1 and rate ** config.epochs > 0.9
    else:
        assert config.lr > _edge(config)


def _most_moved(moves: dict, tie: float) -> int:
    """The outliers lesson's choices from each loss's move at 175 cm: 0 MSE, 1 MAE, 2 Huber most;
    3 all the same (within `tie` kg)."""
    sizes = [abs(moves[name]) for name in ("mse", "mae", "huber")]
    if max(sizes) - min(sizes) <= tie:
        return 3
    first, second = sorted(sizes, reverse=True)[:2]
    return sizes.index(first) if first - second > tie else -1


@pytest.mark.parametrize("choice", [0, 1, 2, 3])
def test_outliers_and_its_counterfactuals(choice):
    """The exact minima with and without the outliers decide (the facts the sentence quotes), and
    the runs the click starts show the same order: each trained line at 175 cm against its own
    loss's exact clean line."""
    lesson = BUILTIN["outliers"]
    configs = lesson.counterfactual_configs(choice) if choice != lesson.answer else lesson.configs()
    exact = {name: float(v) for name, v in moves_at_175(configs[0].replace(loss="mse")).items()}
    assert _most_moved(exact, tie=0.005) == choice, exact
    trained = {}
    for config in configs:
        result = train(config)
        assert result.status == "completed"
        clean = exact_line(config.replace(outliers=0)).theta
        trained[config.loss] = (result.final["slope"] - clean[0]) * 175 + result.final["intercept"] - clean[1]
    assert _most_moved(trained, tie=0.05) == choice, trained


# --- naive BCE: the same loss, unless p rounds to 1 ------------------------------------------------
def test_naive_bce_trains_like_logits_when_p_never_rounds_to_one():
    lesson = BUILTIN["naive-bce"]
    naive, logits = (train(c) for c in lesson.counterfactual_configs(0))
    assert naive.status == logits.status == "completed"
    # choice 0 is right: the naive run ends where the logits run does, and its own loss is the stable one's
    assert naive.final["final/loss"] == pytest.approx(logits.final["final/loss"], rel=1e-4)
    assert naive.final["final/loss"] == pytest.approx(naive.final["final/bce"], rel=1e-4)


def test_no_run_makes_naive_bce_faster_the_gradients_are_the_same():
    """Choice 2 has no run: in exact arithmetic (float64, z away from saturation) naive BCE and BCE
    with logits have the same value and the same gradient, so no setting can make one faster."""
    lesson = BUILTIN["naive-bce"]
    assert lesson.counterfactual(2).changes is None and lesson.counterfactual_configs(2) == []
    z = torch.linspace(-8, 8, 41, dtype=torch.float64).reshape(-1, 1).requires_grad_()
    y = (torch.arange(41) % 2).reshape(-1, 1).double()
    grads = []
    for name, pred in (("bce", lambda: torch.sigmoid(z)), ("bce_logits", lambda: z)):
        value = LOSSES[name].fn(pred(), y, None)
        grads.append((float(value.detach()), torch.autograd.grad(value, z)[0]))
    assert grads[0][0] == pytest.approx(grads[1][0], rel=1e-12)
    assert torch.allclose(grads[0][1], grads[1][1], rtol=1e-9, atol=1e-15)


# --- label noise: an exact identity, and a class with no wrong labels -----------------------------
def test_no_run_makes_mae_learn_more_wrong_labels_its_gradient_is_2p_times_cross_entropys():
    lesson = BUILTIN["noise"]
    assert lesson.counterfactual(1).changes is None and lesson.counterfactual_configs(1) == []
    g = torch.Generator().manual_seed(0)
    z = torch.randn(64, 10, generator=g, dtype=torch.float64).requires_grad_()
    y = torch.randint(0, 10, (64,), generator=g)
    ce, mae = (torch.autograd.grad(LOSSES[n].fn(z, y, None), z)[0] for n in ("cross_entropy", "mae_prob"))
    p = torch.softmax(z, 1).gather(1, y[:, None])
    assert torch.allclose(mae, 2 * p * ce, rtol=1e-9, atol=1e-15)  # per example: weaker wherever p < ½


def test_with_no_wrong_labels_both_losses_learn_the_same_none(real_mnist):
    """Choice 2 at 0 % noise: the class's data has no wrongly-labelled image (exact: the labels are
    MNIST's own), so both losses learn the same number of wrong labels, none; one real epoch of each
    run (the full 30 take ~30 s each on 2 cores) reports no memorisation at all."""
    lesson = BUILTIN["noise"]
    configs = lesson.counterfactual_configs(2)
    assert [c.loss for c in configs] == ["cross_entropy", "mae_prob"] and all(c.label_noise == 0 for c in configs)
    assert len(mnist_data(configs[0]).noisy) == 0
    for config in configs:
        result = train(config.replace(epochs=1))
        assert result.status == "completed" and "train/memorised" not in result.final


# --- the service ------------------------------------------------------------------------------------
def _service(tmp_path, monkeypatch):
    from losslab.jobs.service import JobService

    monkeypatch.setenv("LOSSLAB_ADMIN_TOKEN", SECRET)
    return JobService(tmp_path / "runs.sqlite3", max_per_owner=10)


def test_a_counterfactual_runs_only_after_reveal_and_stays_out_of_the_class_gallery(tmp_path, monkeypatch):
    service = _service(tmp_path, monkeypatch)
    lesson = BUILTIN["outliers"]
    service.start_lesson(lesson, "student-a", 3)
    with pytest.raises(JobError, match="once the lecturer reveals"):
        service.start_counterfactual(lesson, 3, "student-a")
    service.reveal(lesson.id, SECRET)
    ids = service.start_counterfactual(lesson, 3, "student-a")
    assert [service.get(i)["config"]["loss"] for i in ids] == ["mse", "mae", "huber"]
    assert all(service.get(i)["config"]["outliers"] == 0 for i in ids)
    assert service.my_counterfactuals(lesson, "student-a") == {3: ids}
    assert service.my_counterfactuals(lesson, "student-b") == {}
    assert len(service.lesson_runs(lesson)) == 3 and len(service.my_lesson_runs(lesson, "student-a")) == 3
    for bad in (0, 9, None, "1"):  # the right answer, no such choice, nothing: one sentence, nothing queued
        with pytest.raises(JobError, match="belongs to a wrong answer"):
            service.start_counterfactual(lesson, bad, "student-a")
    with pytest.raises(JobError, match="belongs to a wrong answer"):  # an option no run can make right
        service.start_counterfactual(BUILTIN["naive-bce"], 2, "student-a", lecturer=True)
    assert len(service.list_runs("student-a")) == 6


RECORD = {"config": BUILTIN["outliers"].config.to_dict(), "title": "Outliers", "question": "Which line moves most?",
          "choices": ["MSE", "MAE"], "answer": 0, "explanation": "MSE's."}


def test_a_lecturers_counterfactual_is_optional_and_checked(tmp_path, monkeypatch):
    service = _service(tmp_path, monkeypatch)
    plain = service.lesson(service.save_lesson(RECORD, SECRET, "lecturer"))
    assert plain.counterfactuals == () and plain.counterfactual_configs(1) == []
    record = {**RECORD, "counterfactuals": [{"choice": 1, "changes": {"outlier_offset": 3.0, "outliers": 5},
                                             "text": "Five points 3 kg up: MAE's line jumps most."}]}
    lesson = service.lesson(service.save_lesson(record, SECRET, "lecturer"))
    (config,) = lesson.counterfactual_configs(1)
    assert (config.outliers, config.outlier_offset, config.seed) == (5, 3.0, RECORD["config"]["seed"])
    assert lesson.say_counterfactual(lesson.counterfactual(1)) == "Five points 3 kg up: MAE's line jumps most."
    for bad, words in ((dict(choice=0), "belongs to a wrong answer"), (dict(choice=2), "belongs to a wrong answer"),
                       (dict(changes={"outliers": -1}), "outliers"), (dict(changes={"nope": 1}), "nope"),
                       (dict(text=""), "one sentence")):
        item = {"choice": 1, "changes": {"outliers": 5}, "text": "Five points.", **bad}
        with pytest.raises((Problem, ValueError, TypeError)) as exc:
            make({**RECORD, "counterfactuals": [item]})
        assert words in str(exc.value)
