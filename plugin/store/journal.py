"""The run journal: run rows and the records whose write failed.

Functions over a `Store`, each one short transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import exists, insert, literal, select, update

from connectors.base import RecordFailure
from plugin.store.database import Store
from plugin.store.schema import inbox, runs, utcnow, write_failures


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


def close_abandoned_webhook_runs(store: Store, older_than: timedelta) -> int:
    """Mark webhook runs interrupted whose worker holds no live claim any more (it died)."""
    now = utcnow()
    live = (
        select(literal(1))
        .select_from(inbox)
        .where(
            inbox.c.claimed_by == runs.c.holder,
            inbox.c.done_at.is_(None),
            inbox.c.claimed_until >= now,
        )
    )
    with store.engine.begin() as conn:
        done = conn.execute(
            update(runs)
            .where(runs.c.status == "running", runs.c.kind == "webhook")
            .where(runs.c.started_at < now - older_than, ~exists(live))
            .values(status="interrupted", finished_at=now, error="the worker stopped mid-batch")
        )
        return int(done.rowcount)


def recent_runs(store: Store, limit: int = 20) -> list[dict[str, Any]]:
    """Return the latest runs, newest first, as plain dicts."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(runs).order_by(runs.c.id.desc()).limit(limit)).mappings()
        return [dict(r) for r in rows]


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
