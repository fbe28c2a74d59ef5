"""The manager's month at a glance: OUT/MONTH/index.html.

``reports`` computes the month's figures once from the report model (``dashboard_figures``)
and keeps them beside the manifest (``dashboard.json``); the page is then drawn from them and
from whatever the month's folder holds at that moment: the reports (manifest.json), the
commission statements, the reconciliation (reconciliation.json), the outbox and the planning
workbook. Every command that adds to the folder draws it again (``write_dashboard``), so the
page always links what is there and says what is not made yet. A static page: inline SVG bars,
no script, readable offline and in a mail client's browser.

Figures shown twice agree by construction: the company's totals are the exact sums of the
teams' (in cents), the teams' those of their reps.
"""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from addin.engine.kpi import attainment_of
from addin.engine.money import exact_sum
from workbooks.files import write_text_atomic
from workbooks.i18n import language

from .report_data import OVERDUE_LISTED, champion_of
from .report_forecast import forecast_rows
from .report_html import environment
from .report_model import CoachingFocus, is_behind
from .report_text import focus_statement

DATA_NAME = "dashboard.json"
FINANCE_SUMMARY = "finance-summary.xlsx"     # written by commissions beside the statements
PAGE_NAME = "index.html"
SPANS = ("Month", "Quarter to date", "Year to date")
TRAINING_LISTED = 12     # reps named per focus on the page; the team reports and summary.xlsx list them all


_ratio = attainment_of          # the one rule: no target above zero, no attainment


def dashboard_figures(facts) -> dict:
    """The month's figures for the dashboard and the chat posts, from the report model (JSON-ready)."""
    returns = [line for r in facts.reps for line in r.returns]
    commissions = [r.commission for r in facts.reps if r.commission is not None]
    overdue = _overdue(facts)
    return {
        "month": facts.month, "period": facts.month, "period_kind": "month", "language": facts.lang, "as_of": facts.as_of.isoformat(),
        "open_month": facts.open_month, "company": _company(facts), "teams": _teams(facts),
        "champion": _champion(facts), "behind": _behind(facts), "overdue": overdue[:30],
        "overdue_count": len(overdue),
        # a team report lists at most OVERDUE_LISTED; then the count is a lower bound
        "overdue_more": any(len(t.risks.overdue_high_value) >= OVERDUE_LISTED for t in facts.teams),
        "movements": {m: sum(t.movements.counts.get(m, 0) for t in facts.teams) for m in ("up", "same", "down", "new")},
        "returns": {"count": len(returns), "amount": exact_sum(r.amount for r in returns)},
        # reps left out of every figure above (errors in their rows), and why
        "left_out": [{"rep_id": r.rep_id, "name": r.name, "team": team, "reason": r.reason}
                     for team, reps in sorted(facts.left_out.items()) for r in reps],
        "forecast": _forecast(facts),
        "training": _training(facts),
        "commission": None if not commissions else {
            "reps": len(commissions), "earned": exact_sum(c.earned for c in commissions),
            "paid": exact_sum(c.paid for c in commissions)},
    }


def _forecast(facts) -> list[dict]:
    """The month's and its quarter's forecast of the company and each team (those still open):
    per period its rows, the company first, then the teams as the ranking orders them."""
    order = {t["team"]: i for i, t in enumerate(_teams(facts))}
    periods: dict[str, dict] = {}
    for row in forecast_rows(facts):
        if row["level"] == "rep":
            continue
        p = periods.setdefault(row["period"], {"period": row["period"], "span": row["span"], "rows": []})
        p["rows"].append({k: v for k, v in row.items() if k not in ("period", "span")})
    for p in periods.values():
        p["rows"].sort(key=lambda r: (r["level"] != "company", order.get(r["key"], len(order)), r["key"]))
    return list(periods.values())


def _teams(facts) -> list[dict]:
    """The teams by the month's attainment, best first; a team without a target after those
    with one, by its sales (without a Targets sheet, the ranking is by sales)."""
    teams = []
    for t in facts.teams:
        month = t.sales[0]
        manager = t.team.manager if isinstance(t.team.manager, str) and t.team.manager.strip() else None
        teams.append({"team": t.key, "manager": manager, "actual": month.actual, "target": month.target,
                      "attainment": _ratio(month.actual, month.target), "reps": len(t.reps),
                      "behind": len(t.risks.behind_pace), "overdue_high_value": len(t.risks.overdue_high_value),
                      "champion": _rep(t.champion), "overdue_customers": _overdue_rows(facts, [t])})
    return sorted(teams, key=lambda x: (x["attainment"] is None, -(x["attainment"] or 0), -x["actual"], x["team"]))


