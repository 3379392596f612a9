"""One marshmallow schema for the scoring model: JSON files and sheet tabs both load through it."""

from __future__ import annotations

import contextvars
import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from scoring.errors import ModelError, ModelIssue
from scoring.model import (
    ActionRule,
    Band,
    Condition,
    Criterion,
    HealthBand,
    Reassessment,
    ScoringModel,
    Tier,
    Trigger,
)
from scoring.records import INPUT_FIELDS

_MAX_POINTS: contextvars.ContextVar[float] = contextvars.ContextVar("max_points", default=10.0)
_TOLERANCE = 0.01


class _Strict(Schema):
    error_messages = {"unknown": "unknown key"}  # noqa: RUF012 - marshmallow's hook

    class Meta:
        unknown = RAISE


_REQUIRED: dict[str, Any] = {"required": "is required", "null": "must not be empty"}


def _num(**kw: Any) -> fields.Float:
    messages: dict[str, Any] = {
        **_REQUIRED,
        "invalid": "must be a number, got {input!r}",
        "special": "must be a number",
    }
    return fields.Float(allow_nan=False, error_messages=messages, **kw)


def _text(**kw: Any) -> fields.String:
    return fields.String(
        validate=validate.Length(min=1, error="must not be blank"),
        error_messages={**_REQUIRED, "invalid": "must be text, got {input!r}"},
        **kw,
    )


