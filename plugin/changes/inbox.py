"""The durable inbox of changed Account ids: enqueue before the ACK, claim, complete, retry.

A row is pending until `done_at` is set. Claims are leases (`claimed_until`): a worker that dies
mid-batch loses its lease and another worker takes the rows over, so nothing acknowledged is lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    and_,
    case,
    func,
    null,
    or_,
    select,
    update,
)

from plugin.changes import intake
from plugin.store.database import Store
from plugin.store.schema import inbox, utcnow

LEASE = timedelta(seconds=120)
BACKOFF_BASE = 10.0  # seconds before the first retry
BACKOFF_CAP = 3600.0  # never wait more than an hour: a fixed Salesforce outage must heal itself
#: Claim attempts that skip accounts another worker holds before settling for what is left.
_PICK_ROUNDS = 3


@dataclass(frozen=True)
class Claim:
    """A batch a worker holds: the distinct account ids and every inbox row behind them."""

    worker: str
    account_ids: tuple[str, ...]
    row_ids: tuple[int, ...]
    attempts: int  # the highest attempt count among the rows, this claim included


def enqueue(
    store: Store, account_ids: Iterable[str], source: str, now: datetime | None = None
) -> int:
    """Store ids not already waiting (unclaimed) and return how many rows were added."""
    return intake.store_ids(store, [(tuple(account_ids), source)], now or utcnow())[0]


def _open(moment: datetime) -> ColumnElement[bool]:
    """Rows waiting and due, not under a live lease."""
    return and_(
        inbox.c.done_at.is_(None),
        inbox.c.available_at <= moment,
        or_(inbox.c.claimed_until.is_(None), inbox.c.claimed_until < moment),
    )


def _lease(
    conn: Connection, rows: Select[tuple[int]], values: dict[str, Any]
) -> Sequence[Row[tuple[int, str, int]]]:
    """Lease the selected rows (locked FOR UPDATE SKIP LOCKED) and return what was leased."""
    # FOR UPDATE SKIP LOCKED lets several PostgreSQL workers claim disjoint rows without
    # waiting; SQLite ignores it, and there the UPDATE takes the database write lock, so the
    # rows are chosen and leased in one step by one claimer at a time.
    chosen = rows.with_for_update(skip_locked=True).scalar_subquery()
    return conn.execute(
        update(inbox)
        .where(inbox.c.id.in_(chosen))
        .values(**values)
        .returning(inbox.c.id, inbox.c.account_id, inbox.c.attempts)
    ).all()


def _busy(conn: Connection, moment: datetime, worker: str, account_ids: list[str]) -> set[str]:
    """Return the accounts among these that another worker holds a live lease on."""
    query = select(inbox.c.account_id).where(
        inbox.c.account_id.in_(account_ids),
        inbox.c.done_at.is_(None),
        inbox.c.claimed_until >= moment,
        inbox.c.claimed_by != worker,
    )
    return set(conn.scalars(query))


def _unlease(conn: Connection, row_ids: list[int]) -> None:
    """Give back rows leased in this transaction, as if they had never been taken."""
    conn.execute(
        update(inbox)
        .where(inbox.c.id.in_(row_ids))
        .values(claimed_by=None, claimed_until=None, attempts=inbox.c.attempts - 1)
    )


def claim(
    store: Store,
    worker: str,
    limit: int = 200,
    now: datetime | None = None,
    lease: timedelta = LEASE,
) -> Claim | None:
    """Lease up to `limit` distinct pending ids (with all their duplicate rows); None when idle."""
    moment = now or utcnow()
    values = {
        "claimed_by": worker,
        "claimed_until": moment + lease,
        "attempts": inbox.c.attempts + 1,
    }
    with store.engine.begin() as conn:
        skip: set[str] = set()
        for _ in range(_PICK_ROUNDS):
            # A plain range over ix_inbox_pending, sorted: its cost grows with the rows waiting
            # whatever the planner knows of the table (an anti-join here went quadratic
            # without statistics).
            due = select(inbox.c.id).where(_open(moment))
            if skip:
                due = due.where(inbox.c.account_id.not_in(sorted(skip)))
            first = _lease(
                conn, due.order_by(inbox.c.available_at, inbox.c.id).limit(limit), values
            )
            # An account another worker holds waits until that worker is done, so no account is
            # scored and written by two workers at once (rare: it changed again in flight).
            busy = _busy(conn, moment, worker, [r.account_id for r in first]) if first else set()
            if busy:
                _unlease(conn, [r.id for r in first if r.account_id in busy])
                first = [r for r in first if r.account_id not in busy]
                skip |= busy
            if first or not busy:
                break
        if not first:
            return None
        ids = list(dict.fromkeys(r.account_id for r in first))
        # Coalesce: take the other due rows of the same accounts too, so one read serves all.
        more = _lease(
            conn, select(inbox.c.id).where(_open(moment), inbox.c.account_id.in_(ids)), values
        )
    rows = [*first, *more]
    return Claim(
        worker,
        tuple(ids),
        tuple(sorted(r.id for r in rows)),
        max(int(r.attempts) for r in rows),
    )


def complete(
    store: Store, claim: Claim, errors: dict[str, str] | None = None, now: datetime | None = None
) -> int:
    """Mark the claimed rows done (with a per-account note such as a rejection); return count."""
    notes = {aid: note for aid, note in (errors or {}).items() if aid in claim.account_ids}
    # One statement for the whole batch; the notes ride along in a CASE on the account id.
    note = case(notes, value=inbox.c.account_id, else_=null()) if notes else null()
    with store.engine.begin() as conn:
        result = conn.execute(
            update(inbox)
            .where(
                inbox.c.id.in_(claim.row_ids),
                inbox.c.claimed_by == claim.worker,  # a lease taken over is not ours to close
            )
            .values(done_at=now or utcnow(), claimed_by=None, claimed_until=None, last_error=note)
        )
        return int(result.rowcount)


def backoff(attempts: int) -> float:
    """Return the seconds to wait before retry number `attempts` (exponential, capped)."""
    return float(min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(attempts - 1, 0)))


def fail(store: Store, claim: Claim, error: str, now: datetime | None = None) -> int:
    """Release the claim for a later retry after the back-off; return how many rows were kept."""
    moment = now or utcnow()
    available = moment + timedelta(seconds=backoff(claim.attempts))
    with store.engine.begin() as conn:
        result = conn.execute(
            update(inbox)
            .where(inbox.c.id.in_(claim.row_ids), inbox.c.claimed_by == claim.worker)
            .values(
                claimed_by=None,
                claimed_until=None,
                available_at=available,
                last_error=error[:2000],
            )
        )
        return int(result.rowcount)


@dataclass(frozen=True)
class InboxStats:
    """How the inbox stands: waiting, in flight, retrying, processed, oldest waiting."""

    pending: int
    in_flight: int
    retrying: int
    done: int
    oldest_pending: datetime | None


def stats(store: Store, now: datetime | None = None) -> InboxStats:
    """Return counts for the dashboard and the load benchmark."""
    moment = now or utcnow()
    open_ = inbox.c.done_at.is_(None)
    leased = and_(open_, inbox.c.claimed_until.is_not(None), inbox.c.claimed_until >= moment)
    query = select(
        func.count().filter(open_),
        func.count().filter(leased),
        func.count().filter(and_(open_, inbox.c.attempts > 0, inbox.c.available_at > moment)),
        func.count().filter(inbox.c.done_at.is_not(None)),
        func.min(inbox.c.received_at).filter(open_),
    )
    with store.engine.connect() as conn:
        row = conn.execute(query).one()
    oldest = row[4]
    if isinstance(oldest, str):  # SQLite returns aggregates of datetimes as text
        oldest = datetime.fromisoformat(oldest).replace(tzinfo=moment.tzinfo)
    return InboxStats(int(row[0]), int(row[1]), int(row[2]), int(row[3]), oldest)


def pending_ids(store: Store) -> Sequence[str]:
    """Return the distinct account ids still waiting (for tests and operators)."""
    with store.engine.connect() as conn:
        query = select(inbox.c.account_id).where(inbox.c.done_at.is_(None)).distinct()
        return sorted(conn.scalars(query))
