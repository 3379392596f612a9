"""Reassessment against the previous tier, in the order the README documents.

1. upgrade triggers: each names the tiers it moves from and the tier it moves to, and fires
   on the tier the score gives (so re-running on the results changes nothing);
2. hysteresis: a previous tier is held until the score falls `hysteresis` points below it;
3. inactivity: no activity for `inactive_days` moves an account one tier below the tier it
   stands in (its previous tier; the score's tier when first assessed) and never up by score —
   one tier per review, because the review cycle holds each demotion until the next review;
4. a manual override always wins; 5. demotions wait for review (scoring.review);
6. Tier 1 capacity: the lowest-scoring overflow goes to the overflow tier at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from scoring.model import ScoringModel, Trigger
from scoring.review import Proposal, ReviewState, Verdict, decide, is_demotion, next_review


@dataclass(frozen=True, slots=True)
class Move:
    """A candidate tier, why (for the reason; None: the score decides) and the log's text."""

    tier: str
    why: str | None = None
    log: str | None = None  # the movement log says more, e.g. which tiers inactivity moved

    @property
    def told(self) -> str | None:
        """Return the movement log's text for this move."""
        return self.log or self.why


@dataclass(frozen=True, slots=True)
class Placement:
    """Where an account lands: its tier, why (for the reason), a proposal, the movement's why."""

    tier: str
    why: str | None = None
    proposal: Proposal | None = None
    change_why: str | None = None  # the movement log's text when it says more than the reason

    @property
    def note(self) -> str | None:
        """Return what the reason starts with: an open proposal, else why."""
        return self.proposal.short() if self.proposal is not None else self.why


class Reassessor:
    """The tier moves of one model, as small pure steps the scorer applies in order."""

    def __init__(self, model: ScoringModel) -> None:
        self.model = model
        self.names = [t.name for t in model.tiers]
        self.rank = {name: i for i, name in enumerate(self.names)}
        r = model.reassessment
        self.triggers = {
            name: tuple(t for t in r.upgrade_triggers if name in t.from_tiers)
            for name in self.names
        }

    def known(self, tier: str | None) -> str | None:
        """Return the tier when the model knows it, else None (a first assessment)."""
        return tier if tier in self.rank else None

    def hold(self, previous: str | None, score: float, score_tier: str) -> Move:
        """Apply hysteresis: keep a higher previous tier while the score is within the margin."""
        margin = self.model.reassessment.hysteresis
        if (
            previous is not None
            and self.rank[score_tier] > self.rank[previous]
            and score >= self.model.tier(previous).min_score - margin
        ):
            return Move(previous, f"held at {previous}: {score:.1f} is within {margin:g} points")
        return Move(score_tier)

    def upgrade(self, base: Move, fired: Trigger, value: float) -> Move:
        """Move to the trigger's tier, naming both tiers."""
        to = fired.to_tier or base.tier
        return Move(to, f"upgraded {base.tier} → {to}: {fired.label} ({fired.field} {value:g})")

    def via_score(self, previous: str | None, score: float, score_tier: str, why: str) -> str:
        """Name the score's step too when a trigger moved an account up from below its tier."""
        known = self.known(previous)
        if why.startswith("upgraded ") and known and self.rank[known] > self.rank[score_tier]:
            return f"score {score:.1f} reaches {score_tier}, then {why}"
        return why

    def idle_anchor(self, previous: str | None, base: Move) -> str | None:
        """Return the tier an inactive account stands in, or None when inactivity is off."""
        return (previous or base.tier) if self.model.reassessment.inactive_days else None

    def inactive(self, anchor: str, base: Move, last: date) -> Move:
        """Move one tier below the anchor (never up by score), unless the score is lower still."""
        r = self.model.reassessment
        step = 1 if anchor in r.downgrade_from and self.rank[anchor] + 1 < len(self.names) else 0
        down = self.names[self.rank[anchor] + step]
        if self.rank[base.tier] >= self.rank[down]:
            return base
        # the reason says the same before and after the move, so a re-run writes nothing
        why = f"no activity since {last}"
        if not step:
            return Move(anchor, why)
        return Move(down, why, f"downgraded {anchor} → {down}: {why} ({r.inactive_days}+ days)")

    def fell(self, previous: str, score: float) -> str:
        """Return why a score-only demotion happens."""
        return f"score {score:.1f} fell below {previous}"

    def place(
        self,
        previous: str | None,
        move: Move,
        score: float,
        state: ReviewState | None,
        today: date | None,
        again: Callable[[str], Move],
    ) -> Placement:
        """Hold a demotion for review (or apply it), then propose the next run's demotion now."""
        if previous is None or today is None:
            placed = Placement(move.tier, move.why, None, move.log)
        else:
            why = move.told or self.fell(previous, score)
            days = self.model.reassessment.review_days
            decision = decide(
                self.names, previous, move.tier, why, state=state, review_days=days, today=today
            )
            if decision.verdict is not Verdict.APPLY:
                return Placement(previous, None, decision.proposal)
            by = f"{decision.applied_by}: {why}" if decision.applied_by else move.log
            placed = Placement(move.tier, move.why, None, by)
        if state is None or today is None or placed.tier == previous:
            return placed
        # what the next run would propose from the new tier, proposed now: re-running on the
        # results then writes nothing (inactivity keeps moving one tier per review)
        follow = again(placed.tier)
        if not is_demotion(self.names, placed.tier, follow.tier):
            return placed
        due = next_review(state.anchor or today, self.model.reassessment.review_days, today)
        why = follow.told or self.fell(placed.tier, score)
        proposal = Proposal(placed.tier, follow.tier, why, today, due)
        return Placement(placed.tier, placed.why, proposal, placed.change_why)
