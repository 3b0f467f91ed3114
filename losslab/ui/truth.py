"""What a run's numbers mean next to the truth: the reason a curve does what it does (said beside
it), and, for a finished run that stopped above its loss's exact minimum, one sentence with the
reason and one button that starts the fixed run (losslab.truth decides both)."""

from __future__ import annotations

import math

import streamlit as st

from ..i18n import number, t
from ..truth import diagnose
from .live import start_runs


def pct(value) -> str:
    """A gap as a percentage ("0.02 %"), "–" when there is none (no exact answer)."""
    if value is None:
        return "–"
    if not math.isfinite(value):
        return "∞"
    return f"{100 * value:.2g} %" if value < 0.01 else f"{100 * value:.3g} %"


def curve_notes(configs: list) -> None:
    """Why the curve looks as it does, beside it: Adam's spikes in the seed's narrow valley; a
    non-convex loss's flat start from the seed's line."""
    cfg = configs[0]
    if any(c.x_scale == "raw" and c.optimizer == "adam" for c in configs):
        st.caption(t("truth.adam_spikes"))
    if any(not c.loss_fn.is_convex(c.loss_param) and c.init == "seed" for c in configs):
        st.caption(t("truth.flat_start"))
    if cfg.schedule == "cosine":
        st.caption(t("truth.cosine", lr=f"{cfg.lr:g}"))


def gap_notes(runs: list[dict], configs: list, names: list[str]) -> None:
    """One warning per finished run more than 1 % above its loss's minimum, with its fix."""
    for run, cfg, name in zip(runs, configs, names):
        found = diagnose(cfg, run.get("final") or {}, run["status"])
        if found is None:
            continue
        st.warning(t("truth.gap_sentence", name=name, gap=found.values["gap"]) + " " +
                   t(f"truth.reason_{found.reason}", **found.values, kappa=_kappa(cfg)))
        label = t(found.fix_label, epochs=number(found.fix.get("epochs", 0)))
        if st.button(label, key=f"truth_fix_{run['id']}"):
            start_runs([cfg.replace(**found.fix)], label="fix")


def _kappa(cfg) -> str:
    if cfg.task != "regression":
        return ""
    from ..landscape import conditioning  # torch side, needed only for this sentence

    return f"{conditioning(cfg).condition:,.0f}"
