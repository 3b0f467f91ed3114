"""Shared styling and helpers for every figure."""

from __future__ import annotations

import math
import re

import numpy as np
import plotly.graph_objects as go

# Hangul needs a CJK font: the browser takes the first one it has (Debian: fonts-noto-cjk).
FONT = dict(size=16, family="'Noto Sans KR', 'Noto Sans CJK KR', 'Apple SD Gothic Neo', 'Malgun Gothic', "
                            "'Source Sans Pro', sans-serif")
# Okabe & Ito's colour-vision-safe palette (yellow left out: too faint on white), in the order
# that keeps the first six apart under deuteranopia and protanopia (tests/test_palette.py).
COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
# Each series also keeps its own dash and marker: a comparison reads in greyscale too.
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "solid"]
MARKERS = ["circle", "square", "diamond", "triangle-up", "x", "star", "cross"]
RIGHT, WRONG = "#0072B2", "#D55E00"  # right/wrong answers (with ✓/✗, never colour alone)
NEUTRAL = "#444444"

_style_source = None


def set_style_source(source) -> None:
    """Where figures learn whether this visitor presents on a projector (the UI's session)."""
    global _style_source
    _style_source = source


def presenting() -> bool:
    try:
        return bool(_style_source and _style_source())
    except Exception:  # no session: a test or a worker
        return False


def series_style(i: int, width: float = 3) -> dict:
    """Colour, dash and marker of the i-th series: three cues, not one."""
    return {"line": dict(color=COLORS[i % len(COLORS)], width=width, dash=DASHES[i % len(DASHES)]),
            "marker": dict(symbol=MARKERS[i % len(MARKERS)], size=8, color=COLORS[i % len(COLORS)])}


# A named template ("plotly_white") is deep-copied into every figure: ~17 ms each, which a class
# of viewers polling once a second pays over and over. template="none" plus a few explicit
# styles costs ~1 ms and looks the same.
AXIS = dict(gridcolor="#e5e5e5", zerolinecolor="#bbb", linecolor="#888", showline=True, ticks="outside")
PLAIN = dict(template="none", plot_bgcolor="white", paper_bgcolor="white")


# Bold on a projector: type ≥ 18 px everywhere, a darker grid.
BIG_AXIS = dict(title=dict(font=dict(size=22)), tickfont=dict(size=18), gridcolor="#bbbbbb", linewidth=2)
_AXIS_NAME = re.compile(r"[xy]axis\d*")


def merged(base: dict, changes: dict) -> dict:
    """base with changes applied the way update_layout applies them: dicts merged key by key."""
    out = dict(base)
    for key, value in changes.items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


# Rough advance widths in em of the chart font (Noto Sans KR / Source Sans): Hangul and other
# CJK are square, Latin averages about half an em. Used to wrap titles before Plotly cuts them.
_NARROW = set(" .,:;'!|()[]ilIjtf")


def text_em(text: str) -> float:
    """Estimated width of one line of text, in em."""
    return sum(1.0 if ord(c) >= 0x1100 else 0.3 if c in _NARROW else 0.62 if c.isupper() else 0.54 for c in text)


def wrap(text: str, width_em: float) -> str:
    """text broken at spaces into lines of at most width_em (Plotly's `<br>`): an SVG title is
    never wrapped by the browser, it is cut at the chart's edge."""
    if not text or "<br>" in text or text_em(text) <= width_em:
        return text
    words = []
    for word in text.split(" "):  # "50.0 %", "(δ)", "= 2": a unit or a symbol stays with its number or word
        if words and (len(word) <= 2 and not word.isalpha() or words[-1][-1:].isdigit() and not word[:1].isalpha()):
            words[-1] += " " + word
        else:
            words.append(word)
    lines, line = [], ""
    for word in words:
        trial = f"{line} {word}" if line else word
        if line and text_em(trial) > width_em:
            lines.append(line)
            line = word
        else:
            line = trial
    # the space stays before each break: SVG text has no other word boundary, and a screen reader or
    # a copy of the page would read "predictionmoves"
    return " <br>".join([*lines, line])


# The narrowest chart a page draws: a phone's column (390 px screen, ~330 px of plot). A title
# wrapped for it wraps on a wide screen too, which reads fine; a cut one does not.
NARROWEST_PX = 330
# Below the plot, in pixels from its bottom edge to the legend's top: ticks, tick labels and the
# axis title (two lines at most) fit in between, so the legend can never sit on the x title.
LEGEND_GAP_PX = 88


