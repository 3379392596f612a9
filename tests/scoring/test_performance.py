"""Per-tier performance figures: definitions and the seed's number formats."""

from __future__ import annotations

from datetime import date

from scoring.performance import Opportunity, money, percent, ratio, table, tier_performance

D = date(2026, 1, 1)


def _opp(account: str, won: bool | None, amount: float, days: int = 30) -> Opportunity:
    closed = None if won is None else date.fromordinal(D.toordinal() + days)
    return Opportunity(account, D, closed, won, amount)


def test_rates_deal_size_cycle_and_roi() -> None:
    tiers = {"a": "Tier 1", "b": "Tier 1", "c": "Tier 1", "d": "Tier 1", "e": "Tier 2"}
    opps = [
        _opp("a", True, 100_000, 90),
        _opp("b", True, 300_000, 150),
        _opp("c", False, 50_000),
        _opp("d", None, 70_000),  # open: counts as created, not in the win rate
        _opp("zz", True, 1_000_000),  # unknown account: ignored
    ]
    t1, t2, total = tier_performance(tiers, opps, ["Tier 1", "Tier 2"], {"Tier 1": 80_000}, 0.4)
    assert (t1.accounts, t1.opportunities, t1.closed, t1.won) == (4, 4, 3, 2)
    assert t1.creation_rate == 1.0 and t1.win_rate == 2 / 3
    assert t1.average_deal == 200_000 and t1.new_arr == 400_000
    assert t1.cycle_days == 120 and t1.roi == 400_000 * 0.4 / 80_000
    assert (t2.opportunities, t2.creation_rate, t2.win_rate, t2.roi) == (0, 0.0, None, None)
    assert (total.accounts, total.opportunities, total.won, total.investment) == (5, 4, 2, 80_000)


def test_formats_follow_the_seed() -> None:
    assert [money(v) for v in (756_000, 3_700_000, 2_106_000, 3_240_000, 2_000_000)] == [
        "$756K",
        "$3.7M",
        "$2.1M",
        "$3.24M",
        "$2.0M",
    ]
    assert money(0) == "$0" and money(None) == "-"
    assert [ratio(v) for v in (0.74, 1.00286, 0.756, None)] == ["0.74x", "1.0x", "0.76x", "-"]
    assert [percent(v) for v in (0.42, 0.08, None)] == ["42%", "8%", "-"]


def test_table_has_a_header_and_one_row_per_metric() -> None:
    rows = table(tier_performance({"a": "Tier 1"}, [], ["Tier 1"], {}, 0.4))
    assert rows[0] == ["Metric", "Tier 1 (1)", "Total (1)"]
    assert [r[0] for r in rows[1:3]] == ["Opportunity Creation Rate", "Opportunities Created"]
