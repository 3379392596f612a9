"""The store: run history, tier changes, failures, model versions, locks, watermarks, inbox.

SQLAlchemy Core over a SQLite file by default, PostgreSQL by URL. The program creates and
migrates its own schema (`Store.upgrade`), so there is nothing to install by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Dialect,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
    exc,
    insert,
    select,
    update,
)

SCHEMA_VERSION = 2


class UTCDateTime(TypeDecorator[datetime]):
    """A datetime stored in UTC and always read back time-zone aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """Return the current time in UTC (the one clock read of the store)."""
    return datetime.now(UTC)


metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False, default="sync"),
    Column("holder", String(200), nullable=False, default=""),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("status", String(16), nullable=False),  # running|succeeded|partial|failed|interrupted
    Column("accounts", Integer, nullable=False, default=0),
    Column("written", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("changes", Integer, nullable=False, default=0),
    Column("failures", Integer, nullable=False, default=0),
    Column("api_calls", Integer, nullable=False, default=0),
    Column("model_version", String(12)),
    Column("counts", Text),  # JSON: per tier, health, changes per tier
    Column("error", Text),
    Column("notes", Text),
)

tier_changes = Table(
    "tier_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("system", String(32), nullable=False),
    Column("account_id", String(64), nullable=False),
    Column("from_tier", String(32)),
    Column("to_tier", String(32), nullable=False),
    Column("why", Text, nullable=False, default=""),
    Column("changed_at", UTCDateTime, nullable=False),
    UniqueConstraint("run_id", "system", "account_id", name="uq_tier_changes_run_account"),
    Index("ix_tier_changes_account", "system", "account_id"),
    Index("ix_tier_changes_changed_at", "changed_at"),
)

