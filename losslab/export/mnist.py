"""The MNIST lab as a program: torchvision's MNIST normalised as the seed (mean 0.5, std 0.5), the
run's seeded subset and label noise, Linear(784, 10) or the MLP, the loss, shuffled minibatches."""

from __future__ import annotations

from ..config import NOISE_PAIRS
from ..i18n import t
from . import Part, loss_part, optimizer_line, schedule_lines


LOAD = ("train = datasets.MNIST('data', train=True, download=True)\n"
        "train_x = train.data.reshape(len(train.data), -1).to(torch.float32).div_(255).sub_(0.5).div_(0.5)\n"
        "train_y = train.targets.to(torch.int64)\n")


def _data(config, lang, seed: str | None = None, rate: str | None = None, load: bool = True) -> str:
    """The run's rows and labels. `seed` and `rate` name variables instead of the run's numbers (the
    study's loop over cells); `load`: also read the images (once per program)."""
    seed = seed or str(config.seed)
    code = (f"# {t('code.mnist_data', lang)}\n" + LOAD if load else "") + (
            f"g = torch.Generator().manual_seed({seed})\n"
            "rows = torch.arange(len(train_x))\n")
    if config.train_subset:
        code += (f"rows = torch.randperm(len(train_x), generator=g)[:{config.train_subset}]  # {t('code.subset', lang)}\n")
    code += "labels = train_y[rows].clone()\n"
    noise = rate or repr(config.label_noise)
    if rate:
        code += f"if {rate} > 0:\n"
    pad = "    " if rate else ""
    if (rate or config.label_noise > 0) and config.noise_kind == "pairs":
        code += (f"{pad}# {t('code.label_noise', lang)}\n"
                 f"{pad}for source, target in {dict(NOISE_PAIRS)!r}.items():\n"
                 f"{pad}    of_class = (train_y[rows] == source).nonzero().flatten()\n"
                 f"{pad}    which = of_class[torch.randperm(len(of_class), generator=g)[:round(len(of_class) * {noise} / 100)]]\n"
                 f"{pad}    labels[which] = target\n")
    elif rate or config.label_noise > 0:
        code += (f"{pad}# {t('code.label_noise', lang)}\n"
                 f"{pad}n_noisy = round(len(labels) * {noise} / 100)\n"
                 f"{pad}which = torch.randperm(len(labels), generator=g)[:n_noisy]\n"
                 f"{pad}labels[which] = (labels[which] + torch.randint(1, 10, (n_noisy,), generator=g)) % 10\n")
    return code


def _model(config, lang) -> str:
    code = (f"torch.set_num_threads(1)  # {t('code.one_thread', lang)}\n"
            f"torch.manual_seed({config.seed})  # {t('code.same_start', lang)}\n")
    if config.model == "mlp":
        code += f"model = nn.Sequential(nn.Linear(784, {config.hidden}), nn.ReLU(), nn.Linear({config.hidden}, 10))"
    else:
        code += "model = nn.Linear(784, 10)"
    return code + "\n" + optimizer_line(config)


def _loop(config, lang) -> str:
    return (f"g = torch.Generator().manual_seed({config.seed})  # {t('code.shuffle', lang)}\n"
            f"batch, total, step = {config.batch_size}, {config.epochs * config.steps_per_epoch}, 0\n"
            f"for epoch in range(1, {config.epochs} + 1):\n"
            "    perm = torch.randperm(len(rows), generator=g)\n"
            "    for start in range(0, len(perm), batch):\n"
            "        idx = perm[start:start + batch]\n"
            "        step += 1\n"
            + schedule_lines(config, lang, "        ", "total") +
            "        optimizer.zero_grad(set_to_none=True)\n"
            "        loss = loss_fn(model(train_x[rows[idx]]), labels[idx])\n"
            "        loss.backward()\n"
            "        optimizer.step()\n"
            f"        print(step, loss.item())  # {t('code.printed', lang)}\n"
            "        if not math.isfinite(loss.item()):\n"
            f"            raise SystemExit  # {t('code.diverged', lang)}")


def parts(config, lang) -> list[Part]:
    return [Part(t("code.data", lang), _data(config, lang)),
            Part(t("code.model", lang), _model(config, lang)),
            loss_part(config, lang),
            Part(t("code.loop", lang), _loop(config, lang))]
