"""Benchmark: the configurable scorer vs a hand-written scorer of the same default model.

Run: .venv/bin/python tests/perf/bench_scorer.py [--records 200000]

Both scorers get the same records in the same run, parse the same raw text, and compute the
next action and the reason string; the first 20,000 results must be identical (tier, score,
health, next action, reason). Prints both rates and the ratio (target: the configurable one
>= 0.8x the hand-written speed). Exits 1 when a target is missed. The whole `tiersync score`
command is measured by bench_score_cli.py.
"""

from __future__ import annotations

import argparse
import gc
import time

from handwritten import hand_written
from targets import Targets

from connectors.sample import generate_rows
from scoring import DEFAULT_MODEL, AccountRecord, Result, Scorer, load_model


def timed(fn, items: list) -> float:  # type: ignore[no-untyped-def]
    gc.collect()
    start = time.perf_counter()
    for item in items:
        fn(item)
    return time.perf_counter() - start


RATIO_TARGET = 0.8  # configurable / hand-written records per second
CHECKED = 20_000  # records whose five outputs must be identical


def outputs(result: Result) -> tuple[str, float, str, str, str]:
    """Return what both scorers compute: tier, score, health, next action, reason."""
    return result.tier, result.score, result.health, result.next_action, result.reason


def bench_scorer(n: int, targets: Targets) -> None:
    """Time both scorers on the same records, interleaved; check they agree."""
    rows = list(generate_rows(n, seed=11))
    records = [AccountRecord(r["account_id"], r) for r in rows]
    scorer = Scorer(load_model(DEFAULT_MODEL))
    checked = min(n, CHECKED)
    differ = [
        (row["account_id"], hand, mine)
        for row, record in zip(rows[:checked], records, strict=False)
        if (hand := hand_written(row)) != (mine := outputs(scorer.score(record)))
    ]
    # interleaved rounds, best of each: both see the same machine load
    hand_best = conf_best = float("inf")
    for _ in range(5):
        hand_best = min(hand_best, timed(hand_written, rows))
        conf_best = min(conf_best, timed(scorer.score, records))
    hand, configurable = n / hand_best, n / conf_best
    agree = checked - len(differ)
    print(f"records: {n:,} (the same for both; {agree:,}/{checked:,} identical outputs)")
    print(f"hand-written scorer:  {hand:12,.0f} records/s")
    print(f"configurable scorer:  {configurable:12,.0f} records/s")
    ratio = configurable / hand
    print(f"ratio configurable/hand-written: now {ratio:.2f}x, target >= {RATIO_TARGET}x")
    for account, want, got in differ[:3]:
        print(f"  {account}: hand-written {want}\n  {' ' * len(account)}  configurable {got}")
    targets.check(
        f"configurable scorer >= {RATIO_TARGET}x the hand-written one",
        ratio >= RATIO_TARGET,
        f"{ratio:.2f}x",
    )
    targets.check(
        "same tier, score, health, next action and reason as the hand-written one",
        not differ,
        f"{agree:,}/{checked:,}",
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=200_000)
    args = parser.parse_args()
    targets = Targets()
    bench_scorer(args.records, targets)
    targets.finish()