def layout(fig: go.Figure, title: str, x: str, y: str, *, revision: str = "keep", height: int = 420) -> go.Figure:
    """Titles, fonts, axes and legend of every figure. The whole layout is assigned once:
    update_layout and update_xaxes validate and dispatch each key path (~11 ms a figure,
    rebuilt for a live run twice a second); one assignment of the same layout costs ~1 ms.

    Nothing is cut or stacked on something else at any width (tests/e2e/test_readable.py): the
    title and the y-axis title wrap to what the narrowest chart holds; the legend hangs below the
    x-axis title at a fixed distance in pixels (Plotly would place a paper-relative legend on the
    axis title of a short plot), and the bottom margin grows with its rows."""
    big = presenting()
    if big:  # projector: lines and markers thicker
        for trace in fig.data:
            if getattr(trace, "line", None) is not None and trace.line.width:
                trace.line.width = trace.line.width * 1.8
            if getattr(trace, "marker", None) is not None and getattr(trace.marker, "size", None):
                trace.marker.size = trace.marker.size * 1.5
        height = int(height * 1.2)
    current = fig.layout.to_plotly_json()
    axis = merged(AXIS, BIG_AXIS) if big else AXIS
    # legend at 17 px: each entry's click target is 1.3 lines + 3 px, ≥ 24 px (WCAG 2.5.8)
    title_px, font_px, legend_px = (28, 20, 20) if big else (20, 16, 17)
    title = wrap(title, NARROWEST_PX / title_px)
    title_lines = title.count("<br>") + 1
    # Subplot titles are annotations just above the plots: the figure title needs a row more.
    subplot_titles = [a for a in current.get("annotations", []) if a.get("yref") == "paper" and a.get("y", 0) >= 1]
    sub_lines = 1
    for a in subplot_titles:  # side by side over one row of plots: each wraps to its share of a phone
        a["text"] = wrap(str(a.get("text", "")), NARROWEST_PX / len(subplot_titles) / font_px)
        sub_lines = max(sub_lines, a["text"].count("<br>") + 1)
    # Plotly lifts a title of n lines by about n - 1 lines from its anchor: the pad puts them back
    lift = int((title_lines - 1) * title_px * 1.3)
    top = 24 + lift + int(title_lines * title_px * 1.3) + (int(font_px * 1.3 * sub_lines + 6) if subplot_titles else 0)
    for trace in fig.data:  # a legend entry longer than the narrowest chart wraps (Plotly cuts it)
        if trace.name and text_em(str(trace.name)) * legend_px > NARROWEST_PX - 50:
            trace.name = wrap(str(trace.name), (NARROWEST_PX - 50) / legend_px)
    legend_rows = _legend_rows(fig, legend_px)
    bottom = LEGEND_GAP_PX + (legend_rows * int(legend_px * 1.6) + 10 if legend_rows else 0)
    height += max(0, top - 60) + max(0, bottom - 110)  # the plot keeps its height
    plot_px = height - top - bottom
    y = wrap(y, max(plot_px, 160) / font_px * 0.95)
    changes = dict(
        title=dict(text=title, font=dict(size=title_px), x=0.01, xanchor="left", xref="container",
                   y=1.0, yanchor="top", yref="container", pad=dict(t=14 + lift)),
        font={**FONT, "size": font_px}, separators=".,",
        height=height, uirevision=revision, **PLAIN,
        margin=dict(l=70 + (y.count("<br>") * int(font_px * 1.3)), r=20, t=top, b=bottom),
        legend=dict(orientation="h", yanchor="top", y=-LEGEND_GAP_PX / max(plot_px, 1), xanchor="left", x=0.0,
                    font=dict(size=legend_px)),
    )
    titles = {"xaxis": x, "yaxis": y}  # the first axes carry the titles; every subplot's axes the style
    for name in {*titles, *(k for k in current if _AXIS_NAME.fullmatch(k))}:
        changes[name] = merged(axis, {"title": {"text": titles[name]}}) if name in titles else axis
    fig.layout = merged(current, changes)
    if big:  # subplot titles and notes on the chart: projector type too
        for a in fig.layout.annotations:
            a.font.size = max(a.font.size or 0, font_px)
    return fig


def _legend_rows(fig: go.Figure, font_px: int) -> int:
    """Rows a horizontal legend takes on the narrowest chart (0: no legend shown)."""
    names = [str(tr.name) for tr in fig.data if tr.name and tr.showlegend is not False
             and (tr.showlegend or len(fig.data) > 1)]
    names = list(dict.fromkeys(names))  # a legend group shows once
    if not names:
        return 0
    rows, used = 1, 0.0
    for name in names:
        lines = name.split("<br>")
        width = max(map(text_em, lines)) * font_px + 50  # the symbol and the gap
        rows += len(lines) - 1
        if used and used + width > NARROWEST_PX:
            rows, used = rows + 1, 0.0
        used += width
    return rows


def finite(values) -> np.ndarray:
    """A float array where NaN and ±inf become NaN: a gap in the line, `null` in Plotly's JSON.

    numpy arrays also skip Plotly's element-by-element validation of Python lists (~25 ms for
    a 2,000-point curve)."""
    arr = np.array([np.nan if v is None else v for v in values], dtype=float) if not isinstance(values, np.ndarray) \
        else values.astype(float)
    arr[~np.isfinite(arr)] = np.nan
    return arr


def smooth(values, weight: float) -> list:
    """TensorBoard-style exponential moving average, debiased; weight 0 = raw."""
    if weight <= 0:
        return list(values)
    out, avg, n = [], 0.0, 0
    for v in values:
        if v is None or not math.isfinite(v):
            out.append(float("nan"))
            continue
        n += 1
        avg = weight * avg + (1 - weight) * v
        out.append(avg / (1 - weight**n))
    return out
