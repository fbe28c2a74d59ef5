"""From the contract's sheets to the engine's arguments: the one place where sheet and
column names meet the engine (``addin`` knows no sheet)."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from addin.engine.commission import CommissionInputs
from addin.engine.forecast import deal_probabilities, open_deals, stage_probabilities
from addin.engine.planning import period_parts, phased_targets, tied_parts


def seasonality_weights(frames: dict[str, pd.DataFrame]) -> list[float]:
    """The Seasonality sheet's twelve weights, January first."""
    return frames["Seasonality"].sort_values("month")["weight"].tolist()


def _phased(targets: pd.DataFrame, level: str, seasonality, years: Sequence[int]) -> pd.DataFrame:
    rows = targets[(targets["level"] == level) & targets["year"].isin(list(years))]
    return phased_targets(rows["key"].tolist(), rows["year"].astype(int).tolist(), rows["annual_target"].tolist(),
                          seasonality)


def rep_quotas(frames: dict[str, pd.DataFrame], years: Sequence[int]) -> pd.DataFrame:
    """Each rep's monthly quota from the Targets sheet's rep rows: rep_id, period, quota_cents.

    Where a team's reps' annual targets add up exactly to the team's annual target, their
    months are the team's months shared out (``tied_parts``): each month the reps' quotas
    sum exactly to the team's target, and each rep's months to the rep's annual target."""
    targets, seasonality = frames["Targets"], seasonality_weights(frames)
    reps = _phased(targets, "rep", seasonality, years).rename(columns={"key": "rep_id", "cents": "quota_cents"})
    teams = _phased(targets, "team", seasonality, years)
    if not len(reps) or not len(teams):
        return reps
    reps["team"] = reps["rep_id"].map(frames["Reps"].drop_duplicates("rep_id").set_index("rep_id")["team"])
    reps["year"] = reps["period"].str[:4]
    teams["year"] = teams["period"].str[:4]
    tied = []
    for (team, year), whole in teams.groupby(["key", "year"], sort=False):
        members = reps[(reps["team"] == team) & (reps["year"] == year)]
        totals = members.groupby("rep_id", sort=False)["quota_cents"].sum()
        if not len(totals) or totals.sum() != whole["cents"].sum() or (totals < 0).any() or (whole["cents"] < 0).any():
            continue
        cells = tied_parts(whole["cents"].to_numpy(), totals.to_numpy())
        tied.append(pd.DataFrame({"rep_id": np.repeat(totals.index.to_numpy(), len(whole)),
                                  "period": np.tile(whole["period"].to_numpy(), len(totals)),
                                  "tied": cells.ravel()}))
    if tied:
        reps = reps.merge(pd.concat(tied, ignore_index=True), on=["rep_id", "period"], how="left")
        reps["quota_cents"] = reps["tied"].fillna(reps["quota_cents"]).astype(np.int64)
    return reps[["rep_id", "period", "quota_cents"]]


def team_targets(targets: pd.DataFrame, seasonality, years: Sequence[int]) -> pd.DataFrame:
    """Each team's monthly target from the Targets sheet's team rows: team, period, target."""
    out = _phased(targets, "team", seasonality, years)
    return pd.DataFrame({"team": out["key"], "period": out["period"], "target": out["cents"] / 100})


