"""Scoring a whole book with Tier 1 capacity applied across it, each key once."""

from __future__ import annotations

import copy

from plugin.sync.book import final_pairs, score_all
from scoring import DEFAULT_MODEL, AccountRecord, Result, Scorer, load_model

STRONG = {
    "arr_potential": "500000",
    "employees": "12000",
    "industry": "Banking",
    "tech_fit": "Strong",
    "buying_stage": "Evaluating",
    "competitive_position": "Greenfield",
    "engagement_score": "90",
}


def scored(data: dict, records: list[AccountRecord]) -> list[tuple[AccountRecord, Result]]:
    book = score_all(Scorer(load_model(data)), records)
    try:
        return list(final_pairs(book))
    finally:
        book.close()


def book(n: int, owners: int) -> list[AccountRecord]:
    # scores differ by the buying stage and competitive position only
    stages = ["Active Procurement", "Evaluating", "Researching"]
    return [
        AccountRecord(
            f"A{i:03d}",
            STRONG | {"owner": f"rep{i % owners}", "buying_stage": stages[i % 3]},
        )
        for i in range(n)
    ]


def test_capacity_overflow_goes_to_tier_2_lowest_scores_first() -> None:
    data = copy.deepcopy(DEFAULT_MODEL)
    data["reassessment"]["capacity"]["reps"] = 1
    data["tiers"][0]["accounts_per_rep"] = 4
    records = book(9, owners=3)  # 9 Tier 1 candidates, room for 1 x 4
    results = {r.account_id: res for r, res in scored(data, records)}
    kept = sorted(a for a, r in results.items() if r.tier == "Tier 1")
    moved = sorted(a for a, r in results.items() if r.tier == "Tier 2")
    assert len(kept) == 4 and len(moved) == 5
    assert min(results[a].score for a in kept) >= max(results[a].score for a in moved)
    for account in moved:
        assert results[account].change is not None
        assert "capacity reached" in results[account].change.why


def test_reps_default_to_the_distinct_owners_in_the_book() -> None:
    data = copy.deepcopy(DEFAULT_MODEL)
    data["tiers"][0]["accounts_per_rep"] = 2
    records = book(9, owners=3)  # 3 owners x 2 = 6
    results = [res for _, res in scored(data, records)]
    assert sum(r.tier == "Tier 1" for r in results) == 6


def test_a_repeated_key_is_scored_once_and_named() -> None:
    records = book(3, owners=1)
    twice = [*records, records[0]]
    scorer = score_all(Scorer(load_model(DEFAULT_MODEL)), twice)
    try:
        assert [r.account_id for r, _ in final_pairs(scorer)] == ["A000", "A001", "A002"]
        assert [(f.account_id, f.code) for f in scorer.duplicates] == [("A000", "DUPLICATE_KEY")]
    finally:
        scorer.close()
