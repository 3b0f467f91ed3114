"""Lessons: a lecturer's prepared demo. A lab, a full config, the controls students may change
(the rest stay as the lecturer set them, hidden), a title, and optionally a question with answer
choices that students must answer before they may start (predict, then reveal: Crouch et al.,
Am. J. Phys. 2004). Built-in lessons ship with losslab, their words in the string catalogue;
saved lessons live in the run store, their words as the lecturer typed them. Torch-free."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable, Optional

from . import fields
from .config import CONFIGS, BinaryConfig, MnistConfig, RegressionConfig, config_from_dict
from .i18n import Problem, t
from .labs import ordered
from .losses import LOSSES

LESSON_TASKS = tuple(lab.task for lab in ordered() if lab.lesson)  # the labs a lesson can open
MAX_CHOICES = 6
MAX_TEXT = 300  # characters of a title, a question, a choice, an explanation
MAX_COMPARE = 5
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


@dataclass(frozen=True)
class Counterfactual:
    """A run in which a wrong option would have been right: shown with that option after Reveal."""
    choice: int                     # the wrong option this run makes right
    changes: Optional[tuple] = ()   # ((field, value), ...) on the lesson's config; None: no run can (said why)
    text: str = ""                  # one sentence: a catalogue key (built-in) or the lecturer's words

    def config(self, base):
        return base.replace(**dict(self.changes)) if self.changes else base


@dataclass(frozen=True)
class Lesson:
    id: str
    config: object                  # a lab's config: every field, as the lecturer set it
    editable: tuple = ()            # the fields students may change; all others are hidden
    title: str = ""
    question: str = ""              # "" = no question: Start is never locked
    choices: tuple = ()
    answer: Optional[int] = None    # the index of the right choice, shown on Reveal (None: open question)
    explanation: str = ""           # what the class should see in the outcome, shown on Reveal
    compare: tuple = ()             # losses trained side by side from the same start (else the config's own)
    builtin: bool = False           # words are catalogue keys, rendered in the reader's language
    owner: Optional[str] = None     # the lecturer's owner token (their runs are highlighted); never shown
    # The numbers a built-in text promises, computed from exact answers (never from where a run stopped)
    facts: Optional[Callable[[], dict]] = None
    counterfactuals: tuple = ()     # Counterfactual per wrong option (optional for a lecturer's lesson)

    @property
    def task(self) -> str:
        return self.config.task

    def say(self, field: str) -> str:
        value = getattr(self, field)
        return t(value, **(self.facts() if self.facts else {})) if self.builtin and value else value

    @property
    def runs_per_start(self) -> int:
        return len(self.compare) or 1

    def choice_texts(self) -> list[str]:
        return [t(c) if self.builtin else c for c in self.choices]

    def configs(self, changes: Optional[dict] = None) -> list:
        """The runs a student's Start queues: the lesson's config with the student's changes to
        the editable fields (any other change is refused), once per compared loss."""
        changes = dict(changes or {})
        locked = sorted(set(changes) - set(self.editable))
        if locked:
            raise Problem("lesson.locked_field", field=", ".join(locked))
        config = self.config.replace(**changes) if changes else self.config
        if not self.compare:
            return [config]
        return [config.replace(loss=name, loss_param=None) for name in self.compare]

    def counterfactual(self, choice: int) -> Optional[Counterfactual]:
        return next((c for c in self.counterfactuals if c.choice == choice), None)

    def counterfactual_configs(self, choice: int) -> list:
        """The runs of a wrong option's counterfactual: the lesson's config with its changes, once
        per compared loss (the class compares like with like); [] when no run can make it right."""
        cf = self.counterfactual(choice)
        if cf is None or cf.changes is None:
            return []
        config = cf.config(self.config)
        return [config.replace(loss=name, loss_param=None) for name in self.compare] if self.compare else [config]

    def say_counterfactual(self, cf: Counterfactual) -> str:
        """The sentence, its numbers (a built-in's facts) computed on the counterfactual's own config."""
        if not self.builtin:
            return cf.text
        facts = self.facts(cf.config(self.config)) if self.facts and cf.changes is not None else {}
        return t(cf.text, **facts)

    def to_record(self) -> dict:
        """What the store keeps (a built-in lesson is never stored)."""
        return {"id": self.id, "config": self.config.to_dict(), "editable": list(self.editable), "title": self.title,
                "question": self.question, "choices": list(self.choices), "answer": self.answer,
                "explanation": self.explanation, "compare": list(self.compare),
                "counterfactuals": [{"choice": c.choice, "changes": dict(c.changes or ()), "text": c.text}
                                    for c in self.counterfactuals]}


def editable_fields(task: str) -> list[str]:
    """The fields a lecturer may hand to students: every field the lab's form shows."""
    return [name for name, spec in fields.specs(CONFIGS[task]).items() if spec.widget != "none"]


def make(record: dict, owner: Optional[str] = None) -> Lesson:
    """A saved lesson from what the lecturer typed (or the store kept), checked: one sentence per problem."""
    try:
        config = config_from_dict(record["config"]) if isinstance(record.get("config"), dict) else record["config"]
    except KeyError:
        raise Problem("lesson.no_config") from None
    if config.task not in LESSON_TASKS:
        raise Problem("lesson.bad_task", task=config.task, tasks=", ".join(LESSON_TASKS))
    title = _clean(record.get("title"), "lesson.field_title")
    if not title:
        raise Problem("lesson.no_title")
    question = _clean(record.get("question"), "lesson.field_question")
    choices = tuple(c for c in (_clean(c, "lesson.field_choice") for c in record.get("choices") or ()) if c)
    if question and not 2 <= len(choices) <= MAX_CHOICES:
        raise Problem("lesson.choices_count", low=2, high=MAX_CHOICES, n=len(choices))
    if not question:
        choices = ()
    answer = record.get("answer")
    if answer is not None and (not choices or not isinstance(answer, int) or not 0 <= answer < len(choices)):
        raise Problem("lesson.bad_answer", n=len(choices))
    allowed = editable_fields(config.task)
    editable = tuple(record.get("editable") or ())
    unknown = [e for e in editable if e not in allowed]
    if unknown:
        raise Problem("lesson.bad_editable", field=", ".join(map(str, unknown)), allowed=", ".join(allowed))
    if "loss" in editable and "loss_param" not in editable:  # a loss chosen by the student brings its own parameter
        editable += ("loss_param",)
    compare = tuple(record.get("compare") or ())
    bad = [c for c in compare if c not in LOSSES or LOSSES[c].task != config.loss_fn.task]
    if bad or len(compare) > MAX_COMPARE:
        raise Problem("lesson.bad_compare", loss=", ".join(map(str, bad)) or str(len(compare)), high=MAX_COMPARE)
    counterfactuals = tuple(_counterfactual(config, item, answer, len(choices)) for item in record.get("counterfactuals") or ())
    lesson_id = record.get("id") or ""
    if lesson_id and not _ID_RE.match(lesson_id):
        raise Problem("lesson.bad_id", id=repr(lesson_id[:40]))
    return Lesson(id=lesson_id, config=config, editable=editable, title=title, question=question, choices=choices,
                  answer=answer, explanation=_clean(record.get("explanation"), "lesson.field_explanation"),
                  compare=compare, owner=owner, counterfactuals=counterfactuals)


def _counterfactual(config, item, answer: Optional[int], n: int) -> Counterfactual:
    """A lecturer's counterfactual, checked: a wrong option, a valid changed config, one sentence."""
    choice = item.get("choice") if isinstance(item, dict) else None
    if answer is None or not isinstance(choice, int) or isinstance(choice, bool) or not 0 <= choice < n or choice == answer:
        raise Problem("lesson.bad_counterfactual", n=n)
    changes = item.get("changes") or {}
    if not isinstance(changes, dict):
        raise Problem("lesson.bad_counterfactual", n=n)
    text = _clean(item.get("text"), "lesson.field_counterfactual")
    if not text:
        raise Problem("lesson.no_counterfactual_text")
    config.replace(**changes)  # a field or value the lab refuses: its own sentence, before anything is kept
    return Counterfactual(choice, tuple(sorted(changes.items())), text)


def _clean(text, field_key: str) -> str:
    text = "" if text is None else str(text).strip()
    if len(text) > MAX_TEXT:
        raise Problem("lesson.too_long", field=t(field_key), high=MAX_TEXT, n=len(text))
    return text


def _builtin(lesson_id: str, config, n_choices: int, answer: int, editable=(), compare=(), facts=None,
             ifs: Optional[dict] = None) -> Lesson:
    """`ifs`: {wrong choice: the config changes that make it right (None: no run can)}; the
    sentence is the catalogue's `lessons.<id>.if_<choice>`."""
    key = f"lessons.{lesson_id.replace('-', '_')}"
    counterfactuals = tuple(Counterfactual(choice, None if changes is None else tuple(sorted(changes.items())),
                                           f"{key}.if_{choice}") for choice, changes in (ifs or {}).items())
    return Lesson(id=lesson_id, config=config, editable=tuple(editable), title=f"{key}.title",
                  question=f"{key}.question", choices=tuple(f"{key}.choice_{i}" for i in range(n_choices)),
                  answer=answer, explanation=f"{key}.explanation", compare=tuple(compare), builtin=True, facts=facts,
                  counterfactuals=counterfactuals)


@functools.lru_cache(maxsize=None)
def moves_at_175(config: RegressionConfig = None) -> dict:
    """How far the outliers move each compared loss's prediction at 175 cm, in kg, between the exact
    minima with and without them: the outliers lesson's numbers ({mse}, {mae}, {huber})."""
    from .labs.regression import exact_line  # the torch side, only when the explanation is read

    config = config or OUTLIERS
    moved = {}
    for loss in ("mse", "mae", "huber"):
        with_, without = (exact_line(config.replace(loss=loss, loss_param=None, outliers=k)).theta
                          for k in (config.outliers, 0))
        moved[loss] = (with_[0] - without[0]) * 175 + with_[1] - without[1]
    return {name: f"{value:.2f}" for name, value in moved.items()}


def saturating(config: BinaryConfig, loss: Optional[str] = None) -> BinaryConfig:
    """Separable blobs and a bold step: the probabilities saturate to exactly 1.0 in float32
    (the binary lab's "naive BCE" demo and the built-in lesson)."""
    return config.replace(data="blobs", points=None, separation=6.0, spread=0.5, flips=0.0, outliers=0,
                          model="logistic", features=(), optimizer="adam", lr=0.5, epochs=500, batch_size=0,
                          **({"loss": loss, "loss_param": None} if loss else {}))


# The outcome each text promises is asserted in tests/test_lessons.py on these very configs.
SEED = RegressionConfig(x_scale="raw", schedule="constant")  # the course text's program, step for step
# three points 40 kg up, the lab's defaults (standardised heights, a decaying step): every run ends
# within 1 % of its loss's exact minimum, so what the class sees is what the losses mean
OUTLIERS = RegressionConfig(outliers=3, outlier_offset=40.0, speed=0.0)
# Each wrong option's counterfactual (`ifs`) is run in tests/test_counterfactuals.py, which checks
# that its option is then the right one against the exact answers (least squares, 2/λmax, minima).
BUILTIN = {lesson.id: lesson for lesson in (
    # the seed's own program: Adam, MSE, a constant η, 10,000 steps on raw heights ends on the least-squares line
    _builtin("seed", SEED, 3, 0, editable=("lr", "epochs"),
             ifs={1: {"epochs": 3000},  # stopped early: Adam is still kilograms off
                  2: {"optimizer": "sgd", "momentum": 0.0, "lr": 1e-4, "epochs": 500}}),  # η above 2/λmax
    # three points 40 kg up: MSE's line moves most, MAE's least
    _builtin("outliers", OUTLIERS, 4, 0, editable=("outliers", "outlier_offset"), compare=("mse", "mae", "huber"),
             facts=moves_at_175,
             ifs={1: {"outliers": 5, "outlier_offset": 3.0},   # barely off: MAE's line jumps to other points
                  2: {"outliers": 9, "outlier_offset": 5.0},   # within Huber's reach of MSE, yet pulled as far as MAE
                  3: {"outliers": 0}}),                        # nothing to move any line
    # plain SGD at η = 0.0001 on heights in cm: above 2/λmax ≈ 3.2e-5, it diverges
    _builtin("diverge", SEED.replace(optimizer="sgd", momentum=0.0, lr=1e-4, epochs=500, speed=0.0), 3, 2,
             editable=("lr", "x_scale"),
             ifs={0: {"x_scale": "standardised", "lr": 0.5},  # Hessian 2·I: η = 1/λ lands in one step
                  1: {"lr": 3e-5}}),                          # just below 2/λmax: stable, but the flat direction crawls
    # 40 % of the labels wrong: cross-entropy learns them by heart, MAE resists
    _builtin("noise", MnistConfig(model="mlp", hidden=256, label_noise=40.0, train_subset=2000, epochs=30,
                                  batch_size=32, lr=0.1), 3, 0, editable=("label_noise",),
             compare=("cross_entropy", "mae_prob"),
             ifs={1: None,                      # see the catalogue's sentence
                  2: {"label_noise": 0.0}}),    # no wrong label to learn: both learn none
    # separable blobs, a bold step: p saturates to exactly 1.0 and naive BCE takes log 0
    _builtin("naive-bce", saturating(BinaryConfig()), 3, 1, compare=("bce", "bce_logits"),
             ifs={0: {"lr": 0.05},  # a gentler step: z stays below ~17 for 500 steps, p never rounds to 1
                  2: None}),        # the same loss and gradient: no run makes it faster
)}


def check_id(lesson_id) -> Optional[str]:
    """A lesson id from a link, or None when it cannot be one."""
    return lesson_id if isinstance(lesson_id, str) and _ID_RE.match(lesson_id) else None
