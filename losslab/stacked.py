"""Many small models as one: parameters stacked along a leading run dimension, a forward pass
over all of them at once, the optimizers of torch.optim written for the stack, and per-run views.

Why an explicit run dimension and not torch.func (vmap over functional_call): measured on this
2-core machine for 30 regression runs, one Adam step with the loss evaluated through vmap took
~170 µs against ~100 µs written out, and the models batched here (nn.Linear, small Sequentials of
Linear and an activation) are a few lines of batched matrix products.

Each run keeps a model of its own whose parameters are views into the stack (`bind`): the lab's
own code (snapshots, evaluations, exact answers) reads them unchanged, and an update of the stack
is seen there without a copy. The optimizers follow torch.optim's single-tensor kernels operation
for operation (SGD, Adam, RMSprop with their defaults), so a run's numbers equal the run trained
alone up to the rounding of a batched matrix product; their state converts to and from
torch.optim's state_dict, so a run saved in a batch resumes alone and the other way round."""

from __future__ import annotations

import math

import torch
from torch import nn

from .models import OPTIMIZERS

ACTIVATIONS = (nn.Tanh, nn.ReLU, nn.Sigmoid)
ADAM_BETAS, ADAM_EPS = (0.9, 0.999), 1e-8
RMSPROP_ALPHA, RMSPROP_EPS = 0.99, 1e-8


class NotStackable(Exception):
    """A model the batched forward does not know (the run trains alone)."""


def check(model: nn.Module) -> None:
    for module in model.modules():
        if not isinstance(module, (nn.Sequential, nn.Linear) + ACTIVATIONS):
            raise NotStackable(type(module).__name__)


def forward(model: nn.Module, params: dict, x: torch.Tensor, prefix: str = "") -> torch.Tensor:
    """`model` applied to every run at once: params[name] has shape (R, *shape), x (R, n, d)."""
    if isinstance(model, nn.Linear):
        weight, bias = params[prefix + "weight"], params[prefix + "bias"]
        return torch.baddbmm(bias.unsqueeze(1), x, weight.transpose(1, 2))
    if isinstance(model, nn.Sequential):
        for name, child in model.named_children():
            x = forward(child, params, x, f"{prefix}{name}.")
        return x
    return model(x)  # an activation: elementwise


class Layout:
    """Where each parameter of a model sits in one flat row of a stack: every run's parameters are
    one row of a (runs, P) tensor, so the optimizer updates the whole batch in a handful of ops."""

    def __init__(self, model: nn.Module):
        self.names = [name for name, _ in model.named_parameters()]  # torch.optim's order
        self.shapes = [tuple(p.shape) for _, p in model.named_parameters()]
        sizes = [math.prod(shape) for shape in self.shapes]
        self.offsets = [sum(sizes[:i]) for i in range(len(sizes))]
        self.sizes, self.width = sizes, sum(sizes)

    def row(self, model: nn.Module) -> torch.Tensor:
        named = dict(model.named_parameters())
        return torch.cat([named[n].detach().reshape(-1) for n in self.names])

    def split(self, flat: torch.Tensor) -> dict:
        """flat (R, P) → {name: (R, *shape)} views; a row (P,) → {name: shape} views."""
        lead = flat.shape[:-1]
        return {n: flat[..., o:o + k].view(*lead, *shape)
                for n, o, k, shape in zip(self.names, self.offsets, self.sizes, self.shapes)}

    def bind(self, model: nn.Module, flat: torch.Tensor, r: int) -> None:
        """Make run r's model read its parameters from the stack (views: no copy, updates seen)."""
        for name, value in self.split(flat.detach()[r]).items():
            owner, _, leaf = name.rpartition(".")
            module = model.get_submodule(owner) if owner else model
            module._parameters.pop(leaf, None)
            setattr(module, leaf, value)


