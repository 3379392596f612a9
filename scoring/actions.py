"""Next-action rules compiled into one function: per tier, the rules that can apply, in order.

The rules are data (first match wins, conditions on tier, health, customer, pipeline and
penetration; a range is min <= x < max). Written out as if/else per tier, choosing an action
costs a few comparisons instead of a loop over every rule's conditions.
"""

from __future__ import annotations

from collections.abc import Callable

from scoring.codegen import build, literal
from scoring.model import ActionRule, ScoringModel

ActionFunction = Callable[[str, str, bool, float | None, float | None], str]


def compile_actions(model: ScoringModel) -> tuple[ActionFunction, str]:
    """Return the model's next-action function and its source text."""
    lines = [
        "def action(tier, health, customer, pipeline, penetration):",
        "    pipeline = pipeline or 0.0",
    ]
    for k, t in enumerate(model.tiers):
        rules = [r for r in model.next_actions if r.when.tiers is None or t.name in r.when.tiers]
        lines.append(f"    {'elif' if k else 'if'} tier == {literal(t.name)}:")
        lines += _chain(rules, model.default_action, "        ", tier_known=True)
    lines.append("    else:")  # a tier outside the model: every rule, tiers checked
    lines += _chain(list(model.next_actions), model.default_action, "        ", tier_known=False)
    function: ActionFunction
    function, source = build("action", lines, {}, f"next actions of {model.name!r}")
    return function, source


def _chain(rules: list[ActionRule], default: str, pad: str, tier_known: bool) -> list[str]:
    lines: list[str] = []
    for rule in rules:
        tests = _tests(rule, tier_known)
        if not tests:  # always holds: the rules after it never run
            return [*lines, f"{pad}return {literal(rule.action)}"]
        lines += [f"{pad}if {' and '.join(tests)}:", f"{pad}    return {literal(rule.action)}"]
    return [*lines, f"{pad}return {literal(default)}"]


def _tests(rule: ActionRule, tier_known: bool) -> list[str]:
    w = rule.when
    tests = []
    if w.tiers is not None and not tier_known:
        tests.append(_member("tier", w.tiers))
    if w.health is not None:
        tests.append(_member("health", w.health))
    if w.customer is not None:
        tests.append("customer" if w.customer else "not customer")
    if w.pipeline_min is not None:
        tests.append(f"pipeline >= {literal(w.pipeline_min)}")
    if w.pipeline_max is not None:
        tests.append(f"pipeline < {literal(w.pipeline_max)}")
    if w.penetration_min is not None or w.penetration_max is not None:
        tests.append("penetration is not None")
    if w.penetration_min is not None:
        tests.append(f"penetration >= {literal(w.penetration_min)}")
    if w.penetration_max is not None:
        tests.append(f"penetration < {literal(w.penetration_max)}")
    return tests


def _member(var: str, names: tuple[str, ...]) -> str:
    if len(names) == 1:
        return f"{var} == {literal(names[0])}"
    return f"{var} in ({', '.join(literal(n) for n in names)})"
