"""Pure helpers between Salesforce rows and tiersync records: read mapping, value fitting, diffs."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from connectors.base import RecordFailure
from connectors.salesforce.config import SalesforceConfig
from scoring import AccountRecord, Outputs, Result
from scoring.errors import InvalidValue
from scoring.parse import parse_number

TEXT_LIMIT = 255
#: Number(5,1): four digits before the point, one after.
SCORE_MAX = 9999.9
TEXT_OUTPUTS = ("next_action", "reason")
PROPOSED = "proposed_tier"  # optional: written only when output_fields names a field


def select_fields(config: SalesforceConfig) -> list[str]:
    """Return the Account fields one read needs, in a stable order, without duplicates."""
    inputs = [
        api
        for canon, api in config.field_map.items()
        if not (config.rollups and canon in ("pipeline", "current_arr"))
    ]
    outputs = [
        config.output_fields[k]
        for k in ("tier", "score", "health", "next_action", "reason", PROPOSED)
        if k in config.output_fields
    ]
    wanted = ["Id", *inputs, *outputs, config.override_field, "SystemModstamp"]
    return list(dict.fromkeys(wanted))


def _lookup(row: Mapping[str, Any], path: str) -> Any:
    """Read `Owner.Name` from nested REST JSON or a flat Bulk CSV row alike."""
    if path in row:
        return _blank_to_none(row[path])
    value: Any = row
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return _blank_to_none(value)


def _blank_to_none(value: Any) -> Any:
    # Bulk 2.0 CSV has no null: an empty cell is a missing value.
    return None if value == "" else value


def _score(value: Any) -> float | None:
    try:
        number = parse_number(value)
    except InvalidValue:
        return None
    return None if number is None else round(number, 1)


def to_record(row: Mapping[str, Any], config: SalesforceConfig) -> AccountRecord:
    """Turn one Account row (REST JSON or Bulk CSV) into an AccountRecord with current outputs."""
    out = config.output_fields
    fields = {canon: _lookup(row, api) for canon, api in config.field_map.items()}
    fields["account_id"] = row["Id"]
    if PROPOSED in out:  # the value on the record now, to write only a change
        fields[PROPOSED] = _lookup(row, out[PROPOSED])
    current = Outputs(
        tier=_lookup(row, out["tier"]),
        score=_score(_lookup(row, out["score"])),
        health=_lookup(row, out["health"]),
        next_action=_lookup(row, out["next_action"]),
        reason=_lookup(row, out["reason"]),
    )
    return AccountRecord(
        account_id=row["Id"],
        fields=fields,
        current=current,
        tier_override=_lookup(row, config.override_field),
    )


def fit_text(value: str | None) -> str | None:
    """Cut text to the 255 characters a Text(255) field holds; blank becomes None."""
    if value is None or value == "":
        return None
    return value if len(value) <= TEXT_LIMIT else value[: TEXT_LIMIT - 1] + "…"


def fit_outputs(outputs: Outputs) -> Outputs:
    """Return outputs as Salesforce would store them (score to 1 decimal, text to 255)."""
    score = None if outputs.score is None else round(outputs.score, 1)
    return Outputs(
        tier=outputs.tier or None,
        score=score,
        health=outputs.health or None,
        next_action=fit_text(outputs.next_action),
        reason=fit_text(outputs.reason),
    )


@dataclass(frozen=True, slots=True)
class Change:
    """The field values one account needs written, by API name."""

    account_id: str
    values: Mapping[str, Any]


def plan_change(
    record: AccountRecord, result: Result, config: SalesforceConfig, today: date
) -> Change | RecordFailure | None:
    """Decide what to write for one account: the changed fields, a rejection, or None."""
    out = config.output_fields
    bad = _invalid(result, config)
    if bad is not None:
        return bad
    wanted = fit_outputs(result.outputs)
    have = fit_outputs(record.current)
    values: dict[str, Any] = {}
    for name in ("tier", "score", "health", "next_action", "reason"):
        if getattr(wanted, name) != getattr(have, name):
            values[out[name]] = getattr(wanted, name)
    if PROPOSED in out and fit_text(result.proposed_tier) != fit_text(record.get(PROPOSED)):
        values[out[PROPOSED]] = fit_text(result.proposed_tier)
    if not values:
        return None
    if result.change is not None:
        values[out["changed_on"]] = today.isoformat()
    return Change(record.account_id, values)


def _invalid(result: Result, config: SalesforceConfig) -> RecordFailure | None:
    """Never write garbage back to a CRM: picklists and number precision are checked here."""
    out = config.output_fields
    if result.tier not in config.tier_values:
        return _reject(
            result, out["tier"], f"tier {result.tier!r} is not an allowed picklist value"
        )
    if result.health not in config.health_values:
        return _reject(
            result, out["health"], f"health {result.health!r} is not an allowed picklist value"
        )
    if not math.isfinite(result.score) or not 0 <= result.score <= SCORE_MAX:
        return _reject(result, out["score"], f"score {result.score!r} does not fit Number(5,1)")
    return None


def _reject(result: Result, field: str, message: str) -> RecordFailure:
    return RecordFailure(result.account_id, "TIERSYNC_INVALID_VALUE", message, (field,))
