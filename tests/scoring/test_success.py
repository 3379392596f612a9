"""Tier 1 success metrics: the seed's bars, checked per account with names below each bar."""

from __future__ import annotations

from datetime import date, timedelta

from scoring.performance import Opportunity
from scoring.success import TIER1_BARS, Account, check_accounts, measure, quarters_covered

# The seed's Tier 1 Account Performance Dashboard, with contacts added.
ACME = Account(
    "A",
    "Acme Corp",
    {"arr_potential": "$650K", "current_arr": "$0 (prospect)", "pipeline": "$350K",
     "engaged_contacts": "7", "executive_contacts": "1"},
)  # fmt: skip
DATACORP = Account(
    "D",
    "DataCorp",
    {"arr_potential": "$380K", "current_arr": "$280K", "pipeline": "$120K",
     "engaged_contacts": 5, "executive_contacts": 2},
)  # fmt: skip
BIGRETAIL = Account("B", "BigRetail Inc", {"arr_potential": "$520K", "pipeline": "$0"})
START = date(2025, 1, 1)


def opp(account: str, days: int, won: bool | None, amount: float) -> Opportunity:
    created = START + timedelta(days=days)
    return Opportunity(account, created, created + timedelta(days=90) if won is not None else None,
                       won, amount)  # fmt: skip


def test_the_seed_bars() -> None:
    assert [(b.label, b.text) for b in TIER1_BARS] == [
        ("Pipeline coverage", ">= 3.0x"),
        ("Stakeholder engagement", ">= 5 contacts"),
        ("Executive relationships", ">= 2 C-level"),
        ("Quarterly pipeline add", ">= $100K"),
        ("Annual win rate", ">= 40%"),
    ]


def test_coverage_is_pipeline_over_a_quarter_of_the_potential_not_yet_won() -> None:
    assert measure(ACME.fields, [], 1.0)["pipeline_coverage"] == 350 / (650 / 4)
    assert measure(DATACORP.fields, [], 1.0)["pipeline_coverage"] == 120 / (100 / 4)
    won_all = {"arr_potential": 100, "current_arr": 100, "pipeline": 50}
    assert measure(won_all, [], 1.0)["pipeline_coverage"] is None


def test_pipeline_added_per_quarter_and_win_rate_come_from_the_opportunities() -> None:
    opps = [opp("A", 0, True, 150_000), opp("A", 100, False, 90_000), opp("A", 364, None, 60_000)]
    assert round(quarters_covered(opps), 2) == 3.99
    values = measure(ACME.fields, opps, quarters_covered(opps))
    assert values["pipeline_added"] == 300_000 / quarters_covered(opps)
    assert values["win_rate"] == 0.5
    assert quarters_covered([]) == quarters_covered(opps[:1]) == 1.0


def test_each_bar_names_the_accounts_below_it_lowest_first() -> None:
    opps = [opp("D", 0, True, 250_000), opp("A", 10, False, 40_000), opp("A", 20, False, 20_000)]
    checks = {c.bar.key: c for c in check_accounts([ACME, DATACORP, BIGRETAIL], opps)}
    coverage = checks["pipeline_coverage"]
    assert coverage.met == ["DataCorp"]
    assert coverage.below == [("BigRetail Inc", 0.0), ("Acme Corp", 350 / 162.5)]
    assert checks["engaged_contacts"].met == ["Acme Corp", "DataCorp"]
    assert checks["engaged_contacts"].unknown == ["BigRetail Inc"]
    assert checks["executive_contacts"].below == [("Acme Corp", 1.0)]
    assert checks["pipeline_added"].below == [("BigRetail Inc", 0.0), ("Acme Corp", 60_000.0)]
    assert checks["win_rate"].met == ["DataCorp"]
    assert checks["win_rate"].below == [("Acme Corp", 0.0)]
    assert checks["win_rate"].unknown == ["BigRetail Inc"]
