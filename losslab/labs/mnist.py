"""The MNIST lab: the rows a run trains on (a seeded subset, seeded label noise), its part of the
one training loop (shuffled minibatches as the seed's DataLoader, evaluation, weight checkpoints
for the landscape slices, calibration) and its snapshots (confusion matrix, chosen test digits)."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from ..lazy import LazyModule, no_grad
from ..config import NOISE_PAIRS, MnistConfig
from . import Lab, accuracy_result, register

# torch on first use: the registry (names, pages, lessons) is read by torch-free modules
torch = LazyModule("torch")
calibration = LazyModule("losslab.calibration")
datasets = LazyModule("losslab.datasets")

# A fixed set of test digits shown in the MNIST lab: the first 24, so every run shows the same ones.
SHOWN_DIGITS = 24
SHOWN_MISTAKES = 12

def _image_b64(row: torch.Tensor) -> str:
    # Undo the (0.5, 0.5) normalisation back to 0..255 grey levels; 784 bytes per digit.
    pixels = ((row * 0.5 + 0.5) * 255).round().clamp(0, 255).to(torch.uint8)
    return base64.b64encode(pixels.numpy().tobytes()).decode("ascii")


@no_grad
def evaluate_snapshot(model, test_x, test_y, loss_fn, param) -> tuple[dict, dict]:
    """The model on the test set: ({"test/loss", "test/accuracy"}, a confusion-matrix/digits
    snapshot). Reporting them is the training loop's job."""
    logits = model(test_x)
    loss = loss_fn.fn(logits, test_y, param).item()
    probs = torch.softmax(logits, dim=1)
    pred = probs.argmax(dim=1)
    acc = (pred == test_y).float().mean().item()
    # confusion[true][predicted] counts, 10 × 10
    confusion = torch.bincount(test_y * 10 + pred, minlength=100).reshape(10, 10)
    wrong = (pred != test_y).nonzero().flatten()
    # The most confident mistakes are the most instructive ones to show.
    worst = wrong[probs[wrong, pred[wrong]].argsort(descending=True)[:SHOWN_MISTAKES]]
    shown = torch.cat([torch.arange(SHOWN_DIGITS), worst])

    def digit(i):
        i = int(i)
        return {"index": i, "label": int(test_y[i]), "pred": int(pred[i]),
                "probs": [round(float(p), 4) for p in probs[i]], "image": _image_b64(test_x[i])}

    snapshot = {"accuracy": acc, "loss": loss, "confusion": confusion.tolist(),
                "digits": [digit(i) for i in shown[:SHOWN_DIGITS]],
                "mistakes": [digit(i) for i in shown[SHOWN_DIGITS:]]}
    return {"test/loss": loss, "test/accuracy": acc}, snapshot


HELD_OUT = 5_000  # training images that fit the temperature of a finished MNIST run
MEMO_SAMPLE = 5_000  # noisy-label images the memorisation meter looks at (a bounded cost per evaluation)


@dataclass(frozen=True)
class MnistData:
    """train_x and test_x are the shared (memory-mapped) tensors of every image; a run trains on
    `rows` of train_x, whose labels (after the run's label noise) are train_y, in the same order."""

    train_x: "torch.Tensor"
    rows: "torch.Tensor"
    train_y: "torch.Tensor"
    test_x: "torch.Tensor"
    test_y: "torch.Tensor"
    # Training images for temperature scaling, with their true labels: ones the run did not train on
    # when it used a subset (`held_unseen`), else a seeded sample of the images it trained on.
    held_rows: "torch.Tensor" = None
    held_y: "torch.Tensor" = None
    held_unseen: bool = False
    # Positions (into rows/train_y) of up to MEMO_SAMPLE images whose label the noise changed.
    noisy: "torch.Tensor" = None


def mnist_data(config: MnistConfig) -> MnistData:
    """The rows a config trains on (the seeded subset) and their labels (seeded label noise).
    No image is copied: batches gather their rows from the shared tensor."""
    train_x, train_y, test_x, test_y = datasets.mnist_tensors()
    g = torch.Generator().manual_seed(config.seed)
    rows = torch.arange(len(train_x))
    if config.train_subset:
        perm = torch.randperm(len(train_x), generator=g)
        rows = perm[: config.train_subset]
        held = perm[config.train_subset: config.train_subset + HELD_OUT]
    else:  # every image trains: sample the calibration split with its own generator (training's RNG untouched)
        held = torch.randperm(len(train_x), generator=torch.Generator().manual_seed(config.seed + 1))[:HELD_OUT]
    unseen = bool(config.train_subset) and len(held) > 0
    if not len(held):
        held = rows[:HELD_OUT]
    labels = train_y[rows].clone()
    if config.label_noise > 0 and config.noise_kind == "pairs":
        for source, target in NOISE_PAIRS.items():  # this share of each source class becomes its look-alike
            of_class = (train_y[rows] == source).nonzero().flatten()
            which = of_class[torch.randperm(len(of_class), generator=g)[:round(len(of_class) * config.label_noise / 100)]]
            labels[which] = target
    elif config.label_noise > 0:
        n_noisy = round(len(labels) * config.label_noise / 100)
        which = torch.randperm(len(labels), generator=g)[:n_noisy]
        # Shift by 1..9 so a noisy label is always a *wrong* class.
        labels[which] = (labels[which] + torch.randint(1, 10, (n_noisy,), generator=g)) % 10
    noisy = (labels != train_y[rows]).nonzero().flatten()[:MEMO_SAMPLE]
    return MnistData(train_x, rows, labels, test_x, test_y, held, train_y[held], unseen, noisy)


