"""Pure figure builders: traces, axis titles with units, the confusion matrix from a known snapshot."""

import base64
import math

import pytest

from losslab.figures.common import RIGHT, WRONG
from losslab import figures, panel


def _titles(fig):
    """The titles as read (a long one is wrapped with <br> so it is never cut)."""
    return tuple(text.replace(" <br>", " ").replace("<br>", " ") for text in (fig.layout.title.text, fig.layout.xaxis.title.text,
                                                         fig.layout.yaxis.title.text))


def test_loss_curves_traces_axes_log_and_downsampling():
    steps = list(range(1, 10_001))
    fig = figures.loss_curves([{"name": "mse", "steps": steps, "values": [1 / s for s in steps]},
                               {"name": "mae", "steps": [1, 2], "values": [3.0, float("nan")]}], log_y=True)
    title, x, y = _titles(fig)
    assert title == "Training loss" and "step" in x and "log scale" in y
    assert fig.layout.yaxis.type == "log" and fig.layout.uirevision == "keep"
    assert [t.name for t in fig.data] == ["mse", "mae"]
    assert len(fig.data[0].x) <= 2000 and fig.data[0].x[0] == 1 and fig.data[0].x[-1] == 10_000
    assert math.isnan(fig.data[1].y[1])  # NaN becomes a gap in the line
    fig.to_json()  # and serialises (Plotly encodes float arrays in binary, NaN included)


def test_smoothing_adds_a_faint_raw_trace():
    fig = figures.loss_curves([{"name": "a", "steps": [1, 2, 3], "values": [3.0, 1.0, 2.0]}], smoothing=0.5)
    assert len(fig.data) == 2 and fig.data[0].opacity == 0.25
    assert fig.data[1].y[0] == pytest.approx(3.0)  # debiased: the first smoothed point is the first value


def test_regression_fit_draws_data_outliers_optimum_and_lines():
    fig = figures.regression_fit([150, 160, 170, 165], [50, 60, 70, 100], [{"name": "fit", "slope": 1.0,
                                                                          "intercept": -100}],
                                 optimum=(0.9, -80), n_data=3)
    assert [t.name for t in fig.data] == ["data", "outliers", "least-squares line (all points)", "fit"]
    assert _titles(fig)[1:] == ("height (cm)", "weight (kg)")
    assert list(fig.data[1].x) == [165]
    assert fig.data[3].y[0] == pytest.approx(1.0 * fig.data[3].x[0] - 100)


def test_residuals_are_coloured_by_sign():
    fig = figures.residuals([1, 2], [0.5, -0.5])
    assert list(fig.data[0].marker.color) == [RIGHT, WRONG] and list(fig.data[0].marker.pattern.shape) == ["", "/"]
    assert "kg" in fig.layout.yaxis.title.text


def _digit(label, pred):
    probs = [0.0] * 10
    probs[pred] = 1.0
    return {"index": 0, "label": label, "pred": pred, "probs": probs,
            "image": base64.b64encode(bytes(range(256)) * 3 + bytes(16)).decode()}


def test_confusion_matrix_from_a_known_snapshot():
    confusion = [[0] * 10 for _ in range(10)]
    confusion[3][3], confusion[3][5], confusion[7][1] = 8, 2, 4
    snap = {"confusion": confusion, "accuracy": 0.5}
    fig = figures.confusion_matrix(snap)
    heat = fig.data[0]
    assert heat.type == "heatmap" and heat.z[3][5] == 2 and heat.z[7][1] == 4
    title, x, y = _titles(fig)
    assert "accuracy 50.0 %" in title and x == "predicted digit" and y == "true digit"
    per_class = figures.per_class_accuracy(snap)
    assert per_class.data[0].y[3] == pytest.approx(80.0) and per_class.data[0].y[7] == 0.0


def test_digits_grid_marks_mistakes():
    fig = figures.digits_grid([_digit(1, 1), _digit(4, 9)], columns=2)
    titles = [a.text for a in fig.layout.annotations]
    assert any("1 → 1 ✓" in t for t in titles) and any("4 → 9 ✗" in t and WRONG in t for t in titles)
    assert [t.type for t in fig.data] == ["heatmap", "bar", "heatmap", "bar"]
    assert len(fig.data[0].z) == 28


def test_digits_grid_draws_each_digit_upright_over_its_own_bars():
    """Every cell's axes, not only the first row's: the image's y axis runs downwards (row 0 of
    the image at the top), the bars share the 0-1 probability range, no tick labels anywhere."""
    fig = figures.digits_grid([_digit(d % 10, d % 10) for d in range(11)], columns=4)  # 3 rows, the last one short
    layout = fig.to_dict()["layout"]
    assert len(layout["annotations"]) == 11
    for image, bars, note, d in zip(fig.data[::2], fig.data[1::2], layout["annotations"], range(11)):
        y_image, y_bars = layout[image.yaxis.replace("y", "yaxis")], layout[bars.yaxis.replace("y", "yaxis")]
        assert y_image["autorange"] == "reversed" and y_bars["range"] == [0, 1]
        # each digit's title sits over its own image
        assert f"{d % 10} → {d % 10} ✓" in note["text"] and note["font"]["size"] == 15
        assert note["x"] == pytest.approx(sum(layout[image.xaxis.replace("x", "xaxis")]["domain"]) / 2)
        assert note["y"] == pytest.approx(y_image["domain"][1])
        for axis in (image.xaxis, image.yaxis, bars.xaxis, bars.yaxis):
            assert layout[axis.replace("x", "xaxis").replace("y", "yaxis")]["showticklabels"] is False
    assert len({(tr.xaxis, tr.yaxis) for tr in fig.data}) == 22  # each trace in a cell of its own


