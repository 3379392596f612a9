"""The webhook side of the inbox: store the ids of many messages in one durable commit.

Each sender returns only after the commit holding its ids, so an ACK keeps its promise; under
load, 50 senders share a few commits (one fsync each) instead of queueing for 50.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Insert,
    String,
    and_,
    bindparam,
    func,
    insert,
    literal,
    select,
    true,
)

from plugin.store.database import Store
from plugin.store.schema import inbox, utcnow

log = logging.getLogger(__name__)
#: Ids per `IN (...)` on SQLite: far below its 32,766 bound parameters.
_IN_CHUNK = 5000
_COLUMNS = ["account_id", "source", "received_at", "available_at"]
#: Pages (4 KiB) of write-ahead log past which the group commit checkpoints by itself.
WAL_BACKSTOP = 10_000

Request = tuple[Sequence[str], str]  # (account ids, source)


def store_ids(
    store: Store,
    requests: Sequence[Request],
    moment: datetime,
    writer: Connection | None = None,
) -> list[int]:
    """Durably add each request's ids not already waiting; return how many each one added.

    `writer` is the connection SQLite writes through (the group commit keeps its own).
    """
    # An id named twice (by one message or by two in the same commit) belongs to the first
    # request that named it, as if the requests had been stored one after the other.
    owner: dict[str, int] = {}
    for n, (ids, _source) in enumerate(requests):
        for aid in ids:
            owner.setdefault(aid, n)
    added = [0] * len(requests)
    sources = {aid: requests[n][1] for aid, n in owner.items()}
    if store.engine.dialect.name == "postgresql":
        new = _store_postgresql(store, sources, moment)
    elif writer is not None:
        new = _store_sqlite(writer, sources, moment)
    else:
        with store.engine.connect() as conn:
            new = _store_sqlite(conn, sources, moment)
    for aid in new:
        added[owner[aid]] += 1
    return added


def _store_postgresql(store: Store, sources: dict[str, str], moment: datetime) -> list[str]:
    """One statement in autocommit: one round trip to the server a group, the check included."""
    if not sources:
        return []
    statement = _insert_new(list(sources), list(sources.values()), moment)
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return list(conn.scalars(statement))


def _store_sqlite(conn: Connection, sources: dict[str, str], moment: datetime) -> list[str]:
    """Look the ids up, then insert the rest: two statements, one transaction, one fsync."""
    with conn.begin():
        waiting = _waiting(conn, list(sources))
        rows = [_row(aid, src, moment) for aid, src in sources.items() if aid not in waiting]
        if not rows:
            return []
        # executemany with RETURNING goes out as multi-row INSERTs (insertmanyvalues)
        return list(conn.scalars(insert(inbox).returning(inbox.c.account_id), rows))


def _row(aid: str, source: str, moment: datetime) -> dict[str, object]:
    return {"account_id": aid, "source": source, "received_at": moment, "available_at": moment}


def _is_waiting() -> ColumnElement[bool]:
    # A resent message finds its ids still waiting and adds nothing. An id already claimed gets
    # a new row, because the worker may have read the account before this change was made.
    return and_(inbox.c.done_at.is_(None), inbox.c.claimed_by.is_(None))


def _waiting(conn: Connection, account_ids: list[str]) -> set[str]:
    """Return the ids among these with a waiting row (SQLite: an ix_inbox_account_open lookup)."""
    found: set[str] = set()
    for start in range(0, len(account_ids), _IN_CHUNK):
        chunk = inbox.c.account_id.in_(account_ids[start : start + _IN_CHUNK])
        found.update(conn.scalars(select(inbox.c.account_id).where(chunk, _is_waiting())))
    return found


def _insert_new(account_ids: list[str], sources: list[str], moment: datetime) -> Insert:
    """Return one INSERT ... SELECT of the ids not waiting, RETURNING those added (PostgreSQL)."""
    ids = bindparam("ids", account_ids, ARRAY(String))
    srcs = bindparam("sources", sources, ARRAY(String))
    given = func.unnest(ids, srcs).table_valued("aid", "source").render_derived(name="given")
    # A LATERAL probe per id with LIMIT 1 can only be an ix_inbox_account_open lookup; a plain
    # NOT EXISTS may be planned, without statistics, as a walk over every waiting row.
    probe = select(literal(1).label("one")).where(inbox.c.account_id == given.c.aid, _is_waiting())
    hit = probe.limit(1).lateral("hit")
    at = literal(moment, inbox.c.received_at.type)
    rows = (
        select(given.c.aid, given.c.source, at, at)
        .select_from(given.outerjoin(hit, true()))
        .where(hit.c.one.is_(None))
    )
    return insert(inbox).from_select(_COLUMNS, rows).returning(inbox.c.account_id)


@dataclass
class _Request:
    ids: tuple[str, ...]
    source: str
    done: threading.Event = field(default_factory=threading.Event)
    added: int = 0
    error: BaseException | None = None


class GroupCommit:
    """Commit concurrent enqueues together: one durable commit (one fsync) ACKs many messages.

    On SQLite the commits leave copying the write-ahead log back into the database file to a
    background thread (every `checkpoint_every` seconds): SQLite's automatic checkpoint would
    make the ACK whose commit crosses 1,000 pages wait for it, tens of ms during a nightly sync.
    Past WAL_BACKSTOP pages (a log that never finds a quiet moment) they checkpoint themselves.
    """

    def __init__(self, store: Store, max_batch: int = 256, checkpoint_every: float = 1.0) -> None:
        self.store = store
        self.max_batch = max_batch
        self.checkpoint_every = checkpoint_every
        self._queue: queue.SimpleQueue[_Request] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._start = threading.Lock()
        self._writer: Connection | None = None

    def enqueue(self, account_ids: Iterable[str], source: str, timeout: float = 30.0) -> int:
        """Store ids durably (with whatever else is waiting) and return how many were added."""
        request = _Request(tuple(account_ids), source)
        self._ensure_threads()
        self._queue.put(request)
        if not request.done.wait(timeout):
            raise TimeoutError("the inbox did not commit in time")
        if request.error is not None:
            raise request.error
        return request.added

    def _ensure_threads(self) -> None:
        # Started on first use, never in create_app: importing or testing the app spawns nothing.
        with self._start:
            if self._threads and all(t.is_alive() for t in self._threads):
                return
            targets = {"tiersync-inbox-commit": self._run}
            if self.store.engine.dialect.name == "sqlite":
                targets["tiersync-inbox-checkpoint"] = self._checkpoints
            alive = {t.name for t in self._threads if t.is_alive()}
            for name, target in targets.items():
                if name not in alive:
                    thread = threading.Thread(target=target, name=name, daemon=True)
                    thread.start()
                    self._threads.append(thread)

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                pairs = [(r.ids, r.source) for r in batch]
                added = store_ids(self.store, pairs, utcnow(), self._sqlite_writer())
                for request, count in zip(batch, added, strict=True):
                    request.added = count
            except Exception as exc:  # every waiting sender gets the error, none an ACK
                self._close_writer()
                for request in batch:
                    request.error = exc
            for request in batch:
                request.done.set()

    def _sqlite_writer(self) -> Connection | None:
        """Return this thread's own SQLite connection, which leaves checkpoints to the thread."""
        if self.store.engine.dialect.name != "sqlite":
            return None
        if self._writer is None:
            self._writer = self.store.engine.connect()
            self._writer.exec_driver_sql(f"PRAGMA wal_autocheckpoint={WAL_BACKSTOP}")
            self._writer.commit()
        return self._writer

    def _close_writer(self) -> None:
        if self._writer is not None:
            self._writer.invalidate()  # never back to the pool without its automatic checkpoint
            self._writer.close()
            self._writer = None

    def _checkpoints(self) -> None:
        while True:
            time.sleep(self.checkpoint_every)
            try:
                self.store.checkpoint()
            except Exception:  # a busy or vanished file: the next round tries again
                log.warning("inbox checkpoint failed", exc_info=True)