class Optimizer:
    """torch.optim's SGD / Adam / RMSprop over a (runs, P) stack, every hyperparameter per run.

    lr and momentum are per run; `steps` counts each run's own updates (runs that joined later or
    resumed are at other steps: Adam's bias correction is per run)."""

    def __init__(self, kind: str):
        if kind not in ("sgd", "adam", "rmsprop"):
            raise NotStackable(kind)
        self.kind = kind
        self.state: dict[str, torch.Tensor] = {}

    def slots(self) -> tuple[str, ...]:
        return {"sgd": ("momentum_buffer",), "adam": ("exp_avg", "exp_avg_sq"),
                "rmsprop": ("square_avg", "momentum_buffer")}[self.kind]

    def plan(self, lr: torch.Tensor, steps: torch.Tensor, totals: torch.Tensor, cosine: torch.Tensor,
             n: int, dtype) -> dict:
        """The per-run coefficients of the next n updates, (R, n) each, computed in float64 as
        torch.optim does in Python floats (η from the schedule, Adam's bias corrections), then cast:
        a step then reads one column instead of computing them. steps: (R,) updates done so far."""
        t = steps.unsqueeze(1) + torch.arange(1, n + 1, dtype=torch.float64)
        eta = lr.unsqueeze(1) * cosine_factor(t, totals.unsqueeze(1), cosine.unsqueeze(1))
        if self.kind != "adam":
            return {"neg_lr": (-eta).to(dtype)}
        b1, b2 = ADAM_BETAS
        return {"neg_step_size": (-(eta / (1 - b1 ** t))).to(dtype), "bc2_sqrt": ((1 - b2 ** t) ** 0.5).to(dtype)}

    @torch.no_grad()
    def step(self, p: torch.Tensor, momentum: torch.Tensor, coeffs: dict, k: int) -> None:
        """One update of every run with column k of `plan`'s coefficients; momentum: (R, 1)."""
        grad, state = p.grad, self.state
        if self.kind == "sgd":
            buf = state["momentum_buffer"]  # zeros at first: m·0 + g = g, torch's first buffer
            buf.mul_(momentum).add_(grad)
            p.add_(buf * coeffs["neg_lr"][:, k:k + 1])
        elif self.kind == "adam":
            b1, b2 = ADAM_BETAS
            m, v = state["exp_avg"], state["exp_avg_sq"]
            m.lerp_(grad, 1 - b1)
            v.mul_(b2).addcmul_(grad, grad, value=1 - b2)
            denom = (v.sqrt() / coeffs["bc2_sqrt"][:, k:k + 1]).add_(ADAM_EPS)
            p.add_((m * coeffs["neg_step_size"][:, k:k + 1]) / denom)  # addcdiv's order: (value · m) / denom
        else:
            sq, buf = state["square_avg"], state["momentum_buffer"]
            sq.mul_(RMSPROP_ALPHA).addcmul_(grad, grad, value=1 - RMSPROP_ALPHA)
            avg = sq.sqrt().add_(RMSPROP_EPS)
            buf.mul_(momentum).add_(grad / avg)  # momentum 0: buf = g / avg
            p.add_(buf * coeffs["neg_lr"][:, k:k + 1])
        p.grad = None

    # torch.optim's state_dict for one run: what a solo run saves and loads
    def torch_state(self, config, layout: Layout, flat: torch.Tensor, r: int, steps: float) -> dict:
        """Run r's optimizer state as torch.optim.<kind>(...).state_dict() would hold it."""
        leaves = [nn.Parameter(v.clone()) for v in layout.split(flat.detach()[r]).values()]
        opt = OPTIMIZERS[config.optimizer](leaves, config)
        slots = {slot: layout.split(value[r]) for slot, value in self.state.items()}
        for leaf, name in zip(leaves, layout.names):
            one = {slot: views[name].clone() for slot, views in slots.items()}
            if config.momentum == 0 and self.kind in ("sgd", "rmsprop"):
                one.pop("momentum_buffer")  # torch keeps no buffer without momentum
            if self.kind != "sgd":
                one["step"] = torch.tensor(float(steps))
            if one:
                opt.state[leaf] = one
        return opt.state_dict()

    def load_torch_state(self, saved: dict, layout: Layout, r: int) -> None:
        """Run r's slots from a torch.optim state_dict (a slot it does not hold: zeros)."""
        for slot, value in self.state.items():
            views = layout.split(value[r])
            for i, name in enumerate(layout.names):
                one = saved["state"].get(i, {})
                views[name].copy_(one[slot] if one.get(slot) is not None else torch.zeros_like(views[name]))


def cosine_factor(steps: torch.Tensor, totals: torch.Tensor, cosine: torch.Tensor) -> torch.Tensor:
    """training.step_size's cosine for every run at once (1 where a run's step is constant)."""
    factor = 0.5 * (1 + torch.cos(math.pi * (steps - 1) / totals.clamp_min(1)))
    return torch.where(cosine, factor, torch.ones_like(factor))
