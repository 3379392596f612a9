"""What a sync would do, without doing it: preview a model change, or dry-run a sync.

Both score every book exactly as a full sync would (the same `BookScorer`, capacity over
the whole book) and write nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from connectors.base import Connector
from plugin.config import Config
from plugin.model.versions import resolve_model
from plugin.store.database import Store
from plugin.sync.book import BookScorer
from plugin.sync.context import RunContext
from plugin.sync.source import with_previous
from plugin.wiring import ConnectorFactory, open_connector
from scoring import (
    OUTPUT_FIELDS,
    Book,
    Result,
    Scorer,
    ScoringModel,
    Summary,
    load_model,
    model_hash,
)


@dataclass(frozen=True)
class Move:
    """One account that changes tier under the new model."""

    account_id: str
    name: str | None
    from_tier: str
    to_tier: str
    old_score: float
    new_score: float
    why: str = ""  # what decided the move: a rule of the new model, the score, a threshold


@dataclass
class Preview:
    """Current model vs new model: counts per (current tier, new tier) and who moves."""

    current_version: str
    new_version: str
    tiers: list[str]
    matrix: Counter[tuple[str, str]] = field(default_factory=Counter)
    moves: list[Move] = field(default_factory=list)
    accounts: int = 0

    @property
    def moved(self) -> int:
        """Return how many accounts change tier."""
        return len(self.moves)

    def render(self, limit: int = 20) -> str:
        """Return the transition table and the first movers as text."""
        width = max(8, *(len(t) for t in self.tiers))
        head = f"{'current/new':<14}" + "".join(f"{t:>{width + 1}}" for t in self.tiers)
        lines = [
            f"model {self.current_version} -> {self.new_version}: {self.moved} of "
            f"{self.accounts} accounts change tier",
            "",
            head + f"{'total':>{width + 1}}",
        ]
        for a in self.tiers:
            cells = [self.matrix[(a, b)] for b in self.tiers]
            row = "".join(f"{c:>{width + 1}}" for c in cells)
            lines.append(f"{a:<14}{row}{sum(cells):>{width + 1}}")
        totals = [sum(self.matrix[(a, b)] for a in self.tiers) for b in self.tiers]
        lines.append(f"{'total':<14}" + "".join(f"{c:>{width + 1}}" for c in totals))
        if self.moves:
            lines += ["", f"accounts that move (first {min(limit, self.moved)}):"]
            for m in self.moves[:limit]:
                lines.append(
                    f"  {m.account_id:<18} {(m.name or '')[:28]:<28} {m.from_tier} -> {m.to_tier}"
                    f"  ({m.old_score:.1f} -> {m.new_score:.1f})" + (f": {m.why}" if m.why else "")
                )
        return "\n".join(lines)


def preview(
    config: Config,
    new_model_data: Mapping[str, Any],
    *,
    store: Store | None = None,
    today: date | None = None,
    current_data: Mapping[str, Any] | None = None,
    connectors: ConnectorFactory = open_connector,
) -> Preview:
    """Score the current accounts with the current and the new model and compare tiers.

    The current model is the configured source's unless current_data names another (the
    add-on compares a manager's sheet edit against the version in use).
    """
    new_model = load_model(new_model_data)  # ModelError before any reading
    own = store is None
    store = store or Store(config.store_url)
    try:
        store.upgrade()
        if current_data is not None:
            current_model, current_version = load_model(current_data), model_hash(current_data)
        else:
            resolved = resolve_model(config, store, apply=False)
            current_model, current_version = resolved.model, resolved.version
        day = today or date.today()
        ctx = RunContext(config, store, Scorer(current_model, day), None, connectors)
        names = [t.name for t in current_model.tiers]
        names += [t.name for t in new_model.tiers if t.name not in names]
        result = Preview(current_version, model_hash(new_model_data), names)
        for source in config.sources:
            _compare(ctx, source, Scorer(new_model, day), result)
        return result
    finally:
        if own:
            store.dispose()


def _compare(ctx: RunContext, name: str, new: Scorer, out: Preview) -> None:
    conn = ctx.connector(name)
    conn.check()
    old_book = _scored(ctx, conn, ctx.scorer)
    new_book = _scored(ctx, conn, new)
    try:
        pairs = zip(old_book.decided(), new_book.decided(), strict=True)
        for (record, before, _, _), (_, after, _, _) in pairs:
            out.accounts += 1
            # a demotion held for review still moves the account: count where it is heading
            old_tier, new_tier = before.target_tier, after.target_tier
            out.matrix[(old_tier, new_tier)] += 1
            if old_tier != new_tier:
                name_ = record.get("name")
                out.moves.append(
                    Move(
                        record.account_id,
                        str(name_) if name_ else None,
                        old_tier,
                        new_tier,
                        before.score,
                        after.score,
                        decided(before, after, ctx.scorer.model, new.model),
                    )
                )
    finally:
        old_book.close()
        new_book.close()


def _scored(ctx: RunContext, conn: Connector, scorer: Scorer) -> BookScorer:
    """Score a system's whole book as a full sync would (capacity over all of it)."""
    scored = BookScorer(scorer, Book(scorer.model), ctx.config.sync.batch_size)
    size = ctx.config.sync.batch_size
    records = with_previous(
        ctx.store, conn.name, conn.iter_accounts(), size, reads=conn.reads_outputs
    )
    for record, state in records:
        scored.add(record, state)
    return scored


def decided(before: Result, after: Result, old: ScoringModel, new: ScoringModel) -> str:
    """Say what decided an account's move: a rule of the new model, its score, or a threshold."""
    if after.proposal is not None and after.proposal.why.startswith(("no activity", "upgraded")):
        return f"{after.proposal.why} (at the {after.proposal.due_on} review)"
    if (
        after.proposal is None and after.tier != after.score_tier
    ):  # a trigger, inactivity, hysteresis, override, capacity
        return after.reason.partition("; ")[0]
    delta = after.score - before.score
    score = (
        "same score"
        if abs(delta) < 0.05
        else f"score {'up' if delta > 0 else 'down'} {abs(delta):.1f}"
    )
    ranks = {t.name: i for i, t in enumerate(new.tiers)}
    if before.target_tier not in ranks:
        return f"{score}; the new model has no {before.target_tier}"
    up = ranks[after.target_tier] < ranks[before.target_tier]
    edge = after.target_tier if up else before.target_tier  # the threshold the score crossed
    line = f"{score}, {'reaches' if up else 'below'} {edge} at {new.tier(edge).min_score:g}"
    if edge in {t.name for t in old.tiers} and old.tier(edge).min_score != new.tier(edge).min_score:
        line += f" (was {old.tier(edge).min_score:g})"
    if before.tier != before.score_tier:
        line += f"; no longer {before.reason.partition('; ')[0]}"
    return line


def dry_run_source(
    ctx: RunContext, name: str, summary: Summary
) -> tuple[int, list[tuple[str, str | None, str, str]]]:
    """Count what a sync would write for one system; return the count and the first 50."""
    conn = ctx.connector(name)
    conn.check()
    scored = _scored(ctx, conn, ctx.scorer)
    would = 0
    sample: list[tuple[str, str | None, str, str]] = []
    try:
        for record, result, _, _ in scored.decided():
            summary.add(result)
            if result.differs_from(record.current):
                would += 1
                if len(sample) < 50:
                    new, old = result.outputs, record.current
                    fields = [f for f in OUTPUT_FIELDS if getattr(new, f) != getattr(old, f)]
                    sample.append((record.account_id, old.tier, result.tier, ", ".join(fields)))
    finally:
        scored.close()
    return would, sample
