"""The Poisson lab as a program: the seeded counts drawn as the lab draws them, a Linear(1, 1)
for the log-rate, the loss, the optimizer, the full-batch loop printing the loss."""

from __future__ import annotations

from ..i18n import t
from . import Part, loss_part, optimizer_line, schedule_lines


def parts(config, lang) -> list[Part]:
    from ..labs.poisson import TRUE_INTERCEPT

    data = (f"g = torch.Generator().manual_seed({config.seed})\n"
            f"x = torch.rand({config.n_points}, 1, generator=g)\n"
            f"y = torch.poisson(torch.exp({TRUE_INTERCEPT!r} + {config.rate_slope!r} * x), generator=g)"
            f"  # {t('code.poisson_counts', lang)}")
    model = (f"torch.manual_seed({config.seed})  # {t('code.same_start', lang)}\n"
             f"model = nn.Linear(1, 1)  # {t('code.poisson_log_rate', lang)}\n" + optimizer_line(config))
    loop = (f"for step in range(1, {config.epochs} + 1):  # {t('code.full_batch', lang)}\n"
            + schedule_lines(config, lang, "    ", str(config.epochs)) +
            "    optimizer.zero_grad(set_to_none=True)\n"
            "    loss = loss_fn(model(x), y)\n"
            "    loss.backward()\n"
            "    optimizer.step()\n"
            f"    if step % {max(1, config.epochs // 10)} == 0 or step == {config.epochs}:\n"
            f"        print(step, loss.item())  # {t('code.printed', lang)}\n\n"
            "print('log rate = ', model.weight.item(), '* x +', model.bias.item())")
    return [Part(t("code.data", lang), data), Part(t("code.model", lang), model), loss_part(config, lang),
            Part(t("code.loop", lang), loop)]
