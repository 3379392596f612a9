"""The review cycle: upgrades at once, demotions at the review date or on approval, never before."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import DEFAULT_MODEL, AccountRecord, Outputs, Result, Scorer, load_model
from scoring.review import (
    APPROVED,
    REJECTED,
    Proposal,
    ReviewState,
    Verdict,
    decide,
    last_review,
    next_review,
)

MODEL = load_model(DEFAULT_MODEL)
TIERS = [t.name for t in MODEL.tiers]
DAY_1 = date(2026, 1, 1)  # the cycle starts here: reviews on day 1, day 91, day 181, ...
REVIEW = DAY_1 + timedelta(days=90)
TIER_1 = {
    "arr_potential": "250000",
    "employees": "3000",
    "industry": "Technology",
    "tech_fit": "Moderate",
    "buying_stage": "Evaluating",
    "competitive_position": "Competitive",
    "engagement_score": "80",
}  # 75.5
FELL = {"tech_fit": "Poor"}  # 68.0: Tier 2, more than 5 points below Tier 1


@dataclass
class Account:
    """One account as the store would keep it between runs: last tier and open proposal."""

    fields: dict[str, Any]
    tier: str | None = None
    proposal: Proposal | None = None
    moves: list[tuple[date, str | None, str, str]] = field(default_factory=list)

    def run(self, day: date, **extra: Any) -> Result:
        """Score on a day, then remember what a sync records."""
        record = AccountRecord(
            "A1",
            self.fields | extra,
            Outputs(tier=self.tier),
            review=ReviewState(DAY_1, self.proposal),
        )
        result = Scorer(MODEL, today=day).score(record)
        if result.change is not None:
            self.moves.append((day, result.change.from_tier, result.tier, result.change.why))
        self.tier, self.proposal = result.tier, result.proposal
        return result

    def decide(self, status: str, day: date, note: str = "") -> None:
        """Record a manager's approval or rejection of the open proposal."""
        assert self.proposal is not None
        self.proposal = replace(self.proposal, status=status, decided_on=day, note=note)


def test_review_dates_fall_every_review_days_from_the_anchor() -> None:
    assert last_review(DAY_1, 90, DAY_1) == DAY_1
    assert last_review(DAY_1, 90, REVIEW - timedelta(days=1)) == DAY_1
    assert last_review(DAY_1, 90, REVIEW) == REVIEW
    assert next_review(DAY_1, 90, DAY_1) == REVIEW
    assert next_review(DAY_1, 90, REVIEW) == REVIEW + timedelta(days=90)


def test_a_demotion_proposed_on_day_1_applies_at_the_review_date_and_not_before() -> None:
    account = Account(TIER_1)
    assert account.run(DAY_1).tier == "Tier 1"
    proposed = account.run(DAY_1, **FELL)
    assert (proposed.tier, proposed.change) == ("Tier 1", None)
    assert proposed.proposal is not None
    assert (proposed.proposal.to_tier, proposed.proposal.due_on) == ("Tier 2", REVIEW)
    assert proposed.proposal.why == "score 68.0 fell below Tier 1"
    assert proposed.reason.startswith(f"Tier 2 proposed for the {REVIEW} review; Tier 1 at 68.0")
    assert proposed.proposed_tier == (
        f"Tier 2 at the {REVIEW} review: score 68.0 fell below Tier 1"
    )
    for day in (DAY_1 + timedelta(days=1), REVIEW - timedelta(days=1)):
        held = account.run(day, **FELL)
        assert (held.tier, held.change, held.proposal) == ("Tier 1", None, proposed.proposal)
    applied = account.run(REVIEW, **FELL)
    assert applied.tier == "Tier 2"
    assert applied.change is not None
    assert applied.change.why == f"review {REVIEW}: score 68.0 fell below Tier 1"
    assert applied.proposal is None


def test_an_approved_demotion_applies_at_the_next_run() -> None:
    account = Account(TIER_1, tier="Tier 1")
    account.run(DAY_1 + timedelta(days=3), **FELL)
    account.decide(APPROVED, DAY_1 + timedelta(days=10))
    result = account.run(DAY_1 + timedelta(days=10), **FELL)
    assert result.tier == "Tier 2"
    assert result.change is not None
    day = DAY_1 + timedelta(days=10)
    assert result.change.why == f"approved {day}: score 68.0 fell below Tier 1"