def _check_points(value: Any, path: tuple[str | int, ...], errors: dict[Any, Any]) -> None:
    top = _MAX_POINTS.get()
    if isinstance(value, (int, float)) and not 0 <= value <= top:
        _put(errors, path, f"must be between 0 and {top:g}, got {value:g}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _put(errors: dict[Any, Any], path: tuple[str | int, ...], message: str) -> None:
    node = errors
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node.setdefault(path[-1], []).append(message)


class BandSchema(_Strict):
    min = _num(required=True)
    points = _num(required=True)


class CriterionSchema(_Strict):
    name = _text(required=True)
    label = fields.String(load_default=None)
    weight = _num(required=True, validate=validate.Range(min=0, error="weight must be >= 0"))
    field = fields.String(
        required=True,
        validate=validate.OneOf(INPUT_FIELDS, error="unknown source field {input!r}"),
    )
    bands = fields.List(fields.Nested(BandSchema), load_default=None)
    categories = fields.Dict(keys=fields.String(), values=_num(), load_default=None)
    other_points = _num(load_default=None)  # absent: a value outside the map is a data issue
    missing_points = _num(load_default=0.0)

    @validates_schema(skip_on_field_errors=False)
    def _shape(self, data: dict[str, Any], **_: Any) -> None:
        errors: dict[Any, Any] = {}
        raw = self._raw_bands
        bands, cats = data.get("bands"), data.get("categories")
        if (not (bands or raw) and not cats) or ((bands or raw) and cats):
            _put(errors, ("_schema",), "give either numeric 'bands' or a 'categories' map")
        previous = None
        for i, band in enumerate(raw):
            low = band.get("min") if isinstance(band, Mapping) else None
            pts = band.get("points") if isinstance(band, Mapping) else None
            if _is_number(pts):
                _check_points(pts, ("bands", i, "points"), errors)
            if _is_number(low):
                if previous is not None and low <= previous:
                    _put(errors, ("bands", i, "min"), "bands must be strictly ascending by min")
                previous = low
        seen: set[str] = set()
        for key, pts in (cats or {}).items():
            folded = key.strip().casefold()
            if folded in seen:
                _put(errors, ("categories", key), "category listed twice")
            seen.add(folded)
            _check_points(pts, ("categories", key), errors)
        _check_points(data.get("other_points"), ("other_points",), errors)
        _check_points(data.get("missing_points"), ("missing_points",), errors)
        if errors:
            raise ValidationError(errors)

    @pre_load
    def _remember(self, data: Any, **_: Any) -> Any:
        bands = data.get("bands") if isinstance(data, Mapping) else None
        self._raw_bands = list(bands) if isinstance(bands, list) else []
        return data

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> Criterion:
        return Criterion(
            name=data["name"],
            label=data["label"] or data["name"],
            weight=data["weight"],
            field=data["field"],
            bands=tuple(Band(b["min"], b["points"]) for b in data["bands"] or ()),
            categories=dict(data["categories"] or {}),
            other_points=data["other_points"],
            missing_points=data["missing_points"],
        )


class TierSchema(_Strict):
    name = _text(required=True)
    min_score = _num(required=True, validate=validate.Range(0, 100, error="must be 0-100"))
    target_share = _num(load_default=None, validate=validate.Range(0, 1, error="must be 0-1"))
    accounts_per_rep = fields.Integer(
        load_default=None, validate=validate.Range(min=1, error="must be >= 1")
    )
    playbook = fields.String(load_default="")

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> Tier:
        return Tier(**data)


class HealthSchema(_Strict):
    status = _text(required=True)
    min_engagement = _num(required=True)

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> HealthBand:
        return HealthBand(**data)


class ConditionSchema(_Strict):
    tier = fields.List(fields.String(), load_default=None)
    health = fields.List(fields.String(), load_default=None)
    customer = fields.Boolean(load_default=None)
    pipeline_min = _num(load_default=None)
    pipeline_max = _num(load_default=None)
    penetration_min = _num(load_default=None)
    penetration_max = _num(load_default=None)

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> Condition:
        tiers, health = data.pop("tier"), data.pop("health")
        return Condition(
            tiers=tuple(tiers) if tiers is not None else None,
            health=tuple(health) if health is not None else None,
            **data,
        )


class RuleSchema(_Strict):
    when = fields.Nested(ConditionSchema, load_default=lambda: Condition())
    action = _text(required=True)

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> ActionRule:
        return ActionRule(**data)


class TriggerSchema(_Strict):
    field = fields.String(required=True, validate=validate.OneOf(INPUT_FIELDS))
    min = _num(required=True)
    label = _text(required=True)
    from_ = fields.List(fields.String(), data_key="from", load_default=None)
    to = fields.String(load_default=None)


class UpgradeSchema(_Strict):
    from_ = fields.List(fields.String(), data_key="from", load_default=list)
    to = fields.String(load_default=None)
    triggers = fields.List(fields.Nested(TriggerSchema), load_default=list)


class DowngradeSchema(_Strict):
    inactive_days = fields.Integer(load_default=None, validate=validate.Range(min=1))
    from_ = fields.List(fields.String(), data_key="from", load_default=list)


class CapacitySchema(_Strict):
    tier = fields.String(load_default=None)
    reps = fields.Integer(load_default=None, validate=validate.Range(min=1))
    overflow_to = fields.String(load_default=None)


class ReassessmentSchema(_Strict):
    hysteresis = _num(load_default=5.0, validate=validate.Range(0, 100))
    review_days = fields.Integer(load_default=90, validate=validate.Range(min=1))
    upgrade = fields.Nested(UpgradeSchema, load_default=dict)
    downgrade = fields.Nested(DowngradeSchema, load_default=dict)
    capacity = fields.Nested(CapacitySchema, load_default=dict)

    @post_load
    def _make(self, d: dict[str, Any], **_: Any) -> Reassessment:
        up, down, cap = d["upgrade"], d["downgrade"], d["capacity"]
        return Reassessment(
            hysteresis=d["hysteresis"],
            review_days=d["review_days"],
            upgrade_triggers=tuple(_trigger(t, up) for t in up.get("triggers", ())),
            inactive_days=down.get("inactive_days"),
            downgrade_from=tuple(down.get("from_", ())),
            capacity_tier=cap.get("tier"),
            capacity_reps=cap.get("reps"),
            overflow_to=cap.get("overflow_to"),
        )


def _trigger(t: Mapping[str, Any], group: Mapping[str, Any]) -> Trigger:
    """Build a trigger; tiers it does not name come from the upgrade section (older models)."""
    own_from, own_to = t.get("from_"), t.get("to")
    return Trigger(
        field=t["field"],
        min=t["min"],
        label=t["label"],
        from_tiers=tuple(own_from if own_from is not None else group.get("from_", ())),
        to_tier=own_to if own_to is not None else group.get("to"),
    )


class ModelSchema(_Strict):
    name = fields.String(load_default="Scoring model")
    max_points = _num(load_default=10.0, validate=validate.Range(min=0, min_inclusive=False))
    criteria = fields.List(
        fields.Nested(CriterionSchema),
        required=True,
        error_messages=_REQUIRED,
        validate=validate.Length(min=1, error="at least one criterion is needed"),
    )
    tiers = fields.List(
        fields.Nested(TierSchema),
        required=True,
        error_messages=_REQUIRED,
        validate=validate.Length(min=2, error="at least two tiers are needed"),
    )
    health = fields.List(
        fields.Nested(HealthSchema),
        required=True,
        error_messages=_REQUIRED,
        validate=validate.Length(min=1, error="at least one health band is needed"),
    )
    health_missing = fields.String(load_default=None)
    next_actions = fields.List(fields.Nested(RuleSchema), load_default=list)
    default_action = _text(load_default="Review account")
    reassessment = fields.Nested(ReassessmentSchema, load_default=lambda: Reassessment())
    campaign_tier = fields.String(load_default=None)
    campaign_tracks = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)

    @pre_load
    def _remember_max(self, data: Any, **_: Any) -> Any:
        top = data.get("max_points", 10.0) if isinstance(data, Mapping) else 10.0
        _MAX_POINTS.set(float(top) if isinstance(top, (int, float)) and top > 0 else 10.0)
        return data

    @validates_schema(skip_on_field_errors=False)
    def _cross(self, data: dict[str, Any], **_: Any) -> None:
        errors: dict[Any, Any] = {}
        # After field errors, lists may hold raw dicts for the items that failed: check the rest.
        criteria = data.get("criteria") or []
        if criteria and all(isinstance(c, Criterion) for c in criteria):
            total = math.fsum(c.weight for c in criteria)
            if abs(total - 100) > _TOLERANCE:
                _put(errors, ("criteria",), f"weights must sum to 100, they sum to {total:g}")
            names = [c.name for c in criteria]
            for i, c in enumerate(criteria):
                if names.index(c.name) != i:
                    _put(errors, ("criteria", i, "name"), f"criterion {c.name!r} is listed twice")
        tiers = [t for t in data.get("tiers") or [] if isinstance(t, Tier)]
        if len(tiers) == len(data.get("tiers") or []):
            _check_tiers(tiers, errors)
        else:
            tiers = []
        health = data.get("health") or []
        if all(isinstance(h, HealthBand) for h in health):
            for i, h in enumerate(health):
                if i and h.min_engagement >= health[i - 1].min_engagement:
                    _put(
                        errors,
                        ("health", i, "min_engagement"),
                        "health bands must strictly descend",
                    )
        else:
            health = []
        _check_references(data, tiers, health, errors)
        if errors:
            raise ValidationError(errors)

    @post_load
    def _make(self, d: dict[str, Any], **_: Any) -> ScoringModel:
        health: list[HealthBand] = d["health"]
        return ScoringModel(
            name=d["name"],
            criteria=tuple(d["criteria"]),
            tiers=tuple(d["tiers"]),
            health=tuple(health),
            next_actions=tuple(d["next_actions"]),
            reassessment=d["reassessment"],
            max_points=d["max_points"],
            health_missing=d["health_missing"] or (health[-1].status if health else ""),
            default_action=d["default_action"],
            campaign_tier=d["campaign_tier"],
            campaign_tracks=dict(d["campaign_tracks"]),
        )


