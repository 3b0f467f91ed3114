"""Frozen, validated run configs. A bad value raises ValueError naming the field and its range;
the same config comes from the UI, the CLI and a URL, and round-trips through JSON exactly.

base: limits and shared declarations; labs: regression, MNIST, binary; jobs: study, slice."""

from __future__ import annotations

import json

from .. import fields
from ..fields import check_choice as _choice
from ..i18n import Problem
from .base import (CONFIGS, MAX_SEED, MAX_UPLOAD_BYTES, MAX_UPLOAD_ROWS, MNIST_TRAIN_SIZE, NOISE_PAIRS,  # noqa: F401
                   SPEEDS, _Config)
from .jobs import MAX_STUDY_CELLS, STUDY_RATES, SliceConfig, StudyConfig  # noqa: F401
from .labs import BINARY_DATA, BINARY_FEATURES, BinaryConfig, MnistConfig, RegressionConfig  # noqa: F401

# CONFIGS: every config class by its task, filled as the classes are defined (a lab's own module
# defines its config: losslab.labs imports them all, so the worker, the CLI and the app know every task).


def to_query(config) -> dict[str, str]:
    """The link of a config: every link-able field that differs from its default, as text
    (`fields.parse` reads it back). A loss parameter equal to its loss's default is left out."""
    query, default = {}, fields.defaults(type(config))
    for name, spec in fields.specs(type(config)).items():
        value = getattr(config, name)
        if not spec.url or value is None:
            continue
        if name == "loss_param":
            param = config.loss_fn.param
            if param is None or value == param.default:
                continue
        elif value == default[name]:
            continue
        query[name] = fields.format_value(value)
    return query


def config_from_dict(d: dict):
    """Any stored config back to its dataclass; the task field picks the class."""
    task = d.get("task")
    _choice("task", task, list(CONFIGS))
    return CONFIGS[task].from_dict(d)


def config_from_json(text: str):
    try:
        d = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Problem("error.json", why=exc.msg) from None
    if not isinstance(d, dict):
        raise Problem("error.json_object")
    return config_from_dict(d)
