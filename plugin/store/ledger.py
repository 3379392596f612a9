"""What the store remembers of runs: run rows, last written outputs, tier history, failures.

Functions over a `Store`, each one short transaction, so a crash loses at most the batch it was
recording and a re-run converges: state and history of a batch are committed together.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from connectors.base import RecordFailure
from plugin.store.database import Store, account_state, runs, tier_changes, utcnow, write_failures
from scoring import AccountRecord, Result

#: Widths of the account_state text columns that hold values copied from a source.
OWNER_WIDTH, NAME_WIDTH = 128, 255


@dataclass(frozen=True)
class State:
    """The outputs tiersync last wrote for one account in one system."""

    account_id: str
    tier: str | None
    score: float | None
    health: str | None
    next_action: str | None
    reason: str | None
    owner: str | None = None
    name: str | None = None


def label(value: Any, width: int) -> str | None:
    """Return a source value as stored: trimmed, None when blank, cut to the column's width."""
    if value is None:
        return None
    text = str(value).strip()
    return text[:width] or None


def labels(record: AccountRecord) -> tuple[str | None, str | None]:
    """Return the (owner, name) of a record as the store keeps them."""
    return label(record.get("owner"), OWNER_WIDTH), label(record.get("name"), NAME_WIDTH)


def state_of(record: AccountRecord, result: Result) -> State:
    """Return the state to remember for a scored record."""
    owner, name = labels(record)
    return State(
        result.account_id,
        result.tier,
        result.score,
        result.health,
        result.next_action,
        result.reason,
        owner,
        name,
    )


@dataclass(frozen=True)
class Change:
    """One tier movement to record."""

    account_id: str
    from_tier: str | None
    to_tier: str
    why: str


def start_run(store: Store, holder: str, kind: str = "sync") -> int:
    """Insert a run row with status running and return its id."""
    with store.engine.begin() as conn:
        result = conn.execute(
            insert(runs).values(kind=kind, holder=holder, started_at=utcnow(), status="running")
        )
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])


def finish_run(store: Store, run_id: int, status: str, **values: Any) -> None:
    """Close a run with its status, counts and error."""
    if isinstance(values.get("counts"), Mapping):
        values["counts"] = json.dumps(values["counts"], sort_keys=True)
    with store.engine.begin() as conn:
        conn.execute(
            update(runs)
            .where(runs.c.id == run_id)
            .values(status=status, finished_at=utcnow(), **values)
        )


def close_abandoned_runs(store: Store, kind: str = "sync") -> int:
    """Mark runs left 'running' by a dead process as interrupted (call while holding the lock)."""
    with store.engine.begin() as conn:
        done = conn.execute(
            update(runs)
            .where(runs.c.status == "running", runs.c.kind == kind)
            .values(status="interrupted", finished_at=utcnow(), error="the process stopped")
        )
        return int(done.rowcount)