def _check_tiers(tiers: list[Tier], errors: dict[Any, Any]) -> None:
    names = [t.name for t in tiers]
    for i, t in enumerate(tiers):
        if i and t.min_score >= tiers[i - 1].min_score:
            _put(errors, ("tiers", i, "min_score"), "tier thresholds must strictly descend")
        if names.index(t.name) != i:
            _put(errors, ("tiers", i, "name"), f"tier {t.name!r} is listed twice")
    if tiers and tiers[-1].min_score != 0:
        _put(errors, ("tiers", len(tiers) - 1, "min_score"), "the last tier must start at 0")
    shares = [t.target_share for t in tiers if t.target_share is not None]
    if math.fsum(shares) > 1 + _TOLERANCE:
        _put(errors, ("tiers",), f"target shares add up to {math.fsum(shares):g}, more than 1")


def _check_references(
    data: dict[str, Any], tiers: list[Tier], health: list[HealthBand], errors: dict[Any, Any]
) -> None:
    tier_names = {t.name for t in tiers}
    statuses = {h.status for h in health}
    if not tier_names:
        return

    def tier_ok(name: str | None, path: tuple[str | int, ...]) -> None:
        if name is not None and name not in tier_names:
            _put(errors, path, f"unknown tier {name!r} (tiers: {', '.join(sorted(tier_names))})")

    for i, rule in enumerate(data.get("next_actions") or []):
        if not isinstance(rule, ActionRule):
            continue
        for name in rule.when.tiers or ():
            tier_ok(name, ("next_actions", i, "when", "tier"))
        for status in rule.when.health or ():
            if statuses and status not in statuses:
                _put(errors, ("next_actions", i, "when", "health"), f"unknown health {status!r}")
    missing = data.get("health_missing")
    if missing is not None and statuses and missing not in statuses:
        _put(errors, ("health_missing",), f"unknown health status {missing!r}")
    tier_ok(data.get("campaign_tier"), ("campaign_tier",))
    r = data.get("reassessment")
    if not isinstance(r, Reassessment):
        return
    order = [t.name for t in tiers]
    for i, trig in enumerate(r.upgrade_triggers):
        path: tuple[str | int, ...] = ("reassessment", "upgrade", "triggers", i)
        if trig.to_tier is None or not trig.from_tiers:
            _put(errors, path, "name the tiers it moves from ('from') and to ('to')")
            continue
        tier_ok(trig.to_tier, (*path, "to"))
        for name in trig.from_tiers:
            tier_ok(name, (*path, "from"))
            if (
                trig.to_tier in order
                and name in order
                and order.index(name) <= order.index(trig.to_tier)
            ):
                _put(errors, (*path, "from"), f"{name!r} is not below {trig.to_tier!r}")
    for name in r.downgrade_from:
        tier_ok(name, ("reassessment", "downgrade", "from"))
    tier_ok(r.capacity_tier, ("reassessment", "capacity", "tier"))
    tier_ok(r.overflow_to, ("reassessment", "capacity", "overflow_to"))


