"""The string catalogue: every word a person reads, in Korean and English, by key.

`t("regression.title")` gives the text in the visitor's language, `t("live.step_of", step=3, total=9)` fills
named placeholders. The catalogues are TOML files, one per language (en.toml, ko.toml), so a
translator edits one file; the glossary of course terms sits at the top of ko.toml. Torch-
and Streamlit-free: the UI tells it the visitor's language through `set_language_source`."""

from __future__ import annotations

import math

import json
import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Callable, Optional

LANGUAGES = {"ko": "한국어", "en": "English"}
DEFAULT = "en"
HERE = Path(__file__).resolve().parent
# "pseudo" stretches every English string by ~40 % (tests: does the layout survive longer text?)
PSEUDO = "pseudo"

_source: Optional[Callable[[], str]] = None


def set_language_source(source: Optional[Callable[[], str]]) -> None:
    """Where the current language comes from (the UI: the visitor's session)."""
    global _source
    _source = source


def server_default() -> str:
    # LOSSLAB_LANG is declared in losslab/settings.py with every other setting but read here: the
    # settings' bad-value sentences are catalogue entries, so the catalogue sits below the table
    # and cannot import it. Same rule as its declaration (a test compares): unknown means DEFAULT.
    lang = os.environ.get("LOSSLAB_LANG", DEFAULT).strip().lower()
    return lang if lang in LANGUAGES else DEFAULT


def current() -> str:
    if _source is not None:
        try:
            lang = _source()
        except Exception:  # no session (a worker, the CLI, a test outside Streamlit)
            lang = None
        if lang in LANGUAGES or lang == PSEUDO:
            return lang
    return server_default()


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    out = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = value
    return out


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    if lang == PSEUDO:
        return {k: _stretch(v) for k, v in catalogue("en").items()}
    with open(HERE / f"{lang}.toml", "rb") as f:
        return _flatten(tomllib.load(f))


def _stretch(text: str) -> str:
    """~40 % longer, placeholders intact: 'Start' -> '[Ŝtàrt ~~]'."""
    if not isinstance(text, str):
        return text
    extra = "~" * max(2, int(len(text) * 0.4))
    return f"[{text} {extra}]"


def has(key: str) -> bool:
    return key in catalogue(DEFAULT)


def t(key: str, lang: Optional[str] = None, **values) -> str:
    """The text of `key` in `lang` (default: the visitor's), placeholders filled. A key missing
    in the chosen language falls back to English (a test keeps both complete)."""
    lang = lang or current()
    text = catalogue(lang).get(key)
    if text is None:
        text = catalogue(DEFAULT).get(key)
    if text is None:
        raise KeyError(f"no string {key!r} in the catalogue")
    return text.format(**values) if values else text


def number(value: float, digits: int = 0) -> str:
    """A number with the locale's separators. Korean and English both group thousands with ','
    and mark decimals with '.', so one rule serves both; the function is the one place to change."""
    return f"{value:,.{digits}f}"


def readable(value: float, significant: int = 4) -> str:
    """A measured number for people: `significant` digits, thousands grouped as number() does,
    never Python's exponent ("62,510", not "6.251e+04"; "0.0001234", "1.2 × 10⁻⁷" only below 10⁻⁴)."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    exponent = math.floor(math.log10(abs(value)))
    if exponent < -4:
        mantissa, power = f"{value / 10 ** exponent:.{max(significant - 2, 1)}f}".rstrip("0").rstrip("."), str(exponent)
        return f"{mantissa} × 10" + power.translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    digits = max(significant - 1 - exponent, 0)
    text = number(round(value, digits), digits)
    return text.rstrip("0").rstrip(".") if "." in text else text


class Text:
    """Text a registry entry owns in both languages (a loss's label, its explanation):
    `Text(en="MSE", ko="평균 제곱 오차")`; str() gives the visitor's language."""

    __slots__ = ("en", "ko")

    def __init__(self, en: str, ko: str):
        self.en, self.ko = en, ko

    def get(self, lang: Optional[str] = None) -> str:
        lang = lang or current()
        if lang == PSEUDO:
            return _stretch(self.en)
        return getattr(self, lang, None) or self.en

    def __str__(self) -> str:
        return self.get()

    def __format__(self, spec: str) -> str:
        return format(self.get(), spec)

    def __eq__(self, other):
        return isinstance(other, Text) and (self.en, self.ko) == (other.en, other.ko)

    def __hash__(self):
        return hash((self.en, self.ko))

    def __repr__(self):
        return f"Text(en={self.en!r}, ko={self.ko!r})"


class Problem(ValueError):
    """A ValueError whose one sentence is rendered in the reader's language when shown
    (`str(exc)`), so validation written once speaks Korean in the browser and English in a log.

    `encode()` stores it (a run's error in the database) and `render()` reads it back for
    whoever looks later, in their language."""

    def __init__(self, key: str, **values):
        super().__init__(key, values)
        self.key, self.values = key, values

    def __str__(self) -> str:
        return t(self.key, **self.values)

    def encode(self) -> str:
        return "@" + json.dumps([self.key, self.values], ensure_ascii=False)


def render(stored: Optional[str]) -> str:
    """A stored message (see Problem.encode) in the reader's language; plain text as it is."""
    if not stored or not stored.startswith("@"):
        return stored or ""
    try:
        key, values = json.loads(stored[1:])
        # a stored reason inside a stored message (a worker's death inside "not resumed again")
        return t(key, **{k: render(v) if isinstance(v, str) and v.startswith("@") else v for k, v in values.items()})
    except (ValueError, KeyError, TypeError):
        return stored
