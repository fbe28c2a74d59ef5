"""Benchmark: a rep's monthly PDF typeset by Typst against the same content drawn by reportlab.

Both get the same content (``generators.report_pdf.rep_content``), in English and Chinese: Typst
through ``generators.typeset.typeset("report.typ", ...)``, reportlab (platypus) through the renderer
below, a faithful-enough copy of templates/common.typ and report.typ (header, "page x of y", tiles,
every section in the template's order with status cells, bars and the trend chart as vector
graphics; sections one under another, not side by side). Measured: CPU time (process_time) per
report, engines interleaved report by report, each warmed up, 3 rounds; medians over all
measurements and of the round medians, pages and PDF size. The last PDFs go to ``--out``.

Fonts: reportlab cannot embed CFF outlines (Noto Sans CJK SC, Typst's face), so it sets English in
DejaVu Sans and Chinese in a TrueType CJK face fontconfig lists (Debian: fonts-wqy-microhei, one
weight); without one the Chinese reportlab case is skipped.

    .venv/bin/python bench/pdf_engines.py [--reports 60] [--out /tmp/rl-bench/]
"""
from __future__ import annotations

import argparse
import dataclasses
import io
import json
import re
import shutil
import statistics
import subprocess
import sys
import time
from functools import partial
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import HRFlowable, Paragraph, SimpleDocTemplate, Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BOOK = ROOT / "bench" / "data" / "demo-2000.xlsx"      # bench/read_workbook.py makes it
MONTH = "2026-10"
ROUNDS = 3
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")

# The template's colours (templates/common.typ)
hexc, grey = colors.HexColor, (lambda v: colors.Color(v / 255, v / 255, v / 255))
ACCENT, GRID, HEADER_FILL, TILE_FILL = hexc("#1F4E79"), hexc("#BDD7EE"), hexc("#DDEBF7"), hexc("#F7FAFD")
MUTED, RULE, TOTAL_RULE, CHART_GRID = grey(90), grey(215), grey(120), grey(220)
STATUS_FILL = {"green": hexc("#C6EFCE"), "amber": hexc("#FFEB9C"), "red": hexc("#FFC7CE")}
STATUS_INK = {"green": hexc("#006100"), "amber": hexc("#9C5700"), "red": hexc("#9C0006")}
BAR_INK = {"green": hexc("#70AD47"), "amber": hexc("#FFC000"), "red": hexc("#C00000"), "plain": hexc("#4472C4")}
ACTUAL_INK, TARGET_INK = hexc("#4472C4"), hexc("#ED7D31")
# A rep report's sections in report.typ's order (its side-by-side pairs one after the other)
ORDER = ["sales", "funnel", "scorecard", "activities", "satisfaction", "tiers", "commission", "overdue", "moved_down",
         "returns", "trend", "trend_table"]
MARGIN_X, TOP, BOTTOM = 1.4 * cm, 1.7 * cm, 1.5 * cm
WIDTH = A4[0] - 2 * MARGIN_X
ALIGN = {"l": "LEFT", "c": "CENTER", "r": "RIGHT"}
SIZE, PAD_X, PAD_Y, BAR_W = 8.0, 4.0, 1.3, 72.0     # table text, cell insets (rows as tall as Typst's), a bar's width


def cjk_truetype() -> Path | None:
    """The first font file fontconfig lists for Chinese that reportlab can embed (TrueType outlines)."""
    out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True).stdout \
        if shutil.which("fc-list") else ""
    for path in sorted({line.split(":")[0] for line in out.splitlines() if line.strip()}):
        try:
            return Path(path) if TTFont("probe", path, subfontIndex=0) else None
        except TTFError:    # CFF: "postscript outlines are not supported"
            pass
    return None


def register_fonts(lang: str, cjk: Path | None) -> tuple[str, str, str]:
    """(regular, bold, italic) font names for reportlab; the CJK face has one weight only."""
    if lang == "zh":
        pdfmetrics.registerFont(TTFont("CJK", str(cjk), subfontIndex=0))
        return "CJK", "CJK", "CJK"
    for name, file in (("DejaVu", ""), ("DejaVu-Bold", "-Bold"), ("DejaVu-It", "-Oblique")):
        pdfmetrics.registerFont(TTFont(name, str(DEJAVU / f"DejaVuSans{file}.ttf")))
    return "DejaVu", "DejaVu-Bold", "DejaVu-It"


class PagedCanvas(canvas.Canvas):
    """Keeps every page until the end, then has ``frame(canvas, page, pages)`` draw header and footer."""

    def __init__(self, frame, *a, **kw):
        super().__init__(*a, **kw)
        self.frame, self.pages = frame, []

    def showPage(self):
        self.pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        for n, state in enumerate(self.pages, 1):
            self.__dict__.update(state)
            self.frame(self, n, len(self.pages))
            super().showPage()
        super().save()


