"""The regression lab's "move a point" view, before a run: click a point to remove it, click empty space
to add one, or edit the points table with the keyboard (WCAG 2.5.7: no task needs a pointer). At once,
each compared loss's exact line on the edited points, dotted where it was before, and each point's pull.

The edits live in session state under the form's key for the `edits` field (reg_edits, a link prefills
it), so the form's config, its link and Start all carry them."""

from __future__ import annotations

import functools
import math

import streamlit as st

from .. import edits as point_edits
from .. import influence as inf
from ..config import RegressionConfig
from ..figures.points import CELL, POINTS, edit_chart
from ..i18n import Problem, t
from ..labs.regression import initial_line
from ..losses import LOSSES, run_name
from .charts import CONFIG, data_table

EDITS = "reg_edits"             # the `edits` field's value in the form (losslab.edits' text)
VERSION = "reg_points_v"        # bumped by every applied edit: a fresh chart selection and a fresh table
BEFORE = "reg_points_before"    # (config after the edit, {(loss, param): (slope, intercept)} before it): drawn faintly
NOTE = "reg_points_note"        # the one sentence about an edit that was refused
COMPARE = "reg_compare"         # the losses the lab's "compare" box holds (live.compare_losses)


def edits_value() -> str:
    return st.session_state.get(EDITS, "")


def shown_losses(config: RegressionConfig) -> tuple:
    """((name, param), …): the form's loss with its parameter, then the losses the compare box holds at
    their defaults (as Compare trains them)."""
    chosen = [(config.loss, config.loss_fn.resolve_param(config.loss_param))]
    for name in st.session_state.get(COMPARE, ["mse", "mae", "huber"]):
        key = (name, LOSSES[name].resolve_param(None))
        if key not in chosen:
            chosen.append(key)
    return tuple(chosen)


def state(config: RegressionConfig, losses: tuple):
    """The edited points and every loss's exact line and refits (both cached: see losslab.influence)."""
    found = inf.points(config)
    return found, inf.influence(found.xs, found.ys, losses)


def _name(key) -> str:
    name, param = key
    return run_name(LOSSES[name], param if LOSSES[name].param else None)


def _lines(result, losses) -> list[dict]:
    return [{"name": t("truth.exact_line", name=_name(k)), "slope": result.fits[k].slope,
             "intercept": result.fits[k].intercept} for k in losses]


def _apply(config: RegressionConfig, losses: tuple, new: point_edits.Edits) -> bool:
    """Take an edit if the config accepts it (one sentence otherwise, the current points kept)."""
    ss = st.session_state
    try:
        edited = config.replace(edits=point_edits.text(new))
        found = inf.points(edited)
        if len(set(found.xs)) < 2:
            raise Problem("error.edits_same_x", x=f"{found.xs[0]:g}")
    except ValueError as exc:
        ss[NOTE] = str(exc)
        return False
    _, result = state(config, losses)
    ss[BEFORE] = (edited, {k: (f.slope, f.intercept) for k, f in result.fits.items()})
    ss[EDITS] = edited.edits
    ss[VERSION] = ss.get(VERSION, 0) + 1
    ss.pop(NOTE, None)
    return True


def _clicked(key: str, config: RegressionConfig, losses: tuple) -> None:
    """A click on the chart: a point (remove it) or a cell of the empty space (add a point there)."""
    chosen = (st.session_state.get(key) or {}).get("selection", {}).get("points") or []
    if not chosen:
        return
    hit = chosen[0]
    current = point_edits.parse(config.edits)
    trace = _trace_names(config, losses).get(hit.get("curve_number"))
    if trace == POINTS:
        origin = inf.points(config).origins[hit["point_index"]]
        _apply(config, losses, point_edits.remove(current, origin))
    elif trace == CELL:
        _apply(config, losses, point_edits.add(current, round(float(hit["x"]), 6), round(float(hit["y"]), 6)))


def _trace_names(config, losses) -> dict:
    """curve number → trace name of the figure as drawn: the cells first, the points last."""
    n_before = sum(1 for k in losses if k in _before(config))
    return {0: CELL, 2 + n_before + len(losses): POINTS}  # 2: the cells and the starting line


def _before(config: RegressionConfig) -> dict:
    """The lines before the last edit, while the form still holds the config that edit made (another
    change since, of the data or of any setting, and "before" would mean something else)."""
    saved = st.session_state.get(BEFORE)
    return saved[1] if saved and saved[0] == config else {}


def _axes(config) -> tuple[str, str]:
    if config.data == "custom":
        return "x", "y"
    return t("figure.height"), t("figure.weight")


