"""Live run views: a fragment that polls only the metrics after the last step it has,
about once a second, and stops polling when every run it shows has ended."""

from __future__ import annotations

import math
from typing import Callable

import streamlit as st

from ..jobs.errors import JobError
from ..jobs.store import ACTIVE_STATUSES
from ..i18n import number, readable, t
from .cache import SharedCache
from .pages import run_link
from .session import admin_token, client, is_admin, owner, run_ids_from_url, service, show_runs_in_url
from .language import keep_choice
from .chartkeys import pause_button, paused

SCROLL_KEY = "scroll_to_run"
# An anchor above the run's status; scrolled to only when it is out of sight (on a wide screen the
# run is beside the form and usually in view already). scroll-margin: below the sticky header.
SCROLL_TO_RUN = ('<div class="losslab-run-top" style="scroll-margin-top: 4.5rem"></div><script>'
                 'setTimeout(function () { var a = document.querySelector(".losslab-run-top"); if (!a) return;'
                 ' var r = a.getBoundingClientRect();'
                 ' if (r.top < 0 || r.top > 0.6 * window.innerHeight) a.scrollIntoView({block: "start"}); }, 100);'
                 '</script>')
POLL_SECONDS = 1.0         # your own run: the chart moves every second
SHARED_POLL_SECONDS = 2.0  # someone else's (the lecturer's, shared with a hall): every 2 s, half the server's work


def poll_seconds(runs: list[dict]) -> float | None:
    """How often a view of these runs refreshes; None once they have all ended."""
    if not any(r["status"] in ACTIVE_STATUSES for r in runs):
        return None
    return POLL_SECONDS if any(r["is_owner"] for r in runs) else SHARED_POLL_SECONDS
STATUS_ICONS = {"queued": "⏳", "running": "▶️", "completed": "✅", "stopped": "⏹️", "diverged": "💥",
                "failed": "❌", "interrupted": "⚠️"}


def lab_layout(form: Callable[[], object], show: Callable[[list[str]], None], hint: str,
               preview: Callable[[object], None] | None = None) -> None:
    """Both labs' layout: the form on the left; on the right the run(s) named in the URL, or a
    hint and a preview of what the form's config will train on.

    A run someone else started (a shared link, the lecturer's demo) comes first, full width,
    with the form folded below it: on a phone the columns stack, and a student who opened the
    link should not scroll past a whole form to find the chart."""
    run_ids = page_runs()
    if run_ids and not any(r["is_owner"] for r in service().runs_by_id(run_ids, viewer=owner())):
        show(run_ids)
        with st.expander(t("live.own_run"), expanded=False):
            form()
        return
    controls, view = st.columns([1, 2.4], gap="large")
    with controls:
        config = form()
    with view:
        if run_ids:
            show(run_ids)
        else:
            st.info(hint)
            if preview is not None and config is not None:
                preview(config)


def start_runs(configs: list, label: str | None = None) -> None:
    """Queue runs for this visitor and show them (their ids go into the URL); a refusal (the
    per-owner cap) is one sentence, and the runs queued before it are still shown."""
    ids = []
    for config in configs:
        try:
            ids.append(service().submit(config, owner(), label=label, client=client()))
        except JobError as exc:
            st.error(str(exc))
            break
    if ids:
        show_runs_in_url(ids)
        st.session_state[SCROLL_KEY] = True  # the next page run brings the new run's status into view
        st.rerun()


def start_and_reset(prefix: str, config, ready: bool = True) -> None:
    """The Start and Reset buttons under a lab's form. Reset clears the view; the same seed then
    starts from the same weights again."""
    c1, c2 = st.columns(2)
    if c1.button(t("live.start"), type="primary", disabled=config is None or not ready, key=f"{prefix}_start",
                 width="stretch"):
        start_runs([config])
    if c2.button(t("live.reset"), key=f"{prefix}_reset", width="stretch", help=t("live.reset_help")):
        show_runs_in_url([])
        st.rerun()


