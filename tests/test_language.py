"""The interface in Korean and English: every page renders in each (and in a stretched
pseudo-locale), the language comes from the link, then the browser, then the server, and stays
in the link; Korean and European spreadsheet files train on the right points."""

import pytest

from losslab import i18n
from losslab.jobs import service as service_mod
from losslab.ui.language import from_header
from tests.conftest import app
from tests.test_app import PAGES


@pytest.mark.parametrize("lang", ["ko", "pseudo"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_in(app_env, page, lang):
    at = app(page, {"lang": lang})
    assert not at.exception, at.exception
    assert at.title
    panel = i18n.t("panel.title", lang)
    assert panel in [h.value for h in at.header]
    if lang == "ko":
        assert any("\uac00" <= c <= "\ud7a3" for c in at.title[0].value), at.title[0].value


def test_the_regression_lab_in_korean(app_env):
    at = app("regression", {"lang": "ko"})
    assert at.title[0].value == "📈 회귀 실습"
    assert at.button(key="reg_start").label == "▶ 시작"
    assert at.selectbox(key="reg_loss").label == "손실 함수"
    assert "평균 제곱 오차 MSE (L2)" in at.selectbox(key="reg_loss").options
    assert at.query_params["lang"] in ("ko", ["ko"])  # the link keeps the language


def test_a_bad_link_value_is_explained_in_korean(app_env):
    at = app("regression", {"lang": "ko", "lr": "0"})
    assert [w.value for w in at.warning] == ["링크의 `lr=0`은(는) 무시했습니다: lr 값은 (0, 10] 범위여야 합니다 (입력: 0.0)."]


def test_the_switch_changes_the_language_and_the_link(app_env):
    at = app("regression", {"lang": "en"})
    assert at.title[0].value == "📈 Regression lab"
    at.session_state["lang_switch"] = "ko"
    at.session_state["lang"] = "ko"
    at.query_params["lang"] = "ko"
    at.run()
    assert at.title[0].value == "📈 회귀 실습"


@pytest.mark.parametrize("header, expected", [
    ("ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7", "ko"),
    ("en-GB,en;q=0.9", "en"),
    ("fr-FR,fr;q=0.9,ko;q=0.5", "ko"),
    ("de-DE", None),
    ("en;q=0.3,ko;q=0.8", "ko"),
    ("", None),
    ("garbage;;q=x", None),
])
def test_accept_language(header, expected):
    assert from_header(header) == expected


def test_server_default(monkeypatch):
    monkeypatch.setenv("LOSSLAB_LANG", "ko")
    assert i18n.server_default() == "ko"
    monkeypatch.setenv("LOSSLAB_LANG", "klingon")
    assert i18n.server_default() == "en"


HANGUL = "키(cm),몸무게(kg)\n152.4,50.0\n157.5,54.4\n160.0,56.7\n"


@pytest.mark.parametrize("name, data", [
    ("excel-ko.csv", HANGUL.encode("cp949")),
    ("europe.csv", b"Hoehe;Gewicht\n152,4;50,0\n157,5;54,4\n160,0;56,7\n"),
    ("spaces.txt", b"152.4 50.0\n157.5 54.4\n160.0 56.7\n"),
])
def test_spreadsheet_files_train_on_their_points(app_env, monkeypatch, name, data):
    # The server's default language is Korean here: AppTest evaluates a widget's labels in the
    # test's own thread, which has no visitor session to ask.
    monkeypatch.setenv("LOSSLAB_LANG", "ko")
    at = app("regression")
    at.radio(key="reg_data").set_value("custom").run()
    at.file_uploader(key="reg_upload").set_value((name, data, "text/csv")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("점 3개" in c.value for c in at.caption)
    at.number_input(key="reg_epochs").set_value(20).run()
    at.button(key="reg_start").click().run()
    run = service_mod.get_service().list_runs(None)[0]
    assert run["config"]["points"] == [[152.4, 50.0], [157.5, 54.4], [160.0, 56.7]]

