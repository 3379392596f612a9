"""Next-action conditions as a manager writes them: `tier = Tier 1, Tier 2; health = Critical`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from scoring.errors import InvalidValue
from scoring.parse import parse_bool, parse_number

SYNTAX = (
    "write clauses separated by ';', e.g. 'tier = Tier 1, Tier 2; health = Critical; "
    "customer = yes; pipeline >= 1; penetration < 50%'"
)
_CLAUSE = re.compile(r"^([A-Za-z][A-Za-z ]*?)\s*(>=|<=|=|<|>|:)\s*(.*)$")
_LISTS = {"tier": "tier", "tiers": "tier", "health": "health", "health status": "health"}
_RANGES = ("pipeline", "penetration")
_ANY = frozenset({"", "any", "always", "*", "all", "(any)"})


class ConditionError(ValueError):
    """A condition cell that cannot be read; the message says what to write instead."""


def parse_conditions(text: Any) -> dict[str, Any]:
    """Parse a conditions cell into the model's `when` mapping; raise ConditionError."""
    when: dict[str, Any] = {}
    for clause in re.split(r"[;\n]", "" if text is None else str(text)):
        clause = clause.strip()
        if clause.casefold() in _ANY:
            continue
        for key, value in _clause(clause).items():
            if key in when:
                raise ConditionError(f"{key.split('_')[0]} is given twice in {clause!r}")
            when[key] = value
    return when


def _clause(clause: str) -> dict[str, Any]:
    word = clause.casefold()
    if word in ("customer", "customers"):
        return {"customer": True}
    if word in ("prospect", "prospects"):
        return {"customer": False}
    match = _CLAUSE.match(clause)
    if not match:
        raise ConditionError(f"cannot read {clause!r}: {SYNTAX}")
    name, op, value = match.group(1).strip().casefold(), match.group(2), match.group(3).strip()
    if name in _LISTS:
        return {_LISTS[name]: _names(name, op, value)}
    if name in ("customer", "is customer"):
        return {"customer": _yes_no(op, value)}
    if name in _RANGES:
        return _range(name, op, value)
    raise ConditionError(
        f"unknown condition {name!r}: use tier, health, customer, pipeline or penetration"
    )


def _names(name: str, op: str, value: str) -> list[str]:
    if op not in ("=", ":"):
        raise ConditionError(f"{name} takes '=' and a list, e.g. '{name} = A, B'")
    if value.startswith(("=", "<", ">")):
        raise ConditionError(f"write '{name} = A, B' with a single '='")
    names = [v.strip() for v in value.split(",") if v.strip()]
    if not names:
        raise ConditionError(f"{name} = needs at least one value")
    return names


def _yes_no(op: str, value: str) -> bool:
    try:
        answer = parse_bool(value) if op in ("=", ":") else None
    except InvalidValue:
        answer = None
    if answer is None:
        raise ConditionError(f"write 'customer = yes' or 'customer = no', not {value!r}")
    return answer


def _range(name: str, op: str, value: str) -> dict[str, float]:
    if op not in (">=", "<"):
        # the model's ranges are min <= x < max, so only these two can be expressed exactly
        raise ConditionError(f"{name} takes '>=' or '<' (a range includes its lower bound)")
    try:
        number = parse_number(value)
    except InvalidValue:
        number = None
    if number is None:
        raise ConditionError(f"{name} {op} needs a number, got {value!r}")
    if name == "penetration" and value.endswith("%"):
        number /= 100
    return {f"{name}_{'min' if op == '>=' else 'max'}": number}


def format_conditions(when: Mapping[str, Any]) -> str:
    """Write a `when` mapping as the text parse_conditions reads back."""
    parts: list[str] = []
    for key in ("tier", "health"):
        if when.get(key) is not None:
            parts.append(f"{key} = {', '.join(when[key])}")
    if when.get("customer") is not None:
        parts.append(f"customer = {'yes' if when['customer'] else 'no'}")
    for name in _RANGES:
        for bound, op in (("min", ">="), ("max", "<")):
            value = when.get(f"{name}_{bound}")
            if value is not None:
                shown = f"{value * 100:g}%" if name == "penetration" else f"{value:g}"
                parts.append(f"{name} {op} {shown}")
    return "; ".join(parts) if parts else "any"
