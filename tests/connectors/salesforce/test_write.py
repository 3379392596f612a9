"""Writing results: diff-only, 200 a call, per-record failures, retries, budget, Bulk 2.0 ingest."""

from __future__ import annotations

import json

import pytest
import responses

from connectors.base import RecordFailure
from connectors.salesforce.connector import SalesforceBudgetExceeded
from connectors.salesforce.write import COLLECTION_SIZE
from scoring import Outputs
from tests.connectors.sf_helpers import (
    API,
    COLLECTIONS,
    collections_answer,
    fixture,
    fixture_text,
    make_config,
    make_connector,
    pairs_changed,
    pairs_unchanged,
    record,
    result,
    sent_batches,
    sf_id,
)


@responses.activate
def test_nothing_changed_makes_zero_calls() -> None:
    connector = make_connector()
    report = connector.write_results(pairs_unchanged(sf_id(n) for n in range(500)))
    assert report.unchanged == 500
    assert report.written == 0
    assert report.api_calls == 0
    assert len(responses.calls) == 0


@responses.activate
def test_only_changed_accounts_and_fields_are_sent() -> None:
    responses.add_callback(responses.PATCH, COLLECTIONS, callback=collections_answer())
    moved = pairs_changed([sf_id(1)])
    edited_res = result(sf_id(2), reason="Tier 2 at 62.5: new reason")
    edited = (record(sf_id(2), result(sf_id(2)).outputs), edited_res)
    report = make_connector().write_results([*pairs_unchanged([sf_id(0)]), *moved, edited])
    assert sent_batches(responses.mock) == [
        [
            {
                "attributes": {"type": "Account"},
                "id": sf_id(1),
                "Tier__c": "Tier 2",
                "Tier_Score__c": 62.5,
                "Tier_Changed_On__c": "2024-06-03",
            },
            {
                "attributes": {"type": "Account"},
                "id": sf_id(2),
                "Tier_Reason__c": "Tier 2 at 62.5: new reason",
            },
        ]
    ]
    assert json.loads(responses.calls[0].request.body)["allOrNone"] is False
    assert report.written == 2
    assert report.written_ids == [sf_id(1), sf_id(2)]
    assert report.unchanged == 1
    assert report.api_calls == 1


@responses.activate
def test_changes_go_out_200_a_call() -> None:
    responses.add_callback(responses.PATCH, COLLECTIONS, callback=collections_answer())
    report = make_connector().write_results(pairs_changed(sf_id(n) for n in range(450)))
    assert [len(batch) for batch in sent_batches(responses.mock)] == [200, 200, 50]
    assert report.written == 450
    assert report.api_calls == 3


@responses.activate
def test_one_record_failing_validation_while_199_succeed() -> None:
    bad = sf_id(137)
    failure = fixture("collections_item_failure.json")
    responses.add_callback(
        responses.PATCH, COLLECTIONS, callback=collections_answer({bad: failure})
    )
    report = make_connector().write_results(pairs_changed(sf_id(n) for n in range(COLLECTION_SIZE)))
    assert report.written == 199
    assert bad not in report.written_ids
    assert report.failures == [
        RecordFailure(
            bad,
            "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            "Tier Score must be between 0 and 100",
            ("Tier_Score__c",),
        )
    ]
    assert report.api_calls == 1  # a rejected record is reported, not retried


@responses.activate
def test_mixed_collection_response_reports_failures_and_retries_only_the_locked_row() -> None:
    ids = ["001Dn00000A1cmeIAB", "001Dn00000B2xyzIAB", "001Dn00000C3qrsIAB"]
    responses.add(responses.PATCH, COLLECTIONS, json=fixture("collections_mixed.json"))
    responses.add(
        responses.PATCH, COLLECTIONS, json=[{"id": ids[2], "success": True, "errors": []}]
    )
    sleeps: list[float] = []
    report = make_connector(sleeps=sleeps).write_results(pairs_changed(ids))
    first, second = sent_batches(responses.mock)
    assert [r["id"] for r in first] == ids
    assert [r["id"] for r in second] == [ids[2]]
    assert report.written_ids == [ids[0], ids[2]]
    assert [(f.account_id, f.code, f.fields) for f in report.failures] == [
        (ids[1], "FIELD_CUSTOM_VALIDATION_EXCEPTION", ("Next_Action__c",))
    ]
    assert len(sleeps) == 1 and sleeps[0] > 0


