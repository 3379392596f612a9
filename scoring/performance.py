"""Per-tier performance from opportunity data (the Tier 2 seed's "Comparison Across Tiers").

Pure: plain values in, plain values out. Definitions, as the seed computes them:
opportunity creation rate = opportunities / accounts in the tier; win rate = won / closed;
average deal size = new ARR / won; new ARR = sum of won amounts; sales cycle = median days
from creation to close of won deals; first-year ROI = new ARR x gross margin / investment.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from statistics import median

TOTAL = "Total"


@dataclass(frozen=True, slots=True)
class Opportunity:
    """One opportunity: won is None while it is open."""

    account_id: str
    created_on: date
    closed_on: date | None
    won: bool | None
    amount: float


@dataclass(frozen=True, slots=True)
class TierPerformance:
    """The figures of one tier (or of the total)."""

    tier: str
    accounts: int
    opportunities: int
    closed: int
    won: int
    new_arr: float
    investment: float | None
    creation_rate: float | None
    win_rate: float | None
    average_deal: float | None
    cycle_days: float | None
    roi: float | None


def tier_performance(
    account_tiers: Mapping[str, str],
    opportunities: Iterable[Opportunity],
    tiers: Sequence[str],
    investment: Mapping[str, float],
    gross_margin: float,
) -> list[TierPerformance]:
    """Return one row per tier, then the total; opportunities of unknown accounts are ignored."""
    margin = gross_margin
    accounts = Counter(account_tiers.values())
    opps: Counter[str] = Counter()
    closed: Counter[str] = Counter()
    won: Counter[str] = Counter()
    arr: defaultdict[str, float] = defaultdict(float)
    cycles: defaultdict[str, list[int]] = defaultdict(list)
    for o in opportunities:
        tier = account_tiers.get(o.account_id)
        if tier is None:
            continue
        opps[tier] += 1
        if o.won is None:
            continue
        closed[tier] += 1
        if o.won:
            won[tier] += 1
            arr[tier] += o.amount
            if o.closed_on is not None:
                cycles[tier].append((o.closed_on - o.created_on).days)
    rows = [
        _row(
            t, accounts[t], opps[t], closed[t], won[t], arr[t], cycles[t], investment.get(t), margin
        )
        for t in tiers
    ]
    spent = [investment[t] for t in tiers if t in investment]
    rows.append(
        _row(
            TOTAL,
            sum(accounts[t] for t in tiers),
            sum(opps[t] for t in tiers),
            sum(closed[t] for t in tiers),
            sum(won[t] for t in tiers),
            sum(arr[t] for t in tiers),
            [d for t in tiers for d in cycles[t]],
            sum(spent) if spent else None,
            margin,
        )
    )
    return rows


def _row(
    tier: str,
    accounts: int,
    opps: int,
    closed: int,
    won: int,
    arr: float,
    cycles: list[int],
    investment: float | None,
    margin: float,
) -> TierPerformance:
    return TierPerformance(
        tier=tier,
        accounts=accounts,
        opportunities=opps,
        closed=closed,
        won=won,
        new_arr=arr,
        investment=investment,
        creation_rate=opps / accounts if accounts else None,
        win_rate=won / closed if closed else None,
        average_deal=arr / won if won else None,
        cycle_days=float(median(cycles)) if cycles else None,
        roi=arr * margin / investment if investment else None,
    )


def money(value: float | None) -> str:
    """Format an amount as the seed does: $756K, $3.7M, $3.24M (two decimals only when exact).

    The one money format of the product: reports, the dashboard and the add-on all use it.
    """
    if value is None:
        return "-"
    if abs(value) < 1_000:
        return f"${value:,.0f}"
    if abs(value) >= 1_000_000_000:
        return f"${value / 1_000_000_000:.1f}".rstrip("0").rstrip(".") + "B"
    if abs(value) >= 1_000_000:
        millions = value / 1_000_000
        exact = abs(round(millions, 2) - millions) < 1e-9
        return (
            f"${millions:.2f}M" if exact and round(millions, 1) != millions else f"${millions:.1f}M"
        )
    return f"${value / 1000:.0f}K"


def percent(value: float | None) -> str:
    """Format a rate as a whole percentage."""
    return "-" if value is None else f"{value * 100:.0f}%"


def ratio(value: float | None) -> str:
    """Format a return as 0.74x, 1.0x (two decimals, a trailing zero dropped)."""
    if value is None:
        return "-"
    text = f"{value:.2f}"
    return (text[:-1] if text.endswith("0") else text) + "x"


def table(rows: Sequence[TierPerformance]) -> list[list[str]]:
    """Return the comparison table: a header row, then one row per metric."""
    header = ["Metric", *(f"{r.tier} ({r.accounts:,})" for r in rows)]
    metrics: list[tuple[str, list[str]]] = [
        ("Opportunity Creation Rate", [percent(r.creation_rate) for r in rows]),
        ("Opportunities Created", [str(r.opportunities) for r in rows]),
        ("Win Rate", [percent(r.win_rate) for r in rows]),
        ("Closed/Won Deals", [str(r.won) for r in rows]),
        ("Average Deal Size", [money(r.average_deal) for r in rows]),
        ("New ARR Generated", [money(r.new_arr) for r in rows]),
        ("Sales Cycle (median days)", [_days(r.cycle_days) for r in rows]),
        ("Marketing Investment", [money(r.investment) for r in rows]),
        ("First-Year ROI", [ratio(r.roi) for r in rows]),
    ]
    return [header, *([name, *cells] for name, cells in metrics)]


def _days(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"
