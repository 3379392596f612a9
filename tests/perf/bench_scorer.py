"""Benchmark: the configurable scorer vs a hand-written scorer of the same default model.

Run: .venv/bin/python tests/perf/bench_scorer.py [--records 200000] [--rows 1000000]

Both scorers get the same records in the same run, parse the same raw text, and compute
the reason string. Prints both rates and the ratio (target: >= 0.5x the hand-written speed).
Exits 1 when a target is missed.
With --rows > 0 it also times `tiersync score` on a CSV of that many rows under
/usr/bin/time -v and prints wall time and peak memory (target: <= 300 MB).
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from targets import Targets

from connectors.sample import generate_rows, write_sample_csv
from scoring import DEFAULT_MODEL, AccountRecord, Scorer, load_model
from scoring.errors import InvalidValue
from scoring.parse import parse_number, parse_text

INDUSTRY = {
    "financial services": 10, "banking": 10, "insurance": 10, "technology": 10, "software": 10,
    "healthcare": 10, "professional services": 5, "manufacturing": 5, "distribution": 5,
    "retail": 5, "telecommunications": 5, "media": 5, "education": 5, "energy": 5,
}  # fmt: skip
FIT = {"strong": 10, "moderate": 5, "poor": 0}
STAGE = {"unaware": 0, "researching": 5, "evaluating": 8, "active procurement": 10}
POSITION = {"competitor entrenched": 0, "competitive": 5, "greenfield": 10}


def _num(value: object) -> float | None:
    try:
        return parse_number(value)
    except InvalidValue:
        return None


def _cat(value: object, table: dict[str, int]) -> int:
    text = parse_text(value)
    return table.get(text.casefold(), 0) if text else 0


def hand_written(fields: dict[str, str]) -> tuple[str, float, str, str, str]:
    """The default scorecard typed out by hand: what a RevOps engineer would write."""
    potential = _num(fields.get("arr_potential"))
    revenue = (
        0
        if potential is None
        else (
            10
            if potential >= 400_000
            else 8
            if potential >= 200_000
            else 5
            if potential >= 100_000
            else 0
        )
    )
    employees = _num(fields.get("employees"))
    size = (
        0
        if employees is None
        else (
            10 if employees >= 10_000 else 8 if employees >= 2_000 else 5 if employees >= 500 else 0
        )
    )
    parts = [
        (revenue * 3.0, "Revenue Potential", 30),
        (size * 2.0, "Company Size", 20),
        (_cat(fields.get("industry"), INDUSTRY) * 1.5, "Industry Alignment", 15),
        (_cat(fields.get("tech_fit"), FIT) * 1.5, "Technology Stack Fit", 15),
        (_cat(fields.get("buying_stage"), STAGE) * 1.0, "Buying Stage", 10),
        (_cat(fields.get("competitive_position"), POSITION) * 1.0, "Competitive Position", 10),
    ]
    score = int(sum(p[0] for p in parts) * 10 + 0.5 + 1e-9) / 10
    tier = (
        "Tier 1"
        if score >= 75
        else "Tier 2"
        if score >= 60
        else "Tier 3"
        if score >= 40
        else "Tier 4"
    )
    pipeline = _num(fields.get("pipeline")) or 0.0
    why = None
    if tier == "Tier 2":  # the Tier 2 seed's upgrade triggers
        surge = _num(fields.get("intent_surge")) or 0.0
        contacts = _num(fields.get("engaged_contacts")) or 0.0
        execs = _num(fields.get("executive_contacts")) or 0.0
        if surge >= 3 or pipeline >= 150_000 or contacts >= 3 or execs >= 2:
            tier, why = "Tier 1", "upgraded"
    engagement = _num(fields.get("engagement_score"))
    health = (
        "At Risk"
        if engagement is None
        else "Healthy"
        if engagement >= 70
        else "At Risk"
        if engagement >= 40
        else "Critical"
    )
    customer = (fields.get("is_customer") or "").strip().lower() in ("yes", "true", "1")
    current = _num(fields.get("current_arr")) or 0.0
    if tier in ("Tier 1", "Tier 2") and health == "Critical":
        action = "Investigate lack of engagement"
    elif tier in ("Tier 1", "Tier 2") and health == "At Risk":
        action = "Re-engage dormant stakeholders"
    elif tier == "Tier 1" and customer:
        pen = current / potential if potential else None
        action = (
            "Present expansion proposal"
            if pen is not None and pen < 0.5
            else "QBR + upsell discussion"
        )
    elif tier == "Tier 1":
        action = (
            "Schedule C-level meeting"
            if pipeline >= 1
            else "Map the buying committee and open an opportunity"
        )
    elif tier == "Tier 2":
        action = (
            "Quarterly check-in + vertical cross-sell"
            if customer
            else "Enroll in vertical campaign track + SDR sequence"
        )
    elif tier == "Tier 3":
        action = "Programmatic nurture with inside sales follow-up"
    else:
        action = "Automated marketing / self-service"
    top = sorted(parts, key=lambda p: -p[0])[:3]
    reason = f"{tier} at {score:.1f}: " + ", ".join(
        f"{label} {round(c, 1):g}/{w}" for c, label, w in top
    )
    if why:
        reason = f"{why}; {reason}"
    return tier, score, health, action, reason[:255]


def timed(fn, items: list) -> float:  # type: ignore[no-untyped-def]
    gc.collect()
    start = time.perf_counter()
    for item in items:
        fn(item)
    return time.perf_counter() - start


RATIO_TARGET = 0.5  # configurable / hand-written records per second
MEMORY_TARGET_MB = 300


def bench_scorer(n: int, targets: Targets) -> None:
    rows = list(generate_rows(n, seed=11))
    records = [AccountRecord(r["account_id"], r) for r in rows]
    scorer = Scorer(load_model(DEFAULT_MODEL))
    agree = sum(
        (res.tier, res.score, res.health) == (hand[0], hand[1], hand[2])
        for res, hand in zip(
            map(scorer.score, records[:5000]), map(hand_written, rows), strict=False
        )
    )
    # interleaved rounds, best of each: both see the same machine load
    hand_best = conf_best = float("inf")
    for _ in range(5):
        hand_best = min(hand_best, timed(hand_written, rows))
        conf_best = min(conf_best, timed(scorer.score, records))
    hand, configurable = n / hand_best, n / conf_best
    print(f"records: {n:,} (same records for both; {agree}/5000 identical tier, score, health)")
    print(f"hand-written scorer:  {hand:12,.0f} records/s")
    print(f"configurable scorer:  {configurable:12,.0f} records/s")
    ratio = configurable / hand
    print(f"ratio configurable/hand-written: {ratio:.2f}x (target >= {RATIO_TARGET}x)")
    targets.check(
        f"configurable scorer >= {RATIO_TARGET}x the hand-written one",
        ratio >= RATIO_TARGET,
        f"{ratio:.2f}x",
    )
    targets.check(
        "same tier, score and health as the hand-written one", agree == 5000, f"{agree}/5000"
    )


def bench_cli(rows: int, targets: Targets) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "accounts.csv"
        start = time.perf_counter()
        write_sample_csv(src, rows, seed=5)
        print(
            f"\ngenerated {rows:,} rows ({src.stat().st_size / 1e6:.0f} MB)"
            f" in {time.perf_counter() - start:.0f}s"
        )
        script = Path(sys.executable).with_name("tiersync")
        out = str(Path(tmp) / "o.csv")
        cmd = ["/usr/bin/time", "-v", str(script), "score", str(src), "-o", out]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True, env=os.environ)
        wall = re.search(r"Elapsed \(wall clock\) time.*: (.+)", done.stderr)
        peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
        mb = int(peak.group(1)) / 1024 if peak else float("nan")
        print(
            f"tiersync score {rows:,} rows: wall {wall.group(1) if wall else '?'}, "
            f"peak RSS {mb:.0f} MB (target <= {MEMORY_TARGET_MB} MB)"
        )
        targets.check(
            f"tiersync score {rows:,} rows peak RSS <= {MEMORY_TARGET_MB} MB",
            mb <= MEMORY_TARGET_MB,
            f"{mb:.0f} MB",
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    targets = Targets()
    bench_scorer(args.records, targets)
    if args.rows:
        bench_cli(args.rows, targets)
    targets.finish()
