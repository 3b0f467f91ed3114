"""Figures of a label-noise study: clean-test accuracy over epochs per loss at one noise rate,
and the result table as a PNG a lecturer can put on a slide (drawn with Pillow: no headless
browser or kaleido needed on the server)."""

from __future__ import annotations

import io
from pathlib import Path

import plotly.graph_objects as go

from ..i18n import t
from .common import layout, series_style

# Hangul needs a CJK font (Debian: fonts-noto-cjk); DejaVu covers Latin; Pillow's own as a last resort.
FONT_FILES = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
              "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
              "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def study_curves(curves: dict, labels: dict, rate: float) -> go.Figure:
    """curves: {loss: (epochs, mean accuracies 0–1)}; one line per loss in the study's order."""
    fig = go.Figure()
    for i, (loss, (epochs, values)) in enumerate(curves.items()):
        fig.add_scatter(x=list(epochs), y=[100 * v for v in values], mode="lines+markers", name=labels[loss],
                        **series_style(i))
    layout(fig, t("figure.study_title", rate=f"{rate:g}"), t("figure.epoch"), t("figure.clean_accuracy_axis"),
           height=500)
    return fig


def _font(size: int, bold: bool = False):
    from PIL import ImageFont

    files = FONT_FILES[1:] if bold else FONT_FILES[:1] + FONT_FILES[2:]
    for f in files:
        if Path(f).exists():
            return ImageFont.truetype(f, size)
    return ImageFont.load_default(size)


def table_png(title: str, header: list[str], rows: list[list[str]], note: str = "") -> bytes:
    """A plain table as a PNG (2× scale for slides): title, header row, zebra rows, a footnote."""
    from PIL import Image, ImageDraw

    scale, pad = 2, 14
    head_font, body_font, title_font = _font(15 * scale, True), _font(15 * scale), _font(20 * scale, True)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))

    def width(text, font):
        return probe.textlength(text, font=font)

    cols = [max(width(h, head_font), *(width(r[i], body_font) for r in rows)) + 2 * pad * scale
            for i, h in enumerate(header)]
    row_h, title_h = 30 * scale, 44 * scale
    note_h = 30 * scale if note else 0
    w = int(max(sum(cols), width(title, title_font) + 2 * pad * scale, width(note, body_font) + 2 * pad * scale))
    h = int(title_h + row_h * (len(rows) + 1) + note_h + pad * scale)
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    d.text((pad * scale, 8 * scale), title, fill="#000000", font=title_font)
    y = title_h
    d.rectangle([0, y, w, y + row_h], fill="#0072B2")
    x = 0
    for c, text in zip(cols, header):
        d.text((x + pad * scale, y + 5 * scale), text, fill="white", font=head_font)
        x += c
    for i, row in enumerate(rows):
        y += row_h
        if i % 2:
            d.rectangle([0, y, w, y + row_h], fill="#eef3f8")
        x = 0
        for c, text in zip(cols, row):
            d.text((x + pad * scale, y + 5 * scale), text, fill="#000000", font=body_font)
            x += c
    if note:
        d.text((pad * scale, y + row_h + 6 * scale), note, fill="#444444", font=body_font)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()
