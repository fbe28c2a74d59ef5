"""The monthly report as HTML for mail clients: jinja2 with autoescape, CSS inlined, the
trend chart embedded as a PNG image, no scripts."""
from __future__ import annotations

import base64
from functools import lru_cache, partial

import css_inline
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from workbooks.i18n import language

from . import templates_folder
from .charts import trend_png
from .report_model import BEHIND_PACE, FORECAST_CATEGORIES, KPI_BAR_SCALE, MISSING_NOTES, Report
from .report_text import focus_statement, report_notes, titles

TEMPLATES = templates_folder()


@lru_cache(maxsize=4)
def environment(lang: str = "en") -> Environment:
    """The templates, with ``_`` (the language's messages) and its number formatters as globals:
    plain functions, not template macros: called ~90 times a report, a macro call costs ten
    times as much. What they return is escaped like any other value."""
    t = language(lang)
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2", "xml"],
                      default_for_string=True, default=True), undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True)
    env.globals.update(_=t, term=t.term, money=t.money, pct=t.pct, num=t.num, ratio=t.ratio,
                       kpi_value=t.kpi_value, note=t.note, month_name=t.month, period_name=t.period, lang=t.code,
                       focus=partial(focus_statement, t),
                       missing_notes=MISSING_NOTES, behind_pace=BEHIND_PACE, kpi_bar_scale=KPI_BAR_SCALE,
                       forecast_categories=FORECAST_CATEGORIES)
    return env


@lru_cache(maxsize=1)
def _inliner():
    return css_inline.CSSInliner(keep_style_tags=False)


def render(ctx: Report) -> str:
    t = language(ctx.lang)
    title, subtitle = titles(ctx)
    chart = base64.b64encode(trend_png(ctx.trend, t("Sales against target, last 12 months"),
                                       legend=(t("actual"), t("target")))).decode("ascii")
    html = environment(ctx.lang).get_template("report.html.j2").render(ctx=ctx, title=title, subtitle=subtitle,
                                                                        chart=chart, notes=report_notes(ctx))
    return _inliner().inline(html)
