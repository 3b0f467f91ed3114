"""The chart explorer's pure parts: what a live region says and when (WCAG 4.1.3), how often the
binary heatmap may change (2.3.1), the explorer's data, and the landscape's and boundary's text
descriptions checked against closed-form answers. Timestamps are fed in; no clock is read."""

from __future__ import annotations

import math

import numpy as np
import pytest

from losslab import announce
from losslab.announce import Spoken, next_spoken, redraw_due
from losslab.figures import describe
from losslab.figures.keys import MAX_POINTS, explorer_data
from losslab.i18n import set_language_source


@pytest.fixture(params=["en", "ko"])
def lang(request):
    set_language_source(lambda: request.param)
    yield request.param
    set_language_source(None)


def simulate(total_steps: int, seconds: float, poll: float, rate_jitter=(1.0,)):
    """A viewer polling a run of `total_steps` that trains for `seconds`: every poll would say the
    current step and loss; returns the announcements made as (time, text)."""
    said, spoken, t = None, [], 0.0
    k = 0
    while True:
        ended = t >= seconds
        step = total_steps if ended else int(total_steps * t / seconds)
        loss = 4620.0 * math.exp(-step / 500) + 1.86
        text = (announce.result("completed", step, "MSE", loss, "kg²") if ended else
                announce.progress(step, total_steps, "MSE", loss, "kg²"))
        new = next_spoken(said, t, text, ended)
        if new.n > (said.n if said else 0):  # the page speaks when n grows
            spoken.append((t, new.text, new.final))
        said = new
        if ended and k > 5:
            break
        if ended:
            k += 1
        t += poll * rate_jitter[int(t * 7) % len(rate_jitter)]
    return spoken, said


@pytest.mark.parametrize("poll", [0.25, 1.0, 2.0])
def test_a_10000_step_run_is_announced_at_most_every_5_s_and_its_result_once(lang, poll):
    spoken, last = simulate(10_000, 47.0, poll, rate_jitter=(1.0, 0.6, 1.3))
    times = [t for t, _, final in spoken if not final]
    assert times[0] == 0.0  # the first poll of a live run says where it is
    assert all(b - a >= announce.MIN_GAP_S for a, b in zip(times, times[1:]))
    assert len(times) <= 47.0 / announce.MIN_GAP_S + 1
    assert len(times) >= 47.0 / (announce.MIN_GAP_S + 2 * poll) - 1  # throttled, not silenced
    finals = [text for _, text, final in spoken if final]
    assert len(finals) == 1 and "10,000" in finals[0] and "1.86" in finals[0]
    assert last.final and last.n == len(spoken)  # polls after the end said nothing more
    progress = [text for _, text, final in spoken if not final]
    assert all("10,000" in p and "kg²" in p for p in progress)
    assert announce.progress(4000, 10_000, "MSE", 2.31, "kg²") == (
        "step 4,000 of 10,000, MSE 2.31 kg²" if lang == "en" else "10,000 스텝 중 4,000 스텝, MSE 2.31 kg²")


def test_the_result_is_said_at_once_even_right_after_a_progress_sentence():
    s = next_spoken(None, 0.0, "step 1 of 10", False)
    s = next_spoken(s, 1.0, "done", True)
    assert (s.n, s.text, s.final) == (2, "done", True)
    assert next_spoken(s, 30.0, "done again", True) == s


def test_a_view_opened_on_a_finished_run_says_nothing():
    s = next_spoken(None, 100.0, "Run completed at step 10,000: MSE 1.86 kg².", True)
    assert s.n == 0 and s.final
    assert next_spoken(s, 200.0, "x", True).n == 0


def test_the_same_sentence_is_not_repeated():
    s = next_spoken(None, 0.0, "step 5 of 10", False)
    assert next_spoken(s, 60.0, "step 5 of 10", False) == s  # a paused or stuck run is not re-read


def test_the_heatmap_changes_at_most_once_a_second_however_often_the_page_reruns():
    drawn, last = [], None
    for k in range(200):  # reruns every 0.07 s for 14 s (polls, widgets, the explorer's cursor)
        now = 0.07 * k
        if redraw_due(last, now):
            drawn.append(now)
            last = now
    assert all(b - a >= announce.MIN_REDRAW_S for a, b in zip(drawn, drawn[1:]))
    # WCAG 2.3.1: no one-second window holds more than three changes (here: at most one)
    assert max(sum(1 for d in drawn if w <= d < w + 1.0) for w in np.arange(0, 14, 0.01)) <= 1
    assert len(drawn) >= 12  # still live: about one a second


