"""Small PNG charts for the HTML reports (mail clients show images, not scripts or SVG)."""
from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

BLUE, ORANGE, GREY, TEXT = "#4472C4", "#ED7D31", "#D9D9D9", "#404040"


@lru_cache(maxsize=4)
def _font(size: int):
    return ImageFont.load_default(size=size)


def _short(value: float) -> str:
    a = abs(value)
    return f"{value / 1e6:.1f}M" if a >= 1e6 else f"{value / 1e3:.0f}k" if a >= 1e3 else f"{value:.0f}"


def trend_png(points: list[dict], title: str, width: int = 640, height: int = 260) -> bytes:
    """Monthly actual (bars) against target (line), with month labels and a y scale."""
    img = Image.new("RGB", (width, height), "white")
    d = ImageDraw.Draw(img)
    left, right, top, bottom = 56, 12, 28, 36
    d.text((left, 6), title, fill=TEXT, font=_font(13))
    values = [p["actual"] for p in points] + [p["target"] for p in points]
    hi = max([v for v in values if v is not None] + [1.0])
    lo = min([0.0] + [v for v in values if v is not None])
    span = hi - lo or 1.0
    plot_h = height - top - bottom

    def y(v):
        return top + plot_h * (hi - v) / span

    for k in range(5):
        v = lo + span * k / 4
        d.line([(left, y(v)), (width - right, y(v))], fill=GREY)
        d.text((4, y(v) - 7), _short(v), fill=TEXT, font=_font(11))
    n = max(len(points), 1)
    step = (width - left - right) / n
    bar = step * 0.6
    line = []
    for i, p in enumerate(points):
        x = left + i * step + (step - bar) / 2
        d.rectangle([x, min(y(p["actual"]), y(0)), x + bar, max(y(p["actual"]), y(0))], fill=BLUE)
        line.append((x + bar / 2, y(p["target"])))
        d.text((x - 2, height - bottom + 6), p["period"][5:7] + "/" + p["period"][2:4], fill=TEXT, font=_font(10))
    if len(line) > 1:
        d.line(line, fill=ORANGE, width=3)
    d.rectangle([width - 170, 8, width - 160, 18], fill=BLUE)
    d.text((width - 155, 6), "actual", fill=TEXT, font=_font(11))
    d.line([(width - 100, 13), (width - 88, 13)], fill=ORANGE, width=3)
    d.text((width - 84, 6), "target", fill=TEXT, font=_font(11))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()
