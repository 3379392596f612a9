"""Tier 1 success metrics from the Tier 1 seed's engagement model, checked per account.

The seed's bars: pipeline coverage 3.0x minimum, 5+ engaged contacts, 2+ C-level
relationships, $100K+ pipeline added per quarter, a 40% annual win rate. Definitions:
- pipeline coverage = open pipeline / the account's quarterly target, the target being the
  ARR potential not yet won (ARR potential - current ARR) spread over four quarters;
- pipeline added per quarter = the amount of the account's opportunities created in the
  opportunity data, divided by the quarters that data spans (at least one);
- win rate = won / closed opportunities of the account in that data.
A value that cannot be measured (no potential left, no closed deal) is unknown, not below.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scoring.errors import InvalidValue
from scoring.parse import parse_number
from scoring.performance import Opportunity

QUARTER_DAYS = 365.25 / 4


@dataclass(frozen=True, slots=True)
class Bar:
    """One success metric: a key, its label and the minimum an account should reach."""

    key: str
    label: str
    minimum: float
    unit: str  # "x", "contacts", "C-level", "$", "%"

    def show(self, value: float | None) -> str:
        """Format a value in this bar's unit."""
        if value is None:
            return "-"
        if self.unit == "x":
            return f"{value:.1f}x"
        if self.unit == "$":
            return f"${value / 1000:,.0f}K" if value >= 1000 else f"${value:,.0f}"
        if self.unit == "%":
            return f"{value:.0%}"
        return f"{value:g}"

    @property
    def text(self) -> str:
        """Return the bar as the seed writes it: '>= 3.0x'."""
        words = f" {self.unit}" if self.unit in ("contacts", "C-level") else ""
        return f">= {self.show(self.minimum)}{words}"


TIER1_BARS: tuple[Bar, ...] = (
    Bar("pipeline_coverage", "Pipeline coverage", 3.0, "x"),
    Bar("engaged_contacts", "Stakeholder engagement", 5, "contacts"),
    Bar("executive_contacts", "Executive relationships", 2, "C-level"),
    Bar("pipeline_added", "Quarterly pipeline add", 100_000, "$"),
    Bar("win_rate", "Annual win rate", 0.40, "%"),
)


@dataclass(frozen=True, slots=True)
class Account:
    """A Tier 1 account to check: id, name and its input values."""

    account_id: str
    name: str
    fields: Mapping[str, Any]


@dataclass
class Check:
    """One bar over the Tier 1 accounts: who meets it, who is below (with the value), unknown."""

    bar: Bar
    met: list[str] = field(default_factory=list)
    below: list[tuple[str, float]] = field(default_factory=list)  # (name, value), worst first
    unknown: list[str] = field(default_factory=list)


def quarters_covered(opportunities: Sequence[Opportunity]) -> float:
    """Return how many quarters the opportunity data spans (at least one)."""
    days = [o.created_on for o in opportunities]
    if not days:
        return 1.0
    return max(1.0, (max(days) - min(days)).days / QUARTER_DAYS)


def measure(
    fields: Mapping[str, Any], opportunities: Sequence[Opportunity], quarters: float
) -> dict[str, float | None]:
    """Return the value of every bar for one account."""
    potential, current = _number(fields, "arr_potential"), _number(fields, "current_arr") or 0.0
    pipeline = _number(fields, "pipeline") or 0.0
    remaining = (potential - current) if potential is not None else None
    closed = [o for o in opportunities if o.won is not None]
    return {
        "pipeline_coverage": pipeline / (remaining / 4) if remaining and remaining > 0 else None,
        "engaged_contacts": _number(fields, "engaged_contacts"),
        "executive_contacts": _number(fields, "executive_contacts"),
        "pipeline_added": sum(o.amount for o in opportunities) / quarters,
        "win_rate": sum(1 for o in closed if o.won) / len(closed) if closed else None,
    }


def check_accounts(
    accounts: Iterable[Account],
    opportunities: Iterable[Opportunity],
    bars: Sequence[Bar] = TIER1_BARS,
) -> list[Check]:
    """Check each account against each bar; the accounts below come lowest value first."""
    opps = list(opportunities)
    by_account: defaultdict[str, list[Opportunity]] = defaultdict(list)
    for o in opps:
        by_account[o.account_id].append(o)
    quarters = quarters_covered(opps)
    checks = [Check(bar) for bar in bars]
    for account in accounts:
        values = measure(account.fields, by_account.get(account.account_id, []), quarters)
        for check in checks:
            value = values[check.bar.key]
            if value is None:
                check.unknown.append(account.name)
            elif value >= check.bar.minimum:
                check.met.append(account.name)
            else:
                check.below.append((account.name, value))
    for check in checks:
        check.below.sort(key=lambda pair: (pair[1], pair[0]))
    return checks


def _number(fields: Mapping[str, Any], name: str) -> float | None:
    try:
        return parse_number(fields.get(name))
    except InvalidValue:
        return None
