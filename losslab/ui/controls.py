"""Widgets that build run configs, prefilled from the URL (`?loss=huber&lr=0.05`) when given.

A bad value in the URL or a bad widget combination gets one sentence; nothing raises."""

from __future__ import annotations

import dataclasses

import streamlit as st

from .. import datasets
from ..config import MnistConfig, RegressionConfig
from ..losses import LOSSES, losses_for
from ..models import MODEL_LABELS, OPTIMIZER_LABELS

SPEEDS = {0.0: "full speed", 1000.0: "1000 steps/s", 200.0: "200 steps/s", 50.0: "50 steps/s",
          10.0: "10 steps/s", 2.0: "2 steps/s"}


def prefill_from_url(cls, prefix: str) -> None:
    """Copy config fields found in the query string into the widgets' state, once per session."""
    flag = f"{prefix}_prefilled"
    if st.session_state.get(flag):
        for message in st.session_state.get(f"{prefix}_url_warnings", []):
            st.warning(message)  # keep saying it on reruns: the link is still wrong
        return
    st.session_state[flag] = True
    warnings = st.session_state[f"{prefix}_url_warnings"] = []
    names = {f.name: f for f in dataclasses.fields(cls)}
    params = st.query_params.to_dict()
    for key, raw in params.items():
        if key not in names or key in ("points", "loss_param"):
            continue
        default = names[key].default
        try:
            value = raw if isinstance(default, str) else float(raw)
            if isinstance(default, int) and not isinstance(default, bool):
                if not float(value).is_integer():
                    raise ValueError(f"{key} must be a whole number; got {raw!r}")
                value = int(value)
            cls(**{key: value})  # validates this one field against the defaults
            if key == "speed" and value not in SPEEDS:
                raise ValueError(f"speed must be one of {', '.join(f'{v:g}' for v in SPEEDS)}")
        except (ValueError, OverflowError) as exc:
            warnings.append(f"Ignored `{key}={raw[:40]}` from the link: {exc}.")
            st.warning(warnings[-1])
            continue
        st.session_state[f"{prefix}_{key}"] = value
    if "loss_param" in params:
        loss = st.session_state.get(f"{prefix}_loss", cls.loss)
        try:
            value = float(params["loss_param"])
            cls(loss=loss, loss_param=value)
            st.session_state[f"{prefix}_param_{loss}"] = value
        except (ValueError, OverflowError) as exc:
            warnings.append(f"Ignored `loss_param={params['loss_param'][:40]}` from the link: {exc}.")
            st.warning(warnings[-1])


def _num(container, label, low, high, default, key, **kw):
    """number_input whose default lives in session state, so a URL prefill never conflicts."""
    st.session_state.setdefault(key, default)
    return container.number_input(label, min_value=low, max_value=high, key=key, **kw)


def _loss_param(losses, prefix: str):
    loss = st.selectbox("Loss", [l.name for l in losses], format_func=lambda n: LOSSES[n].label, key=f"{prefix}_loss")
    spec = LOSSES[loss].param
    param = None
    if spec is not None:
        param = _num(st, f"{spec.name} ({spec.help})", spec.low, spec.high, spec.default, f"{prefix}_param_{loss}")
    return loss, param


def _optimizer(prefix: str, lr_default: float, default: str):
    st.session_state.setdefault(f"{prefix}_optimizer", default)
    opt = st.selectbox("Optimizer", list(OPTIMIZER_LABELS), format_func=OPTIMIZER_LABELS.get, key=f"{prefix}_optimizer")
    lr = _num(st, "Learning rate η", 1e-12, 10.0, lr_default, f"{prefix}_lr", format="%.6g",
              help="step size of each update; too high and the loss explodes")
    momentum = 0.0
    if opt != "adam":
        st.session_state.setdefault(f"{prefix}_momentum", 0.0)
        momentum = st.slider("Momentum", 0.0, 0.99, step=0.01, key=f"{prefix}_momentum")
    return opt, lr, momentum


def _speed(prefix: str) -> float:
    return st.select_slider("Speed (slow motion for a lecture)", options=list(SPEEDS), format_func=SPEEDS.get,
                            key=f"{prefix}_speed")


