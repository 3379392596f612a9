"""Reading accounts: REST pagination, Bulk 2.0 query jobs, incremental watermark, ids, roll-ups."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import responses

from connectors.errors import ConfigError, FatalError
from connectors.salesforce.read import ID_CHUNK
from scoring import Outputs
from tests.connectors.sf_helpers import (
    API,
    INSTANCE,
    NOW,
    QUERY,
    add_query,
    fixture,
    fixture_text,
    make_config,
    make_connector,
    query_page,
    sf_id,
    soql_of,
)

SELECT = (
    "SELECT Id, Name, Industry, NumberOfEmployees, AnnualRevenue, ARR_Potential__c, Tech_Fit__c, "
    "Buying_Stage__c, Competitive_Position__c, Is_Customer__c, Current_ARR__c, Open_Pipeline__c, "
    "Engagement_Score__c, LastActivityDate, Engaged_Contacts__c, Executive_Contacts__c, "
    "Intent_Surge__c, OwnerId, Region__c, Tier__c, Tier_Score__c, Health_Status__c, "
    "Next_Action__c, Tier_Reason__c, Tier_Override__c, SystemModstamp FROM Account"
)


def _org_pages(rsps: responses.RequestsMock) -> None:
    add_query(rsps, "COUNT()", fixture("count_small.json"))
    add_query(rsps, "SELECT Id, Name", fixture("accounts_page_1.json"))
    rsps.add(
        responses.GET, f"{API}/query/0r8xx3Z7aKo5uDAAQ-1", json=fixture("accounts_page_2.json")
    )
    rsps.add(
        responses.GET,
        f"{API}/query/0r8xx3Z7aKo5uDAAQ-2",
        json=fixture("accounts_page_last.json"),
        headers={"Sforce-Limit-Info": "api-usage=25/15000"},
    )


@responses.activate
def test_full_read_follows_next_records_url_page_by_page() -> None:
    _org_pages(responses.mock)
    connector = make_connector()
    records = connector.iter_accounts()
    first = next(records)
    # Lazy: only the count and the first page have been fetched so far.
    assert connector.api_calls == 2
    rest = list(records)
    assert [r.account_id for r in [first, *rest]] == [
        "001Dn00000A1cmeIAB",
        "001Dn00000B2xyzIAB",
        "001Dn00000C3qrsIAB",
    ]
    assert connector.api_calls == 4
    assert soql_of(responses.calls[1].request) == SELECT
    assert first.get("employees") == 15000
    assert first.get("is_customer") is True
    assert first.current.tier == "Tier 1"
    assert rest[1].current == Outputs(
        "Tier 2", 61.5, "At Risk", "Executive outreach to re-engage", "old reason"
    )
    assert rest[1].tier_override == "Tier 1"
    assert responses.calls[0].request.headers["Authorization"].startswith("Bearer 00DDn")
    assert connector.client.usage == (25, 15000)
    # The newest SystemModstamp read (before the read's start) becomes the watermark.
    assert connector.watermark == datetime(2024, 6, 1, 9, 0, tzinfo=UTC)


INTEGRATION_USER = "005Dn0000001AbcIAE"


def answer_integration_user() -> None:
    """Answer the lookup of the integration user's id, shaped like a REST query result."""
    url = f"/services/data/v60.0/sobjects/User/{INTEGRATION_USER}"
    user = {"attributes": {"type": "User", "url": url}, "Id": INTEGRATION_USER}
    add_query(responses.mock, "FROM User", {"totalSize": 1, "done": True, "records": [user]})


