"""The model written out as Python source: same answers as the model's definition, no code
from a model's text, and the general path for every unusual value."""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import DEFAULT_MODEL, AccountRecord, Scorer, load_model
from scoring.codegen import literal
from scoring.model import ActionRule, Condition

MODEL = load_model(DEFAULT_MODEL)
HOSTILE = "'); __import__('os').system('false'); (\"{__import__}\\\n"


def hostile_model() -> dict[str, Any]:
    """The default model with quotes, braces and newlines in every text a manager types."""
    text = json.dumps(DEFAULT_MODEL)
    for name in ("Tier 1", "Critical", "Investigate lack of engagement", "Strong"):
        text = text.replace(json.dumps(name), json.dumps(name + HOSTILE))
    data: dict[str, Any] = json.loads(text)
    data["criteria"][0]["label"] = "Revenue" + HOSTILE
    return data


def test_text_from_a_model_reaches_results_verbatim_and_never_runs() -> None:
    scorer = Scorer(load_model(hostile_model()))
    top = {"arr_potential": "900000", "employees": "20000", "industry": "Software",
           "buying_stage": "Active Procurement", "competitive_position": "Greenfield",
           "engagement_score": "10"}  # fmt: skip
    result = scorer.score(AccountRecord("A", top | {"tech_fit": "Strong" + HOSTILE}))
    assert result.tier == "Tier 1" + HOSTILE
    assert result.health == "Critical" + HOSTILE
    assert result.next_action == "Investigate lack of engagement" + HOSTILE
    assert result.reason.count("Revenue" + HOSTILE + " 30/30") == 1
    odd = scorer.score(AccountRecord("B", top | {"tech_fit": "{x}"}))
    assert "tech_fit: invalid ('{x}' is not one of Strong" + HOSTILE + ", Moderate, Poor)" in (
        odd.issues
    )


def test_the_generated_source_is_kept_for_a_reader() -> None:
    scorer = Scorer(MODEL)
    assert "elif n0 >= 400000.0:" in scorer.source
    assert "'Revenue Potential 30/30'" in scorer.source
    assert "return 'Automated marketing / self-service'" in scorer.action_source


@pytest.mark.parametrize(
    ("value", "source"),
    [
        (float("inf"), "1e999"),
        (float("-inf"), "-1e999"),
        (0.1, "0.1"),
        (7, "7.0"),
        ("a'b", '"a\'b"'),
    ],
)
def test_literals_read_back_as_the_same_value(value: object, source: str) -> None:
    assert literal(value) == source
    assert eval(source) == value


def _points(criterion: Any, raw: Any) -> float:
    """The scorecard's definition, read straight from the model: points for one raw value."""
    if criterion.numeric:
        if raw is None:
            return criterion.missing_points
        reached = [b.points for b in criterion.bands if raw >= b.min]
        return reached[-1] if reached else 0.0
    return criterion.categories.get(raw, criterion.missing_points)


weights = st.lists(st.integers(1, 50), min_size=6, max_size=6)
bands = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10)), min_size=1, max_size=5)
values = st.fixed_dictionaries(
    {
        "arr_potential": st.one_of(st.none(), st.integers(0, 2 * 10**6)),
        "employees": st.one_of(st.none(), st.integers(0, 50_000)),
        **{
            c.field: st.one_of(st.none(), st.sampled_from(sorted(c.categories)))
            for c in MODEL.criteria
            if not c.numeric
        },
    }
)


