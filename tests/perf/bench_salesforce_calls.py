"""Benchmark: Salesforce API calls of a full tiersync sync vs a naive per-record script.

Runs against a `responses`-backed org of N accounts whose stored outputs match what the
default model computes, except for a changed share.
Run: .venv/bin/python tests/perf/bench_salesforce_calls.py
Options: --accounts N (default 100000), --changed 0.05, --naive-sample M (default 10000; 0 = N).
Exits 1 when a call count is over its target.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import requests
import responses

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from simple_salesforce.api import Salesforce
from targets import Targets

from connectors.salesforce.connector import SalesforceConfig, SalesforceConnector
from connectors.salesforce.records import select_fields, to_record
from scoring import DEFAULT_MODEL, Scorer, load_model

INSTANCE = "https://bench.my.salesforce.com"
API = f"{INSTANCE}/services/data/v60.0"
TODAY = date(2024, 6, 3)
REST_PAGE = 2000
BULK_READ_CALLS = 10  # "a handful": create the job, poll, fetch result pages
INDUSTRIES = ("Banking", "Software", "Manufacturing", "Retail", "Agriculture", "Healthcare")
STAGES = ("Unaware", "Researching", "Evaluating", "Active Procurement")
FITS = ("Strong", "Moderate", "Poor")
POSITIONS = ("Competitor Entrenched", "Competitive", "Greenfield")


def account_id(n: int) -> str:
    return f"001Bn{n:010d}AAA"


@dataclass
class FakeOrg:
    """An org of N Account rows (REST JSON shape) answering query, Bulk 2.0 and write calls."""

    rows: list[dict[str, Any]]
    changed: set[str]
    calls: int = 0
    bulk_jobs: int = 0
    written: list[str] = field(default_factory=list)

    def install(self, rsps: responses.RequestsMock) -> None:
        rsps.add_callback(responses.GET, f"{API}/query/", callback=self._query)
        rsps.add_callback(responses.GET, re.compile(rf"{API}/query/01g.*"), callback=self._more)
        rsps.add_callback(responses.POST, f"{API}/jobs/query", callback=self._job)
        rsps.add_callback(
            responses.GET, re.compile(rf"{API}/jobs/query/750\w+/results.*"), callback=self._results
        )
        rsps.add_callback(
            responses.GET, re.compile(rf"{API}/jobs/query/750\w+$"), callback=self._poll
        )
        rsps.add_callback(responses.PATCH, f"{API}/composite/sobjects", callback=self._collections)
        rsps.add_callback(
            responses.PATCH, re.compile(rf"{API}/sobjects/Account/\w+"), callback=self._update_one
        )

    def _json(self, body: Any, status: int = 200) -> tuple[int, dict[str, str], str]:
        self.calls += 1
        used = min(self.calls, 10_000_000)
        headers = {
            "Content-Type": "application/json",
            "Sforce-Limit-Info": f"api-usage={used}/10000000",
        }
        return status, headers, json.dumps(body)

    def _page(self, offset: int) -> tuple[int, dict[str, str], str]:
        chunk = self.rows[offset : offset + REST_PAGE]
        page: dict[str, Any] = {
            "totalSize": len(self.rows),
            "done": offset + REST_PAGE >= len(self.rows),
        }
        if not page["done"]:
            page["nextRecordsUrl"] = f"/services/data/v60.0/query/01gBENCH-{offset + REST_PAGE}"
        page["records"] = chunk
        return self._json(page)

    def _query(self, request: Any) -> tuple[int, dict[str, str], str]:
        soql = parse_qs(urlparse(request.url).query)["q"][0]
        if "COUNT()" in soql:
            return self._json({"totalSize": len(self.rows), "done": True, "records": []})
        return self._page(0)

    def _more(self, request: Any) -> tuple[int, dict[str, str], str]:
        return self._page(int(request.url.rsplit("-", 1)[1]))

    def _job(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.bulk_jobs += 1
        return self._json(
            {"id": "750BENCH0000001AAA", "operation": "query", "state": "UploadComplete"}
        )

    def _poll(self, request: Any) -> tuple[int, dict[str, str], str]:
        return self._json({"id": "750BENCH0000001AAA", "state": "JobComplete"})

    def _results(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.calls += 1
        params = parse_qs(urlparse(request.url).query)
        size = int(params["maxRecords"][0])
        start = int(params.get("locator", ["0"])[0])
        names = [n for n in self.rows[0] if n != "attributes"]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(names)
        for row in self.rows[start : start + size]:
            writer.writerow(["" if row[n] is None else _csv_value(row[n]) for n in names])
        end = start + size
        locator = str(end) if end < len(self.rows) else "null"
        headers = {"Content-Type": "text/csv", "Sforce-Locator": locator}
        headers["Sforce-NumberOfRecords"] = str(min(size, len(self.rows) - start))
        return 200, headers, out.getvalue()

    def _collections(self, request: Any) -> tuple[int, dict[str, str], str]:
        records = json.loads(request.body)["records"]
        self.written.extend(r["id"] for r in records)
        return self._json([{"id": r["id"], "success": True, "errors": []} for r in records])

    def _update_one(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.calls += 1
        self.written.append(request.url.rsplit("/", 1)[1])
        return 204, {}, ""


def _csv_value(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def build_org(n: int, share: float, scorer: Scorer, config: SalesforceConfig) -> FakeOrg:
    """Make N accounts whose stored outputs equal the model's, except every 1/share-th one."""
    names = select_fields(config)
    every = max(1, round(1 / share)) if share else 0
    rows, changed = [], set()
    for i in range(n):
        aid = account_id(i)
        row: dict[str, Any] = {"attributes": {"type": "Account", "url": f"/sobjects/Account/{aid}"}}
        row.update(dict.fromkeys(names))
        row.update(
            Id=aid,
            Name=f"Account {i}",
            Industry=INDUSTRIES[i % 6],
            NumberOfEmployees=(i * 37) % 20000,
            ARR_Potential__c=float((i * 7919) % 600_000),
            Tech_Fit__c=FITS[i % 3],
            Buying_Stage__c=STAGES[i % 4],
            Competitive_Position__c=POSITIONS[i % 3],
            Is_Customer__c=i % 5 == 0,
            Engagement_Score__c=float(i % 100),
            SystemModstamp="2024-06-01T00:00:00.000+0000",
        )
        res = scorer.score(to_record(row, config))
        row.update(
            Tier__c=res.tier,
            Tier_Score__c=res.score,
            Health_Status__c=res.health,
            Next_Action__c=res.next_action,
            Tier_Reason__c=res.reason,
        )
        if every and i % every == 0:
            row["Next_Action__c"] = "Stale action from last quarter"
            changed.add(aid)
        rows.append(row)
    return FakeOrg(rows, changed)