def test_digits_grid_is_the_figure_plotly_builds_cell_by_cell():
    """The grid is built from plain dicts on a cached layout (for speed); it must be exactly what
    make_subplots and per-cell updates make, the plain way."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    digits = [_digit(d % 10, (d * 3) % 10) for d in range(13)]  # 2 rows of 8, the second one short
    own = [figures.digits_grid([d]) for d in digits]  # each digit's title and traces, alone
    titles = []
    for r in range(2):
        titles += [own[i].layout.annotations[0].text if i < 13 else "" for i in range(8 * r, 8 * r + 8)] + [""] * 8
    ref = make_subplots(rows=4, cols=8, subplot_titles=titles, vertical_spacing=0.03, horizontal_spacing=0.02,
                        row_heights=[3, 1, 3, 1])
    for i, alone in enumerate(own):
        r, c = 2 * (i // 8) + 1, i % 8 + 1
        ref.add_trace(go.Heatmap(alone.data[0]), r, c)
        ref.add_trace(go.Bar(alone.data[1]), r + 1, c)
        ref.update_yaxes(autorange="reversed", showticklabels=False, row=r, col=c)
        ref.update_xaxes(showticklabels=False, row=r, col=c)
        ref.update_yaxes(range=[0, 1], showticklabels=False, row=r + 1, col=c)
        ref.update_xaxes(showticklabels=False, row=r + 1, col=c)
    ref.update_annotations(font_size=15)
    fig = figures.digits_grid(digits)
    ref.update_layout(title=fig.layout.title, height=fig.layout.height, margin=fig.layout.margin, uirevision="keep",
                      showlegend=False, template="none", plot_bgcolor="white", paper_bgcolor="white")
    assert fig.to_dict() == ref.to_dict()


def test_accuracy_curve_in_percent():
    fig = figures.accuracy_curve([10, 20], [0.5, 0.9])
    assert list(fig.data[0].y) == [50.0, 90.0] and fig.layout.yaxis.title.text == "accuracy (%)"


def test_loss_bars_sorted_with_inf_and_nan_labelled():
    rows = panel.binary_rows(1, 0.0)
    fig = figures.loss_bars(rows)
    bar = fig.data[0]
    assert bar.y[-1] == "BCE on probabilities (naive)" and bar.text[-1] == "∞"
    assert all(math.isfinite(v) for v in bar.x)


def test_loss_sweep_two_panels_with_marker():
    curves = panel.sweep("regression", ["mse", "mae"], 0.0, [-1.0, 0.0, 1.0])
    fig = figures.loss_sweep(curves, {"mse": "MSE", "mae": "MAE"}, x_title="ŷ", marker=1.0)
    names = [t.name for t in fig.data if t.showlegend is not False and t.mode == "lines"]
    assert names == ["MSE", "MAE"]
    assert fig.layout.xaxis2.title.text == "ŷ" and fig.layout.yaxis2.title.text == "gradient"
    assert list(curves["mse"][1]) == [1.0, 0.0, 1.0] and list(curves["mse"][2]) == [-2.0, 0.0, 2.0]


def test_divergence_marker_is_a_labelled_vertical_line():
    fig = figures.loss_curves([{"name": "a", "steps": [1, 2, 3], "values": [1.0, 50.0, float("inf")]}],
                              markers=[(3, "NaN/∞ here: lower η")])
    assert [sh.x0 for sh in fig.layout.shapes] == [3]
    assert fig.layout.annotations[0].text == "NaN/∞ here: lower η"


def test_fit_view_includes_a_nearby_start_but_not_a_diverged_line():
    xs, ys = [150.0, 200.0], [50.0, 90.0]
    start = figures.regression_fit(xs, ys, [{"name": "start", "slope": 0.0, "intercept": 0.0}])
    assert start.layout.yaxis.range[0] < 0 < 50 < start.layout.yaxis.range[1]
    wild = figures.regression_fit(xs, ys, [{"name": "wild", "slope": 1e9, "intercept": 0.0}])
    assert wild.layout.yaxis.range[1] < 90 + 2 * 40 + 20  # the data keeps most of the height


def test_log_axis_ticks_stay_readable():
    short = figures.loss_curves([{"name": "a", "steps": [1, 2], "values": [300.0, 2900.0]}], log_y=True)
    assert list(short.layout.yaxis.ticktext) == ["200", "500", "1000", "2000", "5000"]
    wide = figures.loss_curves([{"name": "a", "steps": [1, 2], "values": [1.0, 1e36]}], log_y=True)
    assert wide.layout.yaxis.dtick == 6  # ~6 labels over 36 decades, not 36
