"""What a chat post says about a team's month, and how it reads in each chat.

The figures come from the month's dashboard.json, which ``reports`` writes from the report
model (so a post and the reports never disagree): attainment against target, rank among the
teams, the champion, reps behind pace and overdue revisits of high-value customers. A
``Summary`` is that content in the report's language; ``markdown`` (WeCom, DingTalk) and
``feishu_post`` (Feishu rich text) draw it, and ``fit`` shortens its lists ("and N more")
until the message is within the chat's size limit.

Data text is always text: every name is one line (no line breaks, no control characters) and,
in markdown, its markup characters are escaped (``md_text``), so a name cannot add a heading,
a link, a font tag or a WeCom ``<@userid>`` mention. Feishu rich text takes plain text
elements, so names go in as they are (one line).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

from workbooks.i18n import DASH, Language, language

from .dashboard import DATA_NAME
from .delivery import one_line

COMPANY = "*"               # the company's post ("*" in salesdesk.toml: every team and the company)
LISTED = 10                 # names a list shows before "and N more"
MESSAGE_BYTES = 4096        # WeCom's markdown limit (UTF-8 bytes), the strictest; every chat keeps to it


class ChatError(Exception):
    """The month cannot be posted (its figures are missing); one line says why."""


@dataclass(frozen=True)
class Section:
    heading: str
    items: tuple[str, ...]       # already escaped for the chat
    empty: str                   # what the section says when it lists nobody
    total: int                   # how many there are (a lower bound may say "or more" in the heading)


@dataclass(frozen=True)
class Summary:
    team: str                    # a team's key, or COMPANY
    lang: str
    title: str                   # as the chat shows it (names escaped)
    subject: str                 # as plain text: a notification's title
    facts: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]
    footer: str


def read_figures(month_dir: Path, month: str) -> dict:
    path = Path(month_dir) / DATA_NAME
    try:
        figures = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ChatError(f"no {path}; run `salesdesk reports` for {month} first") from None
    except (OSError, ValueError) as exc:
        raise ChatError(f"cannot read {path} ({type(exc).__name__}); run `salesdesk reports` for {month} again") from None
    made_for = figures.get("period", figures.get("month"))         # a week's, quarter's or year's, or the month's
    if made_for != month:
        raise ChatError(f"{path} is for {made_for}, not {month}")
    return figures


# --- escaping -------------------------------------------------------------------------------

_MD_MARKUP = re.compile(r"([\\`*_\[\]{}()#+!|~])")
_MD_LEADING = re.compile(r"^(-|\d+(?=[.)]))")


def md_text(text) -> str:
    """A name from the data as literal markdown text: one line, HTML-significant characters as
    entities (no tag, no ``<@userid>``), markdown punctuation backslash-escaped, and a leading
    list marker neutralised."""
    text = one_line(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_MARKUP.sub(r"\\\1", text)
    return _MD_LEADING.sub(lambda m: "\\-" if m.group(0) == "-" else m.group(0) + "\\", text)


def plain_text(text) -> str:
    return one_line(text)


# --- what a post says ---------------------------------------------------------------------

def team_summary(figures: dict, team: str, esc=md_text) -> Summary | None:
    """The team's month; None when the month has no such team."""
    t = language(figures.get("language"))
    teams = figures["teams"]
    rank = next((i for i, row in enumerate(teams) if row["team"] == team), None)
    if rank is None:
        return None
    row = teams[rank]
    overdue = row.get("overdue_customers", [c for c in figures.get("overdue", []) if c["team"] == team])
    facts = ((t("Attainment"), _attainment(t, row["actual"], row["target"], row["attainment"])),
             (t("Rank among teams"), t("{rank} of {size}", rank=rank + 1, size=len(teams))))
    if "champion" in row:          # figures written before the teams' champions were kept have none
        facts += ((t("Champion"), _champion(t, row["champion"], esc)),)
    behind = [b for b in figures.get("behind", []) if b["team"] == team]
    sections = (_behind(t, behind, esc, with_team=False),)
    if _monthly(figures):          # overdue revisits are the month's (a week's or quarter's figures have none)
        sections += (_overdue(t, overdue, row.get("overdue_high_value", len(overdue)), False, esc, with_team=False),)
    month = t.period(figures.get("period", figures["month"]))
    return Summary(team, t.code, t("{team}: Sales, {month}", team=esc(team), month=month),
                   t("{team}: Sales, {month}", team=plain_text(team), month=month), facts, sections, _footer(t, figures))