@responses.activate
def test_incremental_read_leaves_out_own_writes_and_caps_watermark_at_start() -> None:
    answer_integration_user()
    add_query(responses.mock, "COUNT()", {"totalSize": 1, "done": True, "records": []})
    future = dict(fixture("accounts_page_last.json")["records"][0])
    future["SystemModstamp"] = "2024-06-03T02:07:00.000+0000"  # server clock ahead of ours
    add_query(responses.mock, "SELECT Id", query_page([future]))
    connector = make_connector(make_config(username="tiersync@acme.example"))
    # the sync passes the bookmark with its lag window already taken off
    assert len(list(connector.iter_accounts("2024-06-02T01:55:00+00:00"))) == 1
    assert "FROM User WHERE Username = " in soql_of(responses.calls[0].request)
    where = (
        f" WHERE SystemModstamp > 2024-06-02T01:55:00Z AND LastModifiedById != '{INTEGRATION_USER}'"
    )
    assert soql_of(responses.calls[1].request) == "SELECT COUNT() FROM Account" + where
    assert soql_of(responses.calls[2].request) == SELECT + where
    assert connector.watermark == NOW
    assert connector.next_bookmark() == NOW.isoformat()


@responses.activate
def test_incremental_read_with_nothing_new_keeps_the_watermark() -> None:
    since = datetime(2024, 6, 2, 2, 0, tzinfo=UTC)
    answer_integration_user()
    add_query(responses.mock, "COUNT()", {"totalSize": 0, "done": True, "records": []})
    add_query(responses.mock, "SELECT Id", query_page([]))
    connector = make_connector(make_config(username="tiersync@acme.example"))
    assert list(connector.iter_accounts(since.isoformat())) == []
    assert connector.watermark == since


@responses.activate
def test_large_org_reads_through_a_bulk_query_job_with_locator_paging() -> None:
    add_query(responses.mock, "COUNT()", fixture("count_large.json"))
    jobs = f"{API}/jobs/query"
    job = f"{jobs}/750Dn00000QueryJAB"
    responses.add(responses.POST, jobs, json=fixture("bulk_query_create.json"))
    responses.add(responses.GET, job, json=fixture("bulk_query_in_progress.json"))
    responses.add(responses.GET, job, json=fixture("bulk_query_complete.json"))
    responses.add(
        responses.GET,
        f"{job}/results",
        body=fixture_text("bulk_query_results_page_1.csv"),
        headers={"Sforce-Locator": "MjAwMDAw", "Sforce-NumberOfRecords": "2"},
        content_type="text/csv",
        match=[responses.matchers.query_param_matcher({"maxRecords": "50000"})],
    )
    responses.add(
        responses.GET,
        f"{job}/results",
        body=fixture_text("bulk_query_results_page_last.csv"),
        headers={"Sforce-Locator": "null", "Sforce-NumberOfRecords": "1"},
        content_type="text/csv",
        match=[
            responses.matchers.query_param_matcher({"maxRecords": "50000", "locator": "MjAwMDAw"})
        ],
    )
    sleeps: list[float] = []
    connector = make_connector(sleeps=sleeps)
    records = list(connector.iter_accounts())
    assert [r.get("name") for r in records] == ["Acme Corp", "Globex, Inc.", "Initech"]
    assert records[1].get("current_arr") is None  # an empty CSV cell is a missing value
    assert records[1].current == Outputs()
    assert records[0].current.score == 100.0
    assert records[2].tier_override == "Tier 1"
    created = responses.calls[1].request
    assert created.method == "POST"
    assert responses.calls[1].response.json()["state"] == "UploadComplete"
    assert json.loads(created.body) == {
        "operation": "query",
        "query": SELECT,
        "contentType": "CSV",
        "columnDelimiter": "COMMA",
        "lineEnding": "LF",
    }
    assert sleeps == [1.0]  # one wait while the job was InProgress
    assert connector.api_calls == 6  # count, create, 2 polls, 2 result pages
    assert connector.watermark == datetime(2024, 6, 1, 9, 0, tzinfo=UTC)


@responses.activate
def test_failed_bulk_query_job_is_a_fatal_error() -> None:
    add_query(responses.mock, "COUNT()", fixture("count_large.json"))
    responses.add(responses.POST, f"{API}/jobs/query", json=fixture("bulk_query_create.json"))
    failed = {**fixture("bulk_query_complete.json"), "state": "Failed", "errorMessage": "boom"}
    responses.add(responses.GET, f"{API}/jobs/query/750Dn00000QueryJAB", json=failed)
    with pytest.raises(FatalError, match="Bulk query job 750Dn00000QueryJAB Failed: boom"):
        list(make_connector().iter_accounts())