CHECKPOINTS = 50  # weight checkpoints per MNIST run (every ~2 %): the trajectory its PCA slice projects


def flat_weights(model) -> bytes:
    return torch.nn.utils.parameters_to_vector(model.parameters()).detach().to(torch.float16).numpy().tobytes()


class MnistTrainer:
    """Shuffled minibatches (the seed's DataLoader order, as index slices); the training loss
    every step, the test set every `eval_every` steps or at the end of each epoch."""

    def __init__(self, config: MnistConfig):
        self.config = config
        self.data = mnist_data(config)
        self.loss_fn, self.param = config.loss_fn, config.loss_fn.resolve_param(config.loss_param)
        self.total_steps = config.epochs * config.steps_per_epoch
        self.g = torch.Generator().manual_seed(config.seed)
        self.final: dict = {}
        self.checkpoint_every = max(1, self.total_steps // CHECKPOINTS)

    def begin(self, model, reporter):
        reporter.checkpoint(0, flat_weights(model))

    def batches(self, epoch):
        d, bs = self.data, self.config.batch_size
        perm = torch.randperm(len(d.rows), generator=self.g)  # the seed's shuffle=True
        for start in range(0, len(perm), bs):
            idx = perm[start:start + bs]
            yield d.train_x[d.rows[idx]], d.train_y[idx]

    def after_step(self, model, step, epoch, value, pred, y, reporter):
        reporter.metric(step, epoch, "train", "loss", value)
        self.final["train/loss"] = value
        if step % self.checkpoint_every == 0 or step == self.total_steps:
            reporter.checkpoint(step, flat_weights(model))
        if self.config.eval_every and step % self.config.eval_every == 0:
            self.evaluate(model, step, epoch, reporter)

    def end_epoch(self, model, step, epoch, reporter):
        if not self.config.eval_every or step % self.config.eval_every:
            self.evaluate(model, step, epoch, reporter)

    def end(self, model, step, epoch, status, reporter):
        if status == "stopped" and step:
            self.evaluate(model, step, epoch, reporter)
            if step % self.checkpoint_every:
                reporter.checkpoint(step, flat_weights(model))
        if step:
            self.calibrate(model, step, reporter)

    @no_grad
    def memorised(self, model) -> float:
        """The memorisation meter: the share of wrongly-labelled training images the model now
        predicts *as their wrong label* (it rises when a model starts to learn the noise by heart)."""
        d = self.data
        predicted = model(d.train_x[d.rows[d.noisy]]).argmax(dim=1)
        return float((predicted == d.train_y[d.noisy]).double().mean())

    @no_grad
    def calibrate(self, model, step, reporter):
        """How far the finished model's confidence can be trusted, before and after temperature scaling."""
        d = self.data
        test_logits, held_logits = model(d.test_x), model(d.train_x[d.held_rows])
        temperature = calibration.fit_temperature(held_logits, d.held_y)
        reporter.snapshot(step, "calibration", {
            "temperature": temperature, "held_out": len(d.held_y), "held_unseen": d.held_unseen,
            "held_nll_before": calibration.nll(held_logits, d.held_y, 1.0),
            "held_nll_after": calibration.nll(held_logits, d.held_y, temperature),
            "before": calibration.reliability(test_logits, d.test_y),
            "after": calibration.reliability(test_logits, d.test_y, temperature)})

    def evaluate(self, model, step, epoch, reporter):
        metrics, snapshot = evaluate_snapshot(model, self.data.test_x, self.data.test_y, self.loss_fn, self.param)
        if len(self.data.noisy):
            metrics["train/memorised"] = self.memorised(model)
        for key, value in metrics.items():
            split, name = key.split("/")
            reporter.metric(step, epoch, split, name, value)
        reporter.snapshot(step, "mnist", {"epoch": epoch, **snapshot})
        self.final.update(metrics)


register(Lab("mnist", MnistConfig, MnistTrainer, "🔢", "losslab.ui.mnist", order=30, gallery="accuracy",
             result=accuracy_result("test/accuracy"), export="mnist", datasets=("mnist",)))