@responses.activate
def test_a_row_locked_on_every_attempt_is_reported_and_the_next_chunk_still_goes() -> None:
    locked = fixture("collections_mixed.json")[2]
    ids = [sf_id(n) for n in range(COLLECTION_SIZE + 1)]
    responses.add_callback(
        responses.PATCH, COLLECTIONS, callback=collections_answer({ids[0]: locked})
    )
    sleeps: list[float] = []
    report = make_connector(sleeps=sleeps).write_results(pairs_changed(ids))
    assert report.written == COLLECTION_SIZE
    assert [(f.account_id, f.code) for f in report.failures] == [(ids[0], "UNABLE_TO_LOCK_ROW")]
    # first chunk: 5 attempts (1 full + 4 retries of the locked row); second chunk: 1 call
    assert [len(b) for b in sent_batches(responses.mock)] == [200, 1, 1, 1, 1, 1]
    assert len(sleeps) == 4


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (403, "error_request_limit.json"),
        (503, "error_server_unavailable.json"),
        (429, "error_request_limit.json"),
    ],
)
@responses.activate
def test_passing_faults_back_off_and_retry(status: int, body: str) -> None:
    responses.add(responses.PATCH, COLLECTIONS, json=fixture(body), status=status)
    responses.add_callback(responses.PATCH, COLLECTIONS, callback=collections_answer())
    sleeps: list[float] = []
    report = make_connector(sleeps=sleeps).write_results(pairs_changed([sf_id(1), sf_id(2)]))
    assert report.written == 2
    assert report.api_calls == 2
    assert len(sleeps) == 1 and 0.5 <= sleeps[0] <= 1.5  # first backoff: 0.5 s + jitter


@responses.activate
def test_timeouts_are_retried() -> None:
    import requests

    responses.add(responses.PATCH, COLLECTIONS, body=requests.ReadTimeout("read timed out"))
    responses.add_callback(responses.PATCH, COLLECTIONS, callback=collections_answer())
    sleeps: list[float] = []
    report = make_connector(sleeps=sleeps).write_results(pairs_changed([sf_id(1)]))
    assert report.written == 1
    assert len(sleeps) == 1


@responses.activate
def test_a_chunk_that_keeps_failing_is_reported_and_the_others_are_written() -> None:
    for _ in range(5):
        responses.add(
            responses.PATCH, COLLECTIONS, json=fixture("error_server_unavailable.json"), status=503
        )
    responses.add_callback(responses.PATCH, COLLECTIONS, callback=collections_answer())
    ids = [sf_id(n) for n in range(COLLECTION_SIZE + 10)]
    report = make_connector().write_results(pairs_changed(ids))
    assert report.written == 10
    assert len(report.failures) == COLLECTION_SIZE
    assert report.failures[0].code == "RETRY_EXHAUSTED"
    assert "SERVER_UNAVAILABLE" in report.failures[0].message
    assert report.api_calls == 6


@responses.activate
def test_invalid_values_are_reported_and_never_sent() -> None:
    responses.add_callback(responses.PATCH, COLLECTIONS, callback=collections_answer())
    garbage = result(sf_id(1), tier="Tier 7")
    report = make_connector().write_results(
        [(record(sf_id(1)), garbage), *pairs_changed([sf_id(2)])]
    )
    assert [[r["id"] for r in b] for b in sent_batches(responses.mock)] == [[sf_id(2)]]
    assert report.failures[0].account_id == sf_id(1)
    assert report.failures[0].fields == ("Tier__c",)


@responses.activate
def test_text_that_looks_like_soql_is_sent_as_plain_json_data() -> None:
    responses.add_callback(responses.PATCH, COLLECTIONS, callback=collections_answer())
    sneaky = "'; DELETE FROM Account WHERE Id != '"
    res = result(sf_id(1), next_action=sneaky)
    make_connector().write_results([(record(sf_id(1), Outputs()), res)])
    (batch,) = sent_batches(responses.mock)
    assert batch[0]["Next_Action__c"] == sneaky
    assert all(c.request.method == "PATCH" for c in responses.calls)


@responses.activate
def test_budget_share_stops_writing_with_what_was_written_reported() -> None:
    # The first write reports 81% of the daily limit used; the configured share is 80%.
    responses.add(
        responses.PATCH,
        COLLECTIONS,
        json=[{"id": sf_id(n), "success": True, "errors": []} for n in range(COLLECTION_SIZE)],
        headers={"Sforce-Limit-Info": "api-usage=81000/100000"},
    )
    connector = make_connector(make_config(budget_share=0.8))
    with pytest.raises(SalesforceBudgetExceeded, match="81000/100000 daily calls used") as info:
        connector.write_results(pairs_changed(sf_id(n) for n in range(COLLECTION_SIZE * 2)))
    assert len(sent_batches(responses.mock)) == 1
    assert info.value.report.written == COLLECTION_SIZE
    assert info.value.report.api_calls == 1
    assert "writing stopped" in info.value.report.notes[0]


