"""The monthly report as HTML for mail clients: jinja2 with autoescape, CSS inlined, the
trend chart embedded as a PNG image, no scripts."""
from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path

import css_inline
from addin.engine.rules import month_title
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .charts import trend_png
from .report_model import Report

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


DASH = "\u2013"   # shown where there is no value


def money(v) -> str:
    return DASH if v is None else f"{v:,.2f}"


def pct(v) -> str:
    return DASH if v is None or v == "" else f"{v:.1%}"


def num(v, d: int = 1) -> str:
    return DASH if v is None else f"{v:,.{d}f}"


def ratio(a, b) -> str:
    return DASH if a is None or not b else f"{a / b:.1%}"


def kpi_value(v, kind: str) -> str:
    """A KPI's actual or target as its kind reads: 23,047.90; 43.0%; 19; 31.5 days; 4.21."""
    if v is None:
        return DASH
    if kind == "money":
        return f"{v:,.2f}"
    if kind == "percentage":
        return f"{v:.1%}"
    if kind == "count":
        return f"{v:,.0f}"
    if kind == "days":
        return f"{v:,.1f} days"
    return f"{v:,.2f}"


# Number formatting as plain functions, not template macros: called ~90 times a report,
# a macro call costs ten times as much. Their output is escaped like any other value.
FORMATTERS = {"money": money, "pct": pct, "num": num, "ratio": ratio, "kpi_value": kpi_value}


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2", "xml"],
                      default_for_string=True, default=True), undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True)
    env.globals.update(FORMATTERS)
    return env


@lru_cache(maxsize=1)
def _inliner():
    return css_inline.CSSInliner(keep_style_tags=False)


def titles(ctx: Report) -> tuple[str, str]:
    month = month_title(ctx.month)
    if ctx.kind == "rep":
        r = ctx.rep
        return f"Monthly sales report: {r.name} ({r.rep_id}), {month}", f"Team {r.team}, manager {r.manager or '-'}"
    t = ctx.team
    return f"Monthly team report: {t.team}, {month}", f"Manager {t.manager}"


def render(ctx: Report) -> str:
    title, subtitle = titles(ctx)
    chart = base64.b64encode(trend_png(ctx.trend, "Sales against target, last 12 months")).decode("ascii")
    html = environment().get_template("report.html.j2").render(ctx=ctx, title=title, subtitle=subtitle, chart=chart)
    return _inliner().inline(html)
