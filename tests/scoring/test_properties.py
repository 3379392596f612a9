"""Invariants of the scorer, checked over generated accounts (hypothesis)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import DEFAULT_MODEL, AccountRecord, Scorer, load_model

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
