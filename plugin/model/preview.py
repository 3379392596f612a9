"""Preview a model change (which accounts move tier) and the dry run of a sync."""

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
from plugin.sync.source import reader
from plugin.sync.stream import score_stream
from plugin.wiring import open_connector
from scoring import OUTPUT_FIELDS, Scorer, Summary, load_model, model_hash


@dataclass(frozen=True)
class Move:
    """One account that changes tier under the new model."""

    account_id: str
    name: str | None
    from_tier: str
    to_tier: str
    old_score: float
    new_score: float


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
                    f"  ({m.old_score:.1f} -> {m.new_score:.1f})"
                )
        return "\n".join(lines)


def preview(
    config: Config,
    new_model_data: Mapping[str, Any],
    *,
    store: Store | None = None,
    today: date | None = None,
    current_data: Mapping[str, Any] | None = None,
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
        old, new = Scorer(current_model, day), Scorer(new_model, day)
        names = [t.name for t in current_model.tiers]
        names += [t.name for t in new_model.tiers if t.name not in names]
        result = Preview(current_version, model_hash(new_model_data), names)
        for source in config.sources:
            _compare(open_connector(source, config), store, config, old, new, result)
        return result
    finally:
        if own:
            store.dispose()


def _compare(
    conn: Connector, store: Store, config: Config, old: Scorer, new: Scorer, out: Preview
) -> None:
    conn.check()
    records, spooled = reader(conn, store, config.sync.batch_size, set(), None)
    try:
        pairs = zip(score_stream(old, records), score_stream(new, records), strict=True)
        for (record, before), (_, after) in pairs:
            out.accounts += 1
            # a demotion held for review still moves the account: count where it is heading
            old_tier, new_tier = before.target_tier, after.target_tier
            out.matrix[(old_tier, new_tier)] += 1
            if old_tier != new_tier:
                name = record.get("name")
                out.moves.append(
                    Move(
                        record.account_id,
                        str(name) if name else None,
                        old_tier,
                        new_tier,
                        before.score,
                        after.score,
                    )
                )
    finally:
        if spooled is not None:
            spooled.close()


def dry_run_source(
    conn: Connector, store: Store, scorer: Scorer, summary: Summary
) -> tuple[int, list[tuple[str, str | None, str, str]]]:
    """Count what a sync would write for one source; return the count and the first 50."""
    conn.check()
    records, spooled = reader(conn, store, 1000, set(), None)
    would = 0
    sample: list[tuple[str, str | None, str, str]] = []
    try:
        for record, result in score_stream(scorer, records):
            summary.add(result)
            if result.differs_from(record.current):
                would += 1
                if len(sample) < 50:
                    new, old = result.outputs, record.current
                    fields = [f for f in OUTPUT_FIELDS if getattr(new, f) != getattr(old, f)]
                    sample.append((record.account_id, old.tier, result.tier, ", ".join(fields)))
    finally:
        if spooled is not None:
            spooled.close()
    return would, sample
