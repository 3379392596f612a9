"""The replay cache: a key (a signature, a signed-out session) is accepted once until it expires.

Kept in the store rather than in memory, so several `serve` processes behind one load balancer
refuse the same replay; the primary key makes "first one wins" hold across them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, exc, insert, select

from plugin.store.database import Store
from plugin.store.schema import replays


def remember(store: Store, key: str, expires: float, now: float) -> bool:
    """Record key until `expires` (Unix time); False when it was already recorded (a replay)."""
    try:
        with store.engine.begin() as conn:
            # forget what can no longer be replayed, so the table stays the size of one window
            conn.execute(delete(replays).where(replays.c.expires_at < _at(now)))
            conn.execute(insert(replays).values(key=key, expires_at=_at(expires)))
    except exc.IntegrityError:
        return False
    return True


def seen(store: Store, key: str, now: float) -> bool:
    """Return True when key was recorded and has not expired."""
    query = select(replays.c.key).where(replays.c.key == key, replays.c.expires_at >= _at(now))
    with store.engine.connect() as conn:
        return conn.scalar(query) is not None


def forget(store: Store, key: str) -> None:
    """Drop a key (its request was refused after all, so the sender may retry it)."""
    with store.engine.begin() as conn:
        conn.execute(delete(replays).where(replays.c.key == key))


def _at(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)
