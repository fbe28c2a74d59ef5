"""Small PNG charts for the HTML reports (mail clients show images, not scripts or SVG).

Charts are drawn as palette images (one byte a pixel, a dozen colours and a 16-step ramp
for anti-aliased text), which encode to PNG several times faster than RGB and smaller.
Labels repeat across reports, so each is rendered once per process and pasted.
"""
from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

WHITE, BLUE, ORANGE, GREY = 0, 1, 2, 3             # palette indices
TEXT_RAMP = 4                                       # 4..19: text ink at 1/15 .. 15/15 coverage
_RGB = {WHITE: (255, 255, 255), BLUE: (0x44, 0x72, 0xC4), ORANGE: (0xED, 0x7D, 0x31), GREY: (0xD9, 0xD9, 0xD9)}
_INK = (0x40, 0x40, 0x40)


def _palette() -> list[int]:
    colours = [_RGB[i] for i in range(TEXT_RAMP)]
    for k in range(16):
        colours.append(tuple(round(255 + (ink - 255) * k / 15) for ink in _INK))
    return [v for rgb in colours for v in rgb]


PALETTE = _palette()
_TO_RAMP = [WHITE] + [TEXT_RAMP + round(v * 15 / 255) for v in range(1, 256)]


# Pillow's built-in font has no Chinese: labels that are not ASCII are drawn with a CJK font
# (Debian's fonts-noto-cjk, which make test and make demo install) when one is found.
CJK_FONTS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
             "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
             "/System/Library/Fonts/PingFang.ttc", "C:/Windows/Fonts/msyh.ttc")


@lru_cache(maxsize=8)
def _font(size: int, cjk: bool = False):
    if cjk:
        for path in CJK_FONTS:
            try:
                return ImageFont.truetype(path, size, index=2)   # index 2 of the collection: SC (simplified)
            except OSError:
                continue
    return ImageFont.load_default(size=size)


def _new(width: int, height: int) -> Image.Image:
    img = Image.new("P", (width, height), WHITE)
    img.putpalette(PALETTE)
    return img


@lru_cache(maxsize=4096)
def _label(text: str, size: int) -> Image.Image:
    """Anti-aliased text on white, as palette indices."""
    font = _font(size, not text.isascii())
    _, _, right, bottom = font.getbbox(text)
    mask = Image.new("L", (max(1, right), max(1, bottom)), 0)
    ImageDraw.Draw(mask).text((0, 0), text, fill=255, font=font)
    label = Image.frombytes("P", mask.size, mask.point(_TO_RAMP).tobytes())
    label.putpalette(PALETTE)
    return label


@lru_cache(maxsize=8)
def _frame(title: str, width: int, height: int, legend: tuple[str, str]) -> Image.Image:
    """The parts every chart shares: background, title and legend."""
    img = _new(width, height)
    d = ImageDraw.Draw(img)
    img.paste(_label(title, 13), (56, 6))
    d.rectangle([width - 170, 8, width - 160, 18], fill=BLUE)
    img.paste(_label(legend[0], 11), (width - 155, 6))
    d.line([(width - 100, 13), (width - 88, 13)], fill=ORANGE, width=3)
    img.paste(_label(legend[1], 11), (width - 84, 6))
    return img


def _short(value: float) -> str:
    a = abs(value)
    return f"{value / 1e6:.1f}M" if a >= 1e6 else f"{value / 1e3:.0f}k" if a >= 1e3 else f"{value:.0f}"


def trend_png(points, title: str, width: int = 640, height: int = 260,
              legend: tuple[str, str] = ("actual", "target")) -> bytes:
    """Monthly actual (bars) against target (line), with month labels and a y scale."""
    img = _frame(title, width, height, legend).copy()
    d = ImageDraw.Draw(img)
    left, right, top, bottom = 56, 12, 28, 36
    values = [p.actual for p in points] + [p.target for p in points]
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
        d.rectangle([x, min(y(p.actual), y(0)), x + bar, max(y(p.actual), y(0))], fill=BLUE)
        line.append((x + bar / 2, y(p.target)))
        img.paste(_label(p.period[5:7] + "/" + p.period[2:4], 10), (round(x - 2), height - bottom + 6))
    if len(line) > 1 and any(p.target for p in points):      # no target line when there are no targets
        d.line(line, fill=ORANGE, width=3)
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=3)   # 2.5x faster than the default level, 5 KB instead of 4
    return buf.getvalue()