def recent_runs(store: Store, limit: int = 20) -> list[dict[str, Any]]:
    """Return the latest runs, newest first, as plain dicts."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(runs).order_by(runs.c.id.desc()).limit(limit)).mappings()
        return [dict(r) for r in rows]


def states(store: Store, system: str, ids: Sequence[str]) -> dict[str, State]:
    """Return the stored state of these accounts (one query; call it per batch)."""
    if not ids:
        return {}
    t = account_state
    query = select(t).where(t.c.system == system, t.c.account_id.in_(list(ids)))
    with store.engine.connect() as conn:
        return {
            r.account_id: State(
                r.account_id, r.tier, r.score, r.health, r.next_action, r.reason, r.owner, r.name
            )
            for r in conn.execute(query)
        }


def record(
    store: Store, system: str, run_id: int, updates: Sequence[State], changes: Sequence[Change]
) -> None:
    """Save new outputs and their tier changes in one transaction (replays add nothing)."""
    now = utcnow()
    with store.engine.begin() as conn:
        if updates:
            rows = [
                {"system": system, "run_id": run_id, "updated_at": now, **_state_row(s)}
                for s in updates
            ]
            _upsert(conn, account_state, rows, ("system", "account_id"))
        if changes:
            rows = [
                {
                    "run_id": run_id,
                    "system": system,
                    "changed_at": now,
                    "account_id": c.account_id,
                    "from_tier": c.from_tier,
                    "to_tier": c.to_tier,
                    "why": c.why,
                }
                for c in changes
            ]
            _insert_new(conn, tier_changes, rows, ("run_id", "system", "account_id"))


def record_failures(
    store: Store, system: str, run_id: int, failures: Iterable[RecordFailure]
) -> None:
    """Keep each rejected record (one row per account, attempts counted) until it succeeds."""
    now = utcnow()
    t = write_failures
    with store.engine.begin() as conn:
        for f in failures:
            values = {"code": f.code, "message": f.message, "fields": ",".join(f.fields)}
            done = conn.execute(
                update(t)
                .where(t.c.system == system, t.c.account_id == f.account_id)
                .values(
                    attempts=t.c.attempts + 1,
                    last_run_id=run_id,
                    last_failed_at=now,
                    resolved_at=None,
                    resolved_run_id=None,
                    **values,
                )
            )
            if done.rowcount == 0:
                conn.execute(
                    insert(t).values(
                        system=system,
                        account_id=f.account_id,
                        first_run_id=run_id,
                        last_run_id=run_id,
                        first_failed_at=now,
                        last_failed_at=now,
                        **values,
                    )
                )


def open_failures(store: Store, system: str | None = None) -> list[dict[str, Any]]:
    """Return failures not yet resolved by a later successful write."""
    t = write_failures
    query = select(t).where(t.c.resolved_at.is_(None)).order_by(t.c.last_failed_at.desc())
    if system is not None:
        query = query.where(t.c.system == system)
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def resolve_failures(store: Store, system: str, run_id: int, ids: Iterable[str]) -> int:
    """Mark open failures of these accounts as resolved by this run."""
    wanted = list(ids)
    t = write_failures
    total = 0
    with store.engine.begin() as conn:
        for i in range(0, len(wanted), 500):
            done = conn.execute(
                update(t)
                .where(t.c.system == system, t.c.resolved_at.is_(None))
                .where(t.c.account_id.in_(wanted[i : i + 500]))
                .values(resolved_at=utcnow(), resolved_run_id=run_id)
            )
            total += int(done.rowcount)
    return total


def open_failure_ids(store: Store, system: str) -> set[str]:
    """Return the ids of accounts whose last write failed (few; kept in memory)."""
    t = write_failures
    with store.engine.connect() as conn:
        query = select(t.c.account_id).where(t.c.system == system, t.c.resolved_at.is_(None))
        return set(conn.scalars(query))


def history(store: Store, account_id: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Return recent tier changes (optionally of one account), newest first."""
    t = tier_changes
    query = select(t).order_by(t.c.changed_at.desc(), t.c.id.desc()).limit(limit)
    if account_id is not None:
        query = query.where(t.c.account_id == account_id)
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def count_changes(store: Store, since: datetime | None = None) -> int:
    """Return how many tier changes are recorded (since a time)."""
    query = select(func.count()).select_from(tier_changes)
    if since is not None:
        query = query.where(tier_changes.c.changed_at >= since)
    with store.engine.connect() as conn:
        return int(conn.scalar(query) or 0)


def _state_row(s: State) -> dict[str, Any]:
    return {
        "account_id": s.account_id,
        "tier": s.tier,
        "score": s.score,
        "health": s.health,
        "next_action": s.next_action,
        "reason": s.reason,
        "owner": s.owner,
        "name": s.name,
    }


def _dialect_insert(conn: Connection, table: Table) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _upsert(
    conn: Connection, table: Table, rows: list[dict[str, Any]], keys: tuple[str, ...]
) -> None:
    stmt = _dialect_insert(conn, table)
    changing = {c: stmt.excluded[c] for c in rows[0] if c not in keys}
    conn.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=changing), rows)


def _insert_new(
    conn: Connection, table: Table, rows: list[dict[str, Any]], keys: tuple[str, ...]
) -> None:
    stmt = _dialect_insert(conn, table)
    conn.execute(stmt.on_conflict_do_nothing(index_elements=list(keys)), rows)