def company_summary(figures: dict, esc=md_text) -> Summary:
    t = language(figures.get("language"))
    month = figures["company"][0]
    champion = figures.get("champion")
    facts = ((t("Attainment"), _attainment(t, month["actual"], month["target"], month["attainment"])),
             (t("Champion"), _champion(t, champion, esc) if not champion else
              t("{name} ({rep_id}), team {team}: {share}", name=esc(champion["name"]), rep_id=esc(champion["rep_id"]),
                team=esc(champion["team"]), share=t.pct(champion["attainment"]))))
    ranking = tuple(f"{esc(row['team'])}: {t.pct(row['attainment'])}" for row in figures["teams"])
    sections = (Section(t("Teams by attainment"), ranking, DASH, len(ranking)),
                _behind(t, figures.get("behind", []), esc, with_team=True))
    if _monthly(figures):
        sections += (_overdue(t, figures.get("overdue", []), figures.get("overdue_count", 0),
                              figures.get("overdue_more", False), esc, with_team=True),)
    title = t("Sales, {month}", month=t.period(figures.get("period", figures["month"])))
    return Summary(COMPANY, t.code, title, title, facts, sections, _footer(t, figures))


def _monthly(figures: dict) -> bool:
    return figures.get("period_kind", "month") == "month"


def _attainment(t: Language, actual, target, attainment) -> str:
    if not target:
        return t("{actual}, no target", actual=t.money(actual))
    return t("{share} ({actual} of {target})", share=t.pct(attainment), actual=t.money(actual),
             target=t.money(target))


def _champion(t: Language, rep: dict | None, esc) -> str:
    if not rep:
        return t("No rep with a target.")
    return f"{esc(rep['name'])} ({esc(rep['rep_id'])}): {t.pct(rep['attainment'])}"


def _behind(t: Language, reps: list[dict], esc, with_team: bool) -> Section:
    items = tuple(f"{esc(r['name'])} ({esc(r['rep_id'])}{', ' + esc(r['team']) if with_team else ''}): "
                  f"{t.pct(r['attainment'])}" for r in reps)
    return Section(t("Reps behind pace ({count})", count=len(reps)), items, t("Nobody is behind pace."), len(items))


def _overdue(t: Language, customers: list[dict], total: int, more: bool, esc, with_team: bool) -> Section:
    items = tuple(t("{customer} ({owner}), revisit due {date}",
                    customer=esc(c.get("name") or c["customer_id"]),
                    owner=esc(c.get("owner_name") or c.get("owner")) + (", " + esc(c["team"]) if with_team else ""),
                    date=t.date(c.get("next_revisit")) or DASH) for c in customers)
    count = t.num(max(total, len(items)), 0) + (t(" or more") if more else "")
    return Section(t("Overdue revisits of high-value customers ({count})", count=count), items, t("None overdue."),
                   max(total, len(items)))


def _footer(t: Language, figures: dict) -> str:
    date = t.date(figures.get("as_of"))
    if figures.get("open_month") and figures.get("period_kind", "month") != "month":
        return t("Data as of {date} (the period is still open: the target to date is the part of its target due by "
                 "then, by the working days passed in each month).", date=date)
    if figures.get("open_month"):
        return t("Data as of {date} (the month is still open: targets are compared with the month so far).", date=date)
    return t("Data as of {date}.", date=date)


# --- how it reads -------------------------------------------------------------------------

def _shown(section: Section, count: int, t: Language) -> list[str]:
    lines = list(section.items[:count])
    if not section.items and not section.total:
        return [section.empty]
    if section.total > count:
        lines.append(t("and {count} more", count=t.num(section.total - count, 0)))
    return lines


def markdown(summary: Summary, shown: tuple[int, ...]) -> str:
    """WeCom's and DingTalk's markdown: a heading, one paragraph per fact, a list per section."""
    t = language(summary.lang)
    parts = [f"### {summary.title}", *(f"**{label}**: {value}" for label, value in summary.facts)]
    for section, count in zip(summary.sections, shown):
        parts.append(f"**{section.heading}**\n" + "\n".join(f"- {line}" for line in _shown(section, count, t)))
    parts.append(f"> {summary.footer}")
    return "\n\n".join(parts)


def feishu_post(summary: Summary, shown: tuple[int, ...]) -> dict:
    """Feishu's rich text (``post``): plain text elements, one paragraph a line."""
    t = language(summary.lang)
    lines = [f"{label}: {value}" for label, value in summary.facts]
    for section, count in zip(summary.sections, shown):
        lines += ["", section.heading, *(f"• {line}" for line in _shown(section, count, t))]
    lines += ["", summary.footer]
    return {"title": summary.title, "content": [[{"tag": "text", "text": line}] for line in lines]}


def fit(summary: Summary, render, size, limit: int = MESSAGE_BYTES):
    """``render(summary, shown)`` with each list cut to LISTED names, then shortened one name at
    a time (from the longest list shown) until ``size(result)`` is within ``limit`` bytes. Lists
    are cut at whole names, so no character is ever split."""
    shown = [min(LISTED, len(s.items)) for s in summary.sections]
    while True:
        result = render(summary, tuple(shown))
        if size(result) <= limit or not any(shown):
            break
        longest = max(range(len(shown)), key=lambda i: shown[i])
        shown[longest] -= 1
    if size(result) > limit:        # names alone too long (cannot happen with one_line's 120 characters)
        short = replace(summary, title=summary.title[:100], facts=tuple((a, b[:200]) for a, b in summary.facts))
        result = render(short, tuple(shown))
    return result


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8"))
