"""The review cycle as pure decisions: upgrades apply at once, demotions wait for a review.

The Tier 2 seed reviews tiers quarterly: upgrades "trigger immediate resource reallocation",
downgrades follow review. Review dates fall every `review_days` from an anchor date (the day
the cycle started). A demotion first proposed on day D applies at the first review date after
D, or earlier when a manager approves it; a manager's rejection keeps the tier through the
next review date, after which the demotion is proposed again if it still holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import Enum

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
OPEN_STATUSES = (PENDING, APPROVED, REJECTED)


@dataclass(frozen=True, slots=True)
class Proposal:
    """A demotion held for review: from, to, why, since when, and a manager's decision."""

    from_tier: str
    to_tier: str
    why: str
    proposed_on: date
    due_on: date
    status: str = PENDING
    decided_on: date | None = None
    note: str = ""

    def short(self) -> str:
        """Return the few words the reason field starts with."""
        if self.status == REJECTED:
            return f"{self.to_tier} rejected {self.decided_on}"
        return f"{self.to_tier} proposed for the {self.due_on} review"

    def describe(self) -> str:
        """Return the one-line text a rep sees on the record."""
        when = f"at the {self.due_on.isoformat()} review"
        if self.status == REJECTED:
            return f"{self.to_tier} rejected on {self.decided_on}; kept: {self.note or self.why}"
        return f"{self.to_tier} {when}: {self.why}"


@dataclass(frozen=True, slots=True)
class ReviewState:
    """What the cycle knows of one account: the anchor of the review dates and any open proposal."""

    anchor: date | None  # None: the cycle starts today
    proposal: Proposal | None = None


class Verdict(Enum):
    """What to do with a candidate tier."""

    APPLY = "apply"  # write the candidate tier now
    PROPOSE = "propose"  # keep the previous tier, hold the demotion for review
    KEEP = "keep"  # keep the previous tier: a manager rejected this demotion


@dataclass(frozen=True, slots=True)
class Decision:
    """The verdict, the proposal left open (PROPOSE/KEEP) and why an applied demotion applied."""

    verdict: Verdict
    proposal: Proposal | None = None
    applied_by: str | None = None  # "review 2026-03-31" or "approved 2026-02-03"


def last_review(anchor: date, review_days: int, today: date) -> date:
    """Return the latest review date on or before today (anchor + k x review_days)."""
    cycles = (today - anchor).days // review_days
    return anchor + timedelta(days=cycles * review_days)


def next_review(anchor: date, review_days: int, after: date) -> date:
    """Return the first review date strictly after a day."""
    return last_review(anchor, review_days, after) + timedelta(days=review_days)


def review_on_or_after(anchor: date, review_days: int, day: date) -> date:
    """Return the first review date on or after a day."""
    last = last_review(anchor, review_days, day)
    return last if last == day else last + timedelta(days=review_days)


def is_demotion(tiers: Sequence[str], previous: str | None, candidate: str) -> bool:
    """Return True when candidate is a lower tier than a known previous tier."""
    if previous is None or previous not in tiers or candidate not in tiers:
        return False
    return tiers.index(candidate) > tiers.index(previous)


def decide(
    tiers: Sequence[str],
    previous: str | None,
    candidate: str,
    why: str,
    *,
    state: ReviewState | None,
    review_days: int,
    today: date,
) -> Decision:
    """Decide whether a candidate tier applies now, is proposed for review, or is kept."""
    if not is_demotion(tiers, previous, candidate) or state is None:
        return Decision(Verdict.APPLY)
    assert previous is not None  # is_demotion checked it
    start = state.anchor or today
    held = state.proposal if state.proposal and state.proposal.from_tier == previous else None
    same = held is not None and held.to_tier == candidate
    if held is not None and same and held.status == APPROVED:
        return Decision(Verdict.APPLY, applied_by=f"approved {held.decided_on}")
    if held is not None and same and held.status == REJECTED and held.decided_on is not None:
        if today <= review_on_or_after(start, review_days, held.decided_on):
            return Decision(Verdict.KEEP, held)
        held = None  # the rejection covered its review; the demotion is proposed afresh
    since = held.proposed_on if held is not None else today
    review = last_review(start, review_days, today)
    if review > since:
        return Decision(Verdict.APPLY, applied_by=f"review {review}")
    due = next_review(start, review_days, today)
    if held is not None and held.status == PENDING and same:
        return Decision(Verdict.PROPOSE, replace(held, due_on=due))  # first why kept: no churn
    return Decision(Verdict.PROPOSE, Proposal(previous, candidate, why, since, due))
