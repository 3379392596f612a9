"""The backtest's figures and the weight search, on plain values."""

from __future__ import annotations

import random
from datetime import date
from itertools import product

from hypothesis import given
from hypothesis import strategies as st

from scoring.backtest import (
    Scored,
    auc,
    auc_of,
    backtest,
    lift,
    order_breaks,
    split,
    suggest_weights,
)
from scoring.performance import Opportunity, TierPerformance

TIERS = ["Tier 1", "Tier 2", "Tier 3"]


def brute_auc(pos: list[float], neg: list[float]) -> float:
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in product(pos, neg))
    return wins / (len(pos) * len(neg))


def test_auc_known_answers() -> None:
    assert auc([3, 4], [1, 2]) == 1.0
    assert auc([1, 2], [3, 4]) == 0.0
    assert auc([2, 2], [2, 2]) == 0.5
    assert auc([0.8, 0.4], [0.6, 0.2]) == 0.75
    assert auc([], [1.0]) is None


@given(
    st.lists(st.integers(0, 20), min_size=1, max_size=30),
    st.lists(st.integers(0, 20), min_size=1, max_size=30),
)
def test_auc_is_the_share_of_pairs_ranked_right(pos: list[int], neg: list[int]) -> None:
    got = auc([float(p) for p in pos], [float(n) for n in neg])
    assert got is not None and abs(got - brute_auc(pos, neg)) < 1e-12


def opp(account: str, won: bool | None, amount: float = 100_000.0) -> Opportunity:
    closed = date(2025, 6, 1) if won is not None else None
    return Opportunity(account, date(2025, 1, 1), closed, won, amount)


def test_backtest_table_order_lift_and_auc() -> None:
    points = {"a": 90, "b": 80, "c": 65, "d": 62, "e": 50, "f": 41}
    scored = [Scored(k, p, "Tier 1" if p >= 75 else "Tier 2" if p >= 60 else "Tier 3")
              for k, p in points.items()]  # fmt: skip
    opps = [opp("a", True, 300_000), opp("b", False), opp("c", True, 80_000),
            opp("d", False), opp("d", None), opp("e", False), opp("zz", True)]  # fmt: skip
    result = backtest(scored, opps, TIERS)
    rows = {r.tier: r for r in result.rows}
    assert (result.accounts, result.opportunities, result.won_accounts) == (6, 6, 2)
    assert rows["Tier 1"].win_rate == 0.5 and rows["Tier 1"].average_deal == 300_000
    assert rows["Tier 2"].creation_rate == 1.5 and rows["Tier 2"].win_rate == 0.5
    assert rows["Tier 3"].win_rate == 0.0
    assert result.breaks == ()  # equal win rates and a bigger Tier 1 deal: in order
    assert result.lift == (1 / 2) / (2 / 6)
    assert result.auc == brute_auc([90, 65], [80, 62, 50, 41])


def row(tier: str, win: float | None, deal: float | None) -> TierPerformance:
    return TierPerformance(tier, 10, 5, 4, 2, 0.0, None, 0.5, win, deal, None, None)


def test_order_breaks_name_the_tier_that_beats_the_one_above() -> None:
    rows = [row("Tier 1", 0.4, 150_000), row("Tier 2", 0.45, 90_000), row("Tier 3", 0.3, 95_000)]
    assert order_breaks(rows) == [
        "Tier 2 wins more often than Tier 1",
        "Tier 3 wins bigger deals than Tier 2",
    ]
    assert order_breaks([row("Tier 1", 0.5, 2.0), row("Tier 2", None, None)]) == []


def test_lift_is_undefined_without_wins_or_a_top_tier() -> None:
    scored = [Scored("a", 90, "Tier 2")]
    assert lift(scored, {"a"}, "Tier 1") is None
    assert lift([Scored("a", 90, "Tier 1")], set(), "Tier 1") is None


def test_split_is_deterministic_and_draws_from_won_and_other_accounts() -> None:
    ids = [f"A{i}" for i in range(100)]
    won = set(ids[:20])
    held = split(ids, won, holdout=0.3, seed=3)
    assert held == split(reversed(ids), won, holdout=0.3, seed=3)
    assert (len(held & won), len(held - won)) == (6, 24)
    assert held != split(ids, won, holdout=0.3, seed=4)


def synthetic(n: int, seed: int) -> tuple[dict[str, tuple[float, ...]], set[str]]:
    """Accounts whose second criterion decides wins; the first is noise."""
    rng = random.Random(seed)
    points, won = {}, set()
    for i in range(n):
        noise, signal, other = rng.choice([0, 5, 10]), rng.choice([0, 5, 10]), rng.choice([0, 10])
        points[f"A{i}"] = (float(noise), float(signal), float(other))
        if rng.random() < 0.1 + 0.08 * signal:
            won.add(f"A{i}")
    return points, won


def test_the_search_moves_weight_to_what_predicts_wins_and_gains_on_held_out_accounts() -> None:
    points, won = synthetic(1200, seed=5)
    held = split(points, won, seed=7)
    train = {k: v for k, v in points.items() if k not in held}
    start = (60.0, 10.0, 30.0)
    fitted = suggest_weights(train, start, won & train.keys())
    assert sum(fitted) == 100 and min(fitted) >= 0
    assert fitted[1] > start[1] and fitted[0] < start[0]

    def held_auc(weights: tuple[float, ...]) -> float | None:
        scores = [Scored(k, sum(w * p for w, p in zip(weights, v, strict=True)), "")
                  for k, v in points.items() if k in held]  # fmt: skip
        return auc_of(scores, won)

    before, after = held_auc(start), held_auc(fitted)
    assert before is not None and after is not None and after > before + 0.05


@given(st.integers(0, 10_000), st.lists(st.integers(0, 20), min_size=3, max_size=3))
def test_the_search_keeps_the_sum_and_never_goes_negative(seed: int, raw: list[int]) -> None:
    points, won = synthetic(60, seed)
    total = sum(raw) or 1
    start = tuple(100.0 * r / total for r in raw) if sum(raw) else (100.0, 0.0, 0.0)
    fitted = suggest_weights(points, start, won)
    assert abs(sum(fitted) - sum(start)) < 1e-9
    assert min(fitted) >= 0
