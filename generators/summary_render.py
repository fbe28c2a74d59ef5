"""The quarter's and year's summaries as xlsx, HTML and PDF: three module-level renderers that
take any summary (a rep's, a team's or the company's; ``summary_model``) and draw the sections
``summary_sections`` words, so the three formats say the same.

The xlsx is laid out as the monthly report's (``report_layout`` blocks drawn by
``report_xlsx.SheetWriter``), with attainment and totals as formulas whose values are cached;
the HTML is ``templates/summary.html.j2`` (autoescaped, CSS inlined); the PDF is
``templates/summary.typ`` typeset with the content as JSON (``typeset``), never as markup.
"""
from __future__ import annotations

from workbooks.i18n import Language, language
from workbooks.xlsxstyle import INT, KIND_FORMAT, MONEY, PERCENT

from .report_html import _inliner, environment
from .report_layout import Styled, lay_out
from .report_pdf import page_frame, table
from .report_xlsx import ReportBlocks, SheetWriter, _hf
from .summary_model import Summary
from .summary_sections import Section, header_left, notes, period_name, sections, tiles, titles
from .typeset import typeset

XLSX_STYLE = {"money": MONEY, "pct": PERCENT, "int": INT}
ALIGN = {"money": "r", "pct": "r", "int": "r", "kpi": "r"}


def cell_text(t: Language, value, kind: str) -> str:
    """A value as the HTML and PDF print it, by its column's kind."""
    if kind == "kpi":
        return t.kpi_value(*value)
    if value is None:
        return "" if kind == "text" else t.num(None)
    if kind == "money":
        return t.money(value)
    if kind == "pct":
        return t.pct(value)
    if kind == "int":
        return t.num(value, 0)
    return str(value)


def _texts(t: Language, s: Section) -> dict:
    """A section with its values as text: header, rows, total, align."""
    kinds = [c.kind for c in s.columns]
    return {"key": s.key, "title": s.title, "lines": list(s.lines), "notes": list(s.notes),
            "header": [c.header for c in s.columns],
            "rows": [[cell_text(t, v, k) for v, k in zip(row, kinds)] for row in s.rows],
            "total": None if s.total is None else [cell_text(t, v, "text" if i == 0 or v is None else k)
                                                   for i, (v, k) in enumerate(zip(s.total, kinds))],
            "align": "".join(ALIGN.get(k, "l") for k in kinds)}


# --- HTML ------------------------------------------------------------------------------------

def summary_html(ctx: Summary) -> str:
    t = language(ctx.lang)
    title, subtitle = titles(ctx)
    html = environment(ctx.lang).get_template("summary.html.j2").render(
        title=title, subtitle=subtitle, notes=notes(ctx), tiles=tiles(ctx),
        sections=[_texts(t, s) for s in sections(ctx)])
    return _inliner().inline(html)


# --- PDF -------------------------------------------------------------------------------------

def summary_content(ctx: Summary) -> dict:
    """Everything a summary's PDF shows, in its language (templates/summary.typ lays it out)."""
    t = language(ctx.lang)
    title, subtitle = titles(ctx)
    frame = page_frame(t, title, header_left(ctx), ctx.period.months[0])
    frame["header_right"] = period_name(t, ctx)
    out = []
    for s in sections(ctx):
        x = _texts(t, s)
        section = {"key": s.key, "title": s.title, "lines": x["lines"], "notes": x["notes"]}
        if s.has_table:
            section["table"] = table(x["header"], x["rows"], x["align"], total=x["total"])
        out.append(section)
    return frame | {"kind": ctx.kind, "subtitle": subtitle, "notes": notes(ctx),
                    "tiles": [{"label": x.label, "value": x.value, "sub": x.sub, "status": x.status}
                              for x in tiles(ctx)],
                    "sections": out}


def summary_pdf(ctx: Summary) -> bytes:
    return typeset("summary.typ", summary_content(ctx))


# --- xlsx ------------------------------------------------------------------------------------

def summary_xlsx(ctx: Summary) -> bytes:
    t = language(ctx.lang)
    title, subtitle = titles(ctx)
    blocks = ReportBlocks(t)
    blocks.note(subtitle)
    for line in notes(ctx):
        blocks.note(line)
    for s in sections(ctx):
        _xlsx_section(blocks, s)
    writer = SheetWriter(title, header_left(ctx), ctx.period.months[0], t)
    period, who = _hf(period_name(t, ctx)), _hf(header_left(ctx))
    writer.ws.set_header(f"&L{who}&C{period}&R{t.page_of_pages()}")
    writer.ws.set_footer(f"&L{_hf(t('SalesDesk period summary'))}&R{who}, {period}")
    return writer.draw(lay_out(blocks.blocks))


def _xlsx_section(blocks: ReportBlocks, s: Section) -> None:
    blocks.section(s.title)
    for line in s.lines:
        blocks.note(line)
    if s.has_table:
        kinds = [c.kind for c in s.columns]
        rows = [[_xlsx_value(v, k) for v, k in zip(row, kinds)] for row in s.rows]
        if s.ratio:                    # attainment as a formula of the row's actual and target
            for row in rows:
                row[s.ratio[0]] = None
        totals = [j for j, v in enumerate(s.total or ()) if j and isinstance(v, (int, float))
                  and kinds[j] in ("money", "int")]
        blocks.table([c.header for c in s.columns], rows, [XLSX_STYLE.get(k) for k in kinds], ratio=s.ratio,
                     totals=totals or None)
    for line in s.notes:
        blocks.note(line)


def _xlsx_value(value, kind: str):
    if kind == "kpi":
        v, kpi_kind = value
        return Styled(v, KIND_FORMAT.get(kpi_kind))
    return value


def summary_title(ctx: Summary) -> str:
    """The summary's title, for the manifest and the mail ("Quarter summary: 2026-Q3 · ...")."""
    return titles(ctx)[0]
