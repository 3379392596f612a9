"""A scorer of the default model typed out by hand, and the plain csv -> score -> csv script.

The reference the benchmarks measure tiersync against: what a RevOps engineer would write for
this one scorecard. bench_scorer.py calls `hand_written` per record; bench_score_cli.py runs
this file as a whole process:

    python tests/perf/handwritten.py accounts.csv scored.csv
"""

from __future__ import annotations

import csv
import sys

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
CATEGORIES = ("industry", "tech_fit", "buying_stage", "competitive_position")
INPUTS = ("arr_potential", "employees", *CATEGORIES, "engagement_score")  # reason's missing order


UP = "upgraded Tier 2 → Tier 1: "


def _num(value: object) -> float | None:
    try:
        return parse_number(value)
    except InvalidValue:
        return None


def _cat(text: str | None, table: dict[str, int]) -> int:
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
    industry, fit, stage, position = (parse_text(fields.get(name)) for name in CATEGORIES)
    parts = [
        (revenue * 3.0, "Revenue Potential", 30),
        (size * 2.0, "Company Size", 20),
        (_cat(industry, INDUSTRY) * 1.5, "Industry Alignment", 15),
        (_cat(fit, FIT) * 1.5, "Technology Stack Fit", 15),
        (_cat(stage, STAGE) * 1.0, "Buying Stage", 10),
        (_cat(position, POSITION) * 1.0, "Competitive Position", 10),
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
        if surge >= 3:
            why = UP + f"intent surge >= 3x baseline (intent_surge {surge:g})"
        elif pipeline >= 150_000:
            why = UP + f"deal potential >= $150K discovered (pipeline {pipeline:g})"
        elif contacts >= 3:
            why = UP + f"3+ stakeholders engaged (engaged_contacts {contacts:g})"
        elif execs >= 2:
            why = UP + f"2+ executive relationships (executive_contacts {execs:g})"
        if why:
            tier = "Tier 1"
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
    inputs = (potential, employees, industry, fit, stage, position, engagement)
    if None in inputs:
        missing = [name for name, value in zip(INPUTS, inputs, strict=True) if value is None]
        reason += "; missing: " + ", ".join(missing)
    return tier, score, health, action, reason if len(reason) <= 255 else reason[:254] + "…"


def main(source: str, target: str) -> None:
    """Read accounts with the csv module, score each by hand, write them with five columns."""
    with (
        open(source, newline="", encoding="utf-8") as inp,
        open(target, "w", newline="", encoding="utf-8") as out,
    ):
        reader = csv.reader(inp)
        header = next(reader)
        writer = csv.writer(out)
        writer.writerow([*header, "tier", "score", "health", "next_action", "reason"])
        for cells in reader:
            tier, score, health, action, reason = hand_written(
                dict(zip(header, cells, strict=False))
            )
            writer.writerow([*cells, tier, f"{score:.1f}", health, action, reason])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
