"""Bulk API 2.0 query and ingest jobs over simple-salesforce's session, polled with backoff."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from simple_salesforce.api import Salesforce
from simple_salesforce.util import call_salesforce

from connectors.base import RecordFailure, WriteReport
from connectors.errors import FatalError
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.names import check_api_name

#: Rows per results page; Salesforce pages by the Sforce-Locator header.
QUERY_PAGE = 50_000
#: Poll waits grow 1, 2, 4 ... up to 10 s; a job still running after this many seconds is stopped.
POLL_CAP = 10.0
POLL_LIMIT = 4 * 3600.0
_DONE = ("JobComplete", "Failed", "Aborted")
_CSV_FORMAT = {"contentType": "CSV", "columnDelimiter": "COMMA", "lineEnding": "LF"}


def _raw(sf: Salesforce, method: str, path: str, timeout: int, **kwargs: Any) -> Any:
    """Send a CSV-bodied or CSV-answering request through simple-salesforce's error handling."""
    headers = dict(sf.headers)
    headers.update(kwargs.pop("headers", {}))
    return call_salesforce(
        sf.base_url + path, method, sf.session, headers, timeout=timeout, **kwargs
    )


def _csv(client: SalesforceClient, method: str, path: str, **kwargs: Any) -> Any:
    """Make one CSV request with retries and return the requests.Response."""
    timeout = client.config.timeout
    return client.run(lambda sf: _raw(sf, method, path, timeout, **kwargs))


def _wait(client: SalesforceClient, kind: str, job_id: str) -> dict[str, Any]:
    """Poll a job until it is done; raise FatalError when a query failed or a job took too long."""
    sleep = client.sleep or time.sleep
    waited, delay = 0.0, 1.0
    while True:
        job: dict[str, Any] = client.rest(f"jobs/{kind}/{job_id}")
        state = job["state"]
        if state in _DONE:
            if state != "JobComplete" and kind == "query":
                raise FatalError(f"Bulk query job {job_id} {state}: {job.get('errorMessage')}")
            return job
        if waited >= POLL_LIMIT:
            raise FatalError(f"Bulk {kind} job {job_id} still {state} after {waited:.0f}s")
        sleep(delay)
        waited += delay
        delay = min(delay * 2, POLL_CAP)


def query_pages(client: SalesforceClient, soql: str) -> Iterator[list[dict[str, str]]]:
    """Run a Bulk 2.0 query job and yield its CSV results one page of rows at a time."""
    job = client.rest(
        "jobs/query", "POST", json={"operation": "query", "query": soql, **_CSV_FORMAT}
    )
    job_id = job["id"]
    _wait(client, "query", job_id)
    locator = ""
    while True:
        params: dict[str, Any] = {"maxRecords": QUERY_PAGE}
        if locator:
            params["locator"] = locator
        response = _csv(
            client,
            "GET",
            f"jobs/query/{job_id}/results",
            params=params,
            headers={"Accept": "text/csv"},
        )
        yield list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
        locator = response.headers.get("Sforce-Locator", "")
        if not locator or locator == "null":
            return


def ingest_update(
    client: SalesforceClient, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]
) -> WriteReport:
    """Update accounts by Id with one Bulk 2.0 ingest job; report failed and unprocessed rows."""
    report = WriteReport()
    body = to_csv(rows, ["Id", *(check_api_name(c) for c in columns)])
    client.check_budget()
    job = client.rest(
        "jobs/ingest", "POST", json={"object": "Account", "operation": "update", **_CSV_FORMAT}
    )
    job_id = job["id"]
    response = _csv(
        client,
        "PUT",
        f"jobs/ingest/{job_id}/batches",
        data=body.encode("utf-8"),
        headers={"Content-Type": "text/csv"},
    )
    if response.status_code != 201:
        raise FatalError(f"Bulk upload for job {job_id} answered HTTP {response.status_code}")
    client.rest(f"jobs/ingest/{job_id}", "PATCH", json={"state": "UploadComplete"})
    info = _wait(client, "ingest", job_id)
    failed_ids: set[str] = set()
    # Job info counts failures, so result files are fetched only when they hold something.
    if int(info.get("numberRecordsFailed", 0)):
        for row in _results(client, job_id, "failedResults"):
            code, message, fields = parse_bulk_error(row.get("sf__Error", ""))
            rid = row.get("sf__Id") or row.get("Id", "")
            failed_ids.add(rid)
            report.failures.append(RecordFailure(rid, code, message, fields))
    if int(info.get("numberRecordsProcessed", 0)) < len(rows):
        reason = info.get("errorMessage") or f"job {info['state']}"
        for row in _results(client, job_id, "unprocessedrecords"):
            failed_ids.add(row["Id"])
            report.failures.append(RecordFailure(row["Id"], "UNPROCESSED", str(reason)))
    report.written_ids = [r["Id"] for r in rows if r["Id"] not in failed_ids]
    report.written = len(report.written_ids)
    return report


def _results(client: SalesforceClient, job_id: str, kind: str) -> list[dict[str, str]]:
    response = _csv(client, "GET", f"jobs/ingest/{job_id}/{kind}", headers={"Accept": "text/csv"})
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


def to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Write rows as Bulk 2.0 CSV; a column a row leaves out stays untouched, None clears it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row, c) for c in columns])
    return out.getvalue()


def _cell(row: Mapping[str, Any], column: str) -> str:
    if column not in row:
        return ""  # Bulk API leaves a field alone when its cell is empty.
    value = row[column]
    if value is None or value == "":
        return "#N/A"  # Bulk API's way to set a field to null.
    return str(value)


def parse_bulk_error(text: str) -> tuple[str, str, tuple[str, ...]]:
    """Split `CODE:message:Field1 Field2 --` from sf__Error into code, message and fields."""
    body = text.strip()
    # Only a trailing "--" marks the field list; without it the whole rest is the message.
    terminated = body.endswith("--")
    code, _, rest = body.removesuffix("--").strip().partition(":")
    message, sep, tail = rest.rpartition(":")
    names = tuple(tail.replace(",", " ").split())
    if not (terminated and sep) or not all(_is_name(n) for n in names):
        message, names = rest, ()
    return code or "UNKNOWN", message.strip(), names


def _is_name(text: str) -> bool:
    try:
        check_api_name(text)
    except ValueError:
        return False
    return True
