""""As code" under every run: the standalone PyTorch program that reproduces it (losslab.export),
to copy or download as a script or a notebook, in the visitor's language. Built once per run and
language (a run's config never changes), not per rerun."""

from __future__ import annotations

import functools

import streamlit as st

from ..export import for_run
from ..i18n import Problem, current, t
from ..jobs.errors import JobError
from .session import admin_token, owner, service


@functools.lru_cache(maxsize=256)
def _program(run_id: str, viewer: str, admin: str | None, lang: str, as_notebook: bool) -> tuple[str, str]:
    return for_run(service(), run_id, viewer, lang, as_notebook, admin=admin)


def as_code(runs: list[dict]) -> None:
    for run in runs:
        with st.expander(t("code.as_code") + (f" · {run['id']}" if len(runs) > 1 else ""), expanded=False):
            token, admin, lang = owner(), admin_token(), current()
            try:
                name, text = _program(run["id"], token, admin, lang, False)
                nb_name, nb = _program(run["id"], token, admin, lang, True)
            except (JobError, Problem) as exc:  # another student's run, a run gone, a lab without an export: one sentence
                st.info(str(exc))
                continue
            st.caption(t("code.as_code_hint"))
            c1, c2 = st.columns(2)
            c1.download_button(t("code.download_py"), text, file_name=name, mime="text/x-python",
                               key=f"code_py_{run['id']}")
            c2.download_button(t("code.download_ipynb"), nb, file_name=nb_name, mime="application/x-ipynb+json",
                               key=f"code_nb_{run['id']}")
            st.code(text, language="python")  # Streamlit's code block has its own copy button
