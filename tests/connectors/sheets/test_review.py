"""The sheet's Reassessment and Review tabs, and the opt-in Proposed Tier column."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import responses

from connectors.sheets.connector import SheetsConfig, SheetsConnector
from connectors.sheets.layout import reassessment_rows
from scoring import DEFAULT_MODEL, Proposal, Result
from tests.connectors.sheets_helpers import KEY, FakeSheets, real_client

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeSheets]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeSheets().install(rsps)


def connector(fake: FakeSheets, **settings: object) -> SheetsConnector:
    config = SheetsConfig.from_mapping({"spreadsheet_key": KEY, **settings}, {})
    return SheetsConnector(config, client=real_client(), sleep=lambda _: None, clock=lambda: NOW)


def initialised(fake: FakeSheets) -> SheetsConnector:
    fake.add_tab("Accounts", [["Account ID"]])
    conn = connector(fake)
    conn.init_tabs()
    return conn


def test_the_reassessment_tab_lists_every_rule_with_its_tiers(fake: FakeSheets) -> None:
    initialised(fake)
    rows = fake.values("Reassessment")
    assert rows[0] == ["Rule", "From", "To", "Field", "Value", "Label"]
    assert rows[1:5] == [
        ["upgrade trigger", "Tier 2", "Tier 1", "Intent Surge", 3, "intent surge >= 3x baseline"],
        ["upgrade trigger", "Tier 2", "Tier 1", "Pipeline", 150000,
         "deal potential >= $150K discovered"],
        ["upgrade trigger", "Tier 2", "Tier 1", "Engaged Contacts", 3, "3+ stakeholders engaged"],
        ["upgrade trigger", "Tier 2", "Tier 1", "Executive Contacts", 2,
         "2+ executive relationships"],
    ]  # fmt: skip
    assert rows[5][:5] == ["inactivity", "Tier 1, Tier 2, Tier 3", "one tier down",
                           "Last Activity", 180]  # fmt: skip
    assert [r[:5] for r in rows[6:]] == [
        ["hysteresis", "", "", "", 5],
        ["review cadence", "", "", "", 90],
        ["capacity", "Tier 1", "Tier 2", "", ""],
    ]


def test_editing_the_reassessment_tab_changes_the_model(fake: FakeSheets) -> None:
    conn = initialised(fake)
    tab = fake.tabs["Reassessment"]
    tab.set(1, 1, "Tier 2, Tier 3")  # the intent trigger also lifts Tier 3 accounts
    tab.set(7, 4, 30)  # reviews every 30 days
    model, lines = conn.model.read_model_sheet().validate()
    assert lines == [] and model is not None
    first = model.reassessment.upgrade_triggers[0]
    assert (first.from_tiers, first.to_tier) == (("Tier 2", "Tier 3"), "Tier 1")
    assert model.reassessment.review_days == 30


def test_a_wrong_tier_in_the_reassessment_tab_names_its_cell(fake: FakeSheets) -> None:
    conn = initialised(fake)
    fake.tabs["Reassessment"].set(2, 2, "Tier 0")
    fake.tabs["Reassessment"].set(3, 0, "upgrade triger")
    _, lines = conn.model.read_model_sheet().validate()
    assert "Reassessment!C3: unknown tier 'Tier 0' (tiers: Tier 1, Tier 2, Tier 3, Tier 4)" in [
        str(line) for line in lines
    ]
    assert any(str(line).startswith('Reassessment!A4: unknown rule "upgrade triger"')
               for line in lines)  # fmt: skip


def test_a_sheet_without_the_tab_keeps_the_default_rules(fake: FakeSheets) -> None:
    initialised(fake)
    del fake.tabs["Reassessment"]
    later = connector(fake)  # the next run fetches the sheet's tabs afresh
    assert later.model.read_model()["reassessment"] == DEFAULT_MODEL["reassessment"]


def test_rows_of_an_older_model_name_the_tiers_of_the_upgrade_section() -> None:
    data = copy.deepcopy(DEFAULT_MODEL["reassessment"])
    for trigger in data["upgrade"]["triggers"]:
        del trigger["from"], trigger["to"]
    data["upgrade"] |= {"from": ["Tier 2"], "to": "Tier 1"}
    assert reassessment_rows(data) == reassessment_rows(DEFAULT_MODEL["reassessment"])


def test_the_review_tab_is_replaced_in_one_call(fake: FakeSheets) -> None:
    conn = initialised(fake)
    before = fake.count("batchUpdate")
    conn.status.write_review([["reviews every 90 days"], ["Review ID", "Account ID"], [7, "001A"]])
    assert fake.values("Review") == [["reviews every 90 days"], ["Review ID", "Account ID"],
                                     [7, "001A"]]  # fmt: skip
    assert fake.count("batchUpdate") == before + 1


def test_the_proposed_tier_column_is_written_only_when_configured(fake: FakeSheets) -> None:
    proposal = Proposal("Tier 1", "Tier 2", "score 68.0 fell below Tier 1",
                        date(2026, 1, 2), date(2026, 4, 1))  # fmt: skip
    held = Result("001A", "Tier 1", 68.0, "Healthy", "QBR", "held", proposal=proposal)
    plain = Result("001B", "Tier 3", 45.0, "Healthy", "Nurture", "r")
    fake.add_tab("Accounts", [["Account ID"], ["001A"], ["001B"]])
    conn = connector(fake, output_headers={"proposed_tier": "Proposed Tier"})
    conn.check()
    records = {r.account_id: r for r in conn.iter_accounts()}
    conn.write_results([(records["001A"], held), (records["001B"], plain)])
    rows = fake.values("Accounts")
    col = rows[0].index("Proposed Tier")
    assert rows[1][col] == "Tier 2 at the 2026-04-01 review: score 68.0 fell below Tier 1"
    assert len(rows[2]) <= col or rows[2][col] == ""
    default = connector(fake)
    assert "proposed_tier" not in default.config.output_headers
