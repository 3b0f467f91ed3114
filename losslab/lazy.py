"""A module imported on first attribute access, so the loss and model registries can be read
(names, tasks, parameters) by configs, the job store and the CLI without importing torch (~1 s)."""

from __future__ import annotations

import importlib
from types import ModuleType


class LazyModule:
    """`torch = LazyModule("torch")`: `torch.log(...)` imports torch the first time it runs."""

    def __init__(self, name: str):
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str):
        if self._module is None:
            self._module = importlib.import_module(self._name)
        value = getattr(self._module, attr)
        setattr(self, attr, value)  # later lookups skip __getattr__: no cost in a training loop
        return value

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


def no_grad(fn):
    """`@torch.no_grad()` for a module that imports torch lazily (a decorator runs at import time)."""
    import functools

    torch = LazyModule("torch")

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with torch.no_grad():
            return fn(*args, **kwargs)
    return wrapper
