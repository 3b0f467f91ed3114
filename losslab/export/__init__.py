"""Every run as code: the short, standalone PyTorch program (torch, torchvision for MNIST; no
losslab) that reproduces a run step for step, in the style of the course text, as a script or a
notebook. Comments come from the string catalogue in the reader's language; identifiers are
English. Each lab writes its parts (data, model, loop) in its own module; the loss comes from the
registry's own source (losscode). Torch-free: it writes text."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..i18n import Problem, t
from ..losses import LOSSES, run_name


@dataclass(frozen=True)
class Part:
    """One part of the program: what it is (a markdown cell / a comment) and its code."""

    title: str
    code: str
    formula: str = ""   # LaTeX, shown in the notebook's markdown cell


def parts(config, run_id: str = "", lang: str | None = None) -> list[Part]:
    import importlib

    from ..labs import LABS

    lab = LABS.get(config.task)
    name = "study" if config.task == "study" else lab.export if lab else None  # the lab says which writer is its own
    if name is None:
        raise Problem("code.no_lab", task=config.task)
    writer = importlib.import_module(f"{__name__}.{name}")
    head = Part(t("code.title", lang, run=run_id or "—", lab=t("nav." + config.task, lang)),
                "import math\n\nimport torch\nimport torch.nn as nn\nimport torch.nn.functional as F"
                + ("\nfrom torchvision import datasets" if config.task == "study" or lab and lab.datasets else ""))
    return [head] + writer.parts(config, lang)


def loss_part(config, lang) -> Part:
    from .losscode import loss_source

    loss = config.loss_fn
    param = loss.resolve_param(config.loss_param)
    kind = t("code.loss_fused", lang) if loss.fused else t("code.loss_scratch", lang)
    return Part(t("code.loss", lang, loss=run_name(loss, config.loss_param), kind=kind),
                f"# {loss.formula}\n" + loss_source(loss, param), loss.formula)


def optimizer_line(config) -> str:
    if config.optimizer == "adam":
        return f"optimizer = torch.optim.Adam(model.parameters(), lr={config.lr!r})"
    name = {"sgd": "SGD", "rmsprop": "RMSprop"}[config.optimizer]
    return f"optimizer = torch.optim.{name}(model.parameters(), lr={config.lr!r}, momentum={config.momentum!r})"


def schedule_lines(config, lang, indent: str, total: str) -> str:
    """η for step t of `total` when the run decays it (cosine), as the training loop does."""
    if getattr(config, "schedule", "constant") != "cosine":
        return ""
    return (f"{indent}# {t('code.cosine', lang)}\n"
            f"{indent}for group in optimizer.param_groups:\n"
            f"{indent}    group['lr'] = {config.lr!r} * 0.5 * (1 + math.cos(math.pi * (step - 1) / {total}))\n")


def script(config, run_id: str = "", lang: str | None = None) -> str:
    """The program as one .py file: each part under its comment."""
    chunks = []
    for part in parts(config, run_id, lang):
        comment = "\n".join("# " + line if line else "#" for line in part.title.splitlines())
        chunks.append(f"{comment}\n{part.code}".rstrip())
    return "\n\n\n".join(chunks) + "\n"


def notebook(config, run_id: str = "", lang: str | None = None) -> str:
    """The same program as a Jupyter notebook (nbformat 4): a markdown cell (with the formula) and a
    code cell per part."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    for part in parts(config, run_id, lang):
        text = part.title + (f"\n\n$$ {part.formula} $$" if part.formula else "")
        nb.cells += [nbformat.v4.new_markdown_cell(text), nbformat.v4.new_code_cell(part.code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nbformat.writes(nb)


def filename(config, run_id: str, ext: str) -> str:
    return f"losslab_{config.task}_{run_id or 'run'}.{ext}"


__all__ = ["Part", "parts", "script", "notebook", "filename", "json"]


def for_run(service, run_id, viewer, lang: str | None = None, as_notebook: bool = False,
            admin: str | None = None) -> tuple[str, str]:
    """(file name, text) of a stored run's program, for whoever may read it: the run's owner, the
    lecturer, or anyone once the lecturer shared it with the class (the CLI acts as the system).
    A missing run, another student's run, a run whose upload is gone: one sentence each."""
    from ..config import config_from_dict
    from ..jobs.errors import NotAllowed, NotFound
    from ..jobs.service import SYSTEM

    run = service.get(run_id, viewer if isinstance(viewer, str) else None)
    if run is None:
        raise NotFound("jobs.not_found", run=repr(run_id)[:40])
    if not (viewer is SYSTEM or run["is_owner"] or service.is_admin(admin) or service.pinned() == run["id"]):
        raise NotAllowed("code.not_yours")
    try:
        config = config_from_dict(run["config"])
    except (Problem, ValueError, KeyError, TypeError):
        raise Problem("code.no_points") from None
    if as_notebook:
        return filename(config, run["id"], "ipynb"), notebook(config, run["id"], lang)
    return filename(config, run["id"], "py"), script(config, run["id"], lang)
