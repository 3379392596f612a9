"""The scoring model as frozen dataclasses: data a manager edits, never code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field


@dataclass(frozen=True, slots=True)
class Band:
    """Numeric band: values >= min (up to the next band's min) earn points."""

    min: float
    points: float


@dataclass(frozen=True, slots=True)
class Criterion:
    """One scorecard line: a weighted criterion read from one canonical field."""

    name: str
    label: str
    weight: float
    field: str
    bands: tuple[Band, ...] = ()
    categories: Mapping[str, float] = dc_field(default_factory=dict)
    # points for a value outside the map; None: such a value is a data issue, scored as missing
    other_points: float | None = None
    missing_points: float = 0.0

    @property
    def numeric(self) -> bool:
        """Return True for a banded numeric criterion, False for a category map."""
        return bool(self.bands)


@dataclass(frozen=True, slots=True)
class Tier:
    """A tier: accounts scoring at least min_score (and below the tier above) belong to it."""

    name: str
    min_score: float
    target_share: float | None = None
    accounts_per_rep: int | None = None
    playbook: str = ""


@dataclass(frozen=True, slots=True)
class HealthBand:
    """Engagement at or above min_engagement gives this status."""

    status: str
    min_engagement: float


@dataclass(frozen=True, slots=True)
class Condition:
    """Conditions of a next-action rule; None means 'any'. Ranges are min <= x < max."""

    tiers: tuple[str, ...] | None = None
    health: tuple[str, ...] | None = None
    customer: bool | None = None
    pipeline_min: float | None = None
    pipeline_max: float | None = None
    penetration_min: float | None = None
    penetration_max: float | None = None


@dataclass(frozen=True, slots=True)
class ActionRule:
    """Ordered next-action rule: the first whose conditions all hold gives the action."""

    when: Condition
    action: str


@dataclass(frozen=True, slots=True)
class Trigger:
    """An upgrade trigger: field value >= min moves an account from one of from_tiers to to_tier."""

    field: str
    min: float
    label: str
    from_tiers: tuple[str, ...] = ()
    to_tier: str | None = None


@dataclass(frozen=True, slots=True)
class Reassessment:
    """How tiers move against the previous tier (Tier 2 seed: upgrade and downgrade criteria)."""

    hysteresis: float = 5.0
    review_days: int = 90
    upgrade_triggers: tuple[Trigger, ...] = ()
    inactive_days: int | None = 180  # no activity this long: one tier down per review
    downgrade_from: tuple[str, ...] = ()
    capacity_tier: str | None = None
    capacity_reps: int | None = None  # None: the number of distinct owners in the run
    overflow_to: str | None = None


@dataclass(frozen=True, slots=True)
class ScoringModel:
    """A whole validated scoring model."""

    name: str
    criteria: tuple[Criterion, ...]
    tiers: tuple[Tier, ...]  # highest first; the last is the catch-all
    health: tuple[HealthBand, ...]  # highest first
    next_actions: tuple[ActionRule, ...]
    reassessment: Reassessment
    max_points: float = 10.0
    health_missing: str = "At Risk"
    default_action: str = "Review account"
    campaign_tier: str | None = None
    campaign_tracks: Mapping[str, str] = dc_field(default_factory=dict)

    def tier(self, name: str) -> Tier:
        """Return the tier called name."""
        for t in self.tiers:
            if t.name == name:
                return t
        raise KeyError(name)

    def tier_rank(self, name: str) -> int:
        """Return the position of a tier, 0 for the highest."""
        return [t.name for t in self.tiers].index(name)
