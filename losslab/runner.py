"""run(config): what the worker and the CLI call for any job. A noise study runs its cells one
after another (study_runner); every other config is one lab run through the training loop.
The loop itself (training.train) no longer dispatches studies, so training and study_runner
import each other in one direction only."""

from __future__ import annotations

from typing import Callable, Optional

from . import training
from .config import StudyConfig
from .training import Reporter, Result


def run(config, reporter: Optional[Reporter] = None, should_stop: Optional[Callable[[], bool]] = None,
        resume_state: Optional[dict] = None) -> Result:
    if isinstance(config, StudyConfig):
        from .study_runner import run_study

        return run_study(config, reporter, should_stop)
    return training.train(config, reporter, should_stop, resume_state=resume_state)
