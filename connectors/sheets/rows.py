"""Rows of the accounts tab as record values: blanks, the outputs last written, unused columns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.sheets.grid import Table, cell, is_blank
from scoring import Outputs
from scoring.errors import InvalidValue
from scoring.parse import parse_number


def unused_columns(table: Table, used: set[int | None]) -> list[str]:
    """Name, once, the headed columns of the tab that no field reads."""
    unused = [h for i, h in enumerate(table.headers) if h and i not in used]
    if not unused:
        return []
    names = ", ".join(f"'{h}'" for h in unused)
    return [f"{table.tab} columns not used for scoring (kept as they are): {names}"]


def value(raw: Any) -> Any:
    """Return a cell's value, None when blank."""
    return None if is_blank(raw) else raw


def outputs(row: list[Any], cols: Mapping[str, int | None]) -> Outputs:
    """Return the output values a row holds now (a hand-typed score that is no number: None)."""

    def text(name: str) -> str | None:
        got = value(cell(row, cols.get(name)))
        return None if got is None else str(got)

    try:
        score = parse_number(value(cell(row, cols.get("score"))))
    except InvalidValue:
        score = None  # a hand-typed score is simply rewritten
    return Outputs(text("tier"), score, text("health"), text("next_action"), text("reason"))
