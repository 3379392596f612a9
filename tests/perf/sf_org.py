"""A `responses`-backed Salesforce org for the call benchmark: REST, Bulk 2.0 query and ingest.

Payloads follow the recorded fixtures in tests/fixtures/salesforce; writes (Collections and
Bulk ingest) change the org's rows, so a second sync reads what the first one wrote. A Bulk
job reports InProgress until its `polls`-th status call, like a job that takes a while.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import responses

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "salesforce"
INSTANCE = "https://bench.my.salesforce.com"
API = f"{INSTANCE}/services/data/v60.0"
REST_PAGE = 2000
NUMBERS = {"Tier_Score__c"}  # written output fields whose REST JSON value is a number

Reply = tuple[int, dict[str, str], str]


def fixture(name: str) -> dict[str, Any]:
    """Return a recorded JSON payload."""
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


@dataclass
class FakeOrg:
    """N Account rows in REST JSON shape, answering every call a full sync makes."""

    rows: list[dict[str, Any]]
    polls: int = 5
    written: list[str] = field(default_factory=list)
    jobs: dict[str, int] = field(default_factory=dict)  # job id -> status calls so far
    uploads: dict[str, int] = field(default_factory=dict)  # ingest job id -> rows uploaded
    paths: list[str] = field(default_factory=list)  # "REST query", "Bulk 2.0 ingest", ...

    def __post_init__(self) -> None:
        self.by_id = {row["Id"]: row for row in self.rows}

    def install(self, rsps: responses.RequestsMock) -> None:
        """Register every endpoint on a RequestsMock."""
        job = r"(750\w+)"
        routes = [
            (responses.GET, f"{API}/sobjects/Account/describe", self._describe),
            (responses.GET, f"{API}/query/", self._query),
            (responses.GET, re.compile(rf"{API}/query/01g.*"), self._more),
            (responses.POST, f"{API}/jobs/query", self._create_query),
            (responses.GET, re.compile(rf"{API}/jobs/query/{job}/results.*"), self._results),
            (responses.GET, re.compile(rf"{API}/jobs/(query|ingest)/{job}$"), self._status),
            (responses.POST, f"{API}/jobs/ingest", self._create_ingest),
            (responses.PUT, re.compile(rf"{API}/jobs/ingest/{job}/batches"), self._upload),
            (responses.PATCH, re.compile(rf"{API}/jobs/ingest/{job}$"), self._close),
            (responses.PATCH, f"{API}/composite/sobjects", self._collections),
        ]
        for method, url, callback in routes:
            rsps.add_callback(method, url, callback=callback)

    def _json(self, body: Any, status: int = 200) -> Reply:
        headers = {"Content-Type": "application/json", "Sforce-Limit-Info": "api-usage=10/5000000"}
        return status, headers, json.dumps(body)

    def _describe(self, request: Any) -> Reply:
        return self._json(fixture("describe_account.json"))

    def _page(self, offset: int) -> Reply:
        done = offset + REST_PAGE >= len(self.rows)
        page: dict[str, Any] = {"totalSize": len(self.rows), "done": done}
        if not done:
            page["nextRecordsUrl"] = f"/services/data/v60.0/query/01gBENCH-{offset + REST_PAGE}"
        page["records"] = self.rows[offset : offset + REST_PAGE]
        return self._json(page)

    def _query(self, request: Any) -> Reply:
        soql = parse_qs(urlparse(request.url).query)["q"][0]
        if "COUNT()" in soql:
            return self._json({"totalSize": len(self.rows), "done": True, "records": []})
        self.paths.append("REST query")
        return self._page(0)

    def _more(self, request: Any) -> Reply:
        return self._page(int(request.url.rsplit("-", 1)[1]))

    def _create_query(self, request: Any) -> Reply:
        self.paths.append("Bulk 2.0 query")
        body = {**fixture("bulk_query_create.json"), "id": f"750BENCHQ{len(self.jobs):09d}"}
        self.jobs[body["id"]] = 0
        return self._json(body)

    def _create_ingest(self, request: Any) -> Reply:
        self.paths.append("Bulk 2.0 ingest")
        body = {**fixture("bulk_ingest_create.json"), "id": f"750BENCHI{len(self.jobs):09d}"}
        self.jobs[body["id"]] = 0
        return self._json(body)

    def _status(self, request: Any) -> Reply:
        kind, job_id = re.findall(r"jobs/(query|ingest)/(750\w+)$", request.url)[0]
        self.jobs[job_id] += 1
        done = self.jobs[job_id] >= self.polls
        name = "bulk_query_in_progress.json" if kind == "query" else "bulk_ingest_closed.json"
        body = {**fixture(name), "id": job_id, "state": "JobComplete" if done else "InProgress"}
        if kind == "ingest":
            body.update(numberRecordsProcessed=self.uploads.get(job_id, 0), numberRecordsFailed=0)
        return self._json(body)

    def _results(self, request: Any) -> Reply:
        params = parse_qs(urlparse(request.url).query)
        size = int(params["maxRecords"][0])
        start = int(params.get("locator", ["0"])[0])
        names = [n for n in self.rows[0] if n != "attributes"]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(names)
        for row in self.rows[start : start + size]:
            writer.writerow([_cell(row[n]) for n in names])
        end = start + size
        headers = {"Content-Type": "text/csv", "Sforce-Locator": str(end)}
        if end >= len(self.rows):
            headers["Sforce-Locator"] = "null"
        headers["Sforce-NumberOfRecords"] = str(min(size, len(self.rows) - start))
        return 200, headers, out.getvalue()

    def _upload(self, request: Any) -> Reply:
        job_id = re.findall(r"jobs/ingest/(750\w+)/batches", request.url)[0]
        body = request.body.decode("utf-8") if isinstance(request.body, bytes) else request.body
        changes = [
            {k: _from_csv(k, v) for k, v in row.items() if v != ""}
            for row in csv.DictReader(io.StringIO(body))
        ]
        self._apply(changes)
        self.uploads[job_id] = len(changes)
        return 201, {}, ""

    def _close(self, request: Any) -> Reply:
        job_id = re.findall(r"jobs/ingest/(750\w+)$", request.url)[0]
        return self._json({**fixture("bulk_ingest_closed.json"), "id": job_id})

    def _collections(self, request: Any) -> Reply:
        self.paths.append("Collections")
        records = json.loads(request.body)["records"]
        changes = [
            {"Id": r["id"], **{k: v for k, v in r.items() if k[0].isupper()}} for r in records
        ]
        self._apply(changes)
        return self._json([{"id": r["id"], "success": True, "errors": []} for r in records])

    def _apply(self, changes: list[dict[str, Any]]) -> None:
        for change in changes:
            self.by_id[change["Id"]].update({k: v for k, v in change.items() if k != "Id"})
            self.written.append(change["Id"])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _from_csv(name: str, value: str) -> Any:
    if value == "#N/A":
        return None  # Bulk API's null
    return float(value) if name in NUMBERS else value
