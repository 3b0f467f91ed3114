"""A link as a QR code for the projector: a PNG made in pure Python (segno), so a class's phones
open a lesson or a lecture without typing its address. No Streamlit, no torch."""

from __future__ import annotations

import io


def png(link: str, scale: int = 8) -> bytes:
    """The QR code of `link` as PNG bytes: error correction M (a projector's glare and a phone's
    angle lose some modules), a quiet zone of four modules as the standard asks, `scale` px each."""
    import segno  # only when a code is drawn

    out = io.BytesIO()
    segno.make(link, error="m", micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
