"""The review queue as managers read it: `tiersync review`, the sheet's Review tab, dashboard."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from plugin.model.versions import current_version
from plugin.store import reviews
from plugin.store.database import Store
from scoring import DEFAULT_MODEL, load_model
from scoring.review import next_review

REVIEW_HEADERS = (
    "Review ID",
    "Account ID",
    "Account Name",
    "Owner",
    "From Tier",
    "Proposed Tier",
    "Why",
    "Proposed On",
    "Applies On",
    "Status",
    "Decided On",
    "Decided By",
    "Note",
)


@dataclass
class Queue:
    """The cycle's dates and the open proposals."""

    review_days: int
    anchor: date | None
    today: date
    items: list[reviews.Item] = field(default_factory=list)

    @property
    def next_review(self) -> date | None:
        """Return the next review date after today (None before the first sync)."""
        return next_review(self.anchor, self.review_days, self.today) if self.anchor else None

    def headline(self) -> str:
        """Return one line on the cycle: cadence, next review, how many wait."""
        if self.anchor is None:
            return (
                f"reviews every {self.review_days} days from the first sync (none yet); "
                "demotions wait for the review date or a manager's approval"
            )
        waiting = sum(1 for i in self.items if i.status == "pending")
        return (
            f"reviews every {self.review_days} days from {self.anchor}; next review "
            f"{self.next_review}; {waiting} demotion(s) pending, {len(self.items)} open"
        )


def load_queue(store: Store, today: date, system: str | None = None) -> Queue:
    """Read the queue and the cadence of the model in use."""
    version = current_version(store)
    model = load_model(version.data if version is not None else DEFAULT_MODEL)
    return Queue(
        model.reassessment.review_days,
        reviews.anchor(store),
        today,
        reviews.open_items(store, system),
    )


def render(queue: Queue, limit: int = 50) -> str:
    """Return the queue as text for a terminal."""
    lines = [queue.headline()]
    if not queue.items:
        return "\n".join([*lines, "", "no demotions are waiting for review"])
    lines.append("")
    lines.append(f"{'id':>5}  {'account':<14} {'name':<24} {'move':<18} {'applies':<10}  status")
    for i in queue.items[:limit]:
        move = f"{i.from_tier} -> {i.to_tier}"
        lines.append(
            f"{i.id:>5}  {i.account_id:<14} {(i.name or '')[:24]:<24} {move:<18} "
            f"{i.due_on}  {_status(i)}"
        )
        lines.append(f"{'':>7}{i.why}")
    if len(queue.items) > limit:
        lines.append(f"... and {len(queue.items) - limit} more")
    return "\n".join(lines)


def _status(item: reviews.Item) -> str:
    if item.status == "pending":
        return "pending"
    decided = f"{item.status} {item.decided_on}" + (
        f" by {item.decided_by}" if item.decided_by else ""
    )
    return decided + (f": {item.note}" if item.note else "")


def rows(queue: Queue) -> list[list[Any]]:
    """Return the Review tab: a headline row, the header, then one row per open proposal."""
    out: list[list[Any]] = [[queue.headline()], list(REVIEW_HEADERS)]
    for i in queue.items:
        out.append(
            [
                i.id, i.account_id, i.name or "", i.owner or "", i.from_tier, i.to_tier, i.why,
                i.proposed_on.isoformat(), i.due_on.isoformat(), i.status,
                i.decided_on.isoformat() if i.decided_on else "", i.decided_by or "",
                i.note or "",
            ]
        )  # fmt: skip
    return out
