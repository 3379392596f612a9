"""The seeds' worked examples, computed by the product (never hard-coded in it)."""

from __future__ import annotations

from datetime import date

import pytest

from scoring import DEFAULT_MODEL, AccountRecord, Scorer, load_model

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer(load_model(DEFAULT_MODEL), today=TODAY)


def test_acme_corp_scores_89_weighted_and_is_tier_1(scorer: Scorer) -> None:
    # The scorecard's example column: $500K potential, 5,000 employees, financial services
    # target, strong integration potential, active evaluation, displacing a competitor.
    acme = AccountRecord(
        "ACME",
        {
            "arr_potential": "$500K",
            "employees": "5,000",
            "industry": "Financial Services",
            "tech_fit": "Strong",
            "buying_stage": "Evaluating",
            "competitive_position": "Competitive",
            "engagement_score": "82/100",
        },
    )
    result = scorer.score(acme)
    assert result.score == 89.0  # 30*10 + 20*8 + 15*10 + 15*10 + 10*8 + 10*5 = 890 / 10
    assert result.tier == "Tier 1"
    assert result.issues == ()
    assert result.reason.startswith("Tier 1 at 89.0: Revenue Potential 30/30")


# The seed's "Tier 1 Account Performance Dashboard", cell text as printed in the seed.
DASHBOARD = [
    # name, industry, ARR potential, current value, pipeline, engagement, health, next action
    ("Acme Corp", "Financial Services", "$650K", "$0 (prospect)", "$350K", "82/100",
     "Healthy", "Schedule C-level meeting"),
    ("TechGlobal Inc", "Technology", "$480K", "$120K (customer)", "$180K", "91/100",
     "Healthy", "Present expansion proposal"),
    ("Enterprise Co", "Manufacturing", "$425K", "$0 (prospect)", "$95K", "58/100",
     "At Risk", "Re-engage dormant stakeholders"),
    ("DataCorp", "Healthcare", "$380K", "$280K (customer)", "$120K", "76/100",
     "Healthy", "QBR + upsell discussion"),
    ("BigRetail Inc", "Retail", "$520K", "$0 (prospect)", "$0", "34/100",
     "Critical", "Investigate lack of engagement"),
]  # fmt: skip


def _row(name: str, industry: str, potential: str, current: str, pipeline: str, eng: str) -> dict:
    return {
        "name": name,
        "industry": industry,
        "arr_potential": potential,
        "current_arr": current,
        "pipeline": pipeline,
        "engagement_score": eng,
    }


@pytest.mark.parametrize("row", DASHBOARD, ids=[r[0] for r in DASHBOARD])
def test_dashboard_rows_as_tier_1_accounts(scorer: Scorer, row: tuple[str, ...]) -> None:
    # The dashboard lists Tier 1 accounts; it gives no firmographics, so the tier is stated
    # the way a manager states it: a manual override.
    *cells, health, action = row
    record = AccountRecord(cells[0], _row(*cells), tier_override="Tier 1")
    result = scorer.score(record)
    assert (result.tier, result.health, result.next_action) == ("Tier 1", health, action)


@pytest.mark.parametrize("row", DASHBOARD, ids=[r[0] for r in DASHBOARD])
def test_dashboard_rows_with_tier_1_firmographics_score_into_tier_1(
    scorer: Scorer, row: tuple[str, ...]
) -> None:
    *cells, health, action = row
    fields = _row(*cells) | {
        "employees": "12,000",
        "tech_fit": "Strong",
        "buying_stage": "Evaluating",
        "competitive_position": "Greenfield",
    }
    result = scorer.score(AccountRecord(cells[0], fields))
    assert result.score >= 75
    assert (result.tier, result.health, result.next_action) == ("Tier 1", health, action)


def test_tier_2_starts_at_60_per_the_tier_2_seed() -> None:
    model = load_model(DEFAULT_MODEL)
    assert [(t.name, t.min_score) for t in model.tiers][:2] == [("Tier 1", 75), ("Tier 2", 60)]
    s = Scorer(model)
    assert (s.tier_for(59.9), s.tier_for(60.0), s.tier_for(74.9), s.tier_for(75.0)) == (
        "Tier 3",
        "Tier 2",
        "Tier 2",
        "Tier 1",
    )


def test_tier_2_accounts_get_their_vertical_campaign_track(scorer: Scorer) -> None:
    fields = {
        "arr_potential": "250000",
        "employees": "1200",
        "industry": "Professional Services",
        "tech_fit": "Strong",
        "buying_stage": "Evaluating",
        "competitive_position": "Competitive",
        "engagement_score": "60",
    }
    result = scorer.score(AccountRecord("T2", fields))
    assert result.tier == "Tier 2"
    assert result.campaign_track == "Professional Services"
    assert result.next_action == "Re-engage dormant stakeholders"  # At Risk at 60
