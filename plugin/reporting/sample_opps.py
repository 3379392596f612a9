"""Deterministic sample opportunities, shaped like the Tier 2 seed's 12-month results.

Per tier: creation rate, win rate, average won deal and median sales cycle as in the seed's
"Comparison Across Tiers" (Tier 4: a low-touch guess). Counts are rounded once, won amounts
average exactly the tier's deal size and won cycles have exactly the tier's median, so the
report reproduces the seed's figures from accounts tiered as the seed's were.
Regenerate the bundled file:
`python -m plugin.reporting.sample_opps plugin/reporting/data/opportunities.csv`.
"""

from __future__ import annotations

import csv
import random
import sys
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from connectors.local import LocalCsvConnector
from connectors.sample import BASE_DATE
from plugin.sync.book import final_pairs, score_all
from scoring import DEFAULT_MODEL, Scorer, load_model

#: tier -> (opportunity creation rate, win rate, average won deal, median cycle days)
SEED_SPEC: dict[str, tuple[float, float, float, int]] = {
    "Tier 1": (0.42, 0.48, 185_000.0, 240),
    "Tier 2": (0.21, 0.32, 78_000.0, 104),
    "Tier 3": (0.08, 0.28, 42_000.0, 75),
    "Tier 4": (0.02, 0.20, 25_000.0, 60),
}
COLUMNS = ("opportunity_id", "account_id", "created_on", "closed_on", "stage", "amount")
START = date(2025, 1, 1)
BUNDLED = Path(__file__).with_name("data") / "opportunities.csv"


def generate(
    account_tiers: Iterable[tuple[str, str]],
    spec: Mapping[str, tuple[float, float, float, int]] = SEED_SPEC,
    *,
    start: date = START,
    seed: int = 7,
) -> Iterator[dict[str, Any]]:
    """Yield opportunity rows for accounts given as (account_id, tier)."""
    rng = random.Random(seed)
    by_tier: dict[str, list[str]] = {}
    for account_id, tier in account_tiers:
        by_tier.setdefault(tier, []).append(account_id)
    n = 0
    for tier in sorted(by_tier):
        if tier not in spec:
            continue
        rate, win, avg, cycle = spec[tier]
        ids = sorted(by_tier[tier])
        rng.shuffle(ids)
        opps = round(rate * len(ids))
        won = round(win * opps)
        amounts = _spread(avg, won, 1000.0, rng)
        cycles = _spread(float(cycle), won, 1.0, rng)
        for i, account_id in enumerate(ids[:opps]):
            n += 1
            created = start + timedelta(days=rng.randrange(0, 120))
            is_won = i < won
            days = int(cycles[i]) if is_won else rng.randrange(20, cycle + cycle // 2)
            amount = amounts[i] if is_won else round(avg * rng.uniform(0.5, 1.5), -3)
            yield {
                "opportunity_id": f"OPP-{n:07d}",
                "account_id": account_id,
                "created_on": created.isoformat(),
                "closed_on": (created + timedelta(days=days)).isoformat(),
                "stage": "Closed Won" if is_won else "Closed Lost",
                "amount": f"{amount:.0f}",
            }


def _spread(center: float, count: int, unit: float, rng: random.Random) -> list[float]:
    """Return count values in symmetric pairs around center: mean and median are center."""
    values: list[float] = []
    for k in range(count // 2):
        step = round(center * rng.uniform(0.05, 0.4) / unit) * unit + unit * (k + 1)
        step = min(step, center / 2)
        values += [center - step, center + step]
    if count % 2:
        values.append(center)
    rng.shuffle(values)
    return values


def write_csv(path: str | Path, rows: Iterable[Mapping[str, Any]]) -> int:
    """Write opportunity rows to a CSV file; return how many."""
    count = 0
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def bundled_account_tiers() -> list[tuple[str, str]]:
    """Return (account_id, tier) of the bundled sample scored with the default model."""
    scorer = Scorer(load_model(DEFAULT_MODEL), BASE_DATE)
    scored = score_all(scorer, LocalCsvConnector().iter_accounts())
    try:
        return [(r.account_id, res.tier) for r, res in final_pairs(scored)]
    finally:
        scored.close()


if __name__ == "__main__":  # pragma: no cover - a maintenance script
    target = sys.argv[1] if len(sys.argv) > 1 else str(BUNDLED)
    print(f"{write_csv(target, generate(bundled_account_tiers()))} opportunities -> {target}")
