"""What the store remembers of accounts: last decisions, capacity standings, tier history.

Functions over a `Store`, each one short transaction, so a crash loses at most the batch it was
recording and a re-run converges: state and history of a batch are committed together.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite

from plugin.store.database import Store
from plugin.store.schema import account_state, tier_changes, utcnow
from scoring import AccountRecord, Outputs, Result, Standing

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
    candidate: bool = False

    @property
    def outputs(self) -> Outputs:
        """Return the output values as last decided."""
        return Outputs(self.tier, self.score, self.health, self.next_action, self.reason)


def label(value: Any, width: int) -> str | None:
    """Return a source value as stored: trimmed, None when blank, cut to the column's width."""
    if value is None:
        return None
    text = str(value).strip()
    return text[:width] or None


def labels(record: AccountRecord) -> tuple[str | None, str | None]:
    """Return the (owner, name) of a record as the store keeps them."""
    return label(record.get("owner"), OWNER_WIDTH), label(record.get("name"), NAME_WIDTH)


def state_of(record: AccountRecord, result: Result, candidate: bool = False) -> State:
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
        candidate,
    )


@dataclass(frozen=True)
class Change:
    """One tier movement to record."""

    account_id: str
    from_tier: str | None
    to_tier: str
    why: str


def states(store: Store, system: str, ids: Sequence[str]) -> dict[str, State]:
    """Return the stored state of these accounts (one query; call it per batch)."""
    if not ids:
        return {}
    t = account_state
    query = select(t).where(t.c.system == system, t.c.account_id.in_(list(ids)))
    with store.engine.connect() as conn:
        return {
            r.account_id: State(
                r.account_id,
                r.tier,
                r.score,
                r.health,
                r.next_action,
                r.reason,
                r.owner,
                r.name,
                bool(r.candidate),
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


def standings(store: Store, system: str) -> Iterator[tuple[Standing, str | None]]:
    """Yield every stored account's capacity standing with its last tier (one streamed query)."""
    t = account_state
    query = select(t.c.account_id, t.c.score, t.c.owner, t.c.candidate, t.c.tier).where(
        t.c.system == system
    )
    with store.engine.connect() as conn:
        for r in conn.execution_options(yield_per=5000).execute(query):
            yield Standing(r.account_id, r.score or 0.0, r.owner, bool(r.candidate)), r.tier


def book_counts(store: Store, system: str) -> tuple[Counter[str], Counter[str]]:
    """Return accounts per tier and per health status of one system's whole stored book."""
    t = account_state
    tiers: Counter[str] = Counter()
    health: Counter[str] = Counter()
    query = select(t.c.tier, t.c.health, func.count()).where(t.c.system == system)
    with store.engine.connect() as conn:
        for tier, status, n in conn.execute(query.group_by(t.c.tier, t.c.health)):
            tiers[tier] += n
            health[status] += n
    return tiers, health


def history(store: Store, account_id: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Return recent tier changes (optionally of one account), newest first."""
    t = tier_changes
    query = select(t).order_by(t.c.changed_at.desc(), t.c.id.desc()).limit(limit)
    if account_id is not None:
        query = query.where(t.c.account_id == account_id)
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def _state_row(s: State) -> dict[str, Any]:
    return asdict(s)  # the dataclass fields are the table's columns


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