def regression_controls() -> RegressionConfig | None:
    """The regression lab's form; returns a valid config, or None after saying what is wrong."""
    prefill_from_url(RegressionConfig, "reg")
    source = st.radio("Data", ["seed", "synthetic", "custom"], horizontal=True, key="reg_data",
                      format_func={"seed": "10 people (height, weight)", "synthetic": "synthetic line",
                                   "custom": "upload CSV"}.get)
    values: dict = {"data": source}
    if source == "synthetic":
        st.session_state.setdefault("reg_n_points", 50)
        values["n_points"] = st.slider("Points", 2, 1000, key="reg_n_points")
    if source == "custom":
        upload = st.file_uploader("CSV with two numeric columns: x, y (header optional, ≤ 10,000 rows)",
                                  type=["csv", "txt"], key="reg_upload")
        if upload is None:
            st.info("Choose a CSV file to fit a line to your own data.")
            return None
        try:
            values["points"] = datasets.parse_points_csv(upload.getvalue())
        except datasets.DataError as exc:
            st.error(str(exc))
            return None
        st.caption(f"{len(values['points'])} points from {upload.name}")
    c1, c2, c3 = st.columns(3)
    values["outliers"] = _num(c1, "Outliers", 0, 100, 0, "reg_outliers",
                                         help="extra points pushed far above the line")
    values["outlier_offset"] = _num(c2, "Outlier distance (kg)", -1000.0, 1000.0, 40.0, "reg_outlier_offset")
    values["noise"] = _num(c3, "Noise σ (kg)", 0.0, 1000.0, 0.0, "reg_noise")
    values["loss"], values["loss_param"] = _loss_param(losses_for("regression"), "reg")
    values["optimizer"], values["lr"], values["momentum"] = _optimizer("reg", 0.1, RegressionConfig.optimizer)
    c1, c2 = st.columns(2)
    values["epochs"] = _num(c1, "Epochs (full-batch steps)", 1, 100_000, 10_000, "reg_epochs")
    values["seed"] = _num(c2, "Seed (same seed → same start)", 0, 2**31 - 1, 0, "reg_seed")
    values["speed"] = _speed("reg")
    return _build(RegressionConfig, values)


def mnist_controls() -> MnistConfig | None:
    prefill_from_url(MnistConfig, "mn")
    values: dict = {}
    c1, c2 = st.columns(2)
    values["model"] = c1.selectbox("Model", ["linear", "mlp"], format_func=MODEL_LABELS.get, key="mn_model")
    if values["model"] == "mlp":
        values["hidden"] = _num(c2, "Hidden units", 1, 4096, 128, "mn_hidden")
    values["loss"], values["loss_param"] = _loss_param(losses_for("multiclass"), "mn")
    values["optimizer"], values["lr"], values["momentum"] = _optimizer("mn", 0.01, MnistConfig.optimizer)
    c1, c2 = st.columns(2)
    values["batch_size"] = _num(c1, "Batch size", 1, 60_000, 64, "mn_batch_size")
    values["epochs"] = _num(c2, "Epochs", 1, 50, 10, "mn_epochs")
    values["train_subset"] = _num(c1, "Training images (0 = all 60,000)", 0, 60_000, 0, "mn_train_subset")
    st.session_state.setdefault("mn_label_noise", 0.0)
    values["label_noise"] = c2.slider("Label noise (%)", 0.0, 100.0, step=5.0, key="mn_label_noise",
                                      help="this share of training labels is replaced by a wrong digit")
    values["eval_every"] = _num(c1, "Test every N steps (0 = each epoch)", 0, 1_000_000, 100, "mn_eval_every")
    values["seed"] = _num(c2, "Seed", 0, 2**31 - 1, 0, "mn_seed")
    values["speed"] = _speed("mn")
    return _build(MnistConfig, values)


def _build(cls, values):
    try:
        return cls(**values)
    except ValueError as exc:
        st.error(f"Check the settings: {exc}.")
        return None


def loss_card(config) -> None:
    """The chosen loss's name, formula and plain-English explanation, beside its controls."""
    if config is None:
        return
    loss = LOSSES[config.loss]
    st.markdown(f"**{loss.label}**")
    st.latex(loss.formula)
    st.caption(loss.explanation)
