"""Every word a person reads comes from the string catalogue, in Korean and English:
an AST check of the string literals the UI hands to Streamlit and to figures, both catalogues
complete with the same placeholders, and every key the code asks for present."""

import ast
import re
import string

import pytest

from losslab import i18n
from losslab.labs import LABS

LAB_TASKS = list(LABS)
from tests.conftest import ROOT

FILES = [*(ROOT / "losslab" / "ui").glob("*.py"), *(ROOT / "app_pages").glob("*.py"), ROOT / "app.py",
         *(ROOT / "losslab" / "figures").glob("*.py")]
# Streamlit calls whose first argument or label-like keywords a person reads.
SHOWN = {"title", "header", "subheader", "markdown", "caption", "write", "info", "warning", "error", "success",
         "button", "toggle", "slider", "selectbox", "multiselect", "radio", "number_input", "text_input",
         "file_uploader", "metric", "expander", "tabs", "page_link", "download_button", "select_slider",
         "segmented_control", "text", "json", "toast", "dialog"}
# Figure calls and keywords whose text ends up on a chart.
FIGURE_KW = {"name", "title", "title_text", "text", "annotation_text", "hovertext", "subplot_titles", "label", "help",
             "placeholder", "y_title", "x_title", "marker_label"}
LETTERS = re.compile(r"[A-Za-z\uac00-\ud7a3]{2,}")  # a word: two letters or more
# Literal text that reads the same in every language: units, symbols, code.
ALLOWED = {"NaN", "kg", "MSE {mse}", "%{x}", "%{y}", "(kg)", " (kg)", "P = (", "log", "px"}


def _literal_words(node) -> list[str]:
    parts = []
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        parts = [node.value]
    elif isinstance(node, ast.JoinedStr):
        parts = [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
    elif isinstance(node, (ast.List, ast.Tuple)):
        return [w for e in node.elts for w in _literal_words(e)]
    parts = [re.sub(r"<[^>]*>?|^[^<]*>", "", p) for p in parts]  # markup is not text: <code>, style='...'
    parts = [re.sub(r"\\[A-Za-z]+", "", p) for p in parts]  # nor are LaTeX commands: \displaystyle
    return [p for p in parts if LETTERS.search(p) and p.strip() not in ALLOWED]


def offenders(files=FILES):
    found = []
    for path in files:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name == "start_runs":
                continue  # its label= groups runs in the store ("compare"); nobody reads it
            args = []
            if name in SHOWN and node.args:
                args.append(node.args[0])
            if name == "layout":  # figures' layout(fig, title, x_title, y_title)
                args += node.args[1:4]
            args += [k.value for k in node.keywords if k.arg in FIGURE_KW]
            for arg in args:
                for words in _literal_words(arg):
                    found.append(f"{path.name}:{node.lineno}: {words!r}")
    return found


def test_no_user_visible_literal_outside_the_catalogue():
    assert offenders() == []


def test_the_checker_finds_a_literal(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('import streamlit as st\nst.button("Start now")\nfig.add_scatter(name=f"raw {x}")\n'
                   'st.caption(t("home.title"))\nlayout(fig, "Loss curve", "", "")\n')
    assert offenders([bad]) == ["bad.py:2: 'Start now'", "bad.py:3: 'raw '", "bad.py:5: 'Loss curve'"]


def fields_of(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_both_catalogues_hold_the_same_keys_and_placeholders():
    en, ko = i18n.catalogue("en"), i18n.catalogue("ko")
    assert sorted(set(en) ^ set(ko)) == []
    assert [k for k in en if fields_of(en[k]) != fields_of(ko[k])] == []
    assert all(v.strip() for v in ko.values())


KEY_CALL = re.compile(r"""\bt\(\s*(f?)["']([\w.]+)["']""")


def test_every_key_the_code_asks_for_exists():
    en = i18n.catalogue("en")
    missing = []
    for path in (ROOT / "losslab").rglob("*.py"):
        for is_f, key in KEY_CALL.findall(path.read_text()):
            if not is_f and not key.endswith(".") and key not in en:  # "nav." + task: checked below
                missing.append(f"{path.relative_to(ROOT)}: {key}")
        for key in re.findall(r"""Problem\(\s*["']([\w.]+)["']""", path.read_text()):
            if key not in en:
                missing.append(f"{path.relative_to(ROOT)}: {key}")
    assert missing == []


def test_every_registry_text_has_korean():
    from losslab.losses import INPUT_KINDS, LOSSES

    for loss in LOSSES.values():
        for text in (loss.label, loss.explanation, *(x for x in (loss.nan_note, loss.inf_note, loss.explorer_note) if x)):
            assert isinstance(text, i18n.Text) and text.ko and text.ko != "" , loss.name
        if loss.param:
            assert isinstance(loss.param.help, i18n.Text) and loss.param.help.ko
    assert all(isinstance(v, i18n.Text) for v in INPUT_KINDS.values())


@pytest.mark.parametrize("term", ["손실 함수", "평균 제곱 오차", "교차 엔트로피", "학습률", "경사 하강법", "이상치"])
def test_the_glossary_terms_are_the_ones_used(term):
    ko = i18n.catalogue("ko")
    assert term in ko.values()  # listed in the glossary
    from losslab.losses import LOSSES

    users = [k for k, v in ko.items() if term in v and not k.startswith("glossary.")]
    users += [n for n, l in LOSSES.items() if term in l.label.ko or term in l.explanation.ko]
    assert users or term == "경사 하강법", term  # the technique itself is named in the caption below
    if term == "경사 하강법":
        assert term in ko["regression.caption"] or any(term in v for v in ko.values() if v is not ko["glossary." + "gradient_descent"])


@pytest.mark.parametrize("prefix, values", [("nav.", [*LAB_TASKS, "study", "slice"]),
                                            ("home.card_", [*LAB_TASKS, "lesson", "explorer"]),
                                            ("status.", ["queued", "running", "completed", "stopped", "diverged",
                                                         "failed", "interrupted"]),
                                            ("task.", ["regression", "binary", "multiclass", "distribution"])])
def test_keys_built_at_run_time_exist(prefix, values):
    en = i18n.catalogue("en")
    assert [v for v in values if prefix + v not in en] == []


def test_problems_speak_the_readers_language():
    from losslab.config import RegressionConfig

    with pytest.raises(ValueError) as err:
        RegressionConfig(lr=0)
    assert str(err.value) == "lr must be in (0, 10]; got 0"
    saved = i18n._source
    i18n.set_language_source(lambda: "ko")
    try:
        assert str(err.value) == "lr 값은 (0, 10] 범위여야 합니다 (입력: 0)"
    finally:
        i18n.set_language_source(saved)
