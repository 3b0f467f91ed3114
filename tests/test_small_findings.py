"""The smaller findings of the reliability and security review, each shown fixed: a store URL's
password never shown, answer texts that would be spreadsheet formulas, secrets kept out of the image."""

import csv
import io

import pytest

from tests.conftest import ROOT


@pytest.mark.parametrize("url", [
    "postgresql://losslab:p@ss@db:5432/losslab",          # '@' in the password
    "postgresql://losslab:s3cr@t/x@db:5432/losslab",      # '@' and '/'
    "postgresql://db:5432/losslab?user=losslab&password=hunter2&sslmode=require",
    "postgresql://db:5432/losslab?sslmode=require&PASSWORD=hunter2",
])
def test_a_store_urls_password_never_leaks(url):
    from losslab.jobs.dialect import redact

    shown = redact(url)
    assert "p@ss" not in shown and "s3cr" not in shown and "hunter2" not in shown and "***" in shown
    assert redact("postgresql://db/losslab?options=a@b") == "postgresql://db/losslab?options=a@b"


def test_answer_texts_cannot_become_spreadsheet_formulas(app_env, monkeypatch):
    from losslab.jobs import service as service_mod
    from losslab.lessons import BUILTIN, make
    from losslab.ui.lecturer import cell, export_csv

    assert [cell(x) for x in ("=1+1", "+A1", "-2", "@SUM(A1)", "MSE", "−3 (a minus sign)")] == \
        ["'=1+1", "'+A1", "'-2", "'@SUM(A1)", "MSE", "−3 (a minus sign)"]
    monkeypatch.setenv("LOSSLAB_ADMIN_TOKEN", "lecture-secret")
    svc = service_mod.get_service()
    record = {"config": BUILTIN["outliers"].config.to_dict(), "title": "T", "question": "Q?",
              "choices": ["=HYPERLINK(\"http://evil\")", "MSE"], "answer": 1}
    lesson_id = svc.save_lesson(record, "lecture-secret", "lecturer-owner-token-abcdefghij")
    lesson = svc.lesson(lesson_id)
    svc.start_lesson(lesson, "student-token-abcdefghijklmnop", choice=0)
    rows = list(csv.reader(io.StringIO(export_csv(lesson).decode("utf-8-sig"))))
    assert rows[1][2] == "'=HYPERLINK(\"http://evil\")"
    assert make(record).choices[0].startswith("=")  # the lesson keeps what the lecturer typed


def test_secrets_stay_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for pattern in (".env", "*.pem", "secrets.toml", ".streamlit/secrets.toml", "*.key"):
        assert pattern in ignored or f"**/{pattern}" in ignored, pattern
