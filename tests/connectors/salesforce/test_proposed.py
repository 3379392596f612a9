"""The opt-in Proposed Tier field on Salesforce: read, compared, written only when it changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from connectors.salesforce.records import plan_change, select_fields, to_record
from scoring import Proposal
from tests.connectors.sf_helpers import TODAY, account_row, make_config, result

PROPOSAL = Proposal("Tier 1", "Tier 2", "score 68.0 fell below Tier 1", date(2024, 6, 3),
                    date(2024, 8, 31))  # fmt: skip
TEXT = "Tier 2 at the 2024-08-31 review: score 68.0 fell below Tier 1"


def test_off_by_default_and_read_when_configured() -> None:
    assert "Proposed_Tier__c" not in select_fields(make_config())
    config = make_config(output_fields={**make_config().output_fields,
                                        "proposed_tier": "Proposed_Tier__c"})  # fmt: skip
    assert "Proposed_Tier__c" in select_fields(config)
    record = to_record(account_row("001Dn00000A1cmeIAB", Proposed_Tier__c=TEXT), config)
    assert record.get("proposed_tier") == TEXT


def test_written_when_it_changes_and_cleared_when_the_proposal_goes() -> None:
    config = make_config(output_fields={**make_config().output_fields,
                                        "proposed_tier": "Proposed_Tier__c"})  # fmt: skip
    held = result("001Dn00000A1cmeIAB", proposal=PROPOSAL)
    current = held.outputs
    blank = replace(to_record(account_row("001Dn00000A1cmeIAB"), config), current=current)
    change = plan_change(blank, held, config, TODAY)
    assert change is not None and change.values == {"Proposed_Tier__c": TEXT}
    row = account_row("001Dn00000A1cmeIAB", Proposed_Tier__c=TEXT)
    same = replace(to_record(row, config), current=current)
    assert plan_change(same, held, config, TODAY) is None
    gone = result("001Dn00000A1cmeIAB")
    cleared = plan_change(same, gone, config, TODAY)
    assert cleared is not None and cleared.values == {"Proposed_Tier__c": None}
    assert plan_change(blank, held, make_config(), TODAY) is None  # not configured: untouched
