"""Resume state: what a run needs to continue after a server restart or a killed worker (model and
optimizer state, the batch order's generator, where in the loop it was), as bytes for the store.

The loop saves it every ~2 s and at most every ~5 % of the run (`Reporter.wants_resume`); the
store writes it in the same transaction as the metric rows up to that step, so a resumed run
recomputes only rows after it, which the store ignores as already there."""

from __future__ import annotations

import io

import torch


def pack(model, opt, lab, step: int, epoch: int, batch: int, epoch_rng) -> bytes:
    """epoch_rng: the batch-order generator's state at the start of `epoch` (its permutation is
    drawn again on resume, and the first `batch` batches skipped)."""
    return pack_state(model.state_dict(), opt.state_dict(), lab.final, step, epoch, batch, epoch_rng)


def pack_state(model_state: dict, opt_state: dict, final: dict, step: int, epoch: int, batch: int, epoch_rng) -> bytes:
    """The same bytes from the parts (a run of a batch has no model or optimizer of its own)."""
    buf = io.BytesIO()
    torch.save({"model": model_state, "opt": opt_state, "step": step, "epoch": epoch, "batch": batch,
                "rng": epoch_rng, "final": dict(final)}, buf)
    return buf.getvalue()


def unpack(blob: bytes) -> dict:
    return torch.load(io.BytesIO(blob), weights_only=True)


def restore(state: dict, model, opt, lab) -> tuple[int, int, int]:
    """Load the state into a freshly built model, optimizer and lab; returns (step, epoch, batch)."""
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["opt"])
    if state["rng"] is not None and getattr(lab, "g", None) is not None:
        lab.g.set_state(state["rng"])
    lab.final.update(state["final"])
    return state["step"], state["epoch"], state["batch"]


def epoch_rng(lab):
    g = getattr(lab, "g", None)
    return g.get_state() if g is not None else None
