"""The server's settings: every LOSSLAB_* environment variable declared once, here (type,
default, range or choices, one line of help), and read through `get(name)`.

`get` reads os.environ on every call, as the readers it replaced did (a test's monkeypatched
variable counts at once; a worker reads what its server passed it). A bad value raises a
Problem: one sentence naming the variable, what is wrong with it and what is allowed, in the
reader's language; `python -m losslab serve` checks every setting (`check_all`) before it starts
anything, so an operator sees that sentence and exit status 2, not a traceback. Unset and empty
are the same: the default.

The README's table of settings is `markdown_table()` (`python -m losslab settings`); a test
keeps the two equal. Torch- and Streamlit-free: the CLI, the store and the UI all read it."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Union

from .i18n import DEFAULT as DEFAULT_LANGUAGE, LANGUAGES, Problem

KINDS = ("int", "float", "str", "path", "file", "choice", "list")  # file: a path that must exist


@dataclass(frozen=True)
class Setting:
    name: str
    kind: str                        # one of KINDS
    default: Union[Any, Callable[[], Any]]  # a function when it depends on the machine (cores, XDG folders)
    help: str                        # one line of English: it is the README's row (docs, not UI text)
    low: Optional[float] = None      # int and float: the closed range [low, high]; high None: no bound
    high: Optional[float] = None
    choices: tuple = ()              # choice: the allowed values, lower case
    shown_default: str = ""          # the README's default column, when the value alone does not say it
    fallback: bool = False           # an unknown value means the default instead of an error

    def range_text(self) -> str:
        return f"[{_fmt(self.low)}, {'∞)' if self.high is None else _fmt(self.high) + ']'}"

    def default_value(self):
        return self.default() if callable(self.default) else self.default


def _state_home() -> Path:
    return Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "losslab"


def _data_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "losslab" / "data"


_TABLE = [
    Setting("LOSSLAB_HOME", "path", _state_home, "where the SQLite store of runs and metrics lives",
            shown_default="`~/.local/state/losslab` (image: `/data`, a volume)"),
    Setting("LOSSLAB_DATA_DIR", "path", _data_home, "where MNIST lives",
            shown_default="`~/.cache/losslab/data` (image: `/opt/losslab/data`)"),
    Setting("LOSSLAB_WORKERS", "int", 0, "runs training at the same time (0: one per core); each worker gets "
            "cores ÷ workers torch threads", low=0, shown_default="number of cores"),
    Setting("LOSSLAB_BATCH_RUNS", "int", 128, "runs one worker trains together as one program when they share a "
            "lab, a model shape and an optimizer (a class pressing Start at once); 1: every run alone", low=1),
    Setting("LOSSLAB_WORKER_NICE", "int", 10, "how far a worker yields the CPU to the web server (a `nice` "
            "increment): pages stay responsive while every core trains", low=-20, high=19),
    Setting("LOSSLAB_MAX_RUNS_PER_OWNER", "int", 3, "queued + running runs one browser may have", low=1),
    Setting("LOSSLAB_KEEP_RUNS_PER_OWNER", "int", 30, "finished runs kept per browser; older ones are deleted", low=1),
    Setting("LOSSLAB_RETENTION_HOURS", "int", 72, "finished runs older than this are deleted (the disk stays "
            "bounded)", low=1),
    Setting("LOSSLAB_MAX_RUNS_PER_CLIENT", "int", 12, "queued + running runs from one client address, whatever "
            "cookies it sends (one student cannot fill the queue by dropping cookies)", low=1),
    Setting("LOSSLAB_MAX_QUEUED", "int", 200, "runs waiting in the whole class's queue; beyond it Start says the "
            "queue is full", low=1),
    Setting("LOSSLAB_MAX_RUN_SECONDS", "float", 1800.0, "a run's (or a study's) time budget in seconds; past it "
            "the run is stopped and its results kept", low=1),
    Setting("LOSSLAB_MAX_FINISHED_RUNS", "int", 5000, "finished runs kept in the store for everyone together; "
            "the oldest go first", low=1),
    Setting("LOSSLAB_ADMIN_TOKEN", "str", "", "the lecturer's secret: stop/delete any run, share a run with the "
            "class", shown_default="unset (lecturer view off)"),
    Setting("LOSSLAB_SERVERS", "int", 1, "Streamlit processes; above 1 they run behind HAProxy under "
            "`LOSSLAB_BASE_PATH`; `--servers N` overrides it", low=1),
    Setting("LOSSLAB_PORT", "int", 8501, "where the proxy listens (`--servers` mode, `python -m losslab proxy`); "
            "`--port P` overrides it", low=1, high=65535),
    Setting("LOSSLAB_BASE_PATH", "str", "losslab", "the path the proxy serves the app under (`--servers` mode); "
            "`--base-path B` overrides it"),
    Setting("LOSSLAB_TLS_CERT", "file", None, "a PEM with certificate and key: the server (one) or the proxy "
            "(`--servers` mode) serves HTTPS and cookies are `Secure`", shown_default="unset (HTTP)"),
    Setting("LOSSLAB_DATABASE_URL", "str", "", "`postgresql://user:password@host:5432/db`: runs, metrics and "
            "lessons in PostgreSQL, shared by every replica", shown_default="unset (SQLite in `LOSSLAB_HOME`)"),
    Setting("LOSSLAB_EXECUTOR", "choice", "local", "`ray`: training on the Ray cluster at `RAY_ADDRESS` "
            "(`LOSSLAB_WORKERS` actors of one CPU), not in local processes", choices=("local", "ray")),
    # Like a browser's language: one losslab does not speak falls back to the default, no error.
    Setting("LOSSLAB_LANG", "choice", DEFAULT_LANGUAGE, "the interface language when neither the link "
            "(`?lang=ko`) nor the browser says (any other value: `en`)", choices=tuple(LANGUAGES), fallback=True),
    Setting("LOSSLAB_TRUSTED_PROXIES", "list", (), "proxies (IP addresses or networks, comma-separated) whose "
            "`X-Forwarded-For` names the client; from anyone else the header is ignored and the socket's address "
            "counts", shown_default="unset (`--servers` mode: `127.0.0.1`)"),
    Setting("LOSSLAB_GUARD_LIMIT", "int", 5, "wrong admin tokens allowed per browser session and per client "
            "address within `LOSSLAB_GUARD_WINDOW`, counted in the store: every replica shares them", low=1),
    Setting("LOSSLAB_GUARD_WINDOW", "float", 60.0, "the window in seconds in which `LOSSLAB_GUARD_LIMIT` wrong "
            "admin tokens are allowed", low=1),
    Setting("LOSSLAB_ANSWERS_PER_ADDRESS", "int", 1, "students (browsers) whose answer to a lesson's question counts, "
            "per network address: one device, one vote, whatever cookies it sends; 0: no limit (a class behind one "
            "shared address, NAT); the server's own loopback is never limited", low=0),
]
TABLE: dict[str, Setting] = {s.name: s for s in _TABLE}


def get(name: str):
    """The setting's value from the environment now, or its default when unset or empty."""
    return parse(name, os.environ.get(name, ""))