@responses.activate
def test_daily_limit_exhausted_is_budget_exceeded_not_retried() -> None:
    responses.add(
        responses.PATCH, COLLECTIONS, json=fixture("error_total_requests.json"), status=403
    )
    sleeps: list[float] = []
    with pytest.raises(SalesforceBudgetExceeded, match="TotalRequests Limit exceeded"):
        make_connector(sleeps=sleeps).write_results(pairs_changed([sf_id(1)]))
    assert sleeps == []
    assert len(responses.calls) == 1


@responses.activate
def test_large_delta_goes_through_one_bulk_ingest_job() -> None:
    ids = ["001Dn00000A1cmeIAB", "001Dn00000B2xyzIAB", "001Dn00000C3qrsIAB"]
    jobs = f"{API}/jobs/ingest"
    job = f"{jobs}/750Dn00000IngstJAB"
    responses.add(responses.POST, jobs, json=fixture("bulk_ingest_create.json"))
    responses.add(responses.PUT, f"{job}/batches", status=201)
    responses.add(responses.PATCH, job, json=fixture("bulk_ingest_closed.json"))
    responses.add(responses.GET, job, json=fixture("bulk_ingest_complete.json"))
    responses.add(
        responses.GET,
        f"{job}/failedResults",
        body=fixture_text("bulk_ingest_failed_results.csv"),
        content_type="text/csv",
    )
    # The locked row gets the Collections retry path.
    responses.add(
        responses.PATCH, COLLECTIONS, json=[{"id": ids[2], "success": True, "errors": []}]
    )
    sleeps: list[float] = []
    connector = make_connector(make_config(bulk_write_threshold=2), sleeps=sleeps)
    pairs = pairs_changed(ids)
    report = connector.write_results(pairs)
    create = json.loads(responses.calls[0].request.body)
    assert create == {
        "object": "Account",
        "operation": "update",
        "contentType": "CSV",
        "columnDelimiter": "COMMA",
        "lineEnding": "LF",
    }
    upload = responses.calls[1].request
    assert upload.headers["Content-Type"] == "text/csv"
    assert upload.body.decode() == (
        "Id,Tier__c,Tier_Score__c,Tier_Changed_On__c\n"
        + "".join(f"{i},Tier 2,62.5,2024-06-03\n" for i in ids)
    )
    assert json.loads(responses.calls[2].request.body) == {"state": "UploadComplete"}
    assert report.failures == [
        RecordFailure(
            ids[1],
            "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            "Next Action is required for Tier 1 accounts",
            ("Next_Action__c",),
        )
    ]
    assert sorted(report.written_ids) == [ids[0], ids[2]]
    assert report.written == 2
    # create, upload, close, poll, failedResults, one Collections retry of the locked row
    assert report.api_calls == 6
    assert sleeps == []


@responses.activate
def test_unprocessed_rows_of_an_aborted_ingest_job_are_reported() -> None:
    ids = [sf_id(1), sf_id(2)]
    jobs = f"{API}/jobs/ingest"
    job = f"{jobs}/750Dn00000IngstJAB"
    responses.add(responses.POST, jobs, json=fixture("bulk_ingest_create.json"))
    responses.add(responses.PUT, f"{job}/batches", status=201)
    responses.add(responses.PATCH, job, json=fixture("bulk_ingest_closed.json"))
    aborted = {
        **fixture("bulk_ingest_complete.json"),
        "state": "Aborted",
        "numberRecordsProcessed": 1,
        "numberRecordsFailed": 0,
    }
    responses.add(responses.GET, job, json=fixture("bulk_ingest_closed.json"))
    responses.add(responses.GET, job, json=aborted)
    responses.add(
        responses.GET,
        f"{job}/unprocessedrecords",
        body=f"Id,Tier__c,Tier_Score__c,Tier_Changed_On__c\n{ids[1]},Tier 2,62.5,2024-06-03\n",
        content_type="text/csv",
    )
    sleeps: list[float] = []
    connector = make_connector(make_config(bulk_write_threshold=1), sleeps=sleeps)
    report = connector.write_results(pairs_changed(ids))
    assert report.written_ids == [ids[0]]
    assert report.failures == [RecordFailure(ids[1], "UNPROCESSED", "job Aborted")]
    assert sleeps == [1.0]