def _training(facts) -> list[dict]:
    """The company's training plan from the teams': each focus, how many reps need it, in which
    teams (the most first), and the TRAINING_LISTED reps with the largest gaps, with their figures;
    the focus most reps need first."""
    needs: dict[str, dict] = {}
    for team in facts.teams:
        for need in team.training:
            n = needs.setdefault(need.focus, {"focus": need.focus, "label": need.label, "teams": [], "reps": []})
            n["teams"].append([team.key, len(need.reps)])
            n["reps"] += [(team.key, r) for r in need.reps]
    for n in needs.values():
        n["count"] = len(n["reps"])
        n["teams"].sort(key=lambda tc: (-tc[1], tc[0]))
        largest = sorted(n["reps"], key=lambda tr: (-tr[1].focus.severity, tr[1].rep_id))[:TRAINING_LISTED]
        n["reps"] = [{"rep_id": r.rep_id, "name": r.name, "team": team, "figures": asdict(r.focus)}
                     for team, r in largest]
    return sorted(needs.values(), key=lambda n: (-n["count"], n["focus"]))


def _company(facts) -> list[dict]:
    """Month, quarter and year to date: the exact sums of the teams' figures."""
    out = []
    for i, label in enumerate(SPANS):
        actual = exact_sum(t.sales[i].actual for t in facts.teams)
        target = exact_sum(t.sales[i].target for t in facts.teams)
        out.append({"label": label, "actual": actual, "target": target, "attainment": _ratio(actual, target)})
    return out


def _rep(rep) -> dict | None:
    return None if rep is None else {"rep_id": rep.rep_id, "name": rep.name, "actual": rep.actual,
                                     "target": rep.target, "attainment": _ratio(rep.actual, rep.target)}


def _champion(facts) -> dict | None:
    """The best of the teams' champions (``rules.champions``)."""
    champions = [(t.key, t.champion) for t in facts.teams if t.champion is not None]
    if not champions:
        return None
    best = champion_of([rep for _, rep in champions])       # the teams' champions, by the one rule
    team, rep = next((team, rep) for team, rep in champions if rep is best)
    return {"team": team, "rep_id": rep.rep_id, "name": rep.name, "actual": rep.actual, "target": rep.target,
            "attainment": _ratio(rep.actual, rep.target)}


def _behind(facts) -> list[dict]:
    rows = [{"rep_id": r.rep_id, "name": r.name, "team": t.key, "actual": r.actual, "target": r.target,
             "attainment": _ratio(r.actual, r.target)} for t in facts.teams for r in t.risks.behind_pace]
    return sorted(rows, key=lambda x: (x["attainment"] if x["attainment"] is not None else 0, x["rep_id"]))


def _overdue(facts) -> list[dict]:
    """Overdue revisits of high-value customers, the most overdue first."""
    return _overdue_rows(facts, facts.teams)


def _overdue_rows(facts, teams) -> list[dict]:
    names = {r.key: r.rep.name for r in facts.reps}
    rows = [{"customer_id": c.customer_id, "name": c.name, "owner": c.owner_rep_id,
             "owner_name": names.get(c.owner_rep_id, c.owner_rep_id), "team": t.key,
             "last_contact": c.last_contact, "next_revisit": c.next_revisit}
            for t in teams for c in t.risks.overdue_high_value]
    return sorted(rows, key=lambda c: (c["next_revisit"] or "", c["customer_id"]))


def write_figures(month_dir: Path, facts) -> None:
    write_text_atomic(month_dir / DATA_NAME, json.dumps(dashboard_figures(facts), indent=1, ensure_ascii=False))


def period_dashboard_figures(facts) -> dict:
    """A week's, quarter's or year's figures for its dashboard (``period_model.PeriodFacts``): the
    company and team rows are the exact sums of the teams' and reps' period rows; while the period
    is open the target to date (its reports', ``engine_args.period_targets_to_date``) beside the target, and a
    rep is behind by the one rule (``report_model.is_behind``) on the target due by the as-of day."""
    from addin.engine import rules

    from .period_run import target_to_date

    p = facts.period
    share = rules.elapsed_share(facts.as_of, p.first, p.last)
    due = {c.key: target_to_date(c) for c in facts.reps}     # None once the period is closed
    teams = []
    for t in facts.teams:
        row = t.sales[0]
        # against the target due by the as-of day, so the attainment shown is the one decided on
        rows = [{"rep_id": r.rep_id, "name": r.name, "team": t.key, "actual": r.actual,
                 "target": (target := due.get(r.rep_id) or r.target), "attainment": _ratio(r.actual, target)}
                for r in t.reps]
        behind = [r for r in rows if is_behind(r["attainment"], None)]
        teams.append({"team": t.key, "manager": t.team.manager if isinstance(t.team.manager, str) else None,
                      "actual": row.actual, "target": row.target, "attainment": _ratio(row.actual, row.target),
                      "reps": len(t.reps), "behind": len(behind), "champion": _rep(t.champion),
                      "behind_reps": behind})
    actual, target = exact_sum(t["actual"] for t in teams), exact_sum(t["target"] for t in teams)
    company = [{"label": "Period", "actual": actual, "target": target, "attainment": _ratio(actual, target)}]
    if share is not None:         # the teams' targets to date, as their reports state them
        to_date = exact_sum(target_to_date(t) or 0.0 for t in facts.teams)
        company.append({"label": "Period to date", "actual": actual, "target": to_date,
                        "attainment": _ratio(actual, to_date)})
    behind = sorted((r for t in teams for r in t.pop("behind_reps")),
                    key=lambda x: (x["attainment"] if x["attainment"] is not None else 0, x["rep_id"]))
    return {"period": p.key, "period_kind": p.kind, "month": p.months[-1], "language": facts.lang,
            "as_of": facts.as_of.isoformat(), "open_month": share is not None, "company": company,
            "teams": sorted(teams, key=lambda x: (x["attainment"] is None, -(x["attainment"] or 0), -x["actual"], x["team"])),
            "champion": _champion(facts), "behind": behind, "commission": None,
            "forecast": None,
            "left_out": [{"rep_id": r.rep_id, "name": r.name, "team": team, "reason": r.reason}
                         for team, reps in sorted(facts.left_out.items()) for r in reps]}


