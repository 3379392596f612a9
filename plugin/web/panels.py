"""What the dashboard's cards show beyond the basics: Tier 1 paging and sorting, names for
movements, the review queue and the Tier 1 success metrics."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import select

from plugin.reporting.reports import read_opportunities
from plugin.reporting.review_queue import Queue, load_queue
from plugin.reporting.sample_opps import BUNDLED
from plugin.reporting.success import tier1_checks
from plugin.store.database import Store
from plugin.store.schema import account_state
from plugin.web.resources import Resources
from scoring import ScoringModel
from scoring.errors import InvalidValue
from scoring.parse import parse_number
from scoring.success import Check

T = TypeVar("T")
PAGE_SIZE = 25
#: Sortable Tier 1 columns: key -> (header, numeric)
COLUMNS: dict[str, tuple[str, bool]] = {
    "account": ("Account", False),
    "score": ("Score", True),
    "health": ("Health Status", False),
    "next_action": ("Next Action", False),
    "owner": ("Owner", False),
    "industry": ("Industry", False),
    "arr_potential": ("ARR Potential", True),
    "current_value": ("Current Value", True),
    "pipeline": ("Pipeline", True),
    "engagement": ("Engagement Score", True),
}  # the reason has a line of its own under each account
_CACHE_SECONDS = 300.0
_success_cache: dict[str, tuple[float, list[Check]]] = {}


@dataclass(frozen=True)
class Page:
    """One page of a sorted table and how to reach the others."""

    rows: list[dict[str, Any]]
    number: int
    pages: int
    total: int
    sort: str
    direction: str

    @property
    def first(self) -> int:
        """Return the 1-based position of the page's first row (0 when empty)."""
        return (self.number - 1) * PAGE_SIZE + 1 if self.total else 0

    @property
    def last(self) -> int:
        """Return the 1-based position of the page's last row."""
        return min(self.number * PAGE_SIZE, self.total)


def _key(column: str, numeric: bool) -> Any:
    def key(row: Mapping[str, Any]) -> tuple[int, Any]:
        value = row.get(column)
        if numeric:
            number = _number(value)
            return (number is None, number if number is not None else 0.0)
        return (value in (None, ""), str(value or "").casefold())

    return key


def page_of(
    rows: Sequence[dict[str, Any]], sort: str | None, direction: str | None, number: Any
) -> Page:
    """Sort rows by a known column (default: score, high first) and cut out one page."""
    column = sort if sort in COLUMNS else "score"
    default = "desc" if COLUMNS[column][1] else "asc"
    order = direction if direction in ("asc", "desc") else default
    ranked = sorted(rows, key=_key(column, COLUMNS[column][1]))
    if order == "desc":
        # blanks stay last whichever way the column is sorted
        filled = [r for r in ranked if not _key(column, COLUMNS[column][1])(r)[0]]
        ranked = filled[::-1] + ranked[len(filled) :]
    rows_shown, wanted, pages = slice_of(ranked, number)
    return Page(rows_shown, wanted, pages, len(ranked), column, order)


def slice_of(items: Sequence[T], number: Any, size: int = PAGE_SIZE) -> tuple[list[T], int, int]:
    """Return one page of items, its number and the page count."""
    pages = max(1, -(-len(items) // size))
    try:
        wanted = min(max(1, int(number)), pages)
    except (TypeError, ValueError):
        wanted = 1
    return list(items[(wanted - 1) * size : wanted * size]), wanted, pages


def names(store: Store, ids: Sequence[str]) -> dict[str, str]:
    """Return account id -> name as last stored (one query)."""
    if not ids:
        return {}
    t = account_state
    query = select(t.c.account_id, t.c.name).where(t.c.account_id.in_(list(set(ids))))
    with store.engine.connect() as conn:
        return {aid: name for aid, name in conn.execute(query) if name}


def review_queue(res: Resources, today: date) -> Queue:
    """Return the open review proposals of the dashboard's system."""
    return load_queue(res.store, today, res.config.sources[0])


def success_checks(res: Resources, model: ScoringModel) -> list[Check]:
    """Return the Tier 1 success checks (inputs and opportunities re-read every few minutes)."""
    key = res.store.url
    cached = _success_cache.get(key)
    if cached and time.monotonic() - cached[0] < _CACHE_SECONDS:
        return cached[1]
    path = res.config.report.opportunities or BUNDLED
    checks = tier1_checks(res.config, res.store, model, read_opportunities(path))
    _success_cache.clear()
    _success_cache[key] = (time.monotonic(), checks)
    return checks


def forget() -> None:
    """Drop cached checks (after a decision or a run, the next page view recomputes)."""
    _success_cache.clear()


def _number(value: Any) -> float | None:
    try:
        return parse_number(value)
    except InvalidValue:
        return None
