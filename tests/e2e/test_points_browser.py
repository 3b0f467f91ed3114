"""Move a point in a real browser: a click on a point removes it, a click on empty space adds one, and
the lines drawn are each loss's exact line on the points left (numpy lstsq as the oracle)."""

import numpy as np
import pytest

from losslab.datasets import HEIGHT_CM, WEIGHT_KG
from tests.conftest import wait_for
from tests.e2e.conftest import shot, wait_idle

TITLE = "click a point to remove it"


def _chart(page):
    return page.locator(".js-plotly-plot", has_text=TITLE).first


def _traces(page) -> dict:
    """{name: (xs, ys)} of the chart as Plotly holds it in the page."""
    data = _chart(page).evaluate("el => (el._fullData || []).map(t => [t.name, Array.from(t.x || []), Array.from(t.y || [])])")
    return {name: (np.array(x, dtype=float), np.array(y, dtype=float)) for name, x, y in data}


def _slope_intercept(xs, ys):
    slope = (ys[1] - ys[0]) / (xs[1] - xs[0])
    return slope, ys[0] - slope * xs[0]


def _lstsq(x, y):
    return np.linalg.lstsq(np.stack([x, np.ones_like(x)], axis=1), y, rcond=None)[0]


def _click_point(page, index: int) -> None:
    point = _chart(page).locator("g.trace.scatter").last.locator("path.point").nth(index)
    box = point.bounding_box()
    _click(page, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def _click(page, x: float, y: float) -> None:
    """Hover first: Plotly's click reports the point its hover found."""
    page.mouse.move(x, y)
    page.wait_for_timeout(400)
    page.mouse.click(x, y)


def _settled(page, n_points: int) -> None:
    """Until the chart holds n_points points (the rerun the click started has drawn it)."""
    try:
        wait_for(lambda: len(_traces(page).get("points", ((),))[0]) == n_points, 60, 0.5,
                 what=lambda: f"{n_points} points on the chart")
    except AssertionError:
        shot(page, "point-edit-failed")
        raise
    wait_idle(page, 60)
    page.wait_for_timeout(500)


def _search(page) -> str:
    return page.evaluate("() => decodeURIComponent(window.location.search)")


def test_clicks_remove_and_add_points_and_the_lines_follow(server, page):
    page.goto(f"{server.url}/regression?lang=en")
    wait_idle(page, 90)
    _chart(page).scroll_into_view_if_needed()
    page.wait_for_timeout(1500)  # Plotly lays the chart out again once it is in view
    lines = _traces(page)
    assert _slope_intercept(*lines["MSE (L2): its exact minimum"]) == pytest.approx((0.74867, -64.4213), rel=1e-4)
    _click_point(page, 9)  # the tallest person
    _settled(page, 9)
    wait_for(lambda: "edits=-10" in _search(page), 30, 0.25, what=lambda: f"edits=-10 in {_search(page)}")
    lines = _traces(page)
    x, y = np.array(HEIGHT_CM[:9]), np.array(WEIGHT_KG[:9])
    assert _slope_intercept(*lines["MSE (L2): its exact minimum"]) == pytest.approx(tuple(_lstsq(x, y)), rel=1e-5)
    assert len(lines["points"][0]) == 9
    assert "MSE (L2), before the last change" in lines  # where it was, drawn faintly
    # empty space, high above the short people: a new point there, and the least-squares line tilts
    area = _chart(page).locator("rect.nsewdrag").first.bounding_box()
    _click(page, area["x"] + area["width"] * 0.12, area["y"] + area["height"] * 0.08)
    _settled(page, 10)
    wait_for(lambda: "edits=-10," in _search(page), 30, 0.25, what=lambda: f"edits=-10,… in {_search(page)}")
    lines = _traces(page)
    px, py = lines["points"]
    assert len(px) == 10 and px[-1] < 160 and py[-1] > 80
    assert _slope_intercept(*lines["MSE (L2): its exact minimum"]) == pytest.approx(tuple(_lstsq(px, py)), rel=1e-4)
    shot(page, "point-edit-e2e")
