"""Benchmark: Salesforce API calls of a nightly `run_sync` at the default settings.

A `responses`-backed org (tests/perf/sf_org.py) of --accounts accounts holds the outputs a
full sync computes, except a --changed share whose Next Action was edited by hand. Three
syncs run against it with one store, each through the real run_sync and connector:
  1. default settings: puts the edited accounts back;
  2. default settings again, nothing changed: writes nothing;
  3. the reference, the previous defaults (bulk_read_threshold 50,000, bulk_write_threshold
     10,000) after the same edits.
For each, the calls the fake answered (its responses call list) must equal the calls the run
recorded (RunReport.api_calls) and the arithmetic of docs/salesforce.md. Target: run 1 makes
<= 20 calls. Bulk jobs report JobComplete on their --polls-th status call (5: a job of ~15 s).

    .venv/bin/python tests/perf/bench_salesforce_calls.py     # 100,000 accounts, ~2-3 minutes
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import requests
import responses

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sf_org import INSTANCE, FakeOrg

from connectors.base import Connector
from connectors.salesforce.bulk import QUERY_PAGE
from connectors.salesforce.connector import SalesforceConfig, SalesforceConnector
from connectors.salesforce.records import select_fields, to_record
from connectors.salesforce.write import COLLECTION_SIZE
from plugin.config import Config
from plugin.sync.book import final_pairs, score_all
from plugin.sync.run import run_sync
from scoring import DEFAULT_MODEL, Scorer, load_model

TARGET = 20
TODAY = date(2024, 6, 3)
REST_PAGE = 2000
INDUSTRIES = ("Banking", "Software", "Manufacturing", "Retail", "Agriculture", "Healthcare")
STAGES = ("Unaware", "Researching", "Evaluating", "Active Procurement")
FITS = ("Strong", "Moderate", "Poor")
POSITIONS = ("Competitor Entrenched", "Competitive", "Greenfield")
OUTPUTS = {"tier": "Tier__c", "score": "Tier_Score__c", "health": "Health_Status__c"}
OUTPUTS |= {"next_action": "Next_Action__c", "reason": "Tier_Reason__c"}


def build_rows(n: int, config: SalesforceConfig) -> list[dict[str, Any]]:
    """Return N Account rows in REST JSON shape, every selected field present."""
    names = select_fields(config)
    rows = []
    for i in range(n):
        aid = f"001Bn{i:010d}AAA"
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
        rows.append(row)
    return rows


def seed(rows: list[dict[str, Any]], config: SalesforceConfig) -> None:
    """Give every row the outputs a full sync computes (one book, capacity included)."""
    scorer = Scorer(load_model(DEFAULT_MODEL), today=TODAY)
    scored = score_all(scorer, (to_record(row, config) for row in rows))
    try:
        by_id = {row["Id"]: row for row in rows}
        for record, result in final_pairs(scored):
            outputs = result.outputs
            by_id[record.account_id].update(
                {api: getattr(outputs, name) for name, api in OUTPUTS.items()}
            )
    finally:
        scored.close()


def edit(org: FakeOrg, share: float) -> set[str]:
    """Overwrite Next Action by hand on every 1/share-th account; return their ids."""
    every = max(1, round(1 / share))
    edited = set()
    for row in org.rows[::every]:
        row["Next_Action__c"] = "Stale action from last quarter"
        edited.add(row["Id"])
    return edited


def predicted(n: int, changed: int, config: SalesforceConfig, polls: int) -> int:
    """Return the calls docs/salesforce.md predicts for a full sync (describe included)."""
    if n > config.bulk_read_threshold:
        read = 1 + polls + math.ceil(n / QUERY_PAGE)  # create, polls, result pages
    else:
        read = math.ceil(n / REST_PAGE)  # query + query_more pages
    if changed > config.bulk_write_threshold:
        write = 3 + polls  # create, upload, close, polls (no failures: no result files)
    else:
        write = math.ceil(changed / COLLECTION_SIZE)
    return 1 + 1 + read + write  # describe, count


def sync(org: FakeOrg, sf: SalesforceConfig, store_url: str) -> dict[str, Any]:
    """Run one run_sync against the org; return calls made, calls recorded and what was written."""
    config = Config(
        sources=("salesforce",), sinks=("salesforce",), store_url=store_url, salesforce=sf
    )

    def connectors(name: str, cfg: Config) -> Connector:
        return SalesforceConnector(sf, session=requests.Session(), today=TODAY, sleep=lambda s: 0)

    org.written.clear()
    org.paths.clear()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        org.install(rsps)
        started = time.perf_counter()
        report = run_sync(config, today=TODAY, connectors=connectors)
        made = len(rsps.calls)
    return {
        "made": made,
        "recorded": report.api_calls,
        "written": set(org.written),
        "status": report.status,
        "paths": list(dict.fromkeys(org.paths)),
        "seconds": time.perf_counter() - started,
    }


def show(label: str, run: dict[str, Any], expected: int) -> bool:
    """Print one run and return True when its counts agree."""
    agree = run["made"] == run["recorded"] == expected
    print(
        f"{label}: calls made (the fake's count) {run['made']}, recorded by the run "
        f"{run['recorded']}, by the arithmetic {expected}: {'equal' if agree else 'DIFFERENT'}; "
        f"written {len(run['written'])}; via {', '.join(run['paths'])}; {run['seconds']:.0f} s"
    )
    return agree and run["status"] == "succeeded"


def main() -> int:
    """Run the three syncs, print the figures; 0 when every check and the target are met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--changed", type=float, default=0.05)
    parser.add_argument("--polls", type=int, default=5, help="status calls until a job is done")
    args = parser.parse_args()
    default = SalesforceConfig(instance_url=INSTANCE, session_id="00DBench!session")
    previous = dataclasses.replace(default, bulk_read_threshold=50_000, bulk_write_threshold=10_000)
    n = args.accounts
    rows = build_rows(n, default)
    seed(rows, default)
    org = FakeOrg(rows, polls=args.polls)
    store_url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='tiersync-bench-')) / 'bench.db'}"
    edited = edit(org, args.changed)
    print(
        f"org: {n} accounts, {len(edited)} edited by hand ({args.changed:.0%}); "
        f"Bulk jobs done on status call {args.polls}"
    )
    print(
        f"defaults: bulk_read_threshold {default.bulk_read_threshold}, "
        f"bulk_write_threshold {default.bulk_write_threshold}"
    )
    first = sync(org, default, store_url)
    ok = show("run 1, default settings", first, predicted(n, len(edited), default, args.polls))
    ok &= first["written"] == edited
    second = sync(org, default, store_url)
    ok &= show("run 2, nothing changed", second, predicted(n, 0, default, args.polls))
    ok &= not second["written"]
    edit(org, args.changed)
    reference = sync(org, previous, store_url)
    ok &= show(
        "reference, previous defaults 50,000 / 10,000",
        reference,
        predicted(n, len(edited), previous, args.polls),
    )
    ok &= reference["written"] == edited
    calls = first["made"]
    ratio = calls / reference["made"]
    print(
        f"calls at the default settings: now {calls} / target <= {TARGET} "
        f"({ratio:.2f}x the previous defaults' {reference['made']})"
    )
    ok &= calls <= TARGET
    print("RESULT:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
