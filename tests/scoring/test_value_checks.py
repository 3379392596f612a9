"""Values a model cannot use are named once per account and scored as the model says."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring import DEFAULT_MODEL, AccountRecord, Result, Scorer, load_model
from scoring.errors import InvalidValue
from scoring.fields import check_range

TODAY = date(2026, 12, 1)
MODEL = load_model(DEFAULT_MODEL)
GOOD = {
    "arr_potential": "205000",
    "employees": "1800",
    "industry": "Software",
    "tech_fit": "Strong",
    "buying_stage": "Researching",
    "competitive_position": "Competitive",
    "engagement_score": "61",
    "last_activity_date": "2026-10-30",
    "intent_surge": "1.5",
}


def score(**fields: str) -> Result:
    return Scorer(MODEL, today=TODAY).score(AccountRecord("B-1", GOOD | fields))


def named(result: Result, field: str) -> list[str]:
    return [i for i in result.issues if i.partition(":")[0] == field]


def test_a_category_outside_the_map_is_named_and_scores_the_missing_points() -> None:
    good, bad = score(), score(tech_fit="Great")
    assert named(bad, "tech_fit") == [
        "tech_fit: invalid ('Great' is not one of Strong, Moderate, Poor)"
    ]
    assert bad.score == good.score - 15.0  # Strong (10 points x 15%) -> missing (0)
    assert "tech_fit" in bad.reason  # the reason lists it as missing


def test_a_map_with_other_points_takes_unknown_values_without_a_note() -> None:
    result = score(industry="Airlines/Aviation")  # the default model: non-target industries
    assert named(result, "industry") == []
    assert result.score == score().score - 15.0


def test_picklist_spellings_and_known_synonyms_read_as_the_model_category() -> None:
    assert score(industry="FINANCIAL_SERVICES").score == score(industry="Financial Services").score
    assert score(industry="COMPUTER_SOFTWARE").score == score().score
    assert score(industry="HOSPITAL_HEALTH_CARE").score == score(industry="Healthcare").score
    assert score(industry="MACHINERY").score == score(industry="Manufacturing").score


@pytest.mark.parametrize(
    ("field", "raw", "note"),
    [
        ("employees", "-5", "employees: invalid (-5 is negative)"),
        ("engagement_score", "150", "engagement_score: invalid (150 is outside 0-100)"),
        ("engagement_score", "-1", "engagement_score: invalid (-1 is outside 0-100)"),
        ("arr_potential", "abc", "arr_potential: invalid ('abc' is not a number)"),
        ("pipeline", "-20000", "pipeline: invalid (-20000 is negative)"),
    ],
)
def test_an_implausible_number_is_named_once_and_treated_as_missing(
    field: str, raw: str, note: str
) -> None:
    result = score(**{field: raw})
    assert named(result, field) == [note]  # once: no "missing" note beside it


def test_an_impossible_engagement_never_rates_an_account_healthy() -> None:
    assert score(engagement_score="150").health == MODEL.health_missing


def test_a_negative_intent_surge_does_not_trigger_an_upgrade() -> None:
    base = {
        **GOOD,
        "arr_potential": "360000",
        "employees": "4750",
        "industry": "Telecommunications",
    }
    record = AccountRecord("B-9", base | {"intent_surge": "-0.5", "tech_fit": "Moderate"})
    result = Scorer(MODEL, today=TODAY).score(record)
    assert named(result, "intent_surge") == ["intent_surge: invalid (-0.5 is negative)"]
    assert result.change is not None and "upgraded" not in result.change.why


@given(st.floats(min_value=0, max_value=100))
def test_every_engagement_in_range_is_accepted(value: float) -> None:
    assert check_range("engagement_score", value) == value


@given(st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False))
def test_every_negative_count_is_refused(value: float) -> None:
    with pytest.raises(InvalidValue):
        check_range("employees", value)
