"""The field table's machinery: each config field declares its type, default, range or choices,
label, help and unit once (`declare(...)`), and validation, widgets, CLI arguments, the URL and
the limit tests are all derived from that declaration. Torch-free."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Callable, Optional

Values = dict  # field name -> value, what `shown_when` conditions read


@dataclass(frozen=True)
class Spec:
    kind: type                       # int | float | str
    label: str
    help: str = ""
    unit: str = ""
    low: Optional[float] = None
    high: Optional[float] = None
    low_open: bool = False           # (low, high] rather than [low, high]
    choices: Optional[Callable[[], tuple]] = None   # a function: registries fill in after import
    choice_labels: Optional[Callable[[], dict]] = None
    widget: str = "number"           # number | slider | select | radio | select_slider | none
    step: Optional[float] = None     # slider step
    optional: bool = False           # None allowed (e.g. a loss parameter: None = the loss's default)
    shown_when: Optional[Callable[[Values], bool]] = None  # the form shows it only then
    hidden_reason: str = ""          # why a value is ignored when it is not shown
    url: bool = True                 # False: never read from or written to a link (uploaded points)

    def allowed(self) -> tuple:
        return tuple(self.choices()) if self.choices else ()

    def range_text(self) -> str:
        if self.choices:
            return "one of " + ", ".join(_fmt(c) for c in self.allowed())
        if self.low is None:
            return ""
        return f"{'(' if self.low_open else '['}{_fmt(self.low)}, {_fmt(self.high)}]"

    def shown(self, values: Values) -> bool:
        return self.shown_when is None or bool(self.shown_when(values))


def declare(default: Any, kind: type, label: str, **spec) -> dataclasses.Field:
    """A dataclass field carrying its Spec: `lr: float = declare(0.1, float, "Learning rate η", ...)`."""
    return dataclasses.field(default=default, metadata={"spec": Spec(kind=kind, label=label, **spec)})


def specs(cls) -> dict[str, Spec]:
    """{field name: Spec} in declaration order, for every declared field of a config class."""
    return {f.name: f.metadata["spec"] for f in dataclasses.fields(cls) if "spec" in f.metadata}


def defaults(cls) -> dict:
    return {f.name: f.default for f in dataclasses.fields(cls)}


def _fmt(v) -> str:
    """A limit as a person reads it: 2147483647, not 2.14748e+09; 0.99, not 0.9900000000000001."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(int(v)) if float(v).is_integer() and abs(v) < 1e16 else f"{v:g}"
    return str(v)


def format_value(value) -> str:
    """A field value as it is written in a link or on a command line (shortest exact form)."""
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else f"{value:g}" if abs(value) < 1e15 else repr(value)
    return str(value)


# --- validation ----------------------------------------------------------------------------

def check_number(name, value, low, high, *, integer=False, low_open=False):
    kind = "an integer" if integer else "a number"
    rng = f"{'(' if low_open else '['}{_fmt(low)}, {_fmt(high)}]"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not float(value).is_integer()):
        raise ValueError(f"{name} must be {kind} in {rng}; got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number in {rng}; got {value!r}")
    if value > high or value < low or (low_open and value == low):
        raise ValueError(f"{name} must be in {rng}; got {value!r}")


def check_choice(name, value, allowed):
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(_fmt(a) for a in allowed)}; got {value!r}")


def validate(config) -> None:
    """Every declared field of a config against its own declaration (one sentence on failure)."""
    for name, spec in specs(type(config)).items():
        value = getattr(config, name)
        if value is None and spec.optional:
            continue
        if spec.choices:
            check_choice(name, value, spec.allowed())
        elif spec.low is not None:
            check_number(name, value, spec.low, spec.high, integer=spec.kind is int, low_open=spec.low_open)


# --- one parser from text (a link, a command line) to a field value ----------------------

def parse(cls, name: str, raw: str):
    """A string from a URL or the CLI to the field's value, checked against the field alone.

    Raises ValueError with one sentence; cross-field checks happen when the config is built."""
    spec = specs(cls)[name]
    raw = raw.strip()
    if spec.optional and raw.lower() in ("", "none", "default"):
        return None
    if spec.kind is str:
        value = raw
    else:
        try:
            number = float(raw)
        except ValueError:
            raise ValueError(f"{name} must be a number; got {raw[:40]!r}") from None
        if spec.kind is int:
            if not math.isfinite(number) or not number.is_integer():
                raise ValueError(f"{name} must be a whole number; got {raw[:40]!r}")
            value = int(number)
        else:
            value = number
    if spec.choices:
        check_choice(name, value, spec.allowed())
    elif spec.low is not None:
        check_number(name, value, spec.low, spec.high, integer=spec.kind is int, low_open=spec.low_open)
    return value


def help_text(cls, name: str) -> str:
    """What --help and a widget's tooltip say: meaning, unit, range and default."""
    spec = specs(cls)[name]
    default = defaults(cls)[name]
    parts = [spec.help or spec.label]
    if spec.unit:
        parts.append(f"unit: {spec.unit}")
    if spec.range_text():
        parts.append(spec.range_text())
    parts.append(f"default {format_value(default) if default is not None else 'the loss’s own'}")
    return "; ".join(parts)


def limits_sentence(regression_cls, mnist_cls, max_points: int) -> str:
    """The README's "Limits of one run" sentence, generated from the table (a test compares)."""
    r, m = specs(regression_cls), specs(mnist_cls)
    return (f"Limits of one run: regression ≤ {r['epochs'].high:,.0f} epochs and ≤ {max_points:,} uploaded "
            f"points; MNIST ≤ {m['epochs'].high:,.0f} epochs; learning rate in {r['lr'].range_text()}; "
            f"slow motion ≤ {max(r['speed'].allowed()):,.0f} steps/s.")