@responses.activate
def test_read_ids_rejects_injection_before_sending_anything() -> None:
    connector = make_connector()
    ids = ["001Dn00000A1cmeIAB", "001Dn00000A1cmeIAB') OR Name LIKE ('%"]
    with pytest.raises(ConfigError, match="is not a Salesforce record id"):
        list(connector.read_ids(ids))
    assert len(responses.calls) == 0


@responses.activate
def test_read_ids_chunks_and_quotes_ids() -> None:
    ids = [sf_id(n) for n in range(ID_CHUNK + 1)]
    rows = fixture("accounts_page_1.json")["records"]
    responses.add(responses.GET, QUERY, json=query_page(rows))
    responses.add(responses.GET, QUERY, json=query_page([]))
    connector = make_connector()
    got = list(connector.read_ids([*ids, ids[0]]))  # duplicates are read once
    assert [r.account_id for r in got] == ["001Dn00000A1cmeIAB"]
    first, second = (soql_of(c.request) for c in responses.calls)
    assert first.startswith(SELECT + " WHERE Id IN ('001Dn0000000000IAB','001Dn0000000001IAB',")
    assert first.count("'") == 2 * ID_CHUNK
    assert second == SELECT + f" WHERE Id IN ('{sf_id(ID_CHUNK)}')"
    assert connector.api_calls == 2


@responses.activate
def test_rollups_feed_pipeline_and_won_arr_from_opportunities() -> None:
    add_query(responses.mock, "COUNT()", fixture("count_small.json"))
    rows = fixture("accounts_page_1.json")["records"] + fixture("accounts_page_2.json")["records"]
    add_query(responses.mock, "FROM Account", query_page(rows))
    add_query(responses.mock, "FROM Opportunity", fixture("rollup_opportunities.json"))
    connector = make_connector(make_config(rollups=True))
    acme, globex = list(connector.iter_accounts())
    assert acme.get("pipeline") == 180000.0
    assert acme.get("current_arr") == 250000.0
    assert globex.get("pipeline") == 0.0  # no opportunities: a known zero
    account_soql = soql_of(responses.calls[1].request)
    assert "Open_Pipeline__c" not in account_soql and "Current_ARR__c" not in account_soql
    assert soql_of(responses.calls[2].request) == (
        "SELECT AccountId, IsWon, SUM(Amount) total FROM Opportunity WHERE AccountId IN "
        "('001Dn00000A1cmeIAB','001Dn00000B2xyzIAB') AND (IsClosed = false OR IsWon = true) "
        "GROUP BY AccountId, IsWon"
    )


@responses.activate
def test_check_accepts_the_org_that_has_the_metadata() -> None:
    responses.add(
        responses.GET, f"{API}/sobjects/Account/describe", json=fixture("describe_account.json")
    )
    connector = make_connector()
    connector.check()
    assert connector.api_calls == 1


@responses.activate
def test_check_names_missing_fields_and_picklist_gaps() -> None:
    describe = fixture("describe_account.json")
    describe["fields"] = [f for f in describe["fields"] if f["name"] != "Tier_Reason__c"]
    for field in describe["fields"]:
        if field["name"] == "Health_Status__c":
            field["picklistValues"] = field["picklistValues"][:2]
    responses.add(responses.GET, f"{API}/sobjects/Account/describe", json=describe)
    with pytest.raises(ConfigError) as info:
        make_connector().check()
    assert "Tier_Reason__c does not exist on Account" in str(info.value)
    assert "Health_Status__c picklist lacks Critical" in str(info.value)


@responses.activate
def test_unknown_field_in_config_surfaces_as_config_error() -> None:
    add_query(responses.mock, "COUNT()", fixture("count_small.json"))
    add_query(responses.mock, "SELECT", fixture("error_invalid_field.json"), status=400)
    config = make_config(field_map={"name": "Name", "region": "Foo__c"})
    with pytest.raises(ConfigError, match="INVALID_FIELD: \nSELECT Id, Name, Foo__c"):
        list(make_connector(config).iter_accounts())
    assert INSTANCE in responses.calls[1].request.url
