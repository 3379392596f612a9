"""The store's door: the engine, schema creation and migration, the run lock and watermarks.

SQLAlchemy Core over a SQLite file by default, PostgreSQL by URL. The program creates and
migrates its own schema (`Store.upgrade`), so there is nothing to install by hand. A new SQLite
file is created readable by its owner only: it holds run history and the scheduler's jobs.
"""

from __future__ import annotations

import contextlib
import os
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

from plugin.config.urls import first_line, masked
from plugin.errors import StoreConfigError, StoreError
from plugin.store.lock import LockInfo, LockMixin
from plugin.store.schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    metadata,
    schema_version,
    utcnow,
    watermarks,
)

__all__ = ["LockInfo", "Store", "normalize_url"]


def normalize_url(url: str) -> str:
    """Return the SQLAlchemy URL, choosing psycopg 3 for a bare postgresql:// URL."""
    for bare in ("postgresql://", "postgres://"):
        if url.startswith(bare):
            return "postgresql+psycopg://" + url[len(bare) :]
    return url


def missing_driver(url: str, module: str | None) -> str:
    """Return the one-line fix for a database URL whose driver is not installed."""
    if url.startswith("postgresql"):
        return (
            f"store.url: PostgreSQL needs its driver ({module or 'psycopg'}), which is not "
            "installed: pip install 'tiersync[postgres]'"
        )
    return f"store.url: the database driver {module!r} is not installed"


def _unopenable(engine: Engine, error: exc.DBAPIError) -> bool:
    text = str(error.orig)
    return engine.dialect.name == "sqlite" and ("unable to open" in text or "readonly" in text)


def _cannot_open(engine: Engine, error: exc.DBAPIError) -> str:
    """Name the SQLite file a store cannot open or write, and what to do about it."""
    path = engine.url.database or ":memory:"
    return (
        f"cannot open the store {path}: {error.orig}; run tiersync in a folder it may write "
        "to, or set [store] url in tiersync.toml"
    )


class Store(LockMixin):
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
        try:
            self.engine: Engine = create_engine(self.url, **kwargs)
        except ModuleNotFoundError as error:
            fix = missing_driver(self.url, error.name)
            raise StoreConfigError(f"{fix} (store {masked(self.url)})") from None
        except (exc.ArgumentError, ImportError) as error:  # a typo in the URL, a broken driver
            raise StoreError(f"store {masked(self.url)}: {first_line(error)}") from None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)

    def upgrade(self) -> int:
        """Create missing tables and apply migrations; return the schema version."""
        if self.engine.dialect.name == "sqlite":  # created here, never by merely opening
            with contextlib.suppress(OSError):  # a folder it cannot write: named by the connect
                _create_private(self.engine.url.database)
        for attempt in range(3):
            try:
                metadata.create_all(self.engine)
                self._create_missing_indexes()
                return self._migrate()
            except exc.DBAPIError as error:  # another process created the same table meanwhile
                if _unopenable(self.engine, error):
                    raise StoreError(_cannot_open(self.engine, error)) from None
                if attempt == 2:
                    raise StoreError(
                        f"the store {masked(self.url)} is not usable: {first_line(error)}"
                    ) from None
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


def _create_private(database: str | None) -> None:
    """Create a new SQLite file readable by its owner only (its -wal and -shm files follow it)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    with contextlib.suppress(FileExistsError, FileNotFoundError):
        os.close(os.open(database, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