def write_period_figures(folder: Path, facts) -> None:
    write_text_atomic(folder / DATA_NAME, json.dumps(period_dashboard_figures(facts), indent=1, ensure_ascii=False))


def _neighbours(out: Path, key: str) -> list[dict]:
    """The periods related to ``key``'s (``periods.related``) whose dashboards exist in OUT (the
    page's key, not its folder's name: a run draws the page in its staging folder beside them)."""
    from .periods import parse_period, related

    try:
        period = parse_period(key)
    except ValueError:
        return []
    return [{"role": role, "key": k, "href": f"../{k}/{PAGE_NAME}"} for role, k in related(period)
            if (out / k / PAGE_NAME).exists() or (out / k / DATA_NAME).exists()]


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _files(month_dir: Path) -> dict:
    """What the month's folder holds now, as links relative to the page."""
    folder = month_dir / "commissions"
    made = sorted(p.name for p in folder.glob("*.xlsx")) if folder.is_dir() else []
    statements = sorted({p.stem for p in folder.glob("*") if p.suffix in (".xlsx", ".pdf")} - {Path(FINANCE_SUMMARY).stem}) \
        if folder.is_dir() else []          # a statement made as xlsx, PDF or both counts once
    outbox = sorted(p.name for p in (month_dir / "outbox").glob("*.eml")) if (month_dir / "outbox").is_dir() else []
    planning = month_dir.parent / "planning.xlsx"
    return {
        "statements": statements,
        "finance_summary": f"commissions/{FINANCE_SUMMARY}" if FINANCE_SUMMARY in made else None,
        "reconciliation": "reconciliation.xlsx" if (month_dir / "reconciliation.xlsx").exists() else None,
        "outbox": len(outbox),
        "planning": "../planning.xlsx" if planning.exists() else None,
        "summary": "summary.xlsx" if (month_dir / "summary.xlsx").exists() else None,
        "errors": "errors.xlsx" if (month_dir / "errors.xlsx").exists() else None,
    }


def write_dashboard(month_dir: Path) -> Path | None:
    """Draw OUT/MONTH/index.html from the month's figures and files; None when no reports
    were made for the month yet (nothing to draw)."""
    month_dir = Path(month_dir)
    figures = _read_json(month_dir / DATA_NAME)
    if figures is None:
        return None
    manifest = _read_json(month_dir / "manifest.json") or {"deliveries": []}
    reconciliation = _read_json(month_dir / "reconciliation.json")
    lang, key = figures.get("language", "en"), figures.get("period", figures["month"])
    html = environment(lang).get_template("dashboard.html.j2").render(
        d=figures, deliveries=manifest.get("deliveries", []), files=_files(month_dir), reconciliation=reconciliation,
        kind=figures.get("period_kind", "month"), key=key, neighbours=_neighbours(month_dir.parent, key),
        focus_of=lambda f: focus_statement(language(lang), CoachingFocus(**f)))
    write_text_atomic(month_dir / PAGE_NAME, html)
    return month_dir / PAGE_NAME


def redraw_neighbours(folder: Path) -> None:
    """Draw again the dashboards in OUT whose related periods include ``folder``'s, so that theirs
    link it too (called under OUT's lock, once the folder is in place)."""
    from .periods import parse_period, related

    folder = Path(folder)
    for other in sorted(folder.parent.iterdir()):
        if other == folder or not (other / DATA_NAME).exists():
            continue
        try:
            linked = {key for _, key in related(parse_period(other.name))}
        except ValueError:
            continue
        if folder.name in linked:
            write_dashboard(other)
