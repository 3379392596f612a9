"""Acceptance: a full sync against the recorded-shape org writes exactly the changed accounts."""

from __future__ import annotations

import responses

from scoring import DEFAULT_MODEL, Scorer, load_model
from tests.connectors.sf_helpers import (
    API,
    COLLECTIONS,
    TODAY,
    add_query,
    collections_answer,
    fixture,
    make_connector,
    sent_batches,
)


def _org(rsps: responses.RequestsMock) -> None:
    add_query(rsps, "COUNT()", fixture("count_small.json"))
    add_query(rsps, "SELECT Id", fixture("accounts_page_1.json"))
    rsps.add(
        responses.GET, f"{API}/query/0r8xx3Z7aKo5uDAAQ-1", json=fixture("accounts_page_2.json")
    )
    rsps.add(
        responses.GET, f"{API}/query/0r8xx3Z7aKo5uDAAQ-2", json=fixture("accounts_page_last.json")
    )


@responses.activate
def test_full_sync_writes_exactly_the_changed_accounts_in_one_call() -> None:
    _org(responses.mock)
    globex = "001Dn00000B2xyzIAB"
    failure = fixture("collections_mixed.json")[1]
    responses.add_callback(
        responses.PATCH, COLLECTIONS, callback=collections_answer({globex: failure})
    )
    scorer = Scorer(load_model(DEFAULT_MODEL), today=TODAY)
    connector = make_connector()
    pairs = [(rec, scorer.score(rec)) for rec in connector.iter_accounts()]
    report = connector.write_results(pairs)

    (batch,) = sent_batches(responses.mock)
    # Acme already holds its outputs; Globex is assessed for the first time; Initech moves
    # to its manual override tier.
    assert [r["id"] for r in batch] == [globex, "001Dn00000C3qrsIAB"]
    assert batch[0] == {
        "attributes": {"type": "Account"},
        "id": globex,
        "Tier__c": "Tier 3",
        "Tier_Score__c": 50.0,
        "Health_Status__c": "At Risk",
        "Next_Action__c": "Programmatic nurture with inside sales follow-up",
        "Tier_Reason__c": pairs[1][1].reason,
        "Tier_Changed_On__c": "2024-06-03",
    }
    assert batch[1]["Tier__c"] == "Tier 1"
    assert "Health_Status__c" not in batch[1]  # already At Risk
    assert report.unchanged == 1
    assert report.written_ids == ["001Dn00000C3qrsIAB"]
    assert [(f.account_id, f.code) for f in report.failures] == [
        (globex, "FIELD_CUSTOM_VALIDATION_EXCEPTION")
    ]
    assert report.api_calls == 1
    assert connector.api_calls == 5  # count, three pages, one write


@responses.activate
def test_an_account_already_holding_its_outputs_sends_nothing() -> None:
    _org(responses.mock)
    scorer = Scorer(load_model(DEFAULT_MODEL), today=TODAY)
    connector = make_connector()
    records = list(connector.iter_accounts())
    acme = records[0]
    report = connector.write_results([(acme, scorer.score(acme))])
    assert report.unchanged == 1
    assert report.api_calls == 0
    assert sent_batches(responses.mock) == []
