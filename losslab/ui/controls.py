"""Widgets that build run configs, drawn from the field table (losslab.fields): no limit or
default is typed here. The form reads the link once (`?loss=huber&lr=0.05`) and writes every
setting that differs from its default back to it, so the address bar always reproduces the lab.

A bad value in the URL or a bad widget combination gets one sentence; nothing raises."""

from __future__ import annotations


import math

import streamlit as st

from .language import keep_choice
from .. import fields
from ..csvfile import DataError, parse_labelled_csv, parse_points_csv
from ..i18n import number, t
from ..config import MAX_UPLOAD_ROWS, BinaryConfig, MnistConfig, RegressionConfig, StudyConfig, to_query
from ..losses import LOSSES
from .charts import formula
from .session import APP_URL_PARAMS, code_span, md_escape


# --- the link: read once per session, written on every rerun -----------------------------

def prefill_from_url(cls, prefix: str) -> None:
    """Copy config fields found in the query string into the widgets' state, once per session;
    every parameter that is not used gets one sentence saying why."""
    flag = f"{prefix}_prefilled"
    if st.session_state.get(flag):
        for message in st.session_state.get(f"{prefix}_url_warnings", []):
            st.warning(message)  # keep saying it on reruns: the link is still wrong
        return
    st.session_state[flag] = True
    warnings = st.session_state[f"{prefix}_url_warnings"] = []
    specs = fields.specs(cls)
    params = st.query_params.to_dict()
    accepted = {}
    for key, raw in params.items():
        if key in APP_URL_PARAMS or key == "loss_param":
            continue
        shown = code_span(f"{key[:40]}={raw[:40]}")
        if key not in specs:
            warnings.append(t("link.unknown", shown=shown, name=code_span(repr(key[:40]))))
        elif not specs[key].url:
            warnings.append(t("link.upload_only", shown=shown, name=key))
        else:
            try:
                accepted[key] = fields.parse(cls, key, raw)
            except (ValueError, OverflowError) as exc:
                warnings.append(t("link.bad", shown=shown, problem=md_escape(str(exc))))
    # A setting the form does not show for these values (momentum with Adam) would be lost silently.
    effective = {**fields.defaults(cls), **accepted}
    for key in list(accepted):
        if not specs[key].shown(effective):
            warnings.append(t("link.hidden", shown=code_span(f"{key}={params[key][:40]}"), reason=fields.hidden_reason(cls, key)))
            del accepted[key]
    for key, value in accepted.items():
        st.session_state[f"{prefix}_{key}"] = list(value) if isinstance(value, tuple) else value
    if "loss_param" in params:
        loss = effective["loss"]
        try:
            value = fields.parse(cls, "loss_param", params["loss_param"])
            if value is not None:
                cls(loss=loss, loss_param=value)  # the loss's own range
                st.session_state[f"{prefix}_param_{loss}"] = value
        except (ValueError, OverflowError) as exc:
            warnings.append(t("link.bad", shown=code_span(f"loss_param={params['loss_param'][:40]}"), problem=md_escape(str(exc))))
    for message in warnings:
        st.warning(message)


def write_url(config) -> None:
    """Every link-able setting that differs from its default goes into the query string; the rest
    leave it (so a copied address reproduces this lab, and stays short)."""
    query = to_query(config)
    for name, spec in fields.specs(type(config)).items():
        if name not in query:
            if spec.url and name in st.query_params:
                del st.query_params[name]
        elif st.query_params.get(name) != query[name]:
            st.query_params[name] = query[name]


# --- one widget per field, from its declaration -------------------------------------------

def field_widget(cls, name: str, prefix: str, container=st):
    """The widget a field declares, its default kept in session state (a link prefill never
    conflicts with a widget default)."""
    spec = fields.specs(cls)[name]
    key = f"{prefix}_{name}"
    st.session_state.setdefault(key, fields.defaults(cls)[name])
    label, help = fields.label(cls, name), fields.help_of(cls, name)
    if spec.widget in ("select", "radio", "select_slider", "multiselect"):
        keep_choice(key)  # shown translated: kept across a language switch
        options = list(spec.allowed())
        fmt = lambda v: fields.choice_label(cls, name, v)  # noqa: E731
        if spec.widget == "multiselect":  # several values: the widget holds a list, the config a tuple
            st.session_state[key] = list(st.session_state[key])
            return tuple(container.multiselect(label, options, format_func=fmt, key=key, help=help))
        if spec.widget == "select":
            return container.selectbox(label, options, format_func=fmt, key=key, help=help)
        if spec.widget == "radio":
            return container.radio(label, options, format_func=fmt, key=key, horizontal=True, help=help)
        return container.select_slider(label, options=options, format_func=fmt, key=key, help=help)
    low, high = _bounds(spec)
    if spec.widget == "slider":
        return container.slider(label, low, high, step=spec.kind(spec.step) if spec.step else None, key=key,
                                help=help)
    return container.number_input(label, min_value=low, max_value=high, key=key, help=help,
                                  **({} if spec.kind is int else {"format": "%.6g"}))


def _bounds(spec):
    if spec.kind is int:
        return int(spec.low), int(spec.high)
    low = math.nextafter(spec.low, spec.high) if spec.low_open else float(spec.low)
    return low, float(spec.high)


def widgets(cls, prefix: str, names, values: dict, columns: int = 1) -> None:
    """Draw the named fields (those shown for the values chosen so far) into `values`,
    spread over `columns` columns."""
    slots = st.columns(columns) if columns > 1 else [st]
    i = 0
    for name in names:
        if not fields.specs(cls)[name].shown(values):
            continue
        if name == "loss_param":
            values[name] = _loss_param(values["loss"], prefix, slots[i % len(slots)])
        else:
            values[name] = field_widget(cls, name, prefix, slots[i % len(slots)])
        i += 1