def run_tiersync(org: FakeOrg, scorer: Scorer, config: SalesforceConfig) -> dict[str, Any]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        org.install(rsps)
        org.calls, org.bulk_jobs, org.written = 0, 0, []
        connector = SalesforceConnector(
            config,
            session=requests.Session(),
            today=TODAY,
            sleep=lambda s: None,
            clock=lambda: datetime(2024, 6, 3, tzinfo=UTC),
        )
        started = time.perf_counter()
        pairs = [(rec, scorer.score(rec)) for rec in connector.iter_accounts()]
        reads = connector.api_calls
        report = connector.write_results(pairs)
        wall = time.perf_counter() - started
    assert set(report.written_ids) == org.changed == set(org.written), "wrote the wrong accounts"
    assert connector.api_calls == org.calls
    path = "Bulk 2.0 query" if org.bulk_jobs else "REST query"
    return {
        "reads": reads,
        "writes": report.api_calls,
        "total": connector.api_calls,
        "wall": wall,
        "path": path,
    }


def run_naive(
    org: FakeOrg, scorer: Scorer, config: SalesforceConfig, sample: int
) -> dict[str, Any]:
    """What a RevOps script does: query_all_iter, then sf.Account.update for every account."""
    subset = FakeOrg(org.rows[:sample], set())
    soql = "SELECT " + ", ".join(select_fields(config)) + " FROM Account"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        subset.install(rsps)
        sf = Salesforce(
            instance_url=INSTANCE, session_id="bench", session=requests.Session(), version="60.0"
        )
        started = time.perf_counter()
        for row in sf.query_all_iter(soql):
            res = scorer.score(to_record(row, config))
            sf.Account.update(
                row["Id"],
                {
                    "Tier__c": res.tier,
                    "Tier_Score__c": res.score,
                    "Health_Status__c": res.health,
                    "Next_Action__c": res.next_action,
                    "Tier_Reason__c": res.reason,
                },
            )
        wall = time.perf_counter() - started
    return {"calls": subset.calls, "wall": wall, "sample": sample}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--changed", type=float, default=0.05)
    parser.add_argument(
        "--naive-sample",
        type=int,
        default=10_000,
        help="accounts the naive script really runs on (~2 ms a call here); 0 means all N",
    )
    args = parser.parse_args(argv)
    n = args.accounts
    sample = min(args.naive_sample or n, n)
    scorer = Scorer(load_model(DEFAULT_MODEL), today=TODAY)
    bulk = SalesforceConfig(instance_url=INSTANCE, session_id="bench")
    rest = SalesforceConfig(instance_url=INSTANCE, session_id="bench", bulk_read_threshold=10**9)
    t0 = time.perf_counter()
    org = build_org(n, args.changed, scorer, bulk)
    built = time.perf_counter() - t0
    print(
        f"org: N={n} accounts, changed={len(org.changed)} ({args.changed:.0%}), built {built:.1f}s"
    )
    bulk_run = run_tiersync(org, scorer, bulk)
    _print_run("default thresholds", bulk_run)
    rest_run = run_tiersync(org, scorer, rest)
    _print_run("REST forced", rest_run)
    reads, writes = 1 + math.ceil(n / REST_PAGE), math.ceil(len(org.changed) / 200)
    print(f"targets: REST reads 1 + ceil(N/2000) = {reads}, writes ceil(changed/200) = {writes}")
    naive = run_naive(org, scorer, bulk, sample)
    if sample == n:
        naive_calls, how = naive["calls"], "measured"
    else:
        naive_calls = math.ceil(n / REST_PAGE) + n
        how = (
            f"script run on {sample} accounts made {naive['calls']} calls; for N: ceil(N/2000) + N"
        )
    print(f"naive (sf.Account.update per record): {naive_calls} calls ({how})")
    print(f"naive wall: {naive['wall']:.1f}s for {sample} accounts")
    for name, run in (("default thresholds", bulk_run), ("REST forced", rest_run)):
        print(f"ratio naive/tiersync ({name}): {naive_calls / run['total']:.0f}x fewer calls")
    targets = Targets()
    targets.check(
        f"REST reads <= 1 + ceil(N/2000) = {reads}",
        rest_run["reads"] <= reads,
        f"{rest_run['reads']} reads",
    )
    for name, run in (("REST forced", rest_run), ("default thresholds", bulk_run)):
        targets.check(
            f"{name}: writes <= ceil(changed/200) = {writes}",
            run["writes"] <= writes,
            f"{run['writes']} writes",
        )
    if bulk_run["path"] != "REST query":
        targets.check(
            f"Bulk 2.0 reads <= {BULK_READ_CALLS}",
            bulk_run["reads"] <= BULK_READ_CALLS,
            f"{bulk_run['reads']} reads",
        )
    targets.finish()


def _print_run(label: str, r: dict[str, Any]) -> None:
    print(
        f"tiersync ({label}; read by {r['path']}, write by Collections): reads={r['reads']} "
        f"writes={r['writes']} total={r['total']} calls, wall {r['wall']:.1f}s"
    )


if __name__ == "__main__":
    main()
