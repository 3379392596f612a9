"""Invariants of the scorer, checked over generated accounts (hypothesis)."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import DEFAULT_MODEL, AccountRecord, Outputs, Scorer, load_model
from scoring.review import ReviewState

MODEL = load_model(DEFAULT_MODEL)
SCORER = Scorer(MODEL)
NUMERIC = ("arr_potential", "employees")

numbers = st.one_of(
    st.none(),
    st.floats(min_value=0, max_value=1e9, allow_nan=False),
    st.integers(min_value=0, max_value=10**9).map(str),
    st.sampled_from(["$500K", "1,200", "1.2M", "abc", "", "n/a"]),
)
categories = {
    c.field: st.one_of(st.none(), st.sampled_from([*c.categories, "Other", "", "???"]))
    for c in MODEL.criteria
    if not c.numeric
}
accounts = st.fixed_dictionaries(
    {**{f: numbers for f in NUMERIC}, **categories, "engagement_score": numbers}
)


@given(accounts)
def test_score_is_always_between_0_and_100(fields: dict[str, Any]) -> None:
    result = SCORER.score(AccountRecord("x", fields))
    assert 0.0 <= result.score <= 100.0
    assert result.tier in {t.name for t in MODEL.tiers}
    assert len(result.reason) <= 255


@given(accounts, st.sampled_from(NUMERIC), st.floats(0, 1e9), st.floats(0, 1e9))
def test_raising_one_numeric_input_never_lowers_the_score(
    fields: dict[str, Any], field: str, a: float, b: float
) -> None:
    low, high = sorted((a, b))
    s_low = SCORER.score(AccountRecord("x", fields | {field: low})).score
    s_high = SCORER.score(AccountRecord("x", fields | {field: high})).score
    assert s_high >= s_low


@settings(max_examples=60)
@given(accounts, st.floats(min_value=0.01, max_value=1000))
def test_scaling_weights_and_renormalising_changes_nothing(
    fields: dict[str, Any], factor: float
) -> None:
    data = copy.deepcopy(DEFAULT_MODEL)
    scaled = [c["weight"] * factor for c in data["criteria"]]
    total = sum(scaled)
    for criterion, weight in zip(data["criteria"], scaled, strict=True):
        criterion["weight"] = weight * 100 / total
    rescored = Scorer(load_model(data)).score(AccountRecord("x", fields))
    assert rescored.score == SCORER.score(AccountRecord("x", fields)).score


signals = st.fixed_dictionaries(
    {
        "intent_surge": st.sampled_from(["", "0.5", "2.9", "3", "10x", "nope"]),
        "pipeline": st.sampled_from(["", "0", "$90K", "$150K", "400000"]),
        "engaged_contacts": st.sampled_from(["", "1", "3", "7"]),
        "executive_contacts": st.sampled_from(["", "0", "2"]),
        "last_activity_date": st.sampled_from(
            ["", "2026-11-01", "2026-05-27", "2026-05-26", "2024-01-01", "soon"]
        ),
        "current_arr": st.sampled_from(["", "0", "$120K"]),
        "is_customer": st.sampled_from(["", "yes", "no"]),
    }
)
TODAY = date(2026, 11, 22)
assert TODAY - timedelta(days=180) == date(2026, 5, 26)


@given(
    accounts,
    signals,
    st.sampled_from([None, "Tier 1", "Tier 2", "Tier 3", "Tier 4"]),
    st.sampled_from([None, "", "Tier 2", "Gold"]),
)
def test_rescoring_the_results_is_a_fixed_point(
    fields: dict[str, Any], extra: dict[str, str], previous: str | None, override: str | None
) -> None:
    scorer = Scorer(MODEL, today=TODAY)
    cycle = ReviewState(anchor=date(2026, 10, 1))
    record = AccountRecord(
        "x", fields | extra, Outputs(tier=previous), tier_override=override, review=cycle
    )
    first = scorer.score(record)
    kept = ReviewState(cycle.anchor, first.proposal)  # what the store keeps between runs
    again = scorer.score(
        AccountRecord("x", fields | extra, first.outputs, tier_override=override, review=kept)
    )
    assert again.outputs == first.outputs  # a nightly re-run writes nothing
    assert again.change is None
    assert again.proposal == first.proposal


@given(accounts, signals, st.sampled_from(["Tier 1", "Tier 2", "Tier 3", "Tier 4"]))
def test_inactivity_never_moves_more_than_one_tier_below_the_previous_tier(
    fields: dict[str, Any], extra: dict[str, str], previous: str
) -> None:
    tiers = [t.name for t in MODEL.tiers]
    idle = extra | {"last_activity_date": "2024-01-01"}
    result = Scorer(MODEL, today=TODAY).score(AccountRecord("x", fields | idle, Outputs(previous)))
    lowest = max(tiers.index(previous) + 1, tiers.index(result.score_tier))
    assert tiers.index(result.tier) <= lowest
