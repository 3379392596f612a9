"""The summary names how many accounts Tier 1 capacity pushed to Tier 2, and why."""

from __future__ import annotations

from scoring import DEFAULT_MODEL, Result, Summary, load_model

MODEL = load_model(DEFAULT_MODEL)
OVERFLOW = "Tier 1 capacity reached: lowest scores overflow to Tier 2; Tier 2 at 80.0: ..."


def result(n: int, reason: str, tier: str = "Tier 2") -> Result:
    return Result(f"A{n}", tier, 80.0, "Healthy", "Call", reason)


def test_overflow_is_counted_and_sized_by_the_reps() -> None:
    summary = Summary(MODEL)
    for n in range(30):
        summary.add(result(n, "Tier 1 at 90.0: Revenue Potential 30/30", "Tier 1"), f"rep{n}")
    for n in range(30, 33):
        summary.add(result(n, OVERFLOW), "rep0")
    summary.add(result(99, "Tier 2 at 62.0: ..."), None)
    assert summary.overflowed == 3
    assert summary.capacity_line() == (
        "Tier 1 capacity 450 (30 reps × 15): 3 accounts overflowed to Tier 2"
    )
    assert summary.render().splitlines()[-1] == summary.capacity_line()


def test_no_overflow_no_line() -> None:
    summary = Summary(MODEL)
    summary.add(result(1, "Tier 2 at 62.0: ..."), "rep1")
    assert summary.capacity_line() is None
    assert "capacity" not in summary.render()


def test_an_override_mentioning_capacity_later_is_not_an_overflow() -> None:
    summary = Summary(MODEL)
    summary.add(result(1, "manual override; note: Tier 1 capacity reached last quarter"), "r")
    assert summary.overflowed == 0


def test_without_owners_the_line_still_counts() -> None:
    summary = Summary(MODEL)
    summary.add(result(1, OVERFLOW))
    assert summary.capacity_line() == "Tier 1 capacity: 1 account overflowed to Tier 2"