def _loss_param(loss: str, prefix: str, container):
    """The chosen loss's own parameter, remembered per loss; its range is the registry's."""
    spec = LOSSES[loss].param
    if spec is None:
        return None
    key = f"{prefix}_param_{loss}"
    st.session_state.setdefault(key, spec.default)
    return container.number_input(t("form.param", name=spec.symbol, help=spec.help), min_value=spec.low,
                                  max_value=spec.high, key=key)


# --- the two labs' forms ------------------------------------------------------------------

def regression_controls() -> RegressionConfig | None:
    """The regression lab's form; returns a valid config, or None after saying what is wrong."""
    cls, values = RegressionConfig, {}
    prefill_from_url(cls, "reg")
    widgets(cls, "reg", ["data", "n_points"], values)
    if values["data"] == "custom":
        values["points"] = _upload("reg", parse_points_csv, "form.upload", "form.upload_hint")
        if values["points"] is None:
            return None
    widgets(cls, "reg", ["outliers", "outlier_offset", "noise"], values, columns=3)
    widgets(cls, "reg", ["x_scale"], values)
    widgets(cls, "reg", ["loss", "loss_param", "init", "optimizer", "lr", "momentum", "schedule"], values)
    widgets(cls, "reg", ["epochs", "seed"], values, columns=2)
    widgets(cls, "reg", ["eval_every", "speed"], values)
    _point_edits(cls, values)
    return _build(cls, values)


def _point_edits(cls, values: dict) -> None:
    """The points edited on the chart (losslab.ui.points keeps them under reg_edits). Fewer points after a
    change of data or outliers can leave an edit without its point: the edits go, with one sentence,
    and the rest of the form stays as it was."""
    values["edits"] = st.session_state.get("reg_edits", "")
    if not values["edits"]:
        return
    try:
        cls(**values)
    except ValueError as exc:
        try:
            cls(**{**values, "edits": ""})
        except ValueError:
            return  # another field is wrong: _build says which
        st.warning(t("points.dropped", problem=exc))
        st.session_state["reg_edits"] = values["edits"] = ""


def _upload(prefix: str, parser, label_key: str, hint_key: str):
    """An uploaded table read by `parser`; None (after one sentence) until a good file is there."""
    upload = st.file_uploader(t(label_key, rows=number(MAX_UPLOAD_ROWS)), type=["csv", "txt", "tsv"],
                              key=f"{prefix}_upload")
    if upload is None:
        st.info(t(hint_key))
        return None
    try:
        points, seen = parser(upload.getvalue())
    except DataError as exc:
        st.error(str(exc))
        return None
    st.caption(t("csv.points_from", n=number(len(points)), file=upload.name, encoding=seen["encoding"],
                 delimiter=seen["delimiter"], decimal=t("csv.decimal_comma") if seen["decimal_comma"] else ""))
    return points


def binary_controls() -> BinaryConfig | None:
    """The binary lab's form: the points, the model, the loss."""
    cls, values = BinaryConfig, {}
    prefill_from_url(cls, "bin")
    widgets(cls, "bin", ["data"], values)
    if values["data"] == "custom":
        values["points"] = _upload("bin", parse_labelled_csv, "form.upload_binary", "form.upload_binary_hint")
        if values["points"] is None:
            return None
    widgets(cls, "bin", ["n_points", "separation", "spread", "noise", "flips", "outliers", "outlier_distance",
                         "test_share"], values, columns=2)
    widgets(cls, "bin", ["model", "hidden", "depth", "activation"], values, columns=2)
    widgets(cls, "bin", ["features", "loss", "loss_param", "optimizer", "lr", "momentum", "schedule"], values)
    widgets(cls, "bin", ["epochs", "batch_size", "seed"], values, columns=3)
    widgets(cls, "bin", ["speed"], values)
    return _build(cls, values)


def mnist_controls() -> MnistConfig | None:
    cls, values = MnistConfig, {}
    prefill_from_url(cls, "mn")
    widgets(cls, "mn", ["model", "hidden"], values, columns=2)
    widgets(cls, "mn", ["loss", "loss_param", "optimizer", "lr", "momentum"], values)
    widgets(cls, "mn", ["batch_size", "epochs", "train_subset", "label_noise", "eval_every", "seed"], values,
            columns=2)
    widgets(cls, "mn", ["noise_kind", "speed"], values)
    return _build(cls, values)


def study_controls() -> StudyConfig | None:
    """The label-noise study's form: which losses, which noise, which model; one job for the grid."""
    cls, values = StudyConfig, {}
    prefill_from_url(cls, "st")
    widgets(cls, "st", ["losses", "noise_kind", "noise_rates"], values)
    widgets(cls, "st", ["model", "hidden", "optimizer", "lr", "momentum", "batch_size", "epochs", "train_subset",
                        "seed", "repeats"], values, columns=2)
    return _build(cls, values)


def _build(cls, values):
    try:
        config = cls(**values)
    except ValueError as exc:
        st.error(t("error.settings", problem=exc))
        return None
    write_url(config)
    return config


def loss_card(config) -> None:
    """The chosen loss's name, formula and plain-English explanation, beside its controls."""
    if config is None:
        return
    loss = LOSSES[config.loss]
    st.markdown(f"**{loss.label}**")
    formula(loss.formula)
    st.caption(str(loss.explanation))
