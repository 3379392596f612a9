"""The record and result types shared by the core, the connectors and the plugin."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scoring.review import Proposal, ReviewState

#: Canonical input fields of an account (DESIGN.md "Data that flows").
INPUT_FIELDS: tuple[str, ...] = (
    "account_id",
    "name",
    "industry",
    "employees",
    "annual_revenue",
    "arr_potential",
    "tech_fit",
    "buying_stage",
    "competitive_position",
    "is_customer",
    "current_arr",
    "pipeline",
    "engagement_score",
    "last_activity_date",
    "engaged_contacts",
    "executive_contacts",
    "intent_surge",
    "owner",
    "region",
)

#: Output fields tiersync writes back, in the order they are written.
OUTPUT_FIELDS: tuple[str, ...] = ("tier", "score", "health", "next_action", "reason")

#: Optional outputs a system writes only when its config names a field or column for them.
OPTIONAL_OUTPUTS: tuple[str, ...] = ("proposed_tier",)


@dataclass(frozen=True, slots=True)
class Outputs:
    """The output values as they were last written to a system (used for diffs and reassessment)."""

    tier: str | None = None
    score: float | None = None
    health: str | None = None
    next_action: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """One account in canonical form: raw input values keyed by canonical field name.

    Values are kept as read (text, number or None); the scorer parses them leniently and
    reports what it could not use, so a connector never has to reject a row for a bad cell.
    """

    account_id: str
    fields: Mapping[str, Any]
    #: The output values the system returned in this read (writes are diffed against them,
    #: so a hand edit of an output field is put back).
    current: Outputs = field(default_factory=Outputs)
    tier_override: str | None = None
    #: What tiersync last decided for this account (from the store); None: not known, and
    #: the system's own values stand in (a file fed back its own output).
    previous: Outputs | None = None

    @property
    def prior(self) -> Outputs:
        """Return the outputs reassessment compares against: the last decision, else current."""
        return self.current if self.previous is None else self.previous

    review: ReviewState | None = None  # None: no review cycle, demotions apply at once

    def get(self, name: str) -> Any:
        """Return the raw value of a canonical field, or None when absent."""
        return self.fields.get(name)


@dataclass(frozen=True, slots=True)
class TierChange:
    """A tier movement against the previous tier: from (None when first assessed), to, why."""

    from_tier: str | None
    to_tier: str
    why: str


@dataclass(frozen=True, slots=True)
class Result:
    """What tiersync computed for one account."""

    account_id: str
    tier: str
    score: float
    health: str
    next_action: str
    reason: str
    issues: tuple[str, ...] = ()
    change: TierChange | None = None
    campaign_track: str | None = None
    score_tier: str = ""  # the tier the score alone gives, before reassessment
    proposal: Proposal | None = None  # a demotion held for review (pending or rejected)

    @property
    def target_tier(self) -> str:
        """Return the tier once a pending proposal applies (the tier itself when none is)."""
        pending = self.proposal is not None and self.proposal.status != "rejected"
        return self.proposal.to_tier if pending and self.proposal else self.tier

    @property
    def proposed_tier(self) -> str:
        """Return the text of the optional proposed-demotion output ('' when none)."""
        return self.proposal.describe() if self.proposal is not None else ""

    @property
    def outputs(self) -> Outputs:
        """Return the output values as they would be written."""
        return Outputs(self.tier, self.score, self.health, self.next_action, self.reason)

    def differs_from(self, current: Outputs) -> bool:
        """Return True when writing this result would change any output field."""
        c = current  # compared field by field: called once per account written
        return (self.tier, self.score, self.health, self.next_action, self.reason) != (
            c.tier, c.score, c.health, c.next_action, c.reason
        )  # fmt: skip
