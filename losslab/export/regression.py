"""The regression lab as a program: the points (the seed's table, a synthetic line, an upload),
noise and outliers drawn as the lab draws them, standardised heights when the run used them, a
Linear(1, 1) seeded as the run was, the loss, the optimizer, the loop printing the loss."""

from __future__ import annotations

from .. import edits as point_edits
from ..i18n import t
from . import Part, loss_part, optimizer_line, schedule_lines

SEED_X = (152.4, 157.5, 160.0, 165.1, 172.7, 177.8, 185.4, 190.5, 195.6, 203.2)  # datasets.HEIGHT_CM
SEED_Y = (50.0, 54.4, 56.7, 59.0, 63.5, 68.0, 72.6, 77.1, 81.6, 90.7)


def _floats(values) -> str:
    return "[" + ", ".join(repr(float(v)) for v in values) + "]"


def _data(config, lang) -> str:
    if config.data == "custom":
        if not config.points:
            from ..i18n import Problem
            raise Problem("code.no_points")
        xs, ys = [p[0] for p in config.points], [p[1] for p in config.points]
        code = (f"# {t('code.uploaded', lang, n=len(xs))}\n"
                f"x = torch.tensor({_floats(xs)}).unsqueeze(1)\ny = torch.tensor({_floats(ys)}).unsqueeze(1)")
    elif config.data == "synthetic":
        code = (f"g = torch.Generator().manual_seed({config.seed})\n"
                f"x = 150 + 55 * torch.rand(({config.n_points}, 1), generator=g)  # {t('code.height', lang)}\n"
                f"y = 0.75 * x + -64.4 + 3.0 * torch.randn(({config.n_points}, 1), generator=g)  # {t('code.weight', lang)}")
    else:
        code = (f"x = torch.tensor({_floats(SEED_X)}).unsqueeze(1)  # {t('code.height', lang)}\n"
                f"y = torch.tensor({_floats(SEED_Y)}).unsqueeze(1)  # {t('code.weight', lang)}")
    if config.noise > 0 or config.outliers > 0:
        code += f"\n\ng = torch.Generator().manual_seed({config.seed})"
    if config.noise > 0:
        code += f"\ny = y + {config.noise!r} * torch.randn(y.shape, generator=g)  # {t('code.noise', lang)}"
    if config.outliers > 0:
        code += (f"\n# {t('code.outliers', lang, n=config.outliers, offset=config.outlier_offset)}\n"
                 f"xs = torch.linspace(float(x.min()), float(x.max()), {config.outliers + 2})[1:-1].unsqueeze(1)\n"
                 "x64, y64 = x.double().flatten(), y.double().flatten()\n"
                 "slope = float(((x64 - x64.mean()) * (y64 - y64.mean())).sum() / ((x64 - x64.mean()) ** 2).sum())\n"
                 "intercept = float(y64.mean() - slope * x64.mean())\n"
                 f"x, y = torch.cat([x, xs]), torch.cat([y, slope * xs + intercept + {config.outlier_offset!r}])")
    if config.edits:  # after the outliers, before standardising: the order the lab applies them in
        found = point_edits.parse(config.edits)
        added = [list(p) for p in found.added]
        code += (f"\n\n# {t('code.edits', lang, removed=len(found.removed), added=len(added))}\n"
                 f"removed = {set(found.removed)!r}  # {t('code.edits_removed', lang)}\n"
                 "keep = [i for i in range(len(x)) if i not in removed]\n"
                 f"added = torch.tensor({added!r}).reshape(-1, 2)\n"
                 "x, y = torch.cat([x[keep], added[:, :1]]), torch.cat([y[keep], added[:, 1:]])")
    if config.x_scale == "standardised":
        code += (f"\n\n# {t('code.standardise', lang)}\n"
                 "mean, sd = float(x.mean()), float(x.std(unbiased=False)) or 1.0\n"
                 "inputs = (x - mean) / sd")
    else:
        code += "\n\nmean, sd = 0.0, 1.0\ninputs = x"
    return code


def _model(config, lang) -> str:
    code = f"torch.manual_seed({config.seed})  # {t('code.same_start', lang)}\nmodel = nn.Linear(1, 1)"
    if config.init == "l1_line":
        from ..labs.regression import exact_line  # the torch side: the exact MAE line the run started on

        slope, intercept = exact_line(config.replace(loss="mae", loss_param=None)).theta
        code += (f"\n# {t('code.l1_start', lang)}\nwith torch.no_grad():\n"
                 f"    model.weight.fill_({slope!r} * sd)\n    model.bias.fill_({intercept!r} + {slope!r} * mean)")
    return code + "\n" + optimizer_line(config)


def _loop(config, lang) -> str:
    return (f"for step in range(1, {config.epochs} + 1):  # {t('code.full_batch', lang)}\n"
            + schedule_lines(config, lang, "    ", str(config.epochs)) +
            "    optimizer.zero_grad(set_to_none=True)\n"
            "    loss = loss_fn(model(inputs), y)\n"
            "    loss.backward()\n"
            "    optimizer.step()\n"
            "    if not math.isfinite(loss.item()):\n"
            f"        print(step, loss.item())  # {t('code.diverged', lang)}\n"
            "        break\n"
            f"    if step % {config.eval_every} == 0 or step == {config.epochs}:\n"
            f"        print(step, loss.item())  # {t('code.printed', lang)}\n\n"
            f"# {t('code.line_in_cm', lang)}\n"
            "w, b = model.weight.item(), model.bias.item()\n"
            "print('slope', w / sd, 'intercept', b - w * mean / sd)")


def parts(config, lang) -> list[Part]:
    return [Part(t("code.data", lang), _data(config, lang)),
            Part(t("code.model", lang), _model(config, lang)),
            loss_part(config, lang),
            Part(t("code.loop", lang), _loop(config, lang))]
