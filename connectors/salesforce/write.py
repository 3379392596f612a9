"""Writing changed outputs: sObject Collections for small deltas, Bulk 2.0 ingest for large ones."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from connectors.base import RecordFailure, WriteReport
from connectors.errors import BudgetExceeded, RetriableError
from connectors.retry import call_with_retry
from connectors.salesforce.bulk import ingest_update
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.records import Change

#: sObject Collections takes at most 200 records a call.
COLLECTION_SIZE = 200
#: Rows per Bulk 2.0 ingest job: ~300 bytes a row keeps a job far below the 100 MB upload cap.
BULK_JOB_ROWS = 150_000
#: Per-record codes worth another try: the row was busy, not wrong.
RETRY_CODES = frozenset({"UNABLE_TO_LOCK_ROW"})


class SalesforceBudgetExceeded(BudgetExceeded):
    """The API budget stopped writing; `report` holds exactly what was written before."""

    def __init__(self, message: str, report: WriteReport) -> None:
        super().__init__(message, report)
        self.report: WriteReport = report


def write_changes(client: SalesforceClient, changes: Iterable[Change], report: WriteReport) -> None:
    """Send changes by Collections, switching to Bulk 2.0 once the delta passes the threshold."""
    threshold = client.config.bulk_write_threshold
    buffer: list[Change] = []
    bulk = False
    for change in changes:
        buffer.append(change)
        if not bulk and len(buffer) > threshold:
            bulk = True  # Large delta: a handful of job calls beats len/200 Collections calls.
        if bulk and len(buffer) >= BULK_JOB_ROWS:
            _bulk(client, buffer, report)
            buffer = []
    if bulk:
        if buffer:
            _bulk(client, buffer, report)
        return
    for start in range(0, len(buffer), COLLECTION_SIZE):
        _collection(client, buffer[start : start + COLLECTION_SIZE], report)


def _bulk(client: SalesforceClient, changes: Sequence[Change], report: WriteReport) -> None:
    columns = list(dict.fromkeys(name for c in changes for name in c.values))
    rows = [{"Id": c.account_id, **c.values} for c in changes]
    outcome = ingest_update(client, rows, columns)
    locked = {f.account_id for f in outcome.failures if f.code in RETRY_CODES}
    report.failures.extend(f for f in outcome.failures if f.code not in RETRY_CODES)
    report.written_ids.extend(outcome.written_ids)
    report.written += outcome.written
    # Rows the job could not lock get the same patient retry as Collections rows.
    retry = [c for c in changes if c.account_id in locked]
    for start in range(0, len(retry), COLLECTION_SIZE):
        _collection(client, retry[start : start + COLLECTION_SIZE], report)


def _payload(changes: Sequence[Change]) -> dict[str, Any]:
    records = [{"attributes": {"type": "Account"}, "id": c.account_id, **c.values} for c in changes]
    return {"allOrNone": False, "records": records}


def _failure(account_id: str, result: Mapping[str, Any]) -> RecordFailure:
    errors = result.get("errors") or [{}]
    first = errors[0]
    fields = tuple(f for e in errors for f in e.get("fields") or ())
    message = "; ".join(str(e.get("message", "")) for e in errors)
    return RecordFailure(account_id, str(first.get("statusCode", "UNKNOWN")), message, fields)


def _collection(client: SalesforceClient, chunk: Sequence[Change], report: WriteReport) -> None:
    """PATCH one chunk; retry whole-call faults and locked rows; every row ends up reported."""
    pending = list(chunk)
    last: dict[str, RecordFailure] = {}

    def attempt() -> None:
        nonlocal pending
        client.check_budget()
        results = client.rest("composite/sobjects", "PATCH", retry=False, json=_payload(pending))
        retry: list[Change] = []
        for change, result in zip(pending, results, strict=True):
            if result.get("success"):
                report.written_ids.append(change.account_id)
                report.written += 1
                continue
            failure = _failure(change.account_id, result)
            if failure.code in RETRY_CODES:
                last[change.account_id] = failure
                retry.append(change)
            else:
                report.failures.append(failure)
        pending = retry
        if pending:
            raise RetriableError(f"{len(pending)} account(s) locked by another transaction")

    try:
        call_with_retry(attempt, sleep=client.sleep)
    except RetriableError as exc:
        # Out of retries: the rows are reported, and the next chunk still goes out.
        for change in pending:
            fallback = RecordFailure(change.account_id, "RETRY_EXHAUSTED", str(exc))
            report.failures.append(last.get(change.account_id, fallback))