@functools.lru_cache(maxsize=64)
def _figure(config: RegressionConfig, losses: tuple, before: tuple, language: str):
    """One figure per config, losses, previous lines and language (a rerun without an edit rebuilds
    nothing); `before`: ((key, (slope, intercept)), …)."""
    found, result = state(config, losses)
    x_title, y_title = _axes(config)
    previous = dict(before)
    was = [{"name": _name(k), "slope": previous[k][0], "intercept": previous[k][1], "index": i}
           for i, k in enumerate(losses) if k in previous]
    slope, intercept = initial_line(config)
    start = {"name": t("regression.starting_line", seed=config.seed), "slope": slope, "intercept": intercept}
    return edit_chart(found.xs, found.ys, found.numbers, found.kinds, _lines(result, losses), was,
                      x_title=x_title, y_title=y_title, title=t("points.title"), start=start,
                      frame=inf._generated(config.replace(edits="")))


def section(config: RegressionConfig) -> None:
    """The chart to click, what a click did, the influence table and the keyboard's table."""
    from ..i18n import current

    ss = st.session_state
    losses = shown_losses(config)
    before = tuple(sorted((k, v) for k, v in _before(config).items() if k in losses))
    key = f"reg_points_{ss.get(VERSION, 0)}"
    st.plotly_chart(_figure(config, losses, before, current()), key=key, on_select=functools.partial(
        _clicked, key, config, losses), selection_mode="points", config=CONFIG)
    st.caption(t("points.how"))
    if ss.get(NOTE):
        st.error(ss[NOTE])
    if config.edits:
        found = point_edits.parse(config.edits)
        c1, c2 = st.columns([3, 1])
        c1.caption(t("points.edited", removed=len(found.removed), added=len(found.added)))
        if c2.button(t("points.restore"), key="reg_points_restore"):
            _apply(config, losses, point_edits.Edits())
            st.rerun()
    found, result = state(config, losses)
    st.markdown(t("points.influence_title"))
    st.caption(t("points.influence_help"))
    if any(not result.fits[k].exact for k in losses):
        st.caption(t("points.nearest"))
    data_table(_influence_rows(config, found, result, losses), hide_index=True, key="reg_points_influence")
    with st.expander(t("points.table_title"), expanded=False, key="reg_points_table_open"):
        table(config, losses, found)


def _fmt(v: float, digits: int = 3) -> str:
    return "–" if v is None or not math.isfinite(v) else f"{v:.{digits}g}"


def _influence_rows(config, found, result, losses) -> list[dict]:
    x_title, y_title = _axes(config)
    rows = []
    for i, n in enumerate(found.numbers):
        row = {t("points.col_n"): n, x_title: f"{found.xs[i]:.1f}", y_title: f"{found.ys[i]:.1f}",
               t("points.col_leverage"): _fmt(result.leverage[i]), t("points.col_cooks"): _fmt(result.cooks[i])}
        for k in losses:
            row[t("points.col_shift", name=_name(k))] = _fmt(result.fits[k].shift[i])
        rows.append(row)
    return rows


# --- the keyboard's way: the points as a table ---------------------------------------------------

def table(config: RegressionConfig, losses: tuple, found) -> None:
    """Every point as a row: change a number, delete a row (select it, Delete) or add one at the bottom."""
    import pandas as pd

    key = f"reg_points_editor_{st.session_state.get(VERSION, 0)}"
    frame = pd.DataFrame({"n": list(found.numbers), "x": list(found.xs), "y": list(found.ys)})
    x_title, y_title = _axes(config)
    st.caption(t("points.table_help"))
    st.data_editor(frame, key=key, num_rows="dynamic", hide_index=True, width="stretch",
                   column_config={"n": st.column_config.TextColumn(t("points.col_n"), disabled=True),
                                  "x": st.column_config.NumberColumn(x_title, format="%.1f"),
                                  "y": st.column_config.NumberColumn(y_title, format="%.1f")},
                   on_change=_table_changed, args=(key, config, losses))


def _table_changed(key: str, config: RegressionConfig, losses: tuple) -> None:
    try:
        new = table_edits(inf.points(config), point_edits.parse(config.edits), st.session_state.get(key) or {})
    except Problem as exc:  # a row half typed: the table keeps what was typed, the sentence says what is missing
        st.session_state[NOTE] = str(exc)
        return
    _apply(config, losses, new)


def table_edits(found, edits: point_edits.Edits, delta: dict) -> point_edits.Edits:
    """The table's changes (Streamlit's edited, added and deleted rows, by row of the points it was drawn
    with) as edits: a deleted row removes its point, a changed one removes it and adds the new values, a
    new row adds a point (both numbers needed). Checked afterwards, as a click's edit is."""
    removed = {found.origins[int(r)] for r in delta.get("deleted_rows") or []}
    moved = []
    for r, change in (delta.get("edited_rows") or {}).items():
        r = int(r)
        removed.add(found.origins[r])
        moved.append((change.get("x", found.xs[r]), change.get("y", found.ys[r])))
    for row in delta.get("added_rows") or []:
        if row.get("x") is None or row.get("y") is None:
            raise Problem("points.fill_both")
        moved.append((row["x"], row["y"]))
    for origin in sorted(removed):  # added points from the last one back: the earlier ones keep their numbers
        edits = point_edits.remove(edits, origin)
    for x, y in moved:
        edits = point_edits.add(edits, math.nan if x is None else float(x), math.nan if y is None else float(y))
    return edits
