"""The visitor's language: `?lang=ko|en` in the link, else the browser's Accept-Language, else
LOSSLAB_LANG (the server's default). Kept in the session and written back to the link, so a
shared link opens in the same language; a switch in the sidebar changes it."""

from __future__ import annotations

import threading

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from .. import i18n

KEY = "lang"
SWITCH = "lang_switch"
# This thread's (session id, language), set where the language is decided. A page calls t()
# some hundreds of times; asking st.session_state each time was ~7 % of a page load.
_here = threading.local()


def _remember(lang: str) -> None:
    ctx = get_script_run_ctx()
    _here.lang = (ctx.session_id if ctx else None, lang)


def from_header(header: str | None) -> str | None:
    """The first language of an Accept-Language header that losslab speaks ('ko-KR,ko;q=0.9,en;q=0.8' -> 'ko')."""
    if not header:
        return None
    weighted = []
    for i, part in enumerate(header.split(",")):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        weighted.append((-weight, i, tag.split("-")[0].strip().lower()))
    for _, _, lang in sorted(weighted):
        if lang in i18n.LANGUAGES:
            return lang
    return None


def _accepted() -> str | None:
    try:
        return from_header(st.context.headers.get("Accept-Language"))
    except Exception:  # AppTest and bare mode have no request headers
        return None


def choose() -> str:
    """Decide this rerun's language and make every t() of this session use it."""
    ss = st.session_state
    url = st.query_params.get(KEY)
    if url in i18n.LANGUAGES or url == i18n.PSEUDO:
        lang = url
    elif ss.get(KEY) in i18n.LANGUAGES:
        lang = ss[KEY]
    else:
        lang = _accepted() or i18n.server_default()
    ss[KEY] = lang
    _remember(lang)
    i18n.set_language_source(_session_language)
    if st.query_params.get(KEY) != lang:
        st.query_params[KEY] = lang
    return lang


def _switched() -> None:
    lang = st.session_state[SWITCH]
    st.session_state[KEY] = lang
    st.query_params[KEY] = lang  # the rerun's choose() reads it first, and remembers it


def switch() -> None:
    """한국어 | English in the sidebar; the run on screen stays (its id is in the link)."""
    lang = st.session_state[KEY]
    if lang not in i18n.LANGUAGES:
        return  # the pseudo-locale of the layout tests has no switch
    st.session_state[SWITCH] = lang
    st.sidebar.segmented_control(i18n.t("app.language"), list(i18n.LANGUAGES), format_func=i18n.LANGUAGES.get,
                                 key=SWITCH, on_change=_switched)


def _session_language():
    remembered = getattr(_here, "lang", None)
    if remembered is not None:
        ctx = get_script_run_ctx()
        if ctx is not None and ctx.session_id == remembered[0]:
            return remembered[1]
    return st.session_state.get(KEY)  # a fragment's rerun on a fresh thread, or another session's


# t() anywhere in this process asks the running session for its language.
i18n.set_language_source(_session_language)


def keep_choice(key: str) -> None:
    """Call before a choice widget whose options are shown translated (a selectbox, radio,
    multiselect, segmented control with a `format_func` of t(...) or a registry label).
    Streamlit keeps such a widget's value as the *shown* text, so after a language switch the
    text no longer matches any option: a selectbox then returns the foreign text itself (a
    KeyError on LOSSES[...]) and a radio drops to no choice or another one. Once per language,
    the value (read with the previous run's labels: the option itself) is set again, so Streamlit
    stores it with the new labels."""
    tag = f"{key}__lang"
    lang = i18n.current()
    if st.session_state.get(tag) == lang:
        return
    if key in st.session_state:
        st.session_state[key] = st.session_state[key]
    st.session_state[tag] = lang
