"""A label-noise study as one program with a loop over its cells, not one script per cell: the
study's point is that only the loss (or the noise rate) changes between cells, and a loop shows
that in one line; 48 near-identical scripts would hide it. Each cell prints its clean-test
accuracy after every epoch, as the study records it."""

from __future__ import annotations

import textwrap

from ..config import MAX_SEED
from ..i18n import t
from . import Part, optimizer_line
from .losscode import loss_source
from .mnist import LOAD, _data


def _losses(config) -> str:
    from ..losses import LOSSES

    out = []
    for name in config.losses:
        loss = LOSSES[name]
        out.append(f"# {loss.formula}\n" + loss_source(loss, loss.resolve_param(None)).replace("def loss_fn(", f"def loss_{name}("))
    table = "LOSSES = {" + ", ".join(f"{n!r}: loss_{n}" for n in config.losses) + "}"
    return "\n\n\n".join(out) + "\n\n\n" + table


def _cell(config, lang) -> str:
    one = config.cells()[0]
    model = (f"nn.Sequential(nn.Linear(784, {config.hidden}), nn.ReLU(), nn.Linear({config.hidden}, 10))"
             if config.model == "mlp" else "nn.Linear(784, 10)")
    body = (_data(one, lang, seed="seed", rate="rate", load=False)
            + f"torch.manual_seed(seed)  # {t('code.same_start', lang)}\n"
            f"model = {model}\n" + optimizer_line(config) + "\n"
            f"g = torch.Generator().manual_seed(seed)  # {t('code.shuffle', lang)}\n"
            f"for epoch in range(1, {config.epochs} + 1):\n"
            "    perm = torch.randperm(len(rows), generator=g)\n"
            f"    for start in range(0, len(perm), {config.batch_size}):\n"
            f"        idx = perm[start:start + {config.batch_size}]\n"
            "        optimizer.zero_grad(set_to_none=True)\n"
            "        loss = LOSSES[loss_name](model(train_x[rows[idx]]), labels[idx])\n"
            "        loss.backward()\n"
            "        optimizer.step()\n"
            "        if not math.isfinite(loss.item()):\n"
            f"            return  # {t('code.diverged', lang)}\n"
            "    with torch.no_grad():\n"
            "        accuracy = (torch.softmax(model(test_x), dim=1).argmax(dim=1) == test_y).float().mean().item()\n"
            f"    print(loss_name, rate, seed, epoch, accuracy)  # {t('code.study_printed', lang)}")
    return "def cell(loss_name, rate, seed):\n" + textwrap.indent(body, "    ")


def parts(config, lang) -> list[Part]:
    data = (f"# {t('code.mnist_data', lang)}\n" + LOAD +
            "test = datasets.MNIST('data', train=False, download=True)\n"
            "test_x = test.data.reshape(len(test.data), -1).to(torch.float32).div_(255).sub_(0.5).div_(0.5)\n"
            "test_y = test.targets.to(torch.int64)\n"
            f"torch.set_num_threads(1)  # {t('code.one_thread', lang)}")
    grid = (f"for i in range({config.repeats}):\n"
            f"    seed = ({config.seed} + i) % {MAX_SEED + 1}\n"
            f"    for rate in {[float(r) for r in config.noise_rates]!r}:\n"
            f"        for loss_name in {list(config.losses)!r}:\n"
            "            cell(loss_name, rate, seed)")
    return [Part(t("code.data", lang), data),
            Part(t("code.study_losses", lang), _losses(config)),
            Part(t("code.study_cell", lang), _cell(config, lang)),
            Part(t("code.study_grid", lang), grid)]
