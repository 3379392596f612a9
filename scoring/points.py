"""The points part of a model compiled into one function (see scoring/codegen.py for why).

The generated function parses the record's numbers once (the common case inline, anything
unusual through `parse_number` and `check_range`, which name the problem), scores every
criterion, and returns the parsed numbers, the missing inputs, the score, the tier and health
it gives, and the top contributions as reason text. `Scorer.source` keeps the generated text
for a reader.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from operator import itemgetter
from typing import Any, TypeVar

from scoring.codegen import build, ladder, literal
from scoring.errors import InvalidValue
from scoring.fields import BY_NAME, CATEGORY_SYNONYMS, check_range, fold_category
from scoring.model import Criterion, ScoringModel
from scoring.parse import parse_number, parse_text

#: numbers by field, missing inputs, score, score tier, health, top contributions
Points = tuple[dict[str, float | None], list[str], float, str, str, str]
PointsFunction = Callable[[Mapping[str, Any], list[str]], Points]
T = TypeVar("T")

TOP = 3  # contributions a reason names
_MEMO_LIMIT = 4096  # distinct texts remembered per category criterion


def compile_points(
    model: ScoringModel, number_fields: tuple[str, ...]
) -> tuple[PointsFunction, str]:
    """Return the model's compiled points function and its source text."""
    scale = 1.0 / model.max_points
    numbers = {name: f"n{i}" for i, name in enumerate(number_fields)}
    lines = ["def points(values, issues):", "    get = values.get", "    missing = []"]
    for name, var in numbers.items():
        lines += _number_lines(name, var)
    # numeric criteria first, then category maps: the order reasons and missing lists use
    ordered = [c for c in model.criteria if c.numeric] + [
        c for c in model.criteria if not c.numeric
    ]
    namespace: dict[str, Any] = {"first": itemgetter(0), "number": checked_number}
    for i, c in enumerate(ordered):
        if c.numeric:
            lines += _band_lines(c, c.weight * scale, numbers[c.field], i)
        else:
            table = CategoryTable(c, c.weight * scale)
            namespace[f"memo{i}"], namespace[f"lookup{i}"] = table.memo, table.lookup
            lines += _category_lines(c, i)
    parts = ", ".join(f"(c{i}, t{i})" for i in range(len(ordered)))
    total = " + ".join(["0.0", *(f"c{i}" for i in range(len(ordered)))])
    top = " + ', ' + ".join(f"top[{k}][1]" for k in range(min(TOP, len(ordered)))) or "''"
    result = ", ".join(f"{name!r}: {var}" for name, var in numbers.items())
    lines += [
        f"    score = int(({total}) * 10 + 0.5 + 1e-9) / 10",
        *_tier_lines(model),
        *_health_lines(model, numbers["engagement_score"]),
        f"    top = sorted([{parts}], key=first, reverse=True)",
        f"    return {{{result}}}, missing, score, score_tier, health, {top}",
    ]
    function: PointsFunction
    function, source = build("points", lines, namespace, f"points of {model.name!r}")
    return function, source


def checked_number(name: str, raw: Any, issues: list[str]) -> float | None:
    """Parse and range-check one number the general way; name it in issues when unusable."""
    try:
        number = parse_number(raw)
        return None if number is None else check_range(name, number)
    except InvalidValue as exc:
        issues.append(f"{name}: invalid ({exc})")
        return None


