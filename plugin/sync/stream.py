"""Scoring a stream of records, with the portfolio-level Tier 1 capacity applied."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from scoring import AccountRecord, Result, Scorer, overflow, tier_capacity


def capacity_overflow(scorer: Scorer, records: Iterable[AccountRecord]) -> frozenset[str]:
    """First pass: return the ids that exceed the capacity tier's limit (lowest scores)."""
    model = scorer.model
    if model.reassessment.capacity_tier is None:
        return frozenset()
    owners: set[str] = set()
    candidates: list[tuple[str, float]] = []
    for record in records:
        result = scorer.score(record)
        owner = record.get("owner")
        if owner:
            owners.add(str(owner))
        if scorer.capacity_candidate(record, result):
            candidates.append((record.account_id, result.score))
    return overflow(candidates, tier_capacity(model, len(owners)))


def score_stream(
    scorer: Scorer, records: Callable[[], Iterable[AccountRecord]]
) -> Iterator[tuple[AccountRecord, Result]]:
    """Yield (record, result) for every record; `records` is called twice when capacity applies."""
    demoted = capacity_overflow(scorer, records())
    for record in records():
        yield record, scorer.score(record, over_capacity=record.account_id in demoted)
