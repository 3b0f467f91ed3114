"""`python -m losslab ...`: train from the terminal, install MNIST, inspect stored runs.

Bad arguments print the config's one-sentence message and exit with status 2."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Optional

from . import fields, settings
from .config import CONFIGS
from .labs import LABS  # every lab's module: its config joins CONFIGS, so `train <lab>` exists


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _add_config_args(parser: argparse.ArgumentParser, cls) -> None:
    """One option per declared field, its --help from the field table (meaning, unit, range, default)."""
    for name, spec in fields.specs(cls).items():
        if not spec.url:
            continue  # uploaded points: not a command-line value
        parser.add_argument(_flag(name), dest=name, type=str, default=None, metavar=spec.kind.__name__.upper(),
                            help=fields.help_text(cls, name).replace("%", "%%"))


def _config_from_args(cls, args):
    values = {name: fields.parse(cls, name, raw) for name in fields.specs(cls)
              if (raw := getattr(args, name, None)) is not None}
    return cls(**values)


# Our three serve options, each the command-line form of a setting (same range, same sentence).
SERVE_OPTIONS = {"--servers": "LOSSLAB_SERVERS", "--port": "LOSSLAB_PORT", "--base-path": "LOSSLAB_BASE_PATH"}


def _serve_options(args: list[str]) -> tuple[list[str], int, int, str]:
    """--servers N (or LOSSLAB_SERVERS), --port P and --base-path B for the replicated service;
    everything else goes to Streamlit unchanged. A bad value raises its setting's one sentence."""
    values, rest = {setting: settings.get(setting) for setting in SERVE_OPTIONS.values()}, []
    it = iter(args)
    for a in it:
        name, _, value = a.partition("=")
        if name in SERVE_OPTIONS:
            value = value or next(it, "")
            values[SERVE_OPTIONS[name]] = settings.parse(SERVE_OPTIONS[name], value, label=name)
        else:
            rest.append(a)
    return rest, values["LOSSLAB_SERVERS"], values["LOSSLAB_PORT"], values["LOSSLAB_BASE_PATH"]


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m losslab", description="losslab: see how loss functions behave.")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train a model and print its final metrics")
    tasks = train.add_subparsers(dest="task", required=True)
    for task, cls in CONFIGS.items():
        if getattr(cls, "needs_store", False):
            continue  # a slice reads a stored run's weights: the web app starts it
        p = tasks.add_parser(task, help=cls.__doc__.splitlines()[0])
        _add_config_args(p, cls)
        p.add_argument("--json", action="store_true", help="print the result as JSON")
        p.add_argument("--no-progress", action="store_true", help="no progress bar")

    data = sub.add_parser("data", help="install data sets")
    data.add_argument("dataset", choices=sorted({d for lab in LABS.values() for d in lab.datasets}))
    data.add_argument("--from", dest="source", type=Path, default=None,
                      help="a folder holding the four MNIST .gz files (no internet needed)")

    runs = sub.add_parser("runs", help="list, show or stop runs in the job store; `code ID`: the run as a PyTorch program")
    runs.add_argument("action", choices=["list", "show", "stop", "code"])
    runs.add_argument("run_id", nargs="?")
    runs.add_argument("--owner", default=None, help="only this owner's runs (list)")
    runs.add_argument("--notebook", action="store_true", help="code: write a Jupyter notebook (.ipynb) instead of printing a script")
    runs.add_argument("--out", default=None, help="code: the file to write (default: printed; a notebook: losslab_<lab>_<id>.ipynb)")
    runs.add_argument("--lang", default="en", choices=["en", "ko"], help="code: the language of the comments")
    sub.add_parser("serve", help="the web app with its worker pool started at once (then Streamlit's own options); "
                                 "--servers N: N processes behind HAProxy at --port P under --base-path /losslab/")
    sub.add_parser("proxy", help="only HAProxy, at --port P under --base-path B, in front of web replicas "
                                 "given as HOST:PORT (deploy/compose.yaml)")
    sub.add_parser("settings", help="the LOSSLAB_* environment variables: default, allowed values, what each "
                                    "does (the README's table, in Markdown)")
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["serve"], ["proxy"]):
        try:  # a service starts only on good settings: a bad one is one sentence, before anything starts
            settings.check_all()
            rest, servers, port, base = _serve_options(argv[1:])
        except ValueError as exc:
            print(f"losslab: {exc}", file=sys.stderr)
            return 2
    if argv[:1] == ["serve"]:  # everything after `serve` belongs to Streamlit, but for our three options
        if servers > 1:
            from .replicas import main as replicated

            return replicated(servers, port, base, rest)
        from .ui.serve import main as serve

        return serve(rest)
    if argv[:1] == ["proxy"]:  # the proxy alone, for replicas on other hosts or containers
        from .replicas import proxy_main

        return proxy_main(port, base, rest)
    args = _build_parser().parse_args(argv)
    if args.command == "settings":
        print(settings.markdown_table())
        return 0
    try:
        if args.command == "train":
            return _train(args)
        if args.command == "data":
            return _data(args)
        from .jobs.cli import runs_command

        return runs_command(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _train(args) -> int:
    from .runner import run
    from .training import ListReporter

    config = _config_from_args(CONFIGS[args.task], args)

    class ProgressReporter(ListReporter):
        bar = None

        def progress(self, step, total):
            if args.no_progress or args.json:
                return
            if self.bar is None:
                from tqdm import tqdm

                self.bar = tqdm(total=total, unit="step", file=sys.stderr)
            self.bar.update(step - self.bar.n)

    reporter = ProgressReporter()
    result = run(config, reporter)
    if reporter.bar is not None:
        reporter.bar.close()
    out = {"status": result.status, "steps": result.steps, "seconds": round(result.seconds, 3),
           "diverged_at": result.diverged_at, "final": result.final, "config": config.to_dict()}
    if args.json:
        print(json.dumps(out))
    else:
        print(f"{result.status} after {result.steps} steps in {result.seconds:.1f} s")
        if result.diverged_at:
            print(f"the loss became NaN or infinite at step {result.diverged_at}: lower the learning rate")
        for key, value in result.final.items():
            print(f"  {key:<16} {value:.6g}")
    return 0


def _data(args) -> int:
    from . import datasets

    raw = datasets.install_mnist_from(args.source) if args.source else datasets.download_mnist()
    datasets.mnist_tensors()  # the shared, memory-mapped cache every worker reads
    print(f"MNIST installed in {raw}")
    return 0
