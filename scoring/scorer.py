"""The scorer: compiled once from a model, then applied to many account records."""

from __future__ import annotations

from bisect import bisect_right
from datetime import date
from typing import Any

from scoring.model import ActionRule, ScoringModel
from scoring.parse import InvalidValue, parse_bool, parse_date, parse_number, parse_text
from scoring.records import AccountRecord, Result, TierChange

REASON_LIMIT = 255
_TOP = 3


class Scorer:
    """Score, tier, health, next action and reason for account records under one model."""

    def __init__(self, model: ScoringModel, today: date | None = None) -> None:
        self.model = model
        self.today = today
        scale = 1.0 / model.max_points
        self._criteria = [
            (
                c.field,
                c.weight * scale,
                c.label,
                c.weight,
                [b.min for b in c.bands] if c.bands else None,
                [b.points for b in c.bands],
                {k.strip().casefold(): v for k, v in c.categories.items()},
                c.other_points,
                c.missing_points,
            )
            for c in model.criteria
        ]
        self._tiers = [(t.min_score, t.name) for t in model.tiers]
        self._rank = {t.name: i for i, t in enumerate(model.tiers)}
        self._health = [(h.min_engagement, h.status) for h in model.health]
        self._tracks = {k.strip().casefold(): v for k, v in model.campaign_tracks.items()}
        self._rules = model.next_actions

    # -- the pieces, each usable alone -------------------------------------------------------

    def tier_for(self, score: float) -> str:
        """Return the tier a score alone gives."""
        for minimum, name in self._tiers:
            if score >= minimum:
                return name
        return self._tiers[-1][1]

    def health_for(self, engagement: float | None) -> str:
        """Return the health status for an engagement score (None: the model's missing status)."""
        if engagement is None:
            return self.model.health_missing
        for minimum, status in self._health:
            if engagement >= minimum:
                return status
        return self._health[-1][1]

    def next_action_for(
        self,
        tier: str,
        health: str,
        customer: bool,
        pipeline: float | None,
        penetration: float | None,
    ) -> str:
        """Return the action of the first rule whose conditions all hold."""
        for rule in self._rules:
            if _matches(rule, tier, health, customer, pipeline, penetration):
                return rule.action
        return self.model.default_action

    # -- the whole record --------------------------------------------------------------------

    def score(self, record: AccountRecord, over_capacity: bool = False) -> Result:
        """Score one record; over_capacity moves a capacity-tier account to the overflow tier."""
        values = record.fields
        issues: list[str] = []
        missing: list[str] = []
        parts: list[tuple[float, str, float]] = []
        total = 0.0
        for field, factor, label, weight, mins, points, cats, other, miss in self._criteria:
            raw = values.get(field)
            if mins is not None:
                got = self._number(raw, field, issues)
                if got is None:
                    pts = miss
                    missing.append(field)
                else:
                    i = bisect_right(mins, got)
                    pts = points[i - 1] if i else 0.0
            else:
                text = parse_text(raw)
                if text is None:
                    pts = miss
                    missing.append(field)
                else:
                    pts = cats.get(text.casefold(), other)
            contribution = pts * factor
            total += contribution
            parts.append((contribution, label, weight))
        score = int(total * 10 + 0.5 + 1e-9) / 10
        score_tier = self.tier_for(score)
        engagement = self._number(values.get("engagement_score"), "engagement_score", issues)
        if engagement is None:
            missing.append("engagement_score")
        health = self.health_for(engagement)
        tier, why = self._reassess(record, score, score_tier, issues, over_capacity)
        customer = self._customer(values, issues)
        pipeline = self._number(values.get("pipeline"), "pipeline", issues)
        action = self.next_action_for(
            tier, health, customer, pipeline, self._penetration(values, issues)
        )
        for field in missing:
            issues.append(f"{field}: missing")
        return Result(
            account_id=record.account_id,
            tier=tier,
            score=score,
            health=health,
            next_action=action,
            reason=_reason(tier, score, why, parts, missing),
            issues=tuple(dict.fromkeys(issues)),
            change=self._change(record.current.tier, tier, score, why),
            campaign_track=self._track(tier, values),
            score_tier=score_tier,
        )

    def capacity_candidate(self, record: AccountRecord, result: Result) -> bool:
        """Return True when the result counts against the capacity tier's limit."""
        cap = self.model.reassessment.capacity_tier
        return cap is not None and result.tier == cap and not self._override(record, None)

    # -- helpers -------------------------------------------------------------------------

    def _number(self, raw: Any, field: str, issues: list[str]) -> float | None:
        try:
            return parse_number(raw)
        except InvalidValue as exc:
            issues.append(f"{field}: invalid ({exc})")
            return None

    def _customer(self, values: Any, issues: list[str]) -> bool:
        try:
            flag = parse_bool(values.get("is_customer"))
        except InvalidValue as exc:
            issues.append(f"is_customer: invalid ({exc})")
            flag = None
        if flag is not None:
            return flag
        arr = self._number(values.get("current_arr"), "current_arr", issues)
        return bool(arr and arr > 0)

    def _penetration(self, values: Any, issues: list[str]) -> float | None:
        current = self._number(values.get("current_arr"), "current_arr", issues)
        potential = self._number(values.get("arr_potential"), "arr_potential", issues)
        if current is None or not potential or potential <= 0:
            return None
        return current / potential

    def _override(self, record: AccountRecord, issues: list[str] | None) -> str | None:
        wanted = parse_text(record.tier_override)
        if wanted is None:
            return None
        if wanted in self._rank:
            return wanted
        if issues is not None:
            issues.append(f"tier_override: unknown tier {wanted!r}, ignored")
        return None

    def _reassess(
        self,
        record: AccountRecord,
        score: float,
        tier: str,
        issues: list[str],
        over_capacity: bool,
    ) -> tuple[str, str | None]:
        r = self.model.reassessment
        why: str | None = None
        previous = record.current.tier
        if previous in self._rank and self._rank[tier] > self._rank[previous]:
            floor = self.model.tier(previous).min_score - r.hysteresis
            if score >= floor:
                tier = previous
                why = f"held at {previous}: {score:.1f} is within {r.hysteresis:g} points"
        fired = self._trigger(record, issues) if tier in r.upgrade_from else None
        if fired and r.upgrade_to:
            tier, why = r.upgrade_to, f"upgraded: {fired}"
        elif r.inactive_days and tier in r.downgrade_from and self.today is not None:
            idle = self._idle_days(record, issues)
            if idle is not None and idle >= r.inactive_days:
                tier = self.model.tiers[self._rank[tier] + 1].name
                why = f"downgraded: no activity for {idle} days"
        override = self._override(record, issues)
        if override is not None:
            return override, "manual override"
        if over_capacity and tier == r.capacity_tier and r.overflow_to:
            return (
                r.overflow_to,
                f"{tier} capacity reached: lowest scores overflow to {r.overflow_to}",
            )
        return tier, why

    def _trigger(self, record: AccountRecord, issues: list[str]) -> str | None:
        for trig in self.model.reassessment.upgrade_triggers:
            value = self._number(record.get(trig.field), trig.field, issues)
            if value is not None and value >= trig.min:
                return f"{trig.label} ({trig.field} {value:g})"
        return None

    def _idle_days(self, record: AccountRecord, issues: list[str]) -> int | None:
        try:
            last = parse_date(record.get("last_activity_date"))
        except InvalidValue as exc:
            issues.append(f"last_activity_date: invalid ({exc})")
            return None
        if last is None or self.today is None:
            return None
        return (self.today - last).days

    def _change(
        self, previous: str | None, tier: str, score: float, why: str | None
    ) -> TierChange | None:
        if previous == tier:
            return None
        if why is None:
            if not previous:
                why = f"first assessment, score {score:.1f}"
            elif previous not in self._rank or self._rank[tier] < self._rank[previous]:
                why = f"score {score:.1f} reaches {tier} ({self.model.tier(tier).min_score:g}+)"
            else:
                why = f"score {score:.1f} fell below {previous}"
        return TierChange(previous or None, tier, why)

    def _track(self, tier: str, values: Any) -> str | None:
        if tier != self.model.campaign_tier:
            return None
        industry = parse_text(values.get("industry"))
        return self._tracks.get(industry.casefold()) if industry else None


def _matches(
    rule: ActionRule,
    tier: str,
    health: str,
    customer: bool,
    pipeline: float | None,
    penetration: float | None,
) -> bool:
    w = rule.when
    if w.tiers is not None and tier not in w.tiers:
        return False
    if w.health is not None and health not in w.health:
        return False
    if w.customer is not None and w.customer != customer:
        return False
    if not _in_range(pipeline or 0.0, w.pipeline_min, w.pipeline_max):
        return False
    if w.penetration_min is None and w.penetration_max is None:
        return True
    return penetration is not None and _in_range(penetration, w.penetration_min, w.penetration_max)


def _in_range(value: float, low: float | None, high: float | None) -> bool:
    return (low is None or value >= low) and (high is None or value < high)


def _reason(
    tier: str,
    score: float,
    why: str | None,
    parts: list[tuple[float, str, float]],
    missing: list[str],
) -> str:
    top = sorted(parts, key=lambda p: -p[0])[:_TOP]
    text = f"{tier} at {score:.1f}: " + ", ".join(
        f"{label} {round(c, 1):g}/{weight:g}" for c, label, weight in top
    )
    if why:
        text = f"{why}; {text}"
    if missing:
        text += "; missing: " + ", ".join(missing)
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 1] + "…"
