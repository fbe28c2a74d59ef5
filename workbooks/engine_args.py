"""From the contract's sheets to the engine's arguments: the one place where sheet and
column names meet the engine (``addin`` knows no sheet)."""
from __future__ import annotations

from typing import Sequence

import pandas as pd

from addin.commission import CommissionInputs
from addin.planning import phased_targets


def seasonality_weights(frames: dict[str, pd.DataFrame]) -> list[float]:
    """The Seasonality sheet's twelve weights, January first."""
    return frames["Seasonality"].sort_values("month")["weight"].tolist()


def _phased(targets: pd.DataFrame, level: str, seasonality, years: Sequence[int]) -> pd.DataFrame:
    rows = targets[(targets["level"] == level) & targets["year"].isin(list(years))]
    return phased_targets(rows["key"].tolist(), rows["year"].astype(int).tolist(), rows["annual_target"].tolist(),
                          seasonality)


def rep_quotas(targets: pd.DataFrame, seasonality, years: Sequence[int]) -> pd.DataFrame:
    """Each rep's monthly quota from the Targets sheet's rep rows: rep_id, period, quota_cents."""
    return _phased(targets, "rep", seasonality, years).rename(columns={"key": "rep_id", "cents": "quota_cents"})


def team_targets(targets: pd.DataFrame, seasonality, years: Sequence[int]) -> pd.DataFrame:
    """Each team's monthly target from the Targets sheet's team rows: team, period, target."""
    out = _phased(targets, "team", seasonality, years)
    return pd.DataFrame({"team": out["key"], "period": out["period"], "target": out["cents"] / 100})


def commission_inputs(frames: dict[str, pd.DataFrame], quotas: pd.DataFrame) -> CommissionInputs:
    """The commission engine's inputs from the validated sheets."""
    empty_credits = pd.DataFrame({"order_id": pd.Series(dtype=object), "rep_id": pd.Series(dtype=object),
                                  "share": pd.Series(dtype=float)})
    return CommissionInputs(reps=frames["Reps"], orders=frames["Orders"], credits=frames.get("OrderCredits", empty_credits),
                            plans=frames["Plans"], spiffs=frames.get("Spiffs"), quotas=quotas)