def compare_losses(prefix: str, task: str, config, default: list[str], title: str, hint: str) -> None:
    """Compare losses from the same start: the chosen losses, each trained on the same config."""
    from ..losses import LOSSES, losses_for

    with st.expander(title, expanded=False):
        st.session_state.setdefault(f"{prefix}_compare", list(default))
        keep_choice(f"{prefix}_compare")
        names = st.multiselect(t("regression.compare_losses"), [l.name for l in losses_for(task)],
                               format_func=lambda n: str(LOSSES[n].label), key=f"{prefix}_compare", max_selections=5)
        st.caption(hint)
        if st.button(t("regression.compare"), disabled=config is None or not names, key=f"{prefix}_compare_go"):
            start_runs([config.replace(loss=n, loss_param=None) for n in names], label="compare")


def page_runs() -> list[str]:
    """The run ids this page shows (from `?run=`), after saying what is wrong with a bad link."""
    ids, problem = run_ids_from_url()
    if problem:
        st.warning(problem)
    return ids


RUNS = SharedCache(512)  # series and paths of runs


def _version(run_id: str, version: int | None) -> int:
    return service().version(run_id) if version is None else version


def series(run_id: str, version: int | None = None) -> dict:
    """The run's metric series so far ({"train/loss": (steps, values)}), shared by every viewer:
    only rows after the last cached step are read, once per new version of the run."""

    def update(old):
        last, data = old if old else (0, {})
        # The first fetch of a long run is downsampled; later ones bring only the new rows.
        new = service().metrics(run_id, after_step=last, max_points=4000 if last == 0 else None)
        data = dict(data)  # copy on write: other sessions may be reading the old lists right now
        for key, (steps, values) in new.items():
            old_steps, old_values = data.get(key, ([], []))
            data[key] = (old_steps + list(steps), old_values + list(values))
            if steps:
                last = max(last, steps[-1])
        return last, data

    return RUNS.get(("series", run_id), _version(run_id, version), update)[1]


def path(run_id: str, version: int | None = None) -> list[tuple[int, float, float]]:
    """The run's (step, slope, intercept) so far, from its line snapshots (read incrementally)."""

    def update(old):
        points = list(old) if old else []
        after = points[-1][0] if points else -1
        points += [(step, snap["slope"], snap["intercept"])
                   for step, snap in service().snapshots(run_id, "line", after_step=after)]
        return points

    return RUNS.get(("path", run_id), _version(run_id, version), update)


def latest(run: dict, kind: str):
    """The run's latest snapshot of a kind, read once per version of the run for every viewer."""
    return RUNS.get(("latest", run["id"], kind), _version(run["id"], run.get("version")),
                    lambda old: service().latest_snapshot(run["id"], kind))


def last_step(run_id: str) -> int:
    """The last step fetched for a run (0 before the first fetch)."""
    with RUNS.lock:
        entry = RUNS.entries.get(("series", run_id))
    return entry[1][0] if entry else 0


def status_line(run: dict, total_steps: int | None = None, title: str | None = None,
                step: int | None = None) -> None:
    """The run's state in one line. `step`: the caller already fetched the run's series this
    rerun (last_step); without it the line fetches the new rows itself. `total_steps`: the run
    row's own (its loop stored it), unless the caller counts differently (a study's epochs)."""
    with st.container():  # one slot, whatever it holds (see live())
        _status_line(run, total_steps, title, step)


def _status_line(run: dict, total_steps: int | None, title: str | None, step: int | None) -> None:
    total_steps = total_steps or run.get("total_steps")
    icon = STATUS_ICONS.get(run["status"], "")
    text = (f"**{title}** · " if title else "") + f"{icon} **{t('status.' + run['status'])}**"
    if run["status"] == "queued":
        text += " — " + t("live.queued", position=run.get("queue_position", "?"))
    if total_steps and run["status"] != "queued":
        if step is None:
            series(run["id"], run.get("version"))
            step = last_step(run["id"])
        text += " — " + t("live.step_of", step=number(step), total=number(total_steps))
    st.markdown(text + " · " + t("live.run_id", run=run["id"]))
    if run.get("resumed_at") is not None:
        st.caption(t("live.resumed", step=number(run["resumed_at"])))
    if run.get("error"):
        (st.warning if run["status"] in ("diverged", "interrupted") else st.error)(run["error"])


