"""The run lock: one holder at a time across processes and hosts, timed by the database's clock.

Every time a lock is taken, renewed or judged expired comes from the database (`db_time`), so
hosts whose clocks disagree still agree on who holds it. A holder id names its host, process,
PID namespace and a random part: two containers with the same host name and PID never share one.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, exc, func, insert, select, update

from plugin.store.schema import locks


@dataclass(frozen=True)
class LockInfo:
    """Who holds a lock and until when."""

    name: str
    holder: str
    acquired_at: datetime
    expires_at: datetime


def pid_namespace() -> str:
    """Return this process's PID namespace id ('' where the system does not tell)."""
    try:
        link = os.readlink("/proc/self/ns/pid")  # "pid:[4026531836]"
    except OSError:
        return ""
    return "".join(c for c in link if c.isdigit())


def new_holder() -> str:
    """Return a holder id unique to this call: host:pid:pid-namespace:random."""
    return f"{socket.gethostname()}:{os.getpid()}:{pid_namespace() or '-'}:{uuid.uuid4().hex[:12]}"


def holder_is_dead(holder: str) -> bool:
    """Return True only when the holder is a process of this host and PID namespace that ended."""
    host, pid, namespace, *_ = [*holder.split(":"), "", ""]
    here = pid_namespace()
    if host != socket.gethostname() or not here or namespace != here or not pid.isdigit():
        return False  # another machine or container: only the lock's expiry can free it
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def db_time(engine: Engine, seconds: float = 0.0) -> ColumnElement[Any]:
    """Return SQL for the database's current UTC time plus `seconds`."""
    if engine.dialect.name == "sqlite":
        # the text SQLAlchemy stores SQLite datetimes as, so comparisons with columns hold
        modifier = f"{seconds:+.3f} seconds"
        return func.strftime("%Y-%m-%d %H:%M:%f", "now", modifier).concat("000")
    return func.now() + timedelta(seconds=seconds)


def _seconds(ttl: float | timedelta) -> float:
    return ttl.total_seconds() if isinstance(ttl, timedelta) else float(ttl)


class LockMixin:
    """The run lock's operations, mixed into Store (which provides `engine`)."""

    engine: Engine

    def acquire_lock(self, name: str, holder: str, ttl: float | timedelta) -> bool:
        """Take the lock (or renew it for the same holder, or take over an expired one)."""
        now, until = db_time(self.engine), db_time(self.engine, _seconds(ttl))
        values = {"holder": holder, "acquired_at": now, "expires_at": until}
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
        until = db_time(self.engine, _seconds(ttl))
        with self.engine.begin() as conn:
            done = conn.execute(
                update(locks)
                .where(locks.c.name == name, locks.c.holder == holder)
                .values(expires_at=until)
            )
            return done.rowcount == 1

    def take_over_lock(self, name: str, old: str, holder: str, ttl: float | timedelta) -> bool:
        """Take a lock from a holder known to be dead (only if that holder still has it)."""
        values = {
            "holder": holder,
            "acquired_at": db_time(self.engine),
            "expires_at": db_time(self.engine, _seconds(ttl)),
        }
        with self.engine.begin() as conn:
            done = conn.execute(
                update(locks).where(locks.c.name == name, locks.c.holder == old).values(**values)
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
        query = select(locks).where(
            locks.c.name == name, locks.c.expires_at >= db_time(self.engine)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        return LockInfo(row.name, row.holder, row.acquired_at, row.expires_at)