def period_targets(frames: dict[str, pd.DataFrame], months: Sequence[str], week: str | None = None
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each team's and each rep's target for a period (the ``months`` it touches, and the ISO
    ``week`` when it is one), in cents, from the one monthly phasing (``team_targets``,
    ``rep_quotas``) by ``planning.period_parts``: (team, target_cents), (rep_id, team, target_cents).
    A team's reps add up to its target exactly wherever they do for its months."""
    years = sorted({int(m[:4]) for m in months})
    teams = _phased(frames["Targets"], "team", seasonality_weights(frames), years)
    reps = rep_quotas(frames, years).rename(columns={"rep_id": "key", "quota_cents": "cents"})
    reps["team"] = reps["key"].map(frames["Reps"].drop_duplicates("rep_id").set_index("rep_id")["team"])
    team_parts = period_parts(teams, months, week)
    rep_parts = period_parts(reps, months, week, teams=teams)
    team_sum = team_parts.groupby("key", sort=False)["cents"].sum()
    rep_sum = rep_parts.groupby("key", sort=False)["cents"].sum()
    return (pd.DataFrame({"team": team_sum.index, "target_cents": team_sum.to_numpy()}),
            pd.DataFrame({"rep_id": rep_sum.index, "team": rep_sum.index.map(reps.drop_duplicates("key")
                                                                                .set_index("key")["team"]),
                          "target_cents": rep_sum.to_numpy()}))


def period_targets_to_date(frames: dict[str, pd.DataFrame], months: Sequence[str], week: str | None, as_of,
                           week_share: float | None = None) -> tuple[dict, dict]:
    """The part of each team's and rep's period target (``period_targets``) due by ``as_of`` while the
    period is open, in cents: {team: cents}, {rep_id: cents}. A quarter or year: the months passed
    whole and the month in progress pro-rated by its working days passed (``rules.month_shares``), the
    one phasing, so a closed month counts as the monthly report counts it. A week: its target x
    ``week_share`` (its working days passed). Half-up; a team's reps tie to its figure to the cent."""
    from addin.engine.rules import month_shares

    if week is not None:
        return _share_due(*period_targets(frames, months, week), week_share or 0.0)
    shares = dict(zip(months, month_shares(months, as_of)))
    passed = [m for m in months if shares[m] == 1.0]
    teams, reps = _cents_by_key(*period_targets(frames, passed)) if passed else ({}, {})
    for month in (m for m in months if 0.0 < shares[m] < 1.0):        # the month in progress
        for done, more in zip((teams, reps), _share_due(*period_targets(frames, (month,)), shares[month])):
            for key, cents in more.items():
                done[key] = done.get(key, 0) + cents
    return teams, reps


def _cents_by_key(teams: pd.DataFrame, reps: pd.DataFrame) -> tuple[dict, dict]:
    return (dict(zip(teams["team"], teams["target_cents"].astype(int))),
            dict(zip(reps["rep_id"], reps["target_cents"].astype(int))))


def _share_due(teams: pd.DataFrame, reps: pd.DataFrame, share: float) -> tuple[dict, dict]:
    """``share`` of each target, half-up to the cent; the reps of a team whose targets add up to the
    team's share its due exactly (``tied_parts``), the others are rounded each on its own."""
    def due(cents):
        return int(np.floor(int(cents) * share + 0.5))
    team_due = {team: due(c) for team, c in zip(teams["team"], teams["target_cents"])}
    whole = dict(zip(teams["team"], teams["target_cents"].astype(int)))
    rep_due = {}
    for team, members in reps.groupby("team", sort=False):
        cents = members["target_cents"].astype(np.int64).to_numpy()
        if team in team_due and int(cents.sum()) == whole[team] and (cents >= 0).all() and 0 <= team_due[team] <= whole[team]:
            parts = tied_parts([team_due[team], whole[team] - team_due[team]], cents)[:, 0]
        else:
            parts = [due(c) for c in cents]
        rep_due.update(zip(members["rep_id"], (int(p) for p in parts)))
    return team_due, rep_due


def commission_inputs(frames: dict[str, pd.DataFrame], quotas: pd.DataFrame) -> CommissionInputs:
    """The commission engine's inputs from the validated sheets."""
    empty_credits = pd.DataFrame({"order_id": pd.Series(dtype=object), "rep_id": pd.Series(dtype=object),
                                  "share": pd.Series(dtype=float)})
    reps = frames["Reps"]
    reps = reps[reps["plan_id"].notna()]      # no plan: the rep earns no commission (not an error)
    return CommissionInputs(reps=reps, orders=frames["Orders"], credits=frames.get("OrderCredits", empty_credits),
                            plans=frames["Plans"], spiffs=frames.get("Spiffs"), quotas=quotas)


def forecast_deals(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The open deals of the Opportunities sheet as the forecast takes them: opp_id, rep_id,
    customer_id, stage, amount, expected_close and probability (the deal's own, else its stage's
    from the Stages sheet, else the default: ``forecast.deal_probabilities``). A workbook without
    the optional columns has no dated deals, so nothing beyond the booked sales is forecast."""
    opps = frames["Opportunities"]
    live = opps[open_deals(opps["stage"])]
    stages = frames.get("Stages")
    table = stage_probabilities(None if stages is None else dict(zip(stages["stage"], stages["probability"])))
    own = live["probability"] if "probability" in live.columns else pd.Series(np.nan, index=live.index)
    close = live["expected_close"] if "expected_close" in live.columns else pd.Series(pd.NaT, index=live.index)
    return pd.DataFrame({"opp_id": live["opp_id"], "rep_id": live["rep_id"], "customer_id": live["customer_id"],
                         "stage": live["stage"], "amount": live["amount"].astype(float),
                         "expected_close": pd.to_datetime(close),
                         "probability": deal_probabilities(live["stage"], own, table)})
