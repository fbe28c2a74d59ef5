"""Small PNG charts for the HTML reports (mail clients show images, not scripts or SVG)."""
from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

BLUE, ORANGE, GREY, TEXT = "#4472C4", "#ED7D31", "#D9D9D9", "#404040"


@lru_cache(maxsize=4)
def _font(size: int):
    return ImageFont.load_default(size=size)


@lru_cache(maxsize=4096)
def _label(text: str, size: int) -> Image.Image:
    """A text label rendered once per process and pasted after (labels repeat across reports)."""
    font = _font(size)
    _, _, right, bottom = font.getbbox(text)
    img = Image.new("RGB", (max(1, right), max(1, bottom)), "white")
    ImageDraw.Draw(img).text((0, 0), text, fill=TEXT, font=font)
    return img


@lru_cache(maxsize=8)
def _frame(title: str, width: int, height: int) -> Image.Image:
    """The parts every chart shares: background, title and legend."""
    img = Image.new("RGB", (width, height), "white")
    d = ImageDraw.Draw(img)
    d.text((56, 6), title, fill=TEXT, font=_font(13))
    d.rectangle([width - 170, 8, width - 160, 18], fill=BLUE)
    d.text((width - 155, 6), "actual", fill=TEXT, font=_font(11))
    d.line([(width - 100, 13), (width - 88, 13)], fill=ORANGE, width=3)
    d.text((width - 84, 6), "target", fill=TEXT, font=_font(11))
    return img


def _short(value: float) -> str:
    a = abs(value)
    return f"{value / 1e6:.1f}M" if a >= 1e6 else f"{value / 1e3:.0f}k" if a >= 1e3 else f"{value:.0f}"


def trend_png(points: list[dict], title: str, width: int = 640, height: int = 260) -> bytes:
    """Monthly actual (bars) against target (line), with month labels and a y scale."""
    img = _frame(title, width, height).copy()
    d = ImageDraw.Draw(img)
    left, right, top, bottom = 56, 12, 28, 36
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
        img.paste(_label(_short(v), 11), (4, round(y(v) - 7)))
    n = max(len(points), 1)
    step = (width - left - right) / n
    bar = step * 0.6
    line = []
    for i, p in enumerate(points):
        x = left + i * step + (step - bar) / 2
        d.rectangle([x, min(y(p["actual"]), y(0)), x + bar, max(y(p["actual"]), y(0))], fill=BLUE)
        line.append((x + bar / 2, y(p["target"])))
        img.paste(_label(p["period"][5:7] + "/" + p["period"][2:4], 10), (round(x - 2), height - bottom + 6))
    if len(line) > 1:
        d.line(line, fill=ORANGE, width=3)
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=1)   # fast zlib: the chart is flat colour, size stays small
    return buf.getvalue()
