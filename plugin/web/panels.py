"""What the dashboard's cards show beyond the basics: Tier 1 paging and sorting, names for
movements, the review queue and the Tier 1 success metrics."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import select

from plugin.model import versions
from plugin.reporting import reports
from plugin.reporting.reports import read_opportunities
from plugin.reporting.review_queue import Queue, load_queue
from plugin.reporting.sample_opps import BUNDLED
from plugin.reporting.success import tier1_checks
from plugin.store import accounts, journal
from plugin.store.database import Store
from plugin.store.schema import account_state
from plugin.web.resources import Resources
from plugin.wiring import open_by_id_source
from scoring import DEFAULT_MODEL, ScoringModel, load_model
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
_tier1_cache: dict[str, tuple[float, list[dict[str, Any]]]] = {}
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
            found = number(value)
            return (found is None, found if found is not None else 0.0)
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


def number(value: Any) -> float | None:
    """Return a cell read as a number, None when it is not one."""
    try:
        return parse_number(value)
    except InvalidValue:
        return None


def now() -> datetime:
    """Return the current UTC time (one place, so tests can see what the page shows)."""
    return datetime.now(UTC)


def model_in_use(res: Resources) -> Any:
    current = versions.current_version(res.store)
    return load_model(current.data if current is not None else DEFAULT_MODEL)


def _system(res: Resources) -> str:
    return res.config.sources[0]


def distribution(res: Resources) -> dict[str, Any]:
    """Return accounts per tier with each tier's target share, in model order."""
    rows = reports.distribution(res.store, model_in_use(res), reports.book_system(res.config))
    return {
        "total": sum(d.accounts for d in rows),
        "tiers": [
            {"tier": d.tier, "accounts": d.accounts, "share": round(d.share, 4), "target": d.target}
            for d in rows
        ],
    }


def tier1_rows(res: Resources, limit: int = 2000) -> list[dict[str, Any]]:
    """Return the Tier 1 table (account, score, owner, health, next action, reason, inputs)."""
    top = model_in_use(res).tiers[0].name
    t = account_state
    query = (
        select(t)
        .where(t.c.system == _system(res), t.c.tier == top)
        .order_by(t.c.score.desc())
        .limit(limit)
    )
    with res.store.engine.connect() as conn:
        states = {r.account_id: r for r in conn.execute(query)}
    key = ",".join(sorted(states))
    cached = _tier1_cache.get(key)
    if cached and time.monotonic() - cached[0] < _CACHE_SECONDS:
        return cached[1]
    # The store keeps outputs only; inputs come from the source, read by id and cached briefly.
    factory = res.connector_factory or (lambda: open_by_id_source(res.config))
    records = {r.account_id: r for r in factory().read_ids(list(states))} if states else {}
    rows = []
    for aid, s in states.items():
        r = records.get(aid)
        get = r.get if r is not None else (lambda _name: None)
        rows.append(
            {
                "account_id": aid,
                "account": s.name or (get("name") or aid),
                "industry": get("industry"),
                "arr_potential": get("arr_potential"),
                "current_value": get("current_arr"),
                "pipeline": get("pipeline"),
                "engagement": get("engagement_score"),
                "health": s.health,
                "next_action": s.next_action,
                "score": s.score,
                "owner": s.owner or get("owner"),
                "reason": s.reason,
            }
        )
    _tier1_cache.clear()
    _tier1_cache[key] = (time.monotonic(), rows)
    return rows


def movements(res: Resources, limit: int = 25) -> list[dict[str, Any]]:
    """Return recent tier movements with account names and reasons, newest first."""
    keep = ("account_id", "from_tier", "to_tier", "why", "changed_at", "run_id")
    rows = [{k: row[k] for k in keep} for row in accounts.history(res.store, limit=limit)]
    found = names(res.store, [r["account_id"] for r in rows])
    for row in rows:
        row["name"] = found.get(row["account_id"], row["account_id"])
    return rows


def runs(res: Resources, limit: int = 15) -> list[dict[str, Any]]:
    """Return recent runs with status, counts, API calls, duration, model version and error."""
    keep: tuple[str, ...] = ("id", "kind", "status", "started_at", "finished_at", "accounts")
    keep = (*keep, "written", "changes", "failures", "api_calls", "error", "model_version")
    out = []
    for row in journal.recent_runs(res.store, limit=limit):
        run = {k: row[k] for k in keep}
        done = row["finished_at"]
        run["duration"] = (done - row["started_at"]).total_seconds() if done else None
        out.append(run)
    return out