@settings(max_examples=150)
@given(weights, bands, st.integers(0, 10), values)
def test_score_is_the_weighted_sum_of_points_the_model_defines(
    raw_weights: list[int], raw_bands: list[tuple[int, int]], missing: int, fields: dict[str, Any]
) -> None:
    data = copy.deepcopy(DEFAULT_MODEL)
    shares = [100 * w / sum(raw_weights) for w in raw_weights]
    shares[-1] = 100 - sum(shares[:-1])
    mins = sorted({m for m, _ in raw_bands})
    for criterion, share in zip(data["criteria"], shares, strict=True):
        criterion["weight"], criterion["missing_points"] = share, missing
    points = [p for _, p in raw_bands][: len(mins)]
    data["criteria"][0]["bands"] = [
        {"min": m, "points": p} for m, p in zip(mins, points, strict=True)
    ]
    model = load_model(data)
    result = Scorer(model).score(AccountRecord("A", fields))
    expected = sum(c.weight * _points(c, fields.get(c.field)) / 10 for c in model.criteria)
    assert result.score == pytest.approx(expected, abs=0.051)


def _first_rule(rules: tuple[ActionRule, ...], default: str, **facts: Any) -> str:
    """The rules' definition: the first whose every condition holds; ranges are min <= x < max."""

    def within(x: float | None, low: float | None, high: float | None) -> bool:
        return x is not None and (low is None or x >= low) and (high is None or x < high)

    for rule in rules:
        w = rule.when
        if (
            (w.tiers is None or facts["tier"] in w.tiers)
            and (w.health is None or facts["health"] in w.health)
            and (w.customer is None or w.customer == facts["customer"])
            and within(facts["pipeline"] or 0.0, w.pipeline_min, w.pipeline_max)
            and (
                (w.penetration_min is None and w.penetration_max is None)
                or within(facts["penetration"], w.penetration_min, w.penetration_max)
            )
        ):
            return rule.action
    return default


TIERS = [t.name for t in MODEL.tiers]
HEALTH = [h.status for h in MODEL.health]
maybe = st.one_of
conditions = st.builds(
    Condition,
    tiers=maybe(st.none(), st.lists(st.sampled_from(TIERS), min_size=1, max_size=3).map(tuple)),
    health=maybe(st.none(), st.lists(st.sampled_from(HEALTH), min_size=1, max_size=2).map(tuple)),
    customer=maybe(st.none(), st.booleans()),
    pipeline_min=maybe(st.none(), st.floats(0, 10**6)),
    pipeline_max=maybe(st.none(), st.floats(0, 10**6)),
    penetration_min=maybe(st.none(), st.floats(0, 2)),
    penetration_max=maybe(st.none(), st.floats(0, 2)),
)


@settings(max_examples=300)
@given(
    st.lists(st.builds(ActionRule, conditions, st.text(max_size=8)), max_size=8),
    st.sampled_from([*TIERS, "Gold"]),
    st.sampled_from(HEALTH),
    st.booleans(),
    maybe(st.none(), st.floats(0, 2 * 10**6)),
    maybe(st.none(), st.floats(0, 3)),
)
def test_next_action_is_the_first_rule_that_holds(
    rules: list[ActionRule],
    tier: str,
    health: str,
    customer: bool,
    pipeline: float | None,
    penetration: float | None,
) -> None:
    model = dataclasses.replace(MODEL, next_actions=tuple(rules))
    got = Scorer(model).next_action_for(tier, health, customer, pipeline, penetration)
    facts = {"tier": tier, "health": health, "customer": customer, "pipeline": pipeline,
             "penetration": penetration}  # fmt: skip
    assert got == _first_rule(model.next_actions, model.default_action, **facts)


@pytest.mark.parametrize(
    ("raw", "issue"),
    [
        ("nan", "employees: invalid ('nan' is not a finite number)"),
        ("inf", "employees: invalid ('inf' is not a finite number)"),
        ("-3", "employees: invalid (-3 is negative)"),
        ("1.2K", None),
        (" 1200 ", None),
        (1200, None),
    ],
)
def test_unusual_numbers_take_the_general_path_and_are_named(raw: Any, issue: str | None) -> None:
    result = Scorer(MODEL).score(AccountRecord("A", {"employees": raw}))
    assert [i for i in result.issues if i.startswith("employees")] == ([issue] if issue else [])
    assert ("Company Size 10/20" in result.reason) is (issue is None)
