"""The store's door: the engine, schema creation and migration, the run lock and watermarks.

SQLAlchemy Core over a SQLite file by default, PostgreSQL by URL. The program creates and
migrates its own schema (`Store.upgrade`), so there is nothing to install by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Engine,
    create_engine,
    event,
    exc,
    insert,
    select,
    update,
)

from plugin.store.schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    locks,
    metadata,
    schema_version,
    utcnow,
    watermarks,
)


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
        elif self.url.startswith("postgresql+psycopg"):
            # No server-side prepared statements: psycopg would prepare a query after five runs
            # and PostgreSQL could keep one generic plan made while a table (the inbox) was
            # tiny; planned each time, a query follows the table as it grows.
            kwargs["connect_args"] = {"prepare_threshold": None}
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)

    def upgrade(self) -> int:
        """Create missing tables and apply migrations; return the schema version."""
        for attempt in range(3):
            try:
                metadata.create_all(self.engine)
                self._create_missing_indexes()
                return self._migrate()
            except exc.DBAPIError:  # another process created the same table at the same time
                if attempt == 2:
                    raise
        return SCHEMA_VERSION

    def _create_missing_indexes(self) -> None:
        # create_all makes a table's indexes only with the table: an index added to an existing
        # table since (no change to its rows) is created here, without a schema version step.
        with self.engine.begin() as conn:
            for table in metadata.sorted_tables:
                for index in table.indexes:
                    index.create(conn, checkfirst=True)

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

    def checkpoint(self) -> None:
        """Copy SQLite's write-ahead log back into the database file without blocking writers."""
        if self.engine.dialect.name == "sqlite":
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

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
