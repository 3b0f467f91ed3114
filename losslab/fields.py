"""The field table's machinery: each config field declares its type, default, range or choices,
label, help and unit once (`declare(...)`), and validation, widgets, CLI arguments, the URL and
the limit tests are all derived from that declaration. Torch-free."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Callable, Optional

from .i18n import Problem, has, t

Values = dict  # field name -> value, what `shown_when` conditions read


@dataclass(frozen=True)
class Spec:
    kind: type                       # int | float | str | tuple (several of the choices)
    unit: str = ""                   # shown after the label: kg, %
    low: Optional[float] = None
    high: Optional[float] = None
    low_open: bool = False           # (low, high] rather than [low, high]
    choices: Optional[Callable[[], tuple]] = None   # a function: registries fill in after import
    choice_labels: Optional[Callable[[], dict]] = None  # else choice.<field>.<value> in the catalogue
    widget: str = "number"           # number | slider | select | radio | select_slider | multiselect | none
    item: Optional[type] = None      # kind=tuple: the type of each chosen value (str, float)
    step: Optional[float] = None     # slider step
    optional: bool = False           # None allowed (e.g. a loss parameter: None = the loss's default)
    shown_when: Optional[Callable[[Values], bool]] = None  # the form shows it only then
    url: bool = True                 # False: never read from or written to a link (uploaded points)

    def allowed(self) -> tuple:
        return tuple(self.choices()) if self.choices else ()

    def range_text(self) -> str:
        if self.choices:
            several = "one or more of " if self.kind is tuple else "one of "
            return several + ", ".join(_fmt(c) for c in self.allowed())
        if self.low is None:
            return ""
        return f"{'(' if self.low_open else '['}{_fmt(self.low)}, {_fmt(self.high)}]"

    def shown(self, values: Values) -> bool:
        return self.shown_when is None or bool(self.shown_when(values))


def declare(default: Any, kind: type, **spec) -> dataclasses.Field:
    """A dataclass field carrying its Spec: `lr: float = declare(0.1, float, low=0, high=10, low_open=True)`.
    Its label, help text and the reason it may be hidden are catalogue entries named after it."""
    return dataclasses.field(default=default, metadata={"spec": Spec(kind=kind, **spec)})


def _text(cls, name: str, suffix: str = "") -> str:
    """field.<task>.<name><suffix> where a lab says it differently, else field.<name><suffix>."""
    specific = f"field.{cls.task}.{name}{suffix}"
    return t(specific) if has(specific) else t(f"field.{name}{suffix}")


def label(cls, name: str) -> str:
    spec = specs(cls)[name]
    return _text(cls, name) + (f" ({spec.unit})" if spec.unit else "")


def help_of(cls, name: str) -> str:
    return _text(cls, name, "_help")


def hidden_reason(cls, name: str) -> str:
    return _text(cls, name, "_hidden")


def choice_label(cls, name: str, value) -> str:
    spec = specs(cls)[name]
    if spec.choice_labels:
        return str(spec.choice_labels().get(value, value))
    key = f"choice.{name}.{_fmt(value)}"
    if has(key):
        return t(key)
    return t(f"choice.{name}.n", n=_fmt(value)) if has(f"choice.{name}.n") else str(value)


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
    """A field value as it is written in a link or on a command line (shortest exact form);
    several values (a study's losses) are written comma-separated."""
    if isinstance(value, (tuple, list)):
        return ",".join(format_value(v) for v in value)
    if isinstance(value, float) and not (value.is_integer() and abs(value) < 1e16):
        return repr(value)  # exact: a link read back gives the same float
    return _fmt(value)


# --- validation ----------------------------------------------------------------------------

def check_number(name, value, low, high, *, integer=False, low_open=False):
    rng = f"{'(' if low_open else '['}{_fmt(low)}, {_fmt(high)}]"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not float(value).is_integer()):
        kind = t("error.integer" if integer else "error.number")
        raise Problem("error.kind_range", name=name, kind=kind, range=rng, got=repr(value))
    if not math.isfinite(value):
        raise Problem("error.finite", name=name, range=rng, got=repr(value))
    if value > high or value < low or (low_open and value == low):
        raise Problem("error.range", name=name, range=rng, got=repr(value))


def check_choice(name, value, allowed):
    if value not in allowed:
        raise Problem("error.choice", name=name, allowed=", ".join(_fmt(a) for a in allowed), got=repr(value))


def check_several(name, value, allowed):
    """A field that takes one or more of its choices: a non-empty tuple of distinct allowed values."""
    if not isinstance(value, tuple) or not value:
        raise Problem("error.several_empty", name=name, allowed=", ".join(_fmt(a) for a in allowed))
    for v in value:
        check_choice(name, v, allowed)
    if len(set(value)) != len(value):
        raise Problem("error.several_twice", name=name, got=format_value(value))


def validate(config) -> None:
    """Every declared field of a config against its own declaration (one sentence on failure)."""
    for name, spec in specs(type(config)).items():
        value = getattr(config, name)
        if value is None and spec.optional:
            continue
        if spec.kind is tuple and spec.choices:
            if value == () and spec.optional:
                continue  # none of them (the binary lab's extra features)
            check_several(name, value, spec.allowed())
        elif spec.choices:
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
        return () if spec.kind is tuple else None
    if spec.kind is tuple:
        value = tuple(_parse_one(name, spec.item, part.strip()) for part in raw.split(",") if part.strip())
        if value or not spec.optional:
            check_several(name, value, spec.allowed())
        return value
    value = _parse_one(name, spec.kind, raw)
    if spec.choices:
        check_choice(name, value, spec.allowed())
    elif spec.low is not None:
        check_number(name, value, spec.low, spec.high, integer=spec.kind is int, low_open=spec.low_open)
    return value


def _parse_one(name: str, kind: type, raw: str):
    if kind is str:
        return raw
    try:
        number = float(raw)
    except ValueError:
        raise Problem("error.not_number", name=name, got=repr(raw[:40])) from None
    if kind is int:
        if not math.isfinite(number) or not number.is_integer():
            raise Problem("error.not_whole", name=name, got=repr(raw[:40]))
        return int(number)
    return number


def help_text(cls, name: str) -> str:
    """What --help and a widget's tooltip say: meaning, unit, range and default."""
    spec = specs(cls)[name]
    default = defaults(cls)[name]
    parts = [help_of(cls, name)]
    if spec.unit:
        parts.append(t("field.unit", unit=spec.unit))
    if spec.range_text():
        parts.append(spec.range_text())
    parts.append(t("field.default", value=format_value(default) if default is not None else t("field.loss_default")))
    return "; ".join(parts)


def limits_sentence(regression_cls, mnist_cls, max_points: int) -> str:
    """The README's "Limits of one run" sentence, generated from the table (a test compares)."""
    r, m = specs(regression_cls), specs(mnist_cls)
    return (f"Limits of one run: regression ≤ {r['epochs'].high:,.0f} epochs and ≤ {max_points:,} uploaded "
            f"points; MNIST ≤ {m['epochs'].high:,.0f} epochs; learning rate in {r['lr'].range_text()}; "
            f"slow motion ≤ {max(r['speed'].allowed()):,.0f} steps/s.")