def test_explorer_data_keeps_every_curve_short_finite_and_in_the_visitors_language(lang):
    steps = list(range(1, 10_001))
    values = [100.0 / s for s in steps]
    values[500] = float("nan")
    values[-1] = float("inf")
    d = explorer_data([{"name": "MSE", "steps": steps, "values": values}], title="T", unit="kg²", log_y=True)
    c = d["curves"][0]
    assert len(c["x"]) <= MAX_POINTS and c["x"][0] == 1 and c["x"][-1] == 10_000
    assert c["y"][-1] is None and None in c["y"]  # the NaN spike survives the downsampling, as "no value"
    assert all(v is None or math.isfinite(v) for v in c["y"])
    assert d["log"] is True and d["unit"] == "kg²" and d["lang"] == lang
    assert d["x_name"] == ("step" if lang == "en" else "스텝")
    assert "{x}" in d["text"]["point"] and d["text"]["play"]


def _bowl(a=1.0, b=2.0, floor=0.5):
    """z = (slope - a)² + (intercept - b)² + floor on a 101 × 101 grid over [-4, 6]²: its minimum is (a, b, floor)."""
    grid = np.linspace(-4, 6, 101)
    s, i = np.meshgrid(grid, grid)  # rows: intercepts, columns: slopes (as Plotly's contour takes z)
    return {"slopes": grid.tolist(), "intercepts": grid.tolist(), "z": (s - a) ** 2 + (i - b) ** 2 + floor,
            "minimum": (a, b, floor)}


def test_the_landscape_description_says_the_loss_there_and_where_the_minimum_lies(lang):
    s = _bowl()
    text = describe.landscape(s, [(0, -3.0, 5.0), (400, -1.0, 2.0)])
    # at (-1, 2): loss (−1 − 1)² + 0 + 0.5 = 4.5 = 9 × the minimum; the minimum is to the right, 20 % of the map away
    assert "4.5" in text and "9" in text and "400" in text and "20 %" in text
    assert ("to its right" if lang == "en" else "그 오른쪽") in text
    up_left = describe.landscape(s, [(10, 3.0, 0.0)])
    assert ("up and to its left" if lang == "en" else "그 왼쪽 위") in up_left
    assert ("reached" if lang == "en" else "도달") in describe.landscape(s, [(9000, 1.0, 2.0)])
    assert ("off the map" if lang == "en" else "지도 밖") in describe.landscape(s, [(9, 50.0, 2.0)])


def test_the_boundary_description_counts_each_class_by_side(lang):
    g = 41
    points = {"grid": g, "x_range": [-2.0, 2.0], "y_range": [-2.0, 2.0],
              "train": [[1.0, 0.0, 1], [1.5, 1.0, 1], [-1.0, 0.5, 1], [-1.0, -1.0, 0], [-1.5, 1.0, 0], [0.5, -1.5, 0],
                        [-0.5, 0.0, 0]]}
    xs = np.linspace(-2, 2, g)
    logits = np.tile(xs - 0.25, (g, 1))  # class 1 where x₁ > 0.25: the right part, 44 % of the plane
    text = describe.boundary(points, logits)
    assert ("right part" if lang == "en" else "오른쪽 부분") in text
    # right side: (1, 0), (1.5, 1), (0.5, -1.5); class 1 at x₁ = −1 and class 0 at x₁ = 0.5 are on the wrong side
    assert ("Of 7 training points, 5 fall on their own class's side" if lang == "en" else
            "학습 점 7개 중 5개가 자기 클래스 쪽") in text
    assert ("1 of 4 class-0" if lang == "en" else "클래스 0 점 4개 중 1개") in text
    assert ("1 of 3 class-1" if lang == "en" else "클래스 1 점 3개 중 1개") in text
    share = 100 * float((logits > 0).mean())
    assert f"{share:.0f} %" in text
    everywhere = describe.boundary(points, np.full((g, g), -3.0))
    assert ("class 0's side" if lang == "en" else "클래스 0 쪽") in everywhere


def test_spoken_dataclass_defaults_say_nothing():
    assert Spoken().n == 0 and not Spoken().final


def test_the_explorer_ships_inside_the_package_and_fetches_nothing():
    """The component's JS and CSS are package files sent inline with the element: nothing to
    fetch, so it works offline, in the Docker image (COPY . . takes losslab/) and under a base path."""
    from pathlib import Path

    import losslab

    static = Path(losslab.__file__).parent / "ui" / "static"
    js = (static / "chartkeys.js").read_text(encoding="utf-8")
    assert (static / "chartkeys.css").exists()
    assert "fetch(" not in js and "http" not in js.replace("http://www.w3.org/2000/svg", "")
    assert not any(line.startswith("import ") for line in js.splitlines())
    dockerignore = (Path(losslab.__file__).parents[1] / ".dockerignore").read_text()
    assert "losslab" not in dockerignore and "static" not in dockerignore
