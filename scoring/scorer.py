"""The scorer: compiled once from a model, then applied to many account records."""

from __future__ import annotations

from bisect import bisect_right
from datetime import date
from typing import Any

from scoring.actions import compile_actions
from scoring.errors import InvalidValue
from scoring.fields import CATEGORY_SYNONYMS, check_range, fold_category
from scoring.model import ScoringModel, Trigger
from scoring.parse import parse_bool, parse_date, parse_number, parse_text
from scoring.points import CategoryTable, compile_points, folded
from scoring.reassess import Move, Placement, Reassessor
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
        self._moves = Reassessor(model)
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
        placed = self._reassess(record, score, score_tier, nums, issues, over_capacity)
        tier, proposal = placed.tier, placed.proposal
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
        return Result(
            account_id=record.account_id,
            tier=tier,
            score=score,
            health=health,
            next_action=action,
            reason=_reason(tier, score, placed.note, top, missing),
            issues=tuple(dict.fromkeys(issues)) if issues else (),
            change=self._change(record.prior.tier, score, placed, score_tier),
            campaign_track=self._track(tier, values) if tier == self.model.campaign_tier else None,
            score_tier=score_tier,
            proposal=proposal,
        )

    def points(self, record: AccountRecord) -> tuple[float, ...]:
        """Return the points each criterion earns (model order; missing values earn theirs)."""
        nums = self._parse(record.fields, self._number_fields, [])
        out: list[float] = []
        for c in self.model.criteria:
            if c.numeric:
                got = nums[c.field]
                i = bisect_right([b.min for b in c.bands], got) if got is not None else 0
                out.append(c.missing_points if got is None else c.bands[i - 1].points if i else 0.0)
                continue
            share, _, _ = CategoryTable(c, 1.0).lookup(record.get(c.field))
            out.append(share)  # factor 1: the points themselves
        return tuple(out)

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
        if record.tier_override is None:  # the usual case, without parsing
            return None
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
        score_tier: str,
        nums: dict[str, float | None],
        issues: list[str],
        over_capacity: bool,
    ) -> Placement:
        previous = self._moves.known(record.prior.tier)
        move = self._candidate(record, previous, score, score_tier, nums, issues)
        override = self._override(record, issues)
        if override is not None:
            return Placement(override, "manual override")
        placed = self._moves.place(
            previous,
            move,
            score,
            record.review,
            self.today,
            lambda tier: self._candidate(record, tier, score, score_tier, nums, issues),
        )
        r = self.model.reassessment
        if over_capacity and placed.tier == r.capacity_tier and r.overflow_to:
            if placed.why is not None and placed.why.startswith("held at"):
                # Held up only by hysteresis: decide as if it already sat in the overflow tier,
                # which is where the next run finds it, so the answer is a fixed point.
                move = self._candidate(record, r.overflow_to, score, score_tier, nums, issues)
                return Placement(move.tier, move.why, placed.proposal, move.log)
            why = f"{placed.tier} capacity reached: lowest scores overflow to {r.overflow_to}"
            return Placement(r.overflow_to, why, placed.proposal)
        return placed

    def _candidate(
        self,
        record: AccountRecord,
        previous: str | None,
        score: float,
        score_tier: str,
        nums: dict[str, float | None],
        issues: list[str],
    ) -> Move:
        """Return the tier reassessment proposes: a trigger, else hysteresis and inactivity."""
        moves = self._moves
        fired = self._trigger(record, nums, issues, score_tier)
        if fired is not None:
            return moves.upgrade(Move(score_tier), *fired)
        move = moves.hold(previous, score, score_tier)
        anchor = moves.idle_anchor(previous, move)
        last = self._idle_since(record, issues) if anchor is not None else None
        if anchor is not None and last is not None:
            return moves.inactive(anchor, move, last)
        return move

    def _trigger(
        self, record: AccountRecord, nums: dict[str, float | None], issues: list[str], tier: str
    ) -> tuple[Trigger, float] | None:
        for trig in self._moves.triggers[tier]:
            if trig.field not in nums:
                nums.update(self._parse(record.fields, (trig.field,), issues))
            value = nums[trig.field]
            if value is not None and value >= trig.min:
                return trig, value
        return None

    def _idle_since(self, record: AccountRecord, issues: list[str]) -> date | None:
        """Return the last activity date when it is inactive_days or more before today."""
        try:
            last = parse_date(record.get("last_activity_date"))
        except InvalidValue as exc:
            issues.append(f"last_activity_date: invalid ({exc})")
            return None
        days = self.model.reassessment.inactive_days
        if last is None or self.today is None or not days:
            return None
        return last if (self.today - last).days >= days else None

    def _change(
        self, previous: str | None, score: float, placed: Placement, score_tier: str
    ) -> TierChange | None:
        tier = placed.tier
        if previous == tier:
            return None
        why = placed.change_why or placed.why
        if why is not None:
            why = self._moves.via_score(previous, score, score_tier, why)
        elif not previous:
            why = f"first assessment, score {score:.1f}"
        elif previous not in self._rank or self._rank[tier] < self._rank[previous]:
            why = f"score {score:.1f} reaches {tier} ({self.model.tier(tier).min_score:g}+)"
        else:
            why = self._moves.fell(previous, score)
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
