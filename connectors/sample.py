"""A deterministic synthetic account book, like the Tier 2 seed's 1,300-account company.

Used for the bundled sample (connectors/data/sample_accounts.csv) and for benchmarks that
need a million rows. Same seed, same rows, on every machine.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from scoring.records import INPUT_FIELDS

BASE_DATE = date(2026, 11, 1)
_PREFIX = (
    "Acme",
    "Apex",
    "Blue",
    "Bright",
    "Cedar",
    "Clear",
    "Delta",
    "Ever",
    "Fair",
    "First",
    "Granite",
    "Harbor",
    "Iron",
    "Keystone",
    "Lumen",
    "Meridian",
    "North",
    "Nova",
    "Oak",
    "Pioneer",
    "Quantum",
    "River",
    "Summit",
    "True",
    "Vertex",
    "West",
    "Zenith",
)
_SUFFIX = (
    "Analytics",
    "Bank",
    "Capital",
    "Cloud",
    "Data",
    "Dynamics",
    "Financial",
    "Foods",
    "Health",
    "Industries",
    "Insurance",
    "Labs",
    "Logistics",
    "Media",
    "Networks",
    "Partners",
    "Retail",
    "Software",
    "Systems",
    "Technologies",
)
_INDUSTRIES = (
    ("Technology", 22),
    ("Software", 10),
    ("Financial Services", 12),
    ("Banking", 3),
    ("Insurance", 4),
    ("Healthcare", 8),
    ("Professional Services", 12),
    ("Manufacturing", 10),
    ("Distribution", 3),
    ("Retail", 7),
    ("Telecommunications", 2),
    ("Media", 2),
    ("Education", 2),
    ("Government", 2),
    ("Hospitality", 1),
)
_REGIONS = ("North America", "North America", "EMEA", "APAC", "LATAM")
_FIT = ("Poor", "Moderate", "Strong")
_STAGES = ("Unaware", "Researching", "Evaluating", "Active Procurement")
_POSITIONS = ("Competitor Entrenched", "Competitive", "Greenfield")
OWNER_COUNT = 30


def _pick(rng: random.Random, choices: tuple[str, ...], quality: float) -> str:
    """Pick from an ordered tuple, higher quality leaning to the later (better) entries."""
    i = int(min(len(choices) - 1, max(0.0, rng.gauss(quality * len(choices), 0.9))))
    return choices[i]


def generate_rows(n: int, seed: int = 7) -> Iterator[dict[str, str]]:
    """Yield n synthetic account rows (canonical field names, text values as in a CSV export)."""
    rng = random.Random(seed)
    industries = [name for name, _ in _INDUSTRIES]
    weights = [w for _, w in _INDUSTRIES]
    for i in range(1, n + 1):
        quality = rng.betavariate(2.2, 3.9)  # most accounts mid/low, a long good tail
        employees = int(10 ** rng.gauss(2.2 + 2.2 * quality, 0.4))
        potential = round(employees * rng.uniform(60, 140) * (0.5 + quality), -3)
        customer = rng.random() < 0.12 + 0.3 * quality
        current = round(potential * rng.uniform(0.1, 0.8), -3) if customer else 0
        engagement = max(0, min(100, int(rng.gauss(38 + 60 * quality, 14))))
        idle = int(rng.expovariate(1 / (20 + 160 * (1 - quality))))
        row = {
            "account_id": f"ACC-{i:07d}",
            "name": f"{rng.choice(_PREFIX)} {rng.choice(_SUFFIX)} {i}",
            "industry": rng.choices(industries, weights)[0],
            "employees": str(employees),
            "annual_revenue": str(round(employees * rng.uniform(150_000, 400_000), -3)),
            "arr_potential": str(int(potential)),
            "tech_fit": _pick(rng, _FIT, quality),
            "buying_stage": _pick(rng, _STAGES, quality * 0.9),
            "competitive_position": _pick(rng, _POSITIONS, quality),
            "is_customer": "yes" if customer else "no",
            "current_arr": str(int(current)),
            "pipeline": str(_pipeline(rng, potential, quality)),
            "engagement_score": str(engagement),
            "last_activity_date": (BASE_DATE - timedelta(days=idle)).isoformat(),
            "engaged_contacts": str(max(0, int(rng.gauss(3.5 * quality, 1.0)))),
            "executive_contacts": str(max(0, int(rng.gauss(1.8 * quality, 0.6)))),
            "intent_surge": f"{max(0.1, rng.lognormvariate(0, 0.45)):.2f}",
            "owner": f"005A0000000{rng.randrange(OWNER_COUNT):04d}",
            "region": rng.choice(_REGIONS),
        }
        _roughen(rng, row)
        yield row


def _pipeline(rng: random.Random, potential: float, quality: float) -> int:
    """Open pipeline: most accounts have none; better ones carry part of their potential."""
    if rng.random() > quality + 0.1:
        return 0
    return int(round(potential * rng.uniform(0.05, 0.6), -3))


def _roughen(rng: random.Random, row: dict[str, str]) -> None:
    """Make a few cells look like real CRM exports: '$450K', '1,200', blanks."""
    roll = rng.random()
    if roll < 0.03:
        row["arr_potential"] = f"${int(row['arr_potential']) // 1000}K"
    elif roll < 0.05:
        row["employees"] = f"{int(row['employees']):,}"
    elif roll < 0.08:
        row[rng.choice(("tech_fit", "buying_stage", "engagement_score", "employees"))] = ""


def write_sample_csv(path: str | Path, n: int, seed: int = 7) -> Path:
    """Write n synthetic accounts to a CSV file and return its path."""
    target = Path(path)
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(INPUT_FIELDS))
        writer.writeheader()
        writer.writerows(generate_rows(n, seed))
    return target