def share_button(run: dict, key: str) -> None:
    """The lecturer (admin token entered in this session) shares the run on every home page."""
    if not is_admin():
        return
    if service().pinned() == run["id"]:
        st.caption(t("admin.shared", run=run["id"]))
    elif st.button(t("admin.share"), key=f"{key}_share"):
        try:
            service().pin(run["id"], st.session_state["admin_token"])
        except JobError as exc:
            st.error(str(exc))
            return
        st.rerun()


def stop_button(runs: list[dict], key: str) -> None:
    with st.container():  # one slot, with or without a button (see live())
        _stop_button(runs, key)


def _stop_button(runs: list[dict], key: str) -> None:
    if len(runs) == 1:
        share_button(runs[0], key)
    active = [r for r in runs if r["status"] in ACTIVE_STATUSES]
    mine = [r for r in active if r["is_owner"]] or (active if st.session_state.get("admin_token") else [])
    if active and not mine:
        st.caption(t("live.not_yours"))
    if mine and st.button(t("live.stop"), key=key, type="secondary"):
        for r in mine:
            try:
                service().stop(r["id"], owner(), admin=admin_token())
            except JobError as exc:
                st.error(str(exc))


def live(run_ids: list[str], render: Callable[[list[dict]], None], task: str) -> None:
    """Render runs with `render(runs)`, re-rendering while any is active (poll_seconds)."""
    runs = service().runs_by_id(run_ids, viewer=owner())
    if not runs:
        st.warning(t("live.gone"))
        return
    other = [r for r in runs if r["task"] != task]
    if other:
        page, shown = run_link(other[0])
        st.warning(t("live.other_lab", run=other[0]["id"], lab=t("nav." + other[0]["task"])))
        st.page_link(page, label=t("live.open_lab", lab=t("nav." + other[0]["task"])), query_params={"run": shown})
        return
    run_ids = [r["id"] for r in runs]
    active = any(r["status"] in ACTIVE_STATUSES for r in runs)
    # Every slot below keeps its place whether or not it has something to show: Streamlit's page
    # matches elements by position, and a shifted chart explorer would be mounted afresh (its
    # cursor lost, the run's result never said) when the run ends or the view is paused.
    with st.container():
        if st.session_state.pop(SCROLL_KEY, False):
            # On a phone the form and the run stack: after Start the browser kept the old scroll
            # position, the run's status and the top of its chart above the screen. Inside this
            # slot, so nothing below it moves (see the comment above).
            st.html(SCROLL_TO_RUN, unsafe_allow_javascript=True)
        if active:
            pause_button(task)
    hold = active and paused()  # the view stops polling; the run trains on

    @st.fragment(run_every=None if hold else poll_seconds(runs))
    def view():
        current = service().runs_by_id(run_ids, viewer=owner())
        note = st.empty()
        if hold:
            note.caption(t("live.paused", step=number(max(last_step(r) for r in run_ids))))
        if all(r["status"] == "queued" for r in current):
            for r in current:  # nothing to draw yet: a cheap poll while the class waits
                status_line(r)
            stop_button(current, key="queued_stop")
        else:
            render(current)
        if active and not any(r["status"] in ACTIVE_STATUSES for r in current):
            st.rerun()  # the last run ended: one full rerun turns polling off

    view()
    from .as_code import as_code  # its own module: it imports the export package only here

    as_code(runs)


def fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else "∞"
    return readable(value) if isinstance(value, float) else str(value)  # one rule for every shown number
