"""The tabs a manager sees: their names, headers, and the default scorecard written as rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.sheets.conditions import format_conditions
from scoring import DEFAULT_MODEL
from scoring.fields import FIELDS

#: Readable accounts-tab header per canonical field (also accepted as a Weights source field);
#: the other headers each field goes by are in scoring.fields, shared with every connector.
FIELD_HEADERS: dict[str, str] = {f.name: f.label for f in FIELDS}

OUTPUT_HEADERS: dict[str, str] = {
    "tier": "Tier",
    "score": "Score",
    "health": "Health Status",
    "next_action": "Next Action",
    "reason": "Tier Reason",
}
OVERRIDE_HEADER = "Tier Override"


@dataclass(frozen=True)
class Column:
    """One column of a model tab: the data key it fills and the headers accepted for it."""

    key: str
    headers: tuple[str, ...]
    required: bool = False

    @property
    def title(self) -> str:
        """Return the header tiersync writes."""
        return self.headers[0]


WEIGHTS, BANDS, TIERS, HEALTH, ACTIONS, STATUS = (
    "Weights",
    "Bands",
    "Tiers",
    "Health",
    "Next Actions",
    "Status",
)
REASSESSMENT = "Reassessment"
MODEL_TABS = (WEIGHTS, BANDS, TIERS, HEALTH, ACTIONS, REASSESSMENT)
REVIEW = "Review"  # written by tiersync: demotions waiting for the review date

COLUMNS: dict[str, tuple[Column, ...]] = {
    WEIGHTS: (
        Column("name", ("Criterion", "Name"), True),
        Column("label", ("Label",)),
        Column("weight", ("Weight %", "Weight", "Weight (%)"), True),
        Column("field", ("Source Field", "Field"), True),
        Column("missing_points", ("Missing Points", "Missing-Value Points", "If Missing")),
        Column("other_points", ("Other Points", "Other Category Points")),
    ),
    BANDS: (
        Column("criterion", ("Criterion",), True),
        Column("value", ("Min Value or Category", "Min Value", "Category", "Value"), True),
        Column("points", ("Points",), True),
    ),
    TIERS: (
        Column("name", ("Tier",), True),
        Column("min_score", ("Min Score",), True),
        Column("target_share", ("Target Share", "Target Share %")),
        Column("accounts_per_rep", ("Accounts per Rep", "Accounts / Rep")),
        Column("playbook", ("Playbook",)),
    ),
    HEALTH: (
        Column("status", ("Status", "Health Status"), True),
        Column("min_engagement", ("Min Engagement", "Min Engagement Score"), True),
    ),
    ACTIONS: (
        Column("order", ("Order", "#")),
        Column("when", ("Conditions", "Condition", "When"), True),
        Column("action", ("Action", "Next Action"), True),
    ),
    REASSESSMENT: (
        Column("rule", ("Rule",), True),
        Column("from", ("From", "From Tiers")),
        Column("to", ("To", "To Tier")),
        Column("field", ("Field", "Source Field")),
        Column("value", ("Value", "Min", "Days")),
        Column("label", ("Label", "Note")),
    ),
}
STATUS_HEADERS = ("Status", "Cell", "Message", "Checked At", "Model Version")


#: The rules of the Reassessment tab, one row each: the model JSON's reassessment section.
#: `upgrade trigger`: From tiers -> To tier when Field >= Value; `inactivity`: From tiers move
#: one tier down after Value days without activity (one tier per review); `hysteresis`: Value
#: points; `review cadence`: Value days; `capacity`: From tier overflows to To (Value reps).
TRIGGER, INACTIVITY, HYSTERESIS, CADENCE, CAPACITY = (
    "upgrade trigger",
    "inactivity",
    "hysteresis",
    "review cadence",
    "capacity",
)
RULES = (TRIGGER, INACTIVITY, HYSTERESIS, CADENCE, CAPACITY)


def reassessment_rows(r: Mapping[str, Any]) -> list[list[Any]]:
    """Write the model's reassessment section as the Reassessment tab's data rows."""
    up, down, cap = r.get("upgrade", {}), r.get("downgrade", {}), r.get("capacity", {})
    rows: list[list[Any]] = []
    for t in up.get("triggers", ()):
        tiers = t.get("from", up.get("from", ()))
        rows.append([TRIGGER, ", ".join(tiers), t.get("to", up.get("to")),
                     FIELD_HEADERS.get(t["field"], t["field"]), t["min"], t["label"]])  # fmt: skip
    if down.get("inactive_days"):
        rows.append([INACTIVITY, ", ".join(down.get("from", ())), "one tier down",
                     FIELD_HEADERS["last_activity_date"], down["inactive_days"],
                     "days without activity; one tier per review"])  # fmt: skip
    rows.append([HYSTERESIS, "", "", "", r.get("hysteresis", 5),
                 "points below a tier's minimum before the score demotes"])  # fmt: skip
    rows.append([CADENCE, "", "", "", r.get("review_days", 90),
                 "days between tier reviews; demotions wait for the review"])  # fmt: skip
    if cap.get("tier"):
        rows.append([CAPACITY, cap["tier"], cap.get("overflow_to"), "", cap.get("reps"),
                     "reps x accounts per rep (blank reps: the owners in the book)"])  # fmt: skip
    return rows


@dataclass(frozen=True)
class Percent:
    """A share written as a percent-formatted number (0.1 shows as 10%)."""

    value: float


def model_to_tabs(data: Mapping[str, Any] = DEFAULT_MODEL) -> dict[str, list[list[Any]]]:
    """Write plain model data as the rows of the model tabs, headers first."""
    tabs: dict[str, list[list[Any]]] = {
        tab: [[c.title for c in COLUMNS[tab]]] for tab in MODEL_TABS
    }
    for c in data["criteria"]:
        source = FIELD_HEADERS.get(c["field"], c["field"])
        tabs[WEIGHTS].append(
            [c["name"], c.get("label") or "", c["weight"], source, c.get("missing_points", 0)]
            + ([c["other_points"]] if "other_points" in c else [])
        )
        for band in c.get("bands") or ():
            tabs[BANDS].append([c["name"], band["min"], band["points"]])
        for category, points in (c.get("categories") or {}).items():
            tabs[BANDS].append([c["name"], category, points])
    for t in data["tiers"]:
        share = t.get("target_share")
        tabs[TIERS].append(
            [
                t["name"],
                t["min_score"],
                Percent(share) if share is not None else None,
                t.get("accounts_per_rep"),
                t.get("playbook", ""),
            ]
        )
    for h in data["health"]:
        tabs[HEALTH].append([h["status"], h["min_engagement"]])
    for i, rule in enumerate(data.get("next_actions") or (), start=1):
        tabs[ACTIONS].append([i, format_conditions(rule.get("when") or {}), rule["action"]])
    tabs[REASSESSMENT] += reassessment_rows(data.get("reassessment") or {})
    return tabs


def accounts_header(field_map: Mapping[str, str], outputs: Mapping[str, str]) -> list[str]:
    """Return the header row of a new accounts tab: inputs, the override, then outputs."""
    return [*field_map.values(), OVERRIDE_HEADER, *outputs.values()]


def cell_data(value: Any) -> dict[str, Any]:
    """Return a literal CellData for updateCells: strings stay strings, never formulas."""
    if isinstance(value, Percent):
        return {
            "userEnteredValue": {"numberValue": value.value},
            "userEnteredFormat": {"numberFormat": {"type": "PERCENT", "pattern": "0%"}},
        }
    if value is None or value == "":
        return {}
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, (int, float)):
        return {"userEnteredValue": {"numberValue": value}}
    return {"userEnteredValue": {"stringValue": str(value)}}


def fill_requests(sheet_id: int, rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """Return requests that clear a tab's values and write rows from A1, in one batch."""
    fields = "userEnteredValue,userEnteredFormat.numberFormat"
    return [
        {"updateCells": {"range": {"sheetId": sheet_id}, "fields": "userEnteredValue"}},
        {
            "updateCells": {
                "rows": [{"values": [cell_data(v) for v in row]} for row in rows],
                "fields": fields,
                "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
            }
        },
    ]


def add_sheet_request(sheet_id: int, title: str, columns: int) -> dict[str, Any]:
    """Return an addSheet request with a frozen header row and room for the columns."""
    grid = {"frozenRowCount": 1, "rowCount": 1000, "columnCount": max(columns, 26)}
    return {
        "addSheet": {"properties": {"sheetId": sheet_id, "title": title, "gridProperties": grid}}
    }