def bar(c: dict, width: float) -> Drawing:
    """A share as a horizontal bar across its cell, with a mark (100%) if any, as common.typ's bar."""
    scale, d = c.get("scale", 1.0), Drawing(width, 7)
    if (w := min(max(c["bar"] / scale, 0.0), 1.0) * width) > 0:
        d.add(Rect(0, 0.5, w, 6, fillColor=BAR_INK[c.get("ink", "plain")], strokeColor=None))
    if c.get("mark") is not None:
        d.add(Line(c["mark"] / scale * width, -0.5, c["mark"] / scale * width, 7.5, strokeWidth=0.6))
    return d


class Renderer:
    """The content dict of report.typ as a reportlab (platypus) PDF, in one language's fonts."""

    def __init__(self, fonts: tuple[str, str, str], cjk: bool):
        self.regular, self.bold, self.italic = fonts
        style = lambda name, **kw: ParagraphStyle(name, fontName=kw.pop("font", self.regular),  # noqa: E731
                                                  wordWrap="CJK" if cjk else None, **kw)
        self.title = style("title", font=self.bold, fontSize=14, leading=17, spaceAfter=4)
        self.text = style("text", fontSize=8.5, leading=11, spaceBefore=1.5, spaceAfter=1.5)
        self.muted = style("muted", parent=self.text, textColor=MUTED, spaceAfter=5)
        self.note = style("note", font=self.italic, parent=self.muted, spaceBefore=2, spaceAfter=2)
        self.heading = style("heading", font=self.bold, fontSize=10, leading=12, textColor=ACCENT, spaceBefore=8,
                             keepWithNext=1)
        self.cell = {(a, b): style(f"cell{a}{b}", font=(self.regular, self.bold)[b], fontSize=SIZE, leading=SIZE * 1.2,
                                   alignment="lcr".index(a)) for a in "lcr" for b in (0, 1)}
        self.tile = [style("tl", fontSize=7, leading=9, textColor=MUTED), style("tv", font=self.bold, fontSize=13,
                     leading=16), style("ts", fontSize=7, leading=9, textColor=MUTED)]

    def pdf(self, d: dict) -> bytes:
        buf = io.BytesIO()
        doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=TOP,
                                bottomMargin=BOTTOM, title=d["title"], author="SalesDesk")
        story = [Paragraph(escape(d["title"]), self.title), Paragraph(escape(d["subtitle"]), self.muted)]
        story += [Paragraph(escape(n), self.note) for n in d["notes"]]
        if d["tiles"]:
            story.append(self.tiles(d["tiles"]))
        for key in ORDER:
            if key in d["sections"]:
                story += self.section(d["sections"][key], d["labels"]["none"])
        doc.build(story, canvasmaker=partial(PagedCanvas, partial(self.frame, d)))
        return buf.getvalue()

    def frame(self, d: dict, c: canvas.Canvas, page: int, pages: int):
        """Header (two texts over a rule) and footer ("SalesDesk", "page x of y") of one page."""
        right, top = A4[0] - MARGIN_X, A4[1] - TOP
        c.setFont(self.regular, 7), c.setFillColor(MUTED), c.setStrokeColor(GRID), c.setLineWidth(0.4)
        c.drawString(MARGIN_X, top + 14, d["header_left"]), c.drawRightString(right, top + 14, d["header_right"])
        c.line(MARGIN_X, top + 10, right, top + 10)
        c.drawString(MARGIN_X, BOTTOM - 20, "SalesDesk")
        c.drawRightString(right, BOTTOM - 20, d["page_of"].replace("{page}", str(page)).replace("{pages}", str(pages)))

    def tiles(self, items: list[dict]) -> Table:
        """The key figures: boxes side by side (an empty 6pt column between two)."""
        gap, cells, widths, style = 6.0, [], [], [("VALIGN", (0, 0), (-1, -1), "TOP")]
        for i, x in enumerate(items):
            if i:
                cells.append(""), widths.append(gap)
            j = len(cells)
            cells.append([Paragraph(escape(v), s) for v, s in zip((x["label"], x["value"], x["sub"]), self.tile)])
            widths.append((WIDTH - gap * (len(items) - 1)) / len(items))
            style += [("BOX", (j, 0), (j, 0), 0.5, GRID),
                      ("BACKGROUND", (j, 0), (j, 0), STATUS_FILL.get(x.get("status", ""), TILE_FILL))]
        return Table([cells], colWidths=widths, style=style, hAlign="LEFT", spaceAfter=4)

    def section(self, x: dict, none: str) -> list:
        """Title over an accent rule (both kept with what follows), lines, chart, table (or "None."), notes."""
        rule = HRFlowable(width="100%", thickness=0.6, color=ACCENT, spaceBefore=1, spaceAfter=3)
        rule.keepWithNext = 1
        out = [Paragraph(escape(x["title"]), self.heading), rule]
        out += [Paragraph(escape(line), self.text) for line in x.get("lines", ())]
        if "chart" in x:
            out.append(self.chart(x["chart"]))
        if "table" in x:
            t = x["table"]
            out.append(self.table(t) if t["rows"] or t.get("total") else Paragraph(escape(none), self.note))
        return out + [Paragraph(escape(n), self.note) for n in x.get("notes", ())]

    def width_of(self, c, bold=False) -> float:
        if isinstance(c, dict):
            return BAR_W if "bar" in c else self.width_of(c.get("text", ""), bold) + 4
        return pdfmetrics.stringWidth(str(c or ""), self.bold if bold else self.regular, SIZE) + 2 * PAD_X

    def table(self, t: dict) -> Table:
        """One line a row at the columns' natural widths where that fits (as Typst's one-line table),
        else at the content's widths (fr columns share what "auto" ones leave) with fr columns wrapped."""
        total = t.get("total")
        body = [t["header"]] + t["rows"] + ([total] if total else [])
        bold_rows = {0, len(body) - 1} if total else {0}
        widths, wrap = self.column_widths(t, body, bold_rows)
        every, head = ((0, 0), (-1, -1)), ((0, 0), (-1, 0))
        style = [("FONT", *every, self.regular, SIZE), ("FONT", *head, self.bold, SIZE), ("VALIGN", *every, "MIDDLE"),
                 ("BACKGROUND", *head, HEADER_FILL), ("LEFTPADDING", *every, PAD_X), ("RIGHTPADDING", *every, PAD_X),
                 ("TOPPADDING", *every, PAD_Y), ("BOTTOMPADDING", *every, PAD_Y), ("LINEBELOW", *every, 0.4, RULE),
                 ("LINEBELOW", *head, 0.4, GRID)]
        style += [("ALIGN", (j, 0), (j, -1), ALIGN[a]) for j, a in enumerate(t["align"])]
        if total:
            style += [("FONT", (0, -1), (-1, -1), self.bold, SIZE), ("LINEABOVE", (0, -1), (-1, -1), 0.8, TOTAL_RULE)]
        data = [[self.flowable(c, i, j, t["align"][j], i in bold_rows, widths[j] if wrap[j] else None, style)
                 for j, c in enumerate(row)] for i, row in enumerate(body)]
        return Table(data, colWidths=widths, style=style, repeatRows=1, hAlign="LEFT")

    def column_widths(self, t: dict, body: list[list], bold_rows: set[int]) -> tuple[list[float], list[bool]]:
        n = len(t["header"])
        widths = [max(self.width_of(r[j], bold=i in bold_rows) for i, r in enumerate(body)) for j in range(n)]
        if sum(widths) <= WIDTH:
            return widths, [False] * n
        spec = t.get("widths") or [1] * n
        left = max(WIDTH - sum(w for w, s in zip(widths, spec) if s == "auto"), 0.3 * WIDTH)
        fr = sum(s for s in spec if s != "auto")
        return [w if s == "auto" else left * s / fr for w, s in zip(widths, spec)], [s != "auto" for s in spec]

    def flowable(self, c, i: int, j: int, align: str, bold: bool, wrap_width: float | None, style: list):
        """A cell's content: a bar drawing, a status-coloured text (its colours added to ``style``),
        a wrapping paragraph in a wrapped column, else the text."""
        if isinstance(c, dict) and "bar" in c:      # a bar across the cell (one-line tables: 9 em)
            return bar(c, (wrap_width or BAR_W) - 2 * PAD_X)
        if isinstance(c, dict):
            if c.get("status") in STATUS_FILL:
                style += [("BACKGROUND", (j, i), (j, i), STATUS_FILL[c["status"]]),
                          ("TEXTCOLOR", (j, i), (j, i), STATUS_INK[c["status"]])]
            c = c["text"]
        if wrap_width and isinstance(c, str) and c:
            return Paragraph(escape(c), self.cell[align, int(bold)])
        return c

    def chart(self, c: dict, height: float = 3.2 * cm) -> Drawing:
        """The trend chart: bars (actual), ticks (target), the axis' labels, months and a legend."""
        axis_w, base, n, font = 18.0, 24.0, len(c["labels"]), self.regular
        d, slot = Drawing(WIDTH, height + base + 8), (WIDTH - axis_w) / len(c["labels"])
        y = lambda v: base + max(v, 0.0) / c["top"] * height   # noqa: E731
        for i, label in enumerate(c["axis"]):
            level = base + i / (len(c["axis"]) - 1) * height
            d.add(Line(axis_w, level, WIDTH, level, strokeColor=CHART_GRID, strokeWidth=0.3))
            d.add(String(axis_w - 4, level - 2, label, fontName=font, fontSize=6, fillColor=MUTED, textAnchor="end"))
        for i in range(n):
            mid, w = axis_w + slot * (i + 0.5), slot - 4
            d.add(Rect(mid - 0.35 * w, base, 0.7 * w, y(c["actual"][i]) - base, fillColor=ACTUAL_INK, strokeColor=None))
            if c["target"][i] is not None:
                d.add(Line(mid - 0.45 * w, y(c["target"][i]), mid + 0.45 * w, y(c["target"][i]), strokeColor=TARGET_INK,
                           strokeWidth=1.6))
            d.add(String(mid, base - 8, c["labels"][i], fontName=font, fontSize=6.5, fillColor=MUTED,
                         textAnchor="middle"))
        d.add(Rect(0, 2, 8, 6, fillColor=ACTUAL_INK, strokeColor=None))
        d.add(String(11, 3, c["legend"][0], fontName=font, fontSize=7))
        if len(c["legend"]) > 1:
            x = 23 + pdfmetrics.stringWidth(c["legend"][0], font, 7)
            d.add(Line(x, 5, x + 10, 5, strokeColor=TARGET_INK, strokeWidth=1.6))
            d.add(String(x + 13, 3, c["legend"][1], fontName=font, fontSize=7))
        return d


