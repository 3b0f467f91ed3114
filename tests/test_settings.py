"""The settings table: every LOSSLAB_* variable declared once, read per call, a bad value one
sentence (and `serve` exiting 2 with it), the README's table generated from the declarations."""

import os
import re
import subprocess
import sys

import pytest

from losslab import i18n, settings
from tests.conftest import ROOT


@pytest.mark.parametrize("name, raw, sentence", [
    ("LOSSLAB_PORT", "70000", "LOSSLAB_PORT='70000' is out of range: set it to an integer in [1, 65535]."),
    ("LOSSLAB_MAX_QUEUED", "0", "LOSSLAB_MAX_QUEUED='0' is out of range: set it to an integer in [1, ∞)."),
    ("LOSSLAB_WORKERS", "abc", "LOSSLAB_WORKERS='abc' is not an integer: set it to an integer in [0, ∞)."),
    ("LOSSLAB_SERVERS", "2.5", "LOSSLAB_SERVERS='2.5' is not an integer: set it to an integer in [1, ∞)."),
    ("LOSSLAB_MAX_RUN_SECONDS", "nan", "LOSSLAB_MAX_RUN_SECONDS='nan' is not a number: set it to a number in [1, ∞)."),
    ("LOSSLAB_GUARD_WINDOW", "0.5", "LOSSLAB_GUARD_WINDOW='0.5' is out of range: set it to a number in [1, ∞)."),
    ("LOSSLAB_EXECUTOR", "rya", "LOSSLAB_EXECUTOR='rya' is not known: set it to one of local, ray."),
])
def test_a_bad_value_is_one_sentence_naming_the_variable_and_what_is_allowed(monkeypatch, name, raw, sentence):
    monkeypatch.setenv(name, raw)
    with pytest.raises(ValueError) as err:
        settings.get(name)
    assert isinstance(err.value, i18n.Problem) and str(err.value) == sentence
    with pytest.raises(ValueError):
        settings.check_all()


def test_the_sentence_speaks_the_readers_language(monkeypatch):
    monkeypatch.setenv("LOSSLAB_WORKERS", "abc")
    with pytest.raises(ValueError) as err:
        settings.get("LOSSLAB_WORKERS")
    monkeypatch.setattr(i18n, "_source", lambda: "ko")
    assert str(err.value) == "LOSSLAB_WORKERS='abc' 값은 정수가 아닙니다: [0, ∞) 범위의 정수로 설정하세요."