def parse(name: str, raw: str, label: Optional[str] = None):
    """`raw` (the variable's text, or a command-line flag's: `label` names it then) as the setting's
    value; a Problem with one sentence when it is not allowed."""
    spec, label = TABLE[name], label or name
    if spec.kind == "str":
        return raw or spec.default_value()  # as given: a token's spaces are part of it
    text = raw.strip()
    if not text:
        return spec.default_value()
    if spec.kind in ("path", "file"):
        path = Path(text).expanduser()
        if spec.kind == "file" and not path.is_file():
            raise Problem("error.setting_file", name=label, got=repr(text[:80]))
        return path
    if spec.kind == "list":
        return tuple(p.strip() for p in text.split(",") if p.strip())
    if spec.kind == "choice":
        if text.lower() in spec.choices:
            return text.lower()
        if spec.fallback:
            return spec.default_value()
        raise Problem("error.setting_choice", name=label, got=repr(text[:40]), allowed=", ".join(spec.choices))
    return _number(spec, label, text)


def _number(spec: Setting, label: str, text: str):
    integer = spec.kind == "int"
    kind = "integer" if integer else "number"
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or (integer and not value.is_integer()):
        raise Problem(f"error.setting_not_{kind}", name=label, got=repr(text[:40]), range=spec.range_text())
    if value < spec.low or (spec.high is not None and value > spec.high):
        raise Problem(f"error.setting_{kind}_range", name=label, got=repr(text[:40]), range=spec.range_text())
    return int(value) if integer else value


def check_all() -> None:
    """Every setting as the environment gives it: the first bad one raises its Problem."""
    for name in TABLE:
        get(name)


# --- the README's table ------------------------------------------------------------------------

def _fmt(v) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _default_text(spec: Setting) -> str:
    if spec.shown_default:
        return spec.shown_default
    return f"`{spec.default}`" if isinstance(spec.default, str) else _fmt(spec.default)


def _allowed_text(spec: Setting) -> str:
    if spec.kind in ("int", "float"):
        return f"{'integer' if spec.kind == 'int' else 'number'} in {spec.range_text()}"
    if spec.kind == "choice":
        return " or ".join(f"`{c}`" for c in spec.choices)
    return {"str": "text", "path": "a path", "file": "an existing file", "list": "comma-separated list"}[spec.kind]


def markdown_table() -> str:
    """The README's table of settings, one row per declared setting, in declaration order."""
    rows = ["| variable | default | allowed | what it does |", "| --- | --- | --- | --- |"]
    rows += [f"| `{s.name}` | {_default_text(s)} | {_allowed_text(s)} | {s.help} |" for s in TABLE.values()]
    return "\n".join(rows)
