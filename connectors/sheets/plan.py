"""Decide which cells a sync writes: results matched to rows by key on a fresh read, pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.base import RecordFailure, WriteReport
from connectors.sheets.grid import Table, cell, column_letter, key_text, quote_tab, same_value
from scoring import AccountRecord, Result

Cells = dict[tuple[int, int], Any]  # (sheet row, 0-based col) → value


@dataclass
class Plan:
    """The cells to write and what the write will report."""

    cells: Cells = field(default_factory=dict)
    report: WriteReport = field(default_factory=WriteReport)


def output_values(result: Result) -> dict[str, Any]:
    """Return the output cells of a result by output field (optional ones too)."""
    return {
        "tier": result.tier,
        "score": round(result.score, 1),
        "health": result.health,
        "next_action": result.next_action,
        "reason": result.reason,
        "proposed_tier": result.proposed_tier,
    }


def rows_by_key(table: Table, key_col: int) -> dict[str, list[int]]:
    """Map each account key to the sheet rows that hold it now."""
    found: dict[str, list[int]] = {}
    for n, row in table.rows:
        key = key_text(cell(row, key_col))
        if key:
            found.setdefault(key, []).append(n)
    return found


def plan_writes(
    table: Table,
    key_col: int,
    out_cols: Mapping[str, int],
    pairs: Sequence[tuple[AccountRecord, Result]],
) -> Plan:
    """Match results to the rows their keys are on now and keep only the cells that change."""
    plan = Plan()
    where = rows_by_key(table, key_col)
    rows = dict(table.rows)
    for record, result in pairs:
        key = key_text(record.account_id)
        found = where.get(key, [])
        if len(found) != 1:
            plan.report.failures.append(_not_written(key, found, table.tab))
            continue
        n = found[0]
        changed = False
        values = output_values(result)
        for name, col in out_cols.items():  # only the columns configured
            value = values[name]
            if not same_value(cell(rows[n], col), value):
                plan.cells[(n, col)] = value
                changed = True
        if changed:
            plan.report.written += 1
            plan.report.written_ids.append(key)
        else:
            plan.report.unchanged += 1
    return plan


def _not_written(key: str, rows: list[int], tab: str) -> RecordFailure:
    if not rows:
        # deleted (or its key edited) while the sync ran: writing by position would hit a neighbour
        return RecordFailure(key, "vanished", f"account {key} is no longer in the {tab} tab")
    listed = ", ".join(str(n) for n in rows)
    return RecordFailure(key, "duplicate_key", f"account {key} is on rows {listed} of {tab}")


def value_ranges(tab: str, runs: Sequence[tuple[int, int, list[Any]]]) -> list[dict[str, Any]]:
    """Turn vertical runs (col, first row, values) into values:batchUpdate data entries."""
    data = []
    for col, first, values in runs:
        letter = column_letter(col)
        last = first + len(values) - 1
        data.append(
            {
                "range": f"{quote_tab(tab)}!{letter}{first}:{letter}{last}",
                "majorDimension": "ROWS",
                "values": [[v] for v in values],
            }
        )
    return data
