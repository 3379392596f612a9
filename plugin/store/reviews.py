"""The review queue: demotions held until the review date, and the managers' decisions on them.

The decisions themselves are pure (scoring.review); this module only remembers them. Each
account has at most one open row (pending, approved or rejected); a row closes as `applied`
when the account reached the proposed tier, or `withdrawn` when the demotion no longer holds.
The review dates fall every `review_days` from an anchor: the day of the first sync.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import Connection, insert, select, update

from plugin.errors import PluginError
from plugin.store.accounts import labels
from plugin.store.database import Store
from plugin.store.schema import review_queue, utcnow
from scoring import AccountRecord, Proposal, Result, ReviewState
from scoring.review import APPROVED, OPEN_STATUSES, PENDING, REJECTED

ANCHOR = "review:anchor"
APPLIED, WITHDRAWN = "applied", "withdrawn"


class ReviewError(PluginError, LookupError):
    """A review id that does not exist or is already closed: list the queue and pick another."""


@dataclass(frozen=True)
class Item:
    """One row of the queue as managers see it."""

    id: int
    system: str
    account_id: str
    name: str | None
    owner: str | None
    from_tier: str
    to_tier: str
    why: str
    proposed_on: date
    due_on: date
    status: str
    decided_on: date | None
    decided_by: str | None
    note: str | None


def anchor(store: Store) -> date | None:
    """Return the first review date of the cycle, or None before the first sync."""
    value = store.get_watermark(ANCHOR)
    return date.fromisoformat(value) if value else None


def start_cycle(store: Store, today: date | None) -> date | None:
    """Set the anchor to today unless the cycle has started; return the anchor."""
    found = anchor(store)
    if found is None and today is not None:
        store.set_watermark(ANCHOR, today.isoformat())
        return today
    return found


def open_items(
    store: Store, system: str | None = None, ids: Sequence[str] | None = None
) -> list[Item]:
    """Return the open rows (of a system, of some accounts), the earliest due first."""
    t = review_queue
    query = select(t).where(t.c.closed_on.is_(None)).order_by(t.c.due_on, t.c.id)
    if system is not None:
        query = query.where(t.c.system == system)
    if ids is not None:
        query = query.where(t.c.account_id.in_(list(ids)))
    with store.engine.connect() as conn:
        return [_item(r) for r in conn.execute(query).mappings()]


def attach(store: Store, system: str, records: Sequence[AccountRecord]) -> list[AccountRecord]:
    """Give each record its review state: the cycle's anchor and any open proposal."""
    start = anchor(store)
    found = {i.account_id: i for i in open_items(store, system, [r.account_id for r in records])}
    out = []
    for record in records:
        item = found.get(record.account_id)
        proposal = _proposal(item) if item is not None else None
        out.append(replace(record, review=ReviewState(start, proposal)))
    return out


class Recorder:
    """Watch a run's results for proposals; save them once the write has returned."""

    def __init__(self, store: Store, system: str, today: date | None) -> None:
        self.store, self.system, self.today = store, system, today
        start_cycle(store, today)
        self.seen: dict[str, tuple[Proposal | None, str, str | None, str | None]] = {}

    def see(self, record: AccountRecord, result: Result) -> None:
        """Keep a result that opens, changes or closes a proposal (most do none of these)."""
        had = record.review is not None and record.review.proposal is not None
        if had or result.proposal is not None:
            owner, name = labels(record)
            self.seen[record.account_id] = (result.proposal, result.tier, name, owner)

    def save(self, failed: set[str]) -> int:
        """Store what was seen (not for records whose write failed); return rows touched."""
        wanted = {k: v for k, v in self.seen.items() if k not in failed}
        if not wanted or self.today is None:
            return 0
        current = {i.account_id: i for i in open_items(self.store, self.system, list(wanted))}
        touched = 0
        with self.store.engine.begin() as conn:
            for account_id, (proposal, tier, name, owner) in wanted.items():
                touched += _save_one(
                    conn, self.system, account_id, current.get(account_id), proposal, tier,
                    (name, owner), self.today,
                )  # fmt: skip
        self.seen.clear()
        return touched


def _save_one(
    conn: Connection,
    system: str,
    account_id: str,
    old: Item | None,
    proposal: Proposal | None,
    tier: str,
    label: tuple[str | None, str | None],
    today: date,
) -> int:
    t = review_queue
    if old is not None and (proposal is None or not _same(old, proposal)):
        status = (
            APPLIED if tier == old.to_tier else old.status if old.status == REJECTED else WITHDRAWN
        )
        conn.execute(update(t).where(t.c.id == old.id).values(
            status=status, closed_on=today, updated_at=utcnow()))  # fmt: skip
    if proposal is None:
        return 1
    values = _values(proposal) | {"name": label[0], "owner": label[1], "updated_at": utcnow()}
    if old is not None and _same(old, proposal):
        conn.execute(update(t).where(t.c.id == old.id).values(**values))
    else:
        conn.execute(insert(t).values(system=system, account_id=account_id, **values))
    return 1


def _same(old: Item, proposal: Proposal) -> bool:
    return (old.from_tier, old.to_tier, old.proposed_on, old.status) == (
        proposal.from_tier,
        proposal.to_tier,
        proposal.proposed_on,
        proposal.status,
    )


def decide_item(
    store: Store, item_id: int, status: str, today: date, by: str, note: str | None = None
) -> Item:
    """Approve or reject an open proposal; return the row as it is now."""
    if status not in (APPROVED, REJECTED):
        raise ValueError(status)
    t = review_queue
    with store.engine.begin() as conn:
        row = conn.execute(select(t).where(t.c.id == item_id)).mappings().first()
        if row is None:
            raise ReviewError(f"no review {item_id}: `tiersync review` lists the open ones")
        if row["closed_on"] is not None:
            raise ReviewError(
                f"review {item_id} ({row['account_id']}) is closed ({row['status']} on "
                f"{row['closed_on']}): nothing to decide"
            )
        conn.execute(
            update(t)
            .where(t.c.id == item_id)
            .values(status=status, decided_on=today, decided_by=by, note=note or None,
                    updated_at=utcnow())
        )  # fmt: skip
        fresh = conn.execute(select(t).where(t.c.id == item_id)).mappings().one()
    return _item(fresh)


def _values(p: Proposal) -> dict[str, Any]:
    return {
        "from_tier": p.from_tier,
        "to_tier": p.to_tier,
        "why": p.why,
        "proposed_on": p.proposed_on,
        "due_on": p.due_on,
        "status": p.status,
        "decided_on": p.decided_on,
        "note": p.note or None,
    }


def _proposal(item: Item) -> Proposal:
    status = item.status if item.status in OPEN_STATUSES else PENDING
    return Proposal(
        item.from_tier, item.to_tier, item.why, item.proposed_on, item.due_on, status,
        item.decided_on, item.note or "",
    )  # fmt: skip


def _item(row: Any) -> Item:
    return Item(**{k: row[k] for k in Item.__dataclass_fields__})