class CategoryTable:
    """One category criterion: raw text -> (contribution, reason text, state), remembered.

    State 0 is a known value, 1 a missing one, 2 a value outside a map that has no "other"
    points (a data issue). CRM picklists repeat a few values, so the cleaning and lookup run
    once per distinct text, not once per record.
    """

    def __init__(self, criterion: Criterion, factor: float) -> None:
        self.criterion, self.factor = criterion, factor
        self.points = folded(criterion.categories, CATEGORY_SYNONYMS.get(criterion.field, {}))
        self.memo: dict[Any, tuple[float, str, int]] = {}

    def lookup(self, raw: Any) -> tuple[float, str, int]:
        """Return the entry for a raw value, remembering it when it is plain text."""
        text = parse_text(raw)
        got = (
            None
            if text is None
            else self.points.get(fold_category(text), self.criterion.other_points)
        )
        if text is None or got is None:
            state, got = (1 if text is None else 2), self.criterion.missing_points
        else:
            state = 0
        entry = (*contribution(self.criterion, self.factor, got), state)
        if len(self.memo) < _MEMO_LIMIT and isinstance(raw, (str, type(None))):
            self.memo[raw] = entry
        return entry


def contribution(criterion: Criterion, factor: float, points: float) -> tuple[float, str]:
    """Return a criterion's share of the score for some points, and how a reason names it."""
    share = points * factor
    return share, f"{criterion.label} {round(share, 1):g}/{criterion.weight:g}"


def folded(values: Mapping[str, T], synonyms: Mapping[str, str]) -> dict[str, T]:
    """Key a category map as CRM picklists write it ("FINANCIAL_SERVICES"), plus synonyms."""
    keyed = {fold_category(k): v for k, v in values.items()}
    for synonym, name in synonyms.items():
        if fold_category(name) in keyed:
            keyed.setdefault(synonym, keyed[fold_category(name)])
    return keyed


def _number_lines(name: str, var: str) -> list[str]:
    # clean text inside the field's range stays inline; anything else (NaN and infinity
    # fail the comparison) takes the general path, which names the problem
    field = BY_NAME.get(name)
    low = field.minimum if field and field.minimum is not None else -math.inf
    high = field.maximum if field and field.maximum is not None else math.inf
    upper = "<" if math.isinf(high) else "<="
    return [
        f"    raw = get({name!r})",
        "    if raw is None or raw == '':",
        f"        {var} = None",
        "    else:",
        "        try:",
        f"            {var} = float(raw)",
        "        except (TypeError, ValueError):",
        f"            {var} = number({name!r}, raw, issues)",
        "        else:",
        f"            if not ({literal(low)} <= {var} {upper} {literal(high)}):",
        f"                {var} = number({name!r}, raw, issues)",
    ]


def _band_lines(c: Criterion, factor: float, var: str, i: int) -> list[str]:
    def given(points: float) -> str:
        share, text = contribution(c, factor, points)
        return f"        c{i}, t{i} = {literal(share)}, {text!r}"

    lines = [
        f"    if {var} is None:",
        f"        missing.append({c.field!r})",
        given(c.missing_points),
    ]
    for band in reversed(c.bands):  # the highest band reached wins
        lines += [f"    elif {var} >= {literal(band.min)}:", given(band.points)]
    return [*lines, "    else:", given(0.0)]  # below the lowest band


def _category_lines(c: Criterion, i: int) -> list[str]:
    before, after = f"{c.field}: invalid (", f" is not one of {', '.join(c.categories)})"
    return [
        f"    raw = get({c.field!r})",
        "    try:",
        f"        c{i}, t{i}, state = memo{i}[raw]",
        "    except (KeyError, TypeError):",
        f"        c{i}, t{i}, state = lookup{i}(raw)",
        "    if state:",
        f"        missing.append({c.field!r})",
        "        if state == 2:",
        f"            issues.append({before!r} + repr(raw) + {after!r})",
    ]


def _tier_lines(model: ScoringModel) -> list[str]:
    return ladder("score", [(t.min_score, f"score_tier = {t.name!r}") for t in model.tiers], [])


def _health_lines(model: ScoringModel, var: str) -> list[str]:
    steps = [(h.min_engagement, f"health = {h.status!r}") for h in model.health]
    head = [
        f"    if {var} is None:",
        "        missing.append('engagement_score')",
        f"        health = {model.health_missing!r}",
    ]
    return ladder(var, steps, head)
