"""run(config): what the worker and the CLI call for any job. A noise study runs its cells one
after another (study_runner); a landscape slice evaluates the stored trajectory of its MNIST run
(`checkpoints(run_id)` reads it from wherever the run lives: the store, for the worker); every
other config is one run of its lab through the training loop. The loop (training.train) knows no
job kinds, so training, study_runner and slices import each other in one direction only."""

from __future__ import annotations

from typing import Callable, Optional

from . import training
from .config import SliceConfig, StudyConfig
from .i18n import Problem
from .training import Reporter, Result

# checkpoints(run_id) → (task, config JSON, [(step, float16 weights)]) of a finished run, or None
Checkpoints = Callable[[str], Optional[tuple[str, str, list]]]


def run(config, reporter: Optional[Reporter] = None, should_stop: Optional[Callable[[], bool]] = None,
        resume_state: Optional[dict] = None, checkpoints: Optional[Checkpoints] = None) -> Result:
    if isinstance(config, StudyConfig):
        from .study_runner import run_study

        return run_study(config, reporter, should_stop)
    if isinstance(config, SliceConfig):
        return _slice(config, reporter, should_stop, checkpoints)
    return training.train(config, reporter, should_stop, resume_state=resume_state)


def _slice(config: SliceConfig, reporter, should_stop, checkpoints: Optional[Checkpoints]) -> Result:
    from .config import config_from_json
    from .slices import run_slice, trajectory

    found = checkpoints(config.run) if checkpoints else None
    if found is None or found[0] != "mnist":
        raise Problem("error.slice_source", run=repr(config.run))
    _, source, points = found
    if len(points) < 3:
        raise Problem("error.slice_checkpoints", run=repr(config.run))
    return run_slice(config, config_from_json(source), [p[0] for p in points], trajectory([p[1] for p in points]),
                     reporter, should_stop)