def interleaved(engines: dict, contents: list[dict]) -> tuple[dict, dict]:
    """CPU seconds per report, per engine and round (engines interleaved A, B, A, B ...), and the
    last round's PDFs. Typst memoizes across compiles (comemo) but evicts after a few, so with tens
    of reports a round does not reuse the previous one's layouts; with a handful it does."""
    for render in engines.values():     # warm-up: fonts found and loaded, compilers made
        render(contents[0])
    times = {e: [[] for _ in range(ROUNDS)] for e in engines}
    made = {e: [] for e in engines}
    for r in range(ROUNDS):
        for d in contents:
            for engine, render in engines.items():
                t = time.process_time()
                pdf = render(d)
                times[engine][r].append(time.process_time() - t)
                if r == ROUNDS - 1:
                    made[engine].append(pdf)
    return times, made


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=60)
    ap.add_argument("--out", type=Path, default=Path("/tmp/rl-bench/"))
    args = ap.parse_args()
    from generators.monthdata import load_month
    from generators.report_data import month_facts
    from generators.report_pdf import rep_content
    from generators.typeset import typeset
    if not BOOK.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "read_workbook.py"), "--skip-openpyxl"], check=True)
    reps = month_facts(load_month(BOOK, MONTH)).reps[:args.reports]     # the first reps of the 2,000
    args.out.mkdir(parents=True, exist_ok=True)
    cjk, results = cjk_truetype(), {}
    print(f"{len(reps)} rep reports, {ROUNDS} rounds; reportlab fonts: DejaVu Sans (en), {cjk or 'none'} (zh)")
    for lang in ("en", "zh"):
        contents = [rep_content(dataclasses.replace(ctx, lang="zh-CN" if lang == "zh" else "en")) for ctx in reps]
        engines = {"typst": partial(typeset, "report.typ")}
        if lang == "en" or cjk:
            engines["reportlab"] = Renderer(register_fonts(lang, cjk), cjk=lang == "zh").pdf
        else:
            print("reportlab zh: skipped, no TrueType CJK font installed (Debian: apt-get install fonts-wqy-microhei)")
        times, made = interleaved(engines, contents)
        for engine, rounds in times.items():
            (args.out / f"{engine}-{lang}.pdf").write_bytes(made[engine][-1])
            fig = {"ms": round(statistics.median(sum(rounds, [])) * 1000, 1),
                   "ms_rounds": round(statistics.median(statistics.median(x) for x in rounds) * 1000, 1),
                   "round_medians_ms": [round(statistics.median(x) * 1000, 1) for x in rounds],
                   "pages": statistics.median(len(re.findall(rb"/Type\s*/Page\b", p)) for p in made[engine]),
                   "kb": round(statistics.median(len(p) for p in made[engine]) / 1024, 1)}
            results[f"{engine}_{lang}"] = fig
            print(f"{engine:9} {lang}: {fig['ms']:6.1f} ms/report (median of the round medians {fig['ms_rounds']:.1f}: "
                  f"{', '.join(map(str, fig['round_medians_ms']))}), {fig['pages']:g} pages, {fig['kb']:.1f} KB")
    print(f"sample PDFs in {args.out}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