write_failures = Table(
    "write_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("system", String(32), nullable=False),
    Column("account_id", String(64), nullable=False),
    Column("code", String(64), nullable=False, default=""),
    Column("message", Text, nullable=False, default=""),
    Column("fields", Text, nullable=False, default=""),
    Column("attempts", Integer, nullable=False, default=1),
    Column("first_run_id", Integer),
    Column("last_run_id", Integer),
    Column("first_failed_at", UTCDateTime, nullable=False),
    Column("last_failed_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime),
    Column("resolved_run_id", Integer),
    UniqueConstraint("system", "account_id", name="uq_write_failures_account"),
)

model_versions = Table(
    "model_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("hash", String(12), nullable=False, index=True),
    Column("source", String(300), nullable=False),
    Column("applied_at", UTCDateTime, nullable=False),
    Column("applied_by", String(200), nullable=False, default=""),
    Column("data", Text, nullable=False),  # the model as JSON
    Column("note", Text),
)

locks = Table(
    "locks",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("acquired_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

watermarks = Table(
    "watermarks",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(200), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

account_state = Table(
    "account_state",
    metadata,
    Column("system", String(32), primary_key=True),
    Column("account_id", String(64), primary_key=True),
    Column("name", String(255)),
    Column("owner", String(128)),
    Column("tier", String(32)),
    Column("score", Float),
    Column("health", String(32)),
    Column("next_action", Text),
    Column("reason", Text),
    Column("run_id", Integer),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_account_state_tier", "system", "tier"),
)

inbox = Table(
    "inbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", String(18), nullable=False, index=True),
    Column("source", String(32), nullable=False, default=""),
    Column("received_at", UTCDateTime, nullable=False),
    Column("available_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_by", String(200)),
    Column("claimed_until", UTCDateTime),
    Column("done_at", UTCDateTime),
    Column("last_error", Text),
    Index("ix_inbox_pending", "done_at", "available_at"),
)

review_queue = Table(
    "review_queue",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("system", String(32), nullable=False),
    Column("account_id", String(64), nullable=False),
    Column("name", String(255)),
    Column("owner", String(128)),
    Column("from_tier", String(32), nullable=False),
    Column("to_tier", String(32), nullable=False),
    Column("why", Text, nullable=False, default=""),
    Column("proposed_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("status", String(16), nullable=False),  # pending|approved|rejected|applied|withdrawn
    Column("decided_on", Date),
    Column("decided_by", String(200)),
    Column("note", Text),
    Column("closed_on", Date),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_review_queue_account", "system", "account_id", "closed_on"),
)


def _add_review_queue(engine: Engine) -> None:
    review_queue.create(engine, checkfirst=True)


#: Steps that bring a schema at version N to N + 1.
MIGRATIONS: dict[int, Callable[[Engine], None]] = {1: _add_review_queue}


@dataclass(frozen=True)
class LockInfo:
    """Who holds a lock and until when."""

    name: str
    holder: str
    acquired_at: datetime
    expires_at: datetime


def normalize_url(url: str) -> str:
    """Return the SQLAlchemy URL, choosing psycopg 3 for a bare postgresql:// URL."""
    for bare in ("postgresql://", "postgres://"):
        if url.startswith(bare):
            return "postgresql+psycopg://" + url[len(bare) :]
    return url


class Store:
    """The database behind runs, history, versions, locks and watermarks."""

    def __init__(self, url: str) -> None:
        self.url = normalize_url(url)
        kwargs: dict[str, Any] = {}
        if self.url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 30}
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)

    def upgrade(self) -> int:
        """Create missing tables and apply migrations; return the schema version."""
        for attempt in range(3):
            try:
                metadata.create_all(self.engine)
                return self._migrate()
            except exc.DBAPIError:  # another process created the same table at the same time
                if attempt == 2:
                    raise
        return SCHEMA_VERSION

    def _migrate(self) -> int:
        with self.engine.begin() as conn:
            current = conn.scalar(select(schema_version.c.version).where(schema_version.c.id == 1))
            if current is None:
                conn.execute(insert(schema_version).values(id=1, version=SCHEMA_VERSION))
                return SCHEMA_VERSION
        while current < SCHEMA_VERSION:
            MIGRATIONS[current](self.engine)
            current += 1
            with self.engine.begin() as conn:
                conn.execute(update(schema_version).values(version=current))
        return int(current)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    # -- the run lock ------------------------------------------------------------------

    def acquire_lock(self, name: str, holder: str, ttl: float | timedelta) -> bool:
        """Take the lock (or renew it for the same holder, or take over an expired one)."""
        now = utcnow()
        expires = now + (ttl if isinstance(ttl, timedelta) else timedelta(seconds=ttl))
        values = {"holder": holder, "acquired_at": now, "expires_at": expires}
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(locks).values(name=name, **values))
            return True
        except exc.IntegrityError:
            pass
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(locks)
                .where(locks.c.name == name)
                .where((locks.c.expires_at < now) | (locks.c.holder == holder))
                .values(**values)
            )
            return taken.rowcount == 1

    def refresh_lock(self, name: str, holder: str, ttl: float | timedelta) -> bool:
        """Extend a lock this holder still holds; False when it was lost."""
        expires = utcnow() + (ttl if isinstance(ttl, timedelta) else timedelta(seconds=ttl))
        with self.engine.begin() as conn:
            done = conn.execute(
                update(locks)
                .where(locks.c.name == name, locks.c.holder == holder)
                .values(expires_at=expires)
            )
            return done.rowcount == 1

    def take_over_lock(self, name: str, old: str, holder: str, ttl: float | timedelta) -> bool:
        """Take a lock from a holder known to be dead (only if that holder still has it)."""
        now = utcnow()
        expires = now + (ttl if isinstance(ttl, timedelta) else timedelta(seconds=ttl))
        with self.engine.begin() as conn:
            done = conn.execute(
                update(locks)
                .where(locks.c.name == name, locks.c.holder == old)
                .values(holder=holder, acquired_at=now, expires_at=expires)
            )
            return done.rowcount == 1

    def release_lock(self, name: str, holder: str) -> bool:
        """Release the lock if this holder holds it."""
        with self.engine.begin() as conn:
            done = conn.execute(
                locks.delete().where(locks.c.name == name, locks.c.holder == holder)
            )
            return done.rowcount == 1

    def lock_holder(self, name: str) -> LockInfo | None:
        """Return the live holder of a lock, or None when free or expired."""
        with self.engine.connect() as conn:
            row = conn.execute(select(locks).where(locks.c.name == name)).first()
        if row is None or row.expires_at < utcnow():
            return None
        return LockInfo(row.name, row.holder, row.acquired_at, row.expires_at)

    # -- watermarks (and other small bookmarks) -----------------------------------------

    def get_watermark(self, name: str) -> str | None:
        """Return a stored bookmark value, or None."""
        with self.engine.connect() as conn:
            value: str | None = conn.scalar(
                select(watermarks.c.value).where(watermarks.c.name == name)
            )
            return value

    def set_watermark(self, name: str, value: str) -> None:
        """Store a bookmark value (insert or replace)."""
        now = utcnow()
        with self.engine.begin() as conn:
            done = conn.execute(
                update(watermarks)
                .where(watermarks.c.name == name)
                .values(value=value, updated_at=now)
            )
            if done.rowcount == 0:
                conn.execute(insert(watermarks).values(name=name, value=value, updated_at=now))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
