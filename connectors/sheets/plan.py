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


def repair_plan(
    before: Table,
    after: Table,
    key_col: int,
    out_cols: Mapping[str, int],
    pairs: Sequence[tuple[AccountRecord, Result]],
) -> Plan:
    """Return the cells to write again after a write, read back as `after`.

    Our accounts must hold their results on the rows their keys are on now; any other
    account must hold the outputs it had before our write (a value that landed on its row
    because rows moved is put back).
    """
    plan = plan_writes(after, key_col, out_cols, pairs)
    plan.report = WriteReport(failures=plan.report.failures)
    ours = {key_text(record.account_id) for record, _ in pairs}
    was = {k: rows[0] for k, rows in rows_by_key(before, key_col).items() if len(rows) == 1}
    old_rows = dict(before.rows)
    now_rows = dict(after.rows)
    for key, rows in rows_by_key(after, key_col).items():
        if key in ours or len(rows) != 1 or key not in was:
            continue
        for col in out_cols.values():
            old = cell(old_rows[was[key]], col)
            if not same_value(cell(now_rows[rows[0]], col), old):
                plan.cells[(rows[0], col)] = "" if old is None else old
    return plan


def misplaced(plan: Plan, table: Table, key_col: int) -> list[RecordFailure]:
    """Name the accounts whose values are still not on their rows after the repairs."""
    keys = dict((n, key_text(cell(row, key_col))) for n, row in table.rows)
    found = sorted({keys.get(n, "") for n, _ in plan.cells} - {""})
    message = f"rows kept moving in {table.tab}: its tiersync values may sit on another row"
    return [RecordFailure(key, "moved", message) for key in found]


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