def test_values_are_read_on_every_call_and_unset_or_empty_is_the_default(monkeypatch, tmp_path):
    monkeypatch.delenv("LOSSLAB_MAX_QUEUED", raising=False)
    assert settings.get("LOSSLAB_MAX_QUEUED") == 200
    monkeypatch.setenv("LOSSLAB_MAX_QUEUED", " 7 ")
    assert settings.get("LOSSLAB_MAX_QUEUED") == 7
    monkeypatch.setenv("LOSSLAB_MAX_QUEUED", "")
    assert settings.get("LOSSLAB_MAX_QUEUED") == 200
    monkeypatch.setenv("LOSSLAB_EXECUTOR", " Ray ")
    assert settings.get("LOSSLAB_EXECUTOR") == "ray"
    monkeypatch.setenv("LOSSLAB_TRUSTED_PROXIES", "10.0.0.0/8, ,127.0.0.1 ")
    assert settings.get("LOSSLAB_TRUSTED_PROXIES") == ("10.0.0.0/8", "127.0.0.1")
    monkeypatch.setenv("LOSSLAB_ADMIN_TOKEN", " a secret ")
    assert settings.get("LOSSLAB_ADMIN_TOKEN") == " a secret "  # a token is taken as typed
    monkeypatch.delenv("LOSSLAB_HOME", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert settings.get("LOSSLAB_HOME") == tmp_path / "losslab"


def test_the_readers_keep_their_defaults(monkeypatch, tmp_path):
    from losslab.jobs.keyguard import KeyGuard
    from losslab.jobs.pool import default_workers
    from losslab.jobs.service import JobService
    from losslab.jobs.worker import max_run_seconds

    for name in settings.TABLE:
        monkeypatch.delenv(name, raising=False)
    svc = JobService(tmp_path / "runs.sqlite3")
    assert (svc.max_per_owner, svc.keep_per_owner, svc.retention_hours, svc.max_per_client, svc.max_queued,
            svc.max_finished) == (3, 30, 72, 12, 200, 5000)
    guard = KeyGuard()
    assert (guard.limit, guard.window, max_run_seconds()) == (5, 60.0, 1800.0)
    assert default_workers() == (os.cpu_count() or 1)
    monkeypatch.setenv("LOSSLAB_WORKERS", "0")  # 0: one per core, as before
    assert default_workers() == (os.cpu_count() or 1)


@pytest.mark.parametrize("raw", ["ko", " KO ", "en", "klingon", ""])
def test_the_catalogue_reads_its_language_as_the_table_declares_it(monkeypatch, raw):
    monkeypatch.setenv("LOSSLAB_LANG", raw)
    assert i18n.server_default() == settings.get("LOSSLAB_LANG")


# HAProxy's sticky cookie (deploy/haproxy.cfg) is named like a setting but is none.
NOT_SETTINGS = {"LOSSLAB_SERVER"}
NAME = re.compile(r"\bLOSSLAB_[A-Z0-9_]*[A-Z0-9]\b")


def test_every_losslab_variable_named_anywhere_is_declared():
    files = [*(ROOT / "losslab").rglob("*.py"), *(ROOT / "losslab" / "i18n").glob("*.toml"), ROOT / "Dockerfile",
             ROOT / "README.md", *(p for p in (ROOT / "deploy").rglob("*") if p.is_file())]
    named = {(name, str(p.relative_to(ROOT))) for p in files for name in NAME.findall(p.read_text(errors="replace"))}
    assert {n for n, _ in named} >= {"LOSSLAB_HOME", "LOSSLAB_WORKERS"}, "the scan finds names"
    assert sorted((n, f) for n, f in named if n not in settings.TABLE and n not in NOT_SETTINGS) == []


def test_no_module_reads_a_losslab_variable_around_the_table():
    # i18n reads LOSSLAB_LANG itself (see i18n.server_default); the test above keeps the two agreeing.
    read = re.compile(r"""(?:environ\.get|environ\[|getenv)\(?\s*["'](LOSSLAB_\w+)""")
    found = [(str(p.relative_to(ROOT)), name) for p in (ROOT / "losslab").rglob("*.py")
             if p.name != "settings.py" for name in read.findall(p.read_text())]
    assert found == [("losslab/i18n/__init__.py", "LOSSLAB_LANG")]


def test_every_declaration_is_complete():
    for s in settings.TABLE.values():
        assert s.kind in settings.KINDS and s.help and "\n" not in s.help and "|" not in s.help, s.name
        assert (s.low is not None) == (s.kind in ("int", "float")), s.name
        assert bool(s.choices) == (s.kind == "choice") and (not s.choices or s.default in s.choices), s.name
        if s.kind in ("int", "float") and not callable(s.default):
            assert s.low <= s.default and (s.high is None or s.default <= s.high), s.name


BEGIN, END = "<!-- settings table: begin -->", "<!-- settings table: end -->"


def test_the_readme_table_is_the_generated_one():
    text = (ROOT / "README.md").read_text()
    assert text.count(BEGIN) == 1 and text.count(END) == 1
    between = text.split(BEGIN)[1].split(END)[0]
    assert between.strip() == settings.markdown_table(), "run `python -m losslab settings` and paste its output"


def _cli(*args, **env):
    return subprocess.run([sys.executable, "-m", "losslab", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, **env})


@pytest.mark.parametrize("args, env, sentence", [
    (["serve"], {"LOSSLAB_WORKERS": "abc"}, "LOSSLAB_WORKERS='abc' is not an integer"),
    (["serve", "--servers", "abc"], {}, "--servers='abc' is not an integer: set it to an integer in [1, ∞)."),
    (["proxy", "--port", "0", "web:8501"], {}, "--port='0' is out of range: set it to an integer in [1, 65535]."),
])
def test_serve_with_a_bad_setting_says_one_sentence_and_exits_2(tmp_path, args, env, sentence):
    done = _cli(*args, LOSSLAB_HOME=str(tmp_path), **env)
    assert done.returncode == 2 and sentence in done.stderr, done.stderr[-500:]
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_the_settings_command_prints_the_table():
    done = _cli("settings")
    assert done.returncode == 0 and done.stdout.strip() == settings.markdown_table()
