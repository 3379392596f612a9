"""Scoring a whole book with Tier 1 capacity applied across it."""

from __future__ import annotations

import copy

from plugin.sync.stream import score_stream
from scoring import DEFAULT_MODEL, AccountRecord, Scorer, load_model

STRONG = {
    "arr_potential": "500000",
    "employees": "12000",
    "industry": "Banking",
    "tech_fit": "Strong",
    "buying_stage": "Evaluating",
    "competitive_position": "Greenfield",
    "engagement_score": "90",
}


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
    results = dict(
        (r.account_id, res) for r, res in score_stream(Scorer(load_model(data)), lambda: records)
    )
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
    results = [res for _, res in score_stream(Scorer(load_model(data)), lambda: records)]
    assert sum(r.tier == "Tier 1" for r in results) == 6


def test_no_capacity_configured_is_a_single_pass() -> None:
    data = copy.deepcopy(DEFAULT_MODEL)
    data["reassessment"]["capacity"] = {}
    calls = []

    def records() -> list[AccountRecord]:
        calls.append(1)
        return book(3, owners=1)

    assert len(list(score_stream(Scorer(load_model(data)), records))) == 3
    assert len(calls) == 2  # the first call is never iterated
