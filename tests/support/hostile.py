"""Demo data with hostile identities: ids that clean to one file name, Chinese names, a
line break in a team name. Every sheet that names a rep or team is renamed consistently."""
from __future__ import annotations

import pandas as pd

# rep ids of the demo data -> hostile ones
REP_IDS = {"R0001": "A/B", "R0002": "A_B", "R0003": "x" * 80 + "1", "R0004": "x" * 80 + "2", "R0005": ".."}
REP_NAMES = {"R0006": "张伟", "R0007": "李娜"}
TEAM_NAMES = ["销售一部", "销售二部", ".."]
REP_COLUMNS = {"Reps": ["rep_id"], "Orders": ["rep_id"], "OrderCredits": ["rep_id"], "Opportunities": ["rep_id"],
               "Activities": ["rep_id"], "Satisfaction": ["rep_id"], "Customers": ["owner_rep_id"],
               "Payroll": ["rep_id"]}


def hostile_frames(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    out = {name: frame.copy() for name, frame in frames.items()}
    for sheet, columns in REP_COLUMNS.items():
        if sheet in out:
            for col in columns:
                out[sheet][col] = out[sheet][col].replace(REP_IDS)
    teams = dict(zip(sorted(out["Teams"]["team"]), TEAM_NAMES))
    out["Teams"]["team"] = out["Teams"]["team"].replace(teams)
    out["Reps"]["team"] = out["Reps"]["team"].replace(teams)
    targets = out["Targets"]
    targets["key"] = [teams.get(k, k) if level == "team" else REP_IDS.get(k, k)
                      for k, level in zip(targets["key"], targets["level"])]
    reps = out["Reps"]
    for rep_id, name in REP_NAMES.items():
        reps.loc[reps["rep_id"] == rep_id, "name"] = name
    return out


def hostile_ids() -> tuple[list[str], list[str]]:
    return list(REP_IDS.values()), TEAM_NAMES
