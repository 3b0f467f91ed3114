"""The binary lab as a program: the two classes drawn as the lab draws them (shape, split, label
flips, outliers), the extra features, the logistic model or the small net, the loss, the loop."""

from __future__ import annotations

from ..i18n import Problem, t
from . import Part, loss_part, optimizer_line, schedule_lines

# Each shape as the lab draws it (labs.binary._shape), with n points and the generator g.
SHAPES = {
    "blobs": "centre = torch.tensor([{separation!r} / 2, 0.0])\n"
             "x = {spread!r} * torch.randn(n, 2, generator=g) + torch.where(y[:, None] == 1, centre, -centre)",
    "moons": "a = math.pi * torch.rand(n, generator=g)\n"
             "outer = torch.stack([torch.cos(a), torch.sin(a)], dim=1)\n"
             "inner = torch.stack([1 - torch.cos(a), 0.5 - torch.sin(a)], dim=1)\n"
             "x = torch.where(y[:, None] == 1, inner, outer) - torch.tensor([0.5, 0.25]) + {noise!r} * torch.randn(n, 2, generator=g)",
    "circles": "a = 2 * math.pi * torch.rand(n, generator=g)\n"
               "radius = torch.where(y == 1, 0.5, 1.0)\n"
               "x = radius[:, None] * torch.stack([torch.cos(a), torch.sin(a)], dim=1) + {noise!r} * torch.randn(n, 2, generator=g)",
    "xor": "x = 2 * torch.rand(n, 2, generator=g) - 1\n"
           "y = ((x[:, 0] > 0) == (x[:, 1] > 0)).float()\n"
           "x = x + {noise!r} * torch.randn(n, 2, generator=g)",
    "spiral": "a = 3 * math.pi * torch.rand(n, generator=g) + 0.5\n"
              "angle = a + math.pi * y\n"
              "x = (a / (3 * math.pi))[:, None] * torch.stack([torch.cos(angle), torch.sin(angle)], dim=1) "
              "+ {noise!r} * torch.randn(n, 2, generator=g) * 0.5",
}


def _data(config, lang) -> str:
    code = f"# {t('code.points', lang)}\ng = torch.Generator().manual_seed({config.seed})\n"
    if config.data == "custom":
        if not config.points:
            raise Problem("code.no_points")
        rows = ", ".join(f"[{float(a)!r}, {float(b)!r}, {float(c)!r}]" for a, b, c in config.points)
        code += f"points = torch.tensor([{rows}])\nx, y = points[:, :2], points[:, 2]\n"
    else:
        code += (f"n = {config.n_points}\n"
                 "y = torch.cat([torch.zeros(n - n // 2), torch.ones(n // 2)])\n"
                 + SHAPES[config.data].format(separation=config.separation, spread=config.spread, noise=config.noise)
                 + "\nx, y = x.float(), y.float()\n")
    code += (f"# {t('code.split', lang)}\n"
             "order = torch.randperm(len(x), generator=g)\n"
             f"n_test = int(round(len(x) * {config.test_share!r}))\n"
             "if len(x) - n_test < 2:\n    n_test = max(0, len(x) - 2)\n"
             "test, train = order[:n_test], order[n_test:]\n"
             "train_x, train_y = x[train].clone(), y[train].clone()\n"
             f"flipped = torch.randperm(len(train_y), generator=g)[:int(round(len(train_y) * {config.flips!r} / 100))]\n"
             "train_y[flipped] = 1 - train_y[flipped]\n")
    if config.outliers:
        code += ("m0, m1 = x[y == 0].mean(dim=0), x[y == 1].mean(dim=0)\n"
                 "away = m0 - m1 if float((m0 - m1).norm()) > 1e-6 else torch.tensor([1.0, 0.0])\n"
                 f"spot = m0 + {config.outlier_distance!r} * away / away.norm() * max(1.0, float(away.norm()))\n"
                 f"far = spot + 0.1 * torch.randn({config.outliers}, 2, generator=g)\n"
                 "train_x = torch.cat([train_x, far])\n"
                 f"train_y = torch.cat([train_y, torch.ones({config.outliers})])\n")
    code += "train_y = train_y[:, None]\n"
    code += f"\n# {t('code.features', lang)}\ndef features(x):\n    parts = [x]\n"
    if "squares" in config.features:
        code += "    parts.append(x ** 2)\n"
    if "product" in config.features:
        code += "    parts.append(x[:, :1] * x[:, 1:])\n"
    if "sin" in config.features:
        code += "    parts.append(torch.sin(x))\n"
    return code + "    return torch.cat(parts, dim=1)\n\n\ninputs = features(train_x)"


def _model(config, lang) -> str:
    code = f"torch.manual_seed({config.seed})  # {t('code.same_start', lang)}\n"
    if config.model == "logistic":
        code += f"model = nn.Linear({config.n_inputs}, 1)"
    else:
        act = {"tanh": "nn.Tanh()", "relu": "nn.ReLU()", "sigmoid": "nn.Sigmoid()"}[config.activation]
        layers = [f"nn.Linear({config.n_inputs}, {config.hidden})", act]
        for _ in range(config.depth - 1):
            layers += [f"nn.Linear({config.hidden}, {config.hidden})", act]
        code += "model = nn.Sequential(" + ", ".join(layers + [f"nn.Linear({config.hidden}, 1)"]) + ")"
    if config.loss_fn.input_kind == "probability":
        code += f"\nmodel = nn.Sequential(model, nn.Sigmoid())  # {t('code.probability', lang)}"
    return code + "\n" + optimizer_line(config)


def _loop(config, lang) -> str:
    n = "len(inputs)"
    batch = config.batch_size
    head = (f"g = torch.Generator().manual_seed({config.seed} + 1)  # {t('code.shuffle', lang)}\n"
            f"batch = {batch} or {n}\nsteps_per_epoch = -(-{n} // batch)\n"
            f"total = {config.epochs} * steps_per_epoch\nstep = 0\n")
    return (head + f"for epoch in range(1, {config.epochs} + 1):\n"
            "    if batch >= len(inputs):\n        batches = [(inputs, train_y)]\n"
            "    else:\n        perm = torch.randperm(len(inputs), generator=g)\n"
            "        batches = [(inputs[perm[i:i + batch]], train_y[perm[i:i + batch]]) for i in range(0, len(perm), batch)]\n"
            "    for xb, yb in batches:\n        step += 1\n"
            + schedule_lines(config, lang, "        ", "total") +
            "        optimizer.zero_grad(set_to_none=True)\n"
            "        loss = loss_fn(model(xb), yb)\n"
            "        loss.backward()\n"
            "        optimizer.step()\n"
            f"        print(step, loss.item())  # {t('code.printed', lang)}\n"
            "        if not math.isfinite(loss.item()):\n"
            f"            break  # {t('code.diverged', lang)}\n"
            "    if not math.isfinite(loss.item()):\n        break")


def parts(config, lang) -> list[Part]:
    return [Part(t("code.data", lang), _data(config, lang)),
            Part(t("code.model", lang), _model(config, lang)),
            loss_part(config, lang),
            Part(t("code.loop", lang), _loop(config, lang))]
