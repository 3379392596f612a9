"""The durable inbox of changed Account ids: enqueue before the ACK, claim, complete, retry.

A row is pending until `done_at` is set. Claims are leases (`claimed_until`): a worker that dies
mid-batch loses its lease and another worker takes the rows over, so nothing acknowledged is lost.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import (
    Connection,
    Select,
    and_,
    bindparam,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from plugin.store.database import Store
from plugin.store.schema import inbox, utcnow

LEASE = timedelta(seconds=120)
BACKOFF_BASE = 10.0  # seconds before the first retry
BACKOFF_CAP = 3600.0  # never wait more than an hour: a fixed Salesforce outage must heal itself


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
    with store.engine.begin() as conn:
        return _insert(conn, account_ids, source, now or utcnow())


def _insert(conn: Connection, account_ids: Iterable[str], source: str, moment: datetime) -> int:
    waiting = (
        select(literal(1))
        .select_from(inbox)
        .where(
            inbox.c.account_id == bindparam("aid"),
            inbox.c.done_at.is_(None),
            inbox.c.claimed_by.is_(None),
        )
    )
    # One INSERT … SELECT … WHERE NOT EXISTS per id: a resent message finds its ids still waiting
    # and adds nothing. An id already claimed gets a new row, because the worker may have read the
    # account before this change was made.
    at = literal(moment, inbox.c.received_at.type)
    rows = select(bindparam("aid"), literal(source), at, at).where(~exists(waiting))
    columns = ["account_id", "source", "received_at", "available_at"]
    stmt = insert(inbox).from_select(columns, rows)
    params = [{"aid": aid} for aid in dict.fromkeys(account_ids)]
    if not params:
        return 0
    if conn.dialect.name == "sqlite":
        # executemany: one driver call for all ids; its rowcount is the number of rows added.
        return max(int(conn.execute(stmt, params).rowcount), 0)
    # psycopg reports no rowcount for INSERT … SELECT executemany: count RETURNING rows instead.
    returning = stmt.returning(inbox.c.id)
    return sum(len(conn.execute(returning, p).all()) for p in params)


@dataclass
class _Request:
    ids: tuple[str, ...]
    source: str
    done: threading.Event = field(default_factory=threading.Event)
    added: int = 0
    error: BaseException | None = None


class GroupCommit:
    """Commit concurrent enqueues together: one durable commit (one fsync) ACKs many messages.

    Each caller still returns only after the transaction holding its ids committed, so an ACK
    keeps its promise; under load, 50 senders share a few commits instead of queueing for 50.
    """

    def __init__(self, store: Store, max_batch: int = 256) -> None:
        self.store = store
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Request] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def enqueue(self, account_ids: Iterable[str], source: str, timeout: float = 30.0) -> int:
        """Store ids durably (with whatever else is waiting) and return how many were added."""
        request = _Request(tuple(account_ids), source)
        self._ensure_thread()
        self._queue.put(request)
        if not request.done.wait(timeout):
            raise TimeoutError("the inbox did not commit in time")
        if request.error is not None:
            raise request.error
        return request.added

    def _ensure_thread(self) -> None:
        # Started on first use, never in create_app: importing or testing the app spawns nothing.
        with self._start:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="tiersync-inbox-commit", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                with self.store.engine.begin() as conn:
                    moment = utcnow()
                    for request in batch:
                        request.added = _insert(conn, request.ids, request.source, moment)
            except Exception as exc:  # every waiting sender gets the error, none an ACK
                for request in batch:
                    request.error = exc
            for request in batch:
                request.done.set()


def _claimable(now: datetime, worker: str) -> Select[tuple[int]]:
    other = inbox.alias("busy")
    # An account another worker holds a live lease on waits for that worker to finish, so the
    # same account is never scored and written by two workers at once.
    busy = (
        select(literal(1))
        .select_from(other)
        .where(
            other.c.account_id == inbox.c.account_id,
            other.c.done_at.is_(None),
            other.c.claimed_until >= now,
            other.c.claimed_by != worker,
        )
    )
    return select(inbox.c.id).where(
        inbox.c.done_at.is_(None),
        inbox.c.available_at <= now,
        or_(inbox.c.claimed_until.is_(None), inbox.c.claimed_until < now),
        ~exists(busy),
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
    until = moment + lease
    pick = _claimable(moment, worker).order_by(inbox.c.available_at, inbox.c.id).limit(limit)
    # FOR UPDATE SKIP LOCKED lets several PostgreSQL workers claim disjoint rows without waiting;
    # SQLite ignores it, and there the UPDATE takes the database write lock, so one claimer at a
    # time is what SQLite gives us anyway.
    pick = pick.with_for_update(skip_locked=True)
    lease_values = {"claimed_by": worker, "claimed_until": until, "attempts": inbox.c.attempts + 1}
    with store.engine.begin() as conn:
        first = conn.execute(
            update(inbox)
            .where(inbox.c.id.in_(pick.scalar_subquery()))
            .values(**lease_values)
            .returning(inbox.c.id, inbox.c.account_id, inbox.c.attempts)
        ).all()
        if not first:
            return None
        ids = sorted({r.account_id for r in first})
        # Coalesce: take the other waiting rows of the same accounts too, so one read serves all.
        dupes = _claimable(moment, worker).where(inbox.c.account_id.in_(ids))
        more = conn.execute(
            update(inbox)
            .where(inbox.c.id.in_(dupes.with_for_update(skip_locked=True).scalar_subquery()))
            .values(**lease_values)
            .returning(inbox.c.id, inbox.c.account_id, inbox.c.attempts)
        ).all()
    rows = [*first, *more]
    return Claim(
        worker,
        tuple(dict.fromkeys(r.account_id for r in first)),
        tuple(sorted(r.id for r in rows)),
        max(int(r.attempts) for r in rows),
    )


def complete(
    store: Store, claim: Claim, errors: dict[str, str] | None = None, now: datetime | None = None
) -> int:
    """Mark the claimed rows done (with a per-account note such as a rejection); return count."""
    moment = now or utcnow()
    notes = errors or {}
    done = 0
    with store.engine.begin() as conn:
        for aid in claim.account_ids:
            result = conn.execute(
                update(inbox)
                .where(
                    inbox.c.id.in_(claim.row_ids),
                    inbox.c.account_id == aid,
                    inbox.c.claimed_by == claim.worker,  # a lease taken over is not ours to close
                )
                .values(
                    done_at=moment, claimed_by=None, claimed_until=None, last_error=notes.get(aid)
                )
            )
            done += int(result.rowcount)
    return done


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