def load_model(data: Any) -> ScoringModel:
    """Validate plain model data and build the model, or raise ModelError with every issue."""
    if not isinstance(data, Mapping):
        raise ModelError([ModelIssue((), "the model must be an object with criteria and tiers")])
    try:
        model: ScoringModel = ModelSchema().load(dict(data))
    except ValidationError as exc:
        raise ModelError(_flatten(exc.messages, data)) from None
    return model


def _flatten(messages: Any, raw: Mapping[str, Any]) -> list[ModelIssue]:
    issues: list[ModelIssue] = []

    def walk(node: Any, path: tuple[str | int, ...]) -> None:
        if isinstance(node, Mapping):
            for key, sub in node.items():
                walk(sub, path if key == "_schema" else (*path, key))
        elif isinstance(node, list):
            for item in node:
                walk(item, path) if not isinstance(item, str) else issues.append(
                    ModelIssue(path, item, describe_path(path, raw))
                )
        else:
            issues.append(ModelIssue(path, str(node), describe_path(path, raw)))

    walk(messages, ())
    return issues


_SECTIONS = {"criteria": "criterion", "tiers": "tier", "health": "health band"}


def describe_path(path: tuple[str | int, ...], raw: Mapping[str, Any]) -> str:
    """Name a place in the model as a manager reads it: 'criterion 2 "Company Size" band 3'."""
    if not path:
        return "model"
    head, rest = path[0], list(path[1:])
    words: list[str] = [str(head)]
    if head in _SECTIONS and rest and isinstance(rest[0], int):
        i = int(rest.pop(0))
        item = _item(raw, str(head), i)
        title = item.get("label") or item.get("name") or item.get("status") if item else None
        words = [f"{_SECTIONS[str(head)]} {i + 1}" + (f' "{title}"' if title else "")]
    elif head == "next_actions" and rest and isinstance(rest[0], int):
        words = [f"next action rule {int(rest.pop(0)) + 1}"]
    while rest:
        key = rest.pop(0)
        if key == "bands" and rest and isinstance(rest[0], int):
            words.append(f"band {int(rest.pop(0)) + 1}")
        elif key == "triggers" and rest and isinstance(rest[0], int):
            words.append(f"trigger {int(rest.pop(0)) + 1}")
        elif key == "categories" and rest:
            words.append(f"category {rest.pop(0)!r}")
        elif key == "when":
            continue
        else:
            words.append(str(key))
    return " ".join(words)


def _item(raw: Mapping[str, Any], section: str, i: int) -> Mapping[str, Any] | None:
    items = raw.get(section)
    if isinstance(items, list) and 0 <= i < len(items):
        item = items[i]
        if isinstance(item, Mapping):
            return item
    return None


def model_hash(data: Mapping[str, Any]) -> str:
    """Return a short stable hash of model data (the model's version id)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]
