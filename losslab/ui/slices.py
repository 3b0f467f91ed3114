"""The MNIST lab's landscape slice: a plane through a finished run's final weights (PCA of its
trajectory, or random filter-normalised directions), computed as a background job on request and
kept with the run (a later visit, or another viewer, sees the finished slice at once)."""

from __future__ import annotations

import streamlit as st

from ..config import SliceConfig
from ..fidelity import BAD_SHARE, GAP_SHARE, fidelity
from ..figures.fidelity import fidelity_meter
from ..figures.landscape import path_gap, slice_view
from ..i18n import number, t
from ..jobs.errors import JobError
from ..jobs.store import ACTIVE_STATUSES
from .cache import shared_figure
from .charts import chart
from .live import latest, stop_button
from .session import client, owner, service
from .language import keep_choice

POLL_SECONDS = 1.0


def label(run_id: str, method: str) -> str:
    return f"slice:{run_id}:{method}"


def section(run: dict) -> None:
    """Under a finished MNIST run: pick the plane, compute it once, show it."""
    if run["status"] in ACTIVE_STATUSES or run["task"] != "mnist":
        return
    st.subheader(t("slice.title"))
    st.caption(t("slice.caption"))
    keep_choice("mn_slice_method")
    method = st.radio(t("slice.method"), ("pca", "random"), format_func=lambda m: t(f"slice.method_{m}"),
                      horizontal=True, key="mn_slice_method")
    _job_view(run["id"], method)


@st.fragment
def _job_view(run_id: str, method: str) -> None:
    jobs = service().runs_labelled(label(run_id, method), viewer=owner())
    done = next((j for j in jobs if j["status"] == "completed"), None)
    if done:
        _result(done)
        return
    active = next((j for j in jobs if j["status"] in ACTIVE_STATUSES), None)
    if active:
        _progress(active["id"])
        return
    if jobs and jobs[0].get("error"):
        st.warning(jobs[0]["error"])
    if st.button(t("slice.compute"), key=f"mn_slice_go_{method}", type="primary"):
        try:
            service().submit(SliceConfig(run=run_id, method=method), owner(), label=label(run_id, method), client=client())
        except JobError as exc:
            st.error(str(exc))
            return
        st.rerun()
    st.caption(t("slice.cost", grid=SliceConfig.grid))


@st.fragment(run_every=POLL_SECONDS)
def _progress(job_id: str) -> None:
    job = service().get(job_id, viewer=owner())
    if job is None or job["status"] not in ACTIVE_STATUSES:
        st.rerun()  # finished (or gone): one full rerun shows the result and stops this poll
    config = SliceConfig.from_dict(job["config"])
    rows = service().metrics(job_id).get("slice/rows", ([], []))[0]
    done = rows[-1] if rows else 0
    st.progress(done / config.grid, text=t("slice.progress", done=done, total=config.grid))
    stop_button([job], key="mn_slice_stop")


def _result(job: dict) -> None:
    """A finished slice: its snapshot and figures are read and built once per process and language
    (the job never changes again), not on every rerun of every viewer's page."""
    found = latest(job, "slice")
    if not found:
        return
    r = found[1]
    if r["explained"]:
        e1, e2 = (100 * e for e in r["explained"])
        axis = (t("slice.pc", k=1, share=f"{e1:.1f}"), t("slice.pc", k=2, share=f"{e2:.1f}"))
        trust = t("slice.explained", share=f"{e1 + e2:.1f}")
    else:
        axis = (t("slice.random_axis", k=1), t("slice.random_axis", k=2))
        trust = t("slice.random_trust")
    version = job.get("version")
    chart(shared_figure(("slice_view", job["id"]), version, lambda: slice_view(
              r, title=t("slice.chart_title", images=number(r["images"])), loss_title=t("slice.loss_panel"),
              accuracy_title=t("slice.accuracy_panel"), axis=axis)),
          f"mn_slice_chart_{r['method']}", trust)
    gaps = [abs(p - q) for p, q in zip(r["path_loss"], r["plane_loss"])]
    worst = max(range(len(gaps)), key=gaps.__getitem__)
    chart(shared_figure(("slice_gap", job["id"]), version, lambda: path_gap(
              r["steps"], r["path_loss"], r["plane_loss"], title=t("slice.gap_title"))),
          f"mn_slice_gap_{r['method']}",
          t("summary.slice_gap", gap=f"{gaps[worst]:.3g}", step=number(r["steps"][worst]),
            true=f"{r['path_loss'][worst]:.3g}", plane=f"{r['plane_loss'][worst]:.3g}"),
          [{t("summary.step"): s, t("figure.true_loss"): round(a, 5), t("figure.plane_loss"): round(b, 5)}
           for s, a, b in zip(r["steps"], r["path_loss"], r["plane_loss"])])
    st.caption(t("slice.gap_caption"))
    if r["method"] == "pca":
        _fidelity(job, r)


def _fidelity(job: dict, r: dict) -> None:
    """The meter under a PCA slice: one sentence saying whether the plane misleads, and per checkpoint
    its distance off the plane and its loss gap (a slice stored before the meter has no distances)."""
    f = fidelity(r["loss"], r["path_loss"], r["plane_loss"], r.get("off_plane"))
    words = dict(bad=f.bad, total=len(f.gaps), share=f"{100 * f.bad_share:.0f}", gap=f"{100 * GAP_SHARE:.0f}",
                 limit=f"{100 * BAD_SHARE:.0f}")
    st.subheader(t("slice.fidelity_title"))
    (st.warning if f.misleads else st.success)(t("slice.misleads" if f.misleads else "slice.faithful", **words))
    chart(shared_figure(("slice_fidelity", job["id"]), job.get("version"), lambda: fidelity_meter(
              r["steps"], f.off_plane, f.gaps, GAP_SHARE, title=t("slice.fidelity_chart"))),
          f"mn_slice_fidelity_{r['method']}",
          t("slice.fidelity_summary", worst=f"{100 * f.gaps[f.worst]:.1f}", step=number(r["steps"][f.worst])),
          [{t("summary.step"): s, t("figure.off_plane_short"): None if f.off_plane is None else round(100 * f.off_plane[i], 1),
            t("figure.gap_share_axis"): round(100 * f.gaps[i], 2)} for i, s in enumerate(r["steps"])])
    st.caption(t("slice.fidelity_caption", **words))