def test_a_rejected_demotion_keeps_the_tier_through_the_review_then_is_proposed_again() -> None:
    account = Account(TIER_1, tier="Tier 1")
    account.run(DAY_1 + timedelta(days=5), **FELL)
    account.decide(REJECTED, DAY_1 + timedelta(days=6), note="renewal talks in Q2")
    kept = account.run(REVIEW, **FELL)
    assert (kept.tier, kept.change) == ("Tier 1", None)
    assert kept.proposal is not None and kept.proposal.status == REJECTED
    assert kept.reason.startswith(f"Tier 2 rejected {DAY_1 + timedelta(days=6)}")
    again = account.run(REVIEW + timedelta(days=1), **FELL)
    assert again.tier == "Tier 1"
    assert again.proposal is not None and again.proposal.status == "pending"
    assert again.proposal.due_on == REVIEW + timedelta(days=90)


def test_a_proposal_that_no_longer_holds_is_withdrawn() -> None:
    account = Account(TIER_1, tier="Tier 1")
    assert account.run(DAY_1 + timedelta(days=5), **FELL).proposal is not None
    recovered = account.run(DAY_1 + timedelta(days=6))
    assert (recovered.tier, recovered.proposal, recovered.change) == ("Tier 1", None, None)


def test_an_upgrade_trigger_applies_at_once() -> None:
    account = Account(TIER_1 | FELL, tier="Tier 2")
    result = account.run(DAY_1 + timedelta(days=5), pipeline="$200K")
    assert result.tier == "Tier 1"
    assert result.change is not None and result.change.why.startswith("upgraded Tier 2 → Tier 1")


def test_a_manual_override_wins_over_a_pending_demotion() -> None:
    account = Account(TIER_1, tier="Tier 1")
    account.run(DAY_1 + timedelta(days=5), **FELL)
    record = AccountRecord(
        "A1",
        TIER_1 | FELL,
        Outputs(tier="Tier 1"),
        tier_override="Tier 3",
        review=ReviewState(DAY_1, account.proposal),
    )
    result = Scorer(MODEL, today=DAY_1 + timedelta(days=6)).score(record)
    assert (result.tier, result.proposal) == ("Tier 3", None)


def test_inactivity_moves_one_tier_per_review() -> None:
    idle = {"last_activity_date": "2025-06-01"}  # 214 days before day 1
    account = Account(TIER_1 | idle, tier="Tier 1")
    for day in range(0, 400):
        account.run(DAY_1 + timedelta(days=day))
    assert [(d, a, b) for d, a, b, _ in account.moves] == [
        (REVIEW, "Tier 1", "Tier 2"),
        (REVIEW + timedelta(days=90), "Tier 2", "Tier 3"),
        (REVIEW + timedelta(days=180), "Tier 3", "Tier 4"),
    ]
    assert account.moves[0][3] == (
        f"review {REVIEW}: downgraded Tier 1 → Tier 2: no activity since 2025-06-01 (180+ days)"
    )


def test_decide_is_a_plain_function_of_its_inputs() -> None:
    state = ReviewState(DAY_1)
    up = decide(TIERS, "Tier 3", "Tier 1", "x", state=state, review_days=90, today=DAY_1)
    assert up.verdict is Verdict.APPLY
    down = decide(TIERS, "Tier 1", "Tier 2", "x", state=state, review_days=90, today=DAY_1)
    assert down.verdict is Verdict.PROPOSE
    assert down.proposal == Proposal("Tier 1", "Tier 2", "x", DAY_1, REVIEW)
    none = decide(TIERS, "Tier 1", "Tier 2", "x", state=None, review_days=90, today=DAY_1)
    assert none.verdict is Verdict.APPLY  # no review cycle: demotions apply at once


inputs = st.fixed_dictionaries(
    {
        "tech_fit": st.sampled_from(["Strong", "Moderate", "Poor"]),
        "buying_stage": st.sampled_from(["Unaware", "Researching", "Active Procurement"]),
        "pipeline": st.sampled_from(["", "$50K", "$200K"]),
        "last_activity_date": st.sampled_from(["", "2025-01-01", "2026-06-01"]),
    }
)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), inputs), min_size=1, max_size=20))
def test_demotions_apply_only_at_a_review_and_re_runs_write_nothing(
    steps: list[tuple[int, dict[str, str]]],
) -> None:
    account = Account(dict(TIER_1))
    day, seen = DAY_1, DAY_1
    for gap, extra in steps:
        day += timedelta(days=gap)
        before = account.tier
        result = account.run(day, **extra)
        again = account.run(day, **extra)  # a re-run the same day writes nothing
        assert again.outputs == result.outputs and again.change is None
        if before is not None and TIERS.index(result.tier) > TIERS.index(before):
            review = last_review(DAY_1, 90, day)
            assert review > seen  # a review date passed since the previous run
            assert result.change is not None
            assert result.change.why.startswith(f"review {review}: ")
        seen = day
