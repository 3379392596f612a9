"""The scorer: compiled once from a model, then applied to many account records."""

from __future__ import annotations

from datetime import date
from typing import Any

from scoring.actions import compile_actions
from scoring.errors import InvalidValue
from scoring.fields import CATEGORY_SYNONYMS, check_range, fold_category
from scoring.model import ScoringModel
from scoring.parse import parse_bool, parse_date, parse_number, parse_text
from scoring.points import compile_points, folded
from scoring.records import AccountRecord, Result, TierChange

REASON_LIMIT = 255


class Scorer:
    """Score, tier, health, next action and reason for account records under one model."""

    def __init__(self, model: ScoringModel, today: date | None = None) -> None:
        self.model = model
        self.today = today
        # every numeric input is parsed once per record, whoever reads it
        self._number_fields = tuple(
            dict.fromkeys(
                [c.field for c in model.criteria if c.numeric]
                + ["engagement_score", "current_arr", "arr_potential", "pipeline"]
            )
        )  # trigger-only fields are parsed on demand: triggers apply to few tiers
        # the model written out as Python once (scoring/codegen.py): per record, the work of
        # a scorer typed by hand for this model
        self._points, self.source = compile_points(model, self._number_fields)
        self._action, self.action_source = compile_actions(model)
        self._tiers = [(t.min_score, t.name) for t in model.tiers]
        self._rank = {t.name: i for i, t in enumerate(model.tiers)}
        self._health = [(h.min_engagement, h.status) for h in model.health]
        self._tracks = folded(model.campaign_tracks, CATEGORY_SYNONYMS.get("industry", {}))
        self._campaign_tier = model.campaign_tier

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
        return self._action(tier, health, customer, pipeline, penetration)

    # -- the whole record --------------------------------------------------------------------

    def score(self, record: AccountRecord, over_capacity: bool = False) -> Result:
        """Score one record; over_capacity moves a capacity-tier account to the overflow tier."""
        values = record.fields
        issues: list[str] = []
        nums, missing, score, score_tier, health, top = self._points(values, issues)
        tier, why = self._reassess(record, score, score_tier, nums, issues, over_capacity)
        potential, current = nums["arr_potential"], nums["current_arr"]
        action = self._action(
            tier,
            health,
            self._customer(values, current, issues),
            nums["pipeline"],
            current / potential if current is not None and potential else None,
        )
        if missing:
            named = {issue.partition(":")[0] for issue in issues}  # an invalid value is named once
            issues.extend(f"{field}: missing" for field in missing if field not in named)
        return Result(  # positional: one Result per account, the fields in their order
            record.account_id,
            tier,
            score,
            health,
            action,
            _reason(tier, score, why, top, missing),
            tuple(dict.fromkeys(issues)) if issues else (),
            self._change(record.prior.tier, tier, score, why),
            self._track(tier, values) if tier == self._campaign_tier else None,
            score_tier,
        )

    # -- helpers -------------------------------------------------------------------------

    @staticmethod
    def _parse(values: Any, fields: tuple[str, ...], issues: list[str]) -> dict[str, float | None]:
        nums: dict[str, float | None] = {}
        get = values.get
        for field in fields:
            raw = get(field)
            if raw is None or raw == "":
                nums[field] = None
                continue
            try:
                number = parse_number(raw)
                nums[field] = None if number is None else check_range(field, number)
            except InvalidValue as exc:
                issues.append(f"{field}: invalid ({exc})")
                nums[field] = None
        return nums

    def _customer(self, values: Any, current_arr: float | None, issues: list[str]) -> bool:
        try:
            flag = parse_bool(values.get("is_customer"))
        except InvalidValue as exc:
            issues.append(f"is_customer: invalid ({exc})")
            flag = None
        if flag is not None:
            return flag
        return bool(current_arr and current_arr > 0)

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
        nums: dict[str, float | None],
        issues: list[str],
        over_capacity: bool,
    ) -> tuple[str, str | None]:
        r = self.model.reassessment
        why: str | None = None
        # Order matters for a fixed point: re-running on the results must give the same
        # results. Triggers and inactivity look at the score tier only; hysteresis then
        # holds a previous tier, but never against a deliberate inactivity downgrade.
        score_tier = tier
        fired = self._trigger(record, nums, issues) if tier in r.upgrade_from else None
        idle = None
        if r.inactive_days and not fired and tier in r.downgrade_from:
            idle = self._idle_days(record, issues)
        if fired and r.upgrade_to:
            tier, why = r.upgrade_to, f"upgraded: {fired}"
        elif idle is not None and r.inactive_days and idle >= r.inactive_days:
            tier = self.model.tiers[self._rank[tier] + 1].name
            why = f"downgraded: no activity for {idle} days"
        else:
            tier, why = self._hold(record.prior.tier, tier, score, why)
        override = self._override(record, issues)
        if override is not None:
            return override, "manual override"
        if over_capacity and tier == r.capacity_tier and r.overflow_to:
            if why is not None and why.startswith("held at"):
                # Held up only by hysteresis: decide as if it already sat in the overflow tier,
                # which is where the next run finds it, so the answer is a fixed point.
                return self._hold(r.overflow_to, score_tier, score, None)
            return (
                r.overflow_to,
                f"{tier} capacity reached: lowest scores overflow to {r.overflow_to}",
            )
        return tier, why

    def _hold(
        self, previous: str | None, tier: str, score: float, why: str | None
    ) -> tuple[str, str | None]:
        """Keep the previous tier when the score fell less than the hysteresis margin below it."""
        margin = self.model.reassessment.hysteresis
        if (
            previous in self._rank
            and self._rank[tier] > self._rank[previous]
            and score >= self.model.tier(previous).min_score - margin
        ):
            return previous, f"held at {previous}: {score:.1f} is within {margin:g} points"
        return tier, why

    def _trigger(
        self, record: AccountRecord, nums: dict[str, float | None], issues: list[str]
    ) -> str | None:
        for trig in self.model.reassessment.upgrade_triggers:
            if trig.field not in nums:
                nums.update(self._parse(record.fields, (trig.field,), issues))
            value = nums[trig.field]
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
        industry = parse_text(values.get("industry"))
        return self._tracks.get(fold_category(industry)) if industry else None


def _reason(tier: str, score: float, why: str | None, top: str, missing: list[str]) -> str:
    text = f"{tier} at {score:.1f}: {top}"
    if why:
        text = f"{why}; {text}"
    if missing:
        text += "; missing: " + ", ".join(missing)
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 1] + "…"
