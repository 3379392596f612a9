"""Backtest a scoring model against the team's own opportunities, and suggest better weights.

Pure: scores and opportunities in, figures out. Definitions:
- per tier (tiers by score): opportunity creation rate, win rate, average deal, new ARR and
  median sales cycle, as in scoring.performance;
- ordered: each tier wins at least as often and as big as the tier below it;
- AUC: the chance that an account with a won deal scores above an account without one
  (Mann-Whitney U, ties count half); 0.5 is a coin toss, 1.0 a perfect ranking;
- lift: the share of accounts with a won deal in the top tier over that share in the book.
The weight search is coordinate ascent: move whole points of weight between two criteria
while the AUC rises on every part of the training accounts (bands and thresholds stay as they
are); it is then measured on held-out accounts it never saw, so it cannot claim what it did
not measure.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise, permutations

from scoring.performance import Opportunity, TierPerformance, tier_performance

STEPS = (20.0, 10.0, 5.0, 2.0, 1.0)
MIN_GAIN = 1e-4  # summed over the folds: below this a move is not worth the change


@dataclass(frozen=True, slots=True)
class Scored:
    """An account's score and the tier the score gives under one model."""

    account_id: str
    score: float
    tier: str


@dataclass(frozen=True, slots=True)
class Backtest:
    """The figures of one model against the opportunities."""

    accounts: int
    opportunities: int
    won_accounts: int
    rows: tuple[TierPerformance, ...]  # one per tier, then the total
    breaks: tuple[str, ...]  # how the tiers are out of order (empty: ordered)
    lift: float | None
    auc: float | None


def won_accounts(opportunities: Iterable[Opportunity]) -> set[str]:
    """Return the ids of accounts with at least one won opportunity."""
    return {o.account_id for o in opportunities if o.won}


def auc(positives: Sequence[float], negatives: Sequence[float]) -> float | None:
    """Return the Mann-Whitney AUC of positives over negatives (None without both)."""
    if not positives or not negatives:
        return None
    ranked = sorted([(s, True) for s in positives] + [(s, False) for s in negatives])
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        average = (i + j + 1) / 2  # ranks i+1..j share their mean
        rank_sum += average * sum(1 for _, pos in ranked[i:j] if pos)
        i = j
    n_pos, n_neg = len(positives), len(negatives)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def auc_of(scored: Iterable[Scored], won: set[str]) -> float | None:
    """Return the AUC of the scores against won deals."""
    pos: list[float] = []
    neg: list[float] = []
    for s in scored:
        (pos if s.account_id in won else neg).append(s.score)
    return auc(pos, neg)


def lift(scored: Sequence[Scored], won: set[str], top: str) -> float | None:
    """Return the won-account rate of the top tier over the book's (None when undefined)."""
    in_top = [s for s in scored if s.tier == top]
    if not scored or not in_top or not won:
        return None
    book = sum(1 for s in scored if s.account_id in won) / len(scored)
    return (sum(1 for s in in_top if s.account_id in won) / len(in_top)) / book if book else None


def order_breaks(rows: Sequence[TierPerformance]) -> list[str]:
    """Name each pair of neighbouring tiers where the lower one wins more often or bigger."""
    out: list[str] = []
    for high, low in pairwise(rows):
        pairs = (("wins more often", high.win_rate, low.win_rate),
                 ("wins bigger deals", high.average_deal, low.average_deal))  # fmt: skip
        for what, a, b in pairs:
            if a is not None and b is not None and b > a:
                out.append(f"{low.tier} {what} than {high.tier}")
    return out


def backtest(
    scored: Sequence[Scored], opportunities: Sequence[Opportunity], tiers: Sequence[str]
) -> Backtest:
    """Return the per-tier table, order, lift and AUC of one model's scores."""
    won = won_accounts(opportunities)
    by_id = {s.account_id: s.tier for s in scored}
    rows = tier_performance(by_id, opportunities, tiers, {}, 0.0)
    return Backtest(
        accounts=len(scored),
        opportunities=sum(1 for o in opportunities if o.account_id in by_id),
        won_accounts=len(won & by_id.keys()),
        rows=tuple(rows),
        breaks=tuple(order_breaks(rows[: len(tiers)])),
        lift=lift(scored, won, tiers[0]),
        auc=auc_of(scored, won),
    )


def split(ids: Iterable[str], won: set[str], holdout: float = 0.3, seed: int = 7) -> set[str]:
    """Return a held-out share of the accounts, drawn from won and other accounts alike."""
    rng = random.Random(seed)
    chosen: set[str] = set()
    everyone = sorted(set(ids))
    for group in ([i for i in everyone if i in won], [i for i in everyone if i not in won]):
        rng.shuffle(group)
        chosen.update(group[: round(len(group) * holdout)])
    return chosen


def suggest_weights(
    points: Mapping[str, Sequence[float]], weights: Sequence[float], won: set[str], folds: int = 3
) -> tuple[float, ...]:
    """Return weights (same sum) that rank the won accounts of `points` higher, by ascent.

    A move of weight between two criteria is taken only when it lifts the AUC on each of
    `folds` disjoint parts of the accounts: a gain that shows in one part only is noise.
    """
    rows = [(aid in won, p) for aid, p in sorted(points.items())]
    parts = [rows[i::folds] for i in range(folds)]
    current = list(weights)
    base = [_train_auc(part, current) for part in parts]
    for step in STEPS:
        while True:
            found: tuple[list[float], list[float]] | None = None
            best_gain = 0.0
            for i, j in permutations(range(len(current)), 2):
                if current[j] < step:
                    continue
                trial = list(current)
                trial[i] += step
                trial[j] -= step
                got = [_train_auc(part, trial) for part in parts]
                gains = [g - b for g, b in zip(got, base, strict=True)]
                if min(gains) > 0 and sum(gains) > best_gain + MIN_GAIN:
                    found, best_gain = (trial, got), sum(gains)
            if found is None:
                break
            current, base = found
    return tuple(current)


def _train_auc(rows: Sequence[tuple[bool, Sequence[float]]], weights: Sequence[float]) -> float:
    pos: list[float] = []
    neg: list[float] = []
    for is_won, pts in rows:
        (pos if is_won else neg).append(sum(w * p for w, p in zip(weights, pts, strict=True)))
    return auc(pos, neg) or 0.0
