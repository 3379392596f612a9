"""Portfolio-level decisions: tier capacity and the run summary (distribution vs target)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from scoring.model import ScoringModel
from scoring.parse import parse_text
from scoring.records import AccountRecord, Result


def tier_capacity(model: ScoringModel, reps: int) -> int | None:
    """Return how many accounts the capacity tier may hold (reps x accounts per rep), or None."""
    r = model.reassessment
    if r.capacity_tier is None or r.overflow_to is None:
        return None
    per_rep = model.tier(r.capacity_tier).accounts_per_rep
    count = r.capacity_reps if r.capacity_reps is not None else reps
    if per_rep is None or count <= 0:
        return None
    return count * per_rep


def overflow(candidates: Iterable[tuple[str, float]], capacity: int | None) -> frozenset[str]:
    """Return the ids beyond capacity: the lowest scores (ties: the later account id)."""
    ranked = sorted(candidates, key=lambda c: (-c[1], c[0]))
    if capacity is None or len(ranked) <= capacity:
        return frozenset()
    return frozenset(account_id for account_id, _ in ranked[capacity:])


@dataclass(frozen=True, slots=True)
class Standing:
    """One account's place in a book, as capacity needs it."""

    account_id: str
    score: float
    owner: str | None
    #: Its tier before capacity is the capacity tier, and no manual override holds it there.
    candidate: bool


def standing(record: AccountRecord, result: Result, model: ScoringModel) -> Standing:
    """Return the standing of a record scored without capacity (over_capacity=False)."""
    owner = record.get("owner")
    cap = model.reassessment.capacity_tier
    overridden = record.tier_override is not None and parse_text(record.tier_override) in {
        t.name for t in model.tiers
    }
    return Standing(
        record.account_id,
        result.score,
        str(owner).strip() or None if owner is not None else None,
        cap is not None and result.tier == cap and not overridden,
    )


class Book:
    """One system's accounts as capacity sees them: the candidates' scores and the reps.

    Pure and in memory. A full run puts every account it read; a partial run (incremental,
    webhook) first puts the store's last standings, then what it read replaces them. Replacing
    needs each account's owner, so `replaceable` books keep it (a full run does not need to).
    """

    def __init__(self, model: ScoringModel, *, replaceable: bool = False) -> None:
        self.model = model
        self.candidates: dict[str, float] = {}
        self._owners: Counter[str] = Counter()
        self._owner_of: dict[str, str | None] | None = {} if replaceable else None

    def put(self, s: Standing) -> None:
        """Add an account's standing, replacing the one it had in this book."""
        if self._owner_of is not None:
            if s.account_id in self._owner_of:
                old = self._owner_of[s.account_id]
                if old:
                    self._owners[old] -= 1
                    if not self._owners[old]:
                        del self._owners[old]
            self._owner_of[s.account_id] = s.owner
        if s.owner:
            self._owners[s.owner] += 1
        if s.candidate:
            self.candidates[s.account_id] = s.score
        else:
            self.candidates.pop(s.account_id, None)

    @property
    def reps(self) -> int:
        """Return the number of distinct owners in the book."""
        return len(self._owners)

    def overflow(self) -> frozenset[str]:
        """Return the ids the capacity tier cannot hold: the lowest scores beyond capacity."""
        return capacity_overflow(self.model, self.candidates.items(), self.reps)


def capacity_overflow(
    model: ScoringModel, candidates: Iterable[tuple[str, float]], reps: int
) -> frozenset[str]:
    """Return the candidate ids beyond the capacity tier's limit (reps x accounts per rep).

    Every path reaches capacity through this: `score`, a full or partial sync, the webhook
    worker and preview each rank the candidates of a whole book, never of a batch alone.
    """
    if model.reassessment.capacity_tier is None:
        return frozenset()
    return overflow(candidates, tier_capacity(model, reps))


@dataclass
class Summary:
    """Counts of a run, fed one result at a time (constant memory)."""

    model: ScoringModel
    tiers: Counter[str] = field(default_factory=Counter)
    health: Counter[str] = field(default_factory=Counter)
    changes: Counter[str] = field(default_factory=Counter)
    with_issues: int = 0
    total: int = 0
    overflowed: int = 0  # accounts the capacity tier's limit pushed to the overflow tier
    owners: set[str] = field(default_factory=set)

    def add(self, result: Result, owner: object = None) -> None:
        """Count one result (and its owner: reps default to the distinct owners)."""
        self.total += 1
        if owner:
            self.owners.add(str(owner))
        cap = self.model.reassessment.capacity_tier
        # The scorer states an overflow first in the reason: "<tier> capacity reached: ..."
        if cap is not None and result.reason.startswith(f"{cap} capacity reached"):
            self.overflowed += 1
        self.tiers[result.tier] += 1
        self.health[result.health] += 1
        if result.change is not None:
            self.changes[result.tier] += 1
        if result.issues:
            self.with_issues += 1

    def rows(self) -> list[tuple[str, int, float, float | None, int]]:
        """Return (tier, accounts, share, target share, changes into it) per tier."""
        n = self.total or 1
        return [
            (
                t.name,
                self.tiers[t.name],
                self.tiers[t.name] / n,
                t.target_share,
                self.changes[t.name],
            )
            for t in self.model.tiers
        ]

    def capacity_line(self) -> str | None:
        """Return the capacity overflow line, e.g. 'Tier 1 capacity 450 (30 reps × 15): ...'."""
        r = self.model.reassessment
        if not self.overflowed or r.capacity_tier is None:
            return None
        reps = r.capacity_reps if r.capacity_reps is not None else len(self.owners)
        limit = tier_capacity(self.model, reps)
        per_rep = self.model.tier(r.capacity_tier).accounts_per_rep
        size = f" {limit:,} ({reps:,} reps × {per_rep})" if limit is not None else ""
        accounts = "account" if self.overflowed == 1 else "accounts"
        return (
            f"{r.capacity_tier} capacity{size}: {self.overflowed:,} {accounts} overflowed "
            f"to {r.overflow_to}"
        )

    def render(self) -> str:
        """Return the one-screen text summary."""
        lines = tier_table(self.rows())
        health = ", ".join(f"{s} {self.health[s]}" for s in (h.status for h in self.model.health))
        lines.append(f"health: {health}")
        lines.append(f"accounts: {self.total}, with data issues: {self.with_issues}")
        capacity = self.capacity_line()
        if capacity:
            lines.append(capacity)
        return "\n".join(lines)


def tier_table(rows: Iterable[tuple[str, int, float, float | None, int]]) -> list[str]:
    """Return the tier table every summary prints: accounts, share, target and changes."""
    lines = [f"{'tier':<8} {'accounts':>9} {'share':>7} {'target':>7} {'changes':>8}"]
    for name, count, share, target, changes in rows:
        tgt = f"{target:.0%}" if target is not None else "-"
        lines.append(f"{name:<8} {count:>9} {share:>7.1%} {tgt:>7} {changes:>8}")
    return lines
