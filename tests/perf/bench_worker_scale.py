"""Benchmark: draining the webhook inbox with 3 worker processes vs 1, on PostgreSQL.

Each worker is its own process running the real loop (`run_forever`, as `tiersync worker`
does) with the real Salesforce connector and a JWT login; Salesforce is answered in each
process by `responses`, every call (login, query, write) taking --delay seconds (300 ms).
The inbox table is fresh and never analyzed (autovacuum off for it), so the claim's plan has
no statistics to lean on. Target: 3 workers drain >= 2.5x as fast as 1, every id exactly
once, one login per process.

    .venv/bin/python tests/perf/bench_worker_scale.py --database-url postgresql+psycopg://...
    (or set TIERSYNC_TEST_DATABASE_URL; defaults: --ids 6000, --delay 0.3, ~1 minute)
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import requests
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_helpers import drop_schema, fresh_schema

from connectors.salesforce.connector import SalesforceConfig, SalesforceConnector
from plugin.changes import inbox, worker
from plugin.store.database import Store, normalize_url
from scoring import DEFAULT_MODEL, Scorer, load_model

TARGET = 2.5
TOKEN_URL = "https://login.salesforce.com/services/oauth2/token"
INSTANCE = "https://bench.my.salesforce.com"
API = f"{INSTANCE}/services/data/v60.0"
IDS_IN = re.compile(r"'(001\w{15})'")


def account_id(n: int) -> str:
    """Return a well-formed 18-character Account id numbered n."""
    return f"001Bn{n:010d}AAA"


class SlowOrg:
    """Salesforce as one worker process sees it: every call waits `delay`, ids are counted."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.logins = 0
        self.written: Counter[str] = Counter()

    def install(self, rsps: responses.RequestsMock) -> None:
        """Answer the token endpoint, id queries and Collections writes."""
        rsps.add_callback(responses.POST, TOKEN_URL, callback=self._token)
        rsps.add_callback(responses.GET, f"{API}/query/", callback=self._query)
        rsps.add_callback(responses.PATCH, f"{API}/composite/sobjects", callback=self._write)

    def _reply(self, body: Any) -> tuple[int, dict[str, str], str]:
        time.sleep(self.delay)
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    def _token(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.logins += 1
        token = {"access_token": "00DBench!token", "instance_url": INSTANCE, "token_type": "Bearer"}
        return self._reply({**token, "id": f"{TOKEN_URL}/id/00D/005", "issued_at": "0"})

    def _query(self, request: Any) -> tuple[int, dict[str, str], str]:
        soql = parse_qs(urlparse(request.url).query)["q"][0]
        rows = [_row(aid) for aid in IDS_IN.findall(soql)]
        return self._reply({"totalSize": len(rows), "done": True, "records": rows})

    def _write(self, request: Any) -> tuple[int, dict[str, str], str]:
        records = json.loads(request.body)["records"]
        self.written.update(r["id"] for r in records)
        return self._reply([{"id": r["id"], "success": True, "errors": []} for r in records])


def _row(aid: str) -> dict[str, Any]:
    # A small prospect (Tier 4): no capacity ripple, so each id is read and written once.
    return {
        "attributes": {"type": "Account", "url": f"/services/data/v60.0/sobjects/Account/{aid}"},
        "Id": aid,
        "Name": f"Account {aid[-8:]}",
        "Industry": "Retail",
        "NumberOfEmployees": 80,
        "ARR_Potential__c": 20000.0,
        "Engagement_Score__c": 50.0,
        "SystemModstamp": "2024-06-01T00:00:00.000+0000",
    }


def work(url: str, key: str, delay: float, ready: Any, start: Any, stop: Any, out: Any) -> None:
    """One worker process: the real worker loop against a slow org, until told to stop."""
    store = Store(url)
    org = SlowOrg(delay)
    config = SalesforceConfig(username="bench@acme.com", consumer_key="3MVG9bench", private_key=key)
    scorer = Scorer(load_model(DEFAULT_MODEL))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        org.install(rsps)
        ready.put(os.getpid())
        start.wait()
        worker.run_forever(
            store,
            lambda: SalesforceConnector(config, session=requests.Session()),
            lambda: scorer,
            stop,
            poll=0.05,
        )
    out.put((org.logins, dict(org.written)))
    store.dispose()


def trial(base: str, workers: int, ids: list[str], key: str, delay: float) -> dict[str, Any]:
    """Drain `ids` with `workers` processes on a fresh schema; return time, counts, logins."""
    schema, url = fresh_schema(base)
    store = Store(url)
    try:
        store.upgrade()
        with store.engine.begin() as conn:  # no statistics, ever: the plan must not need them
            conn.execute(text("ALTER TABLE inbox SET (autovacuum_enabled = false)"))
        for start in range(0, len(ids), 100):  # as webhook messages arrive
            inbox.enqueue(store, ids[start : start + 100], "outbound")
        ctx = mp.get_context("spawn")
        ready, out, go, stop = ctx.Queue(), ctx.Queue(), ctx.Event(), ctx.Event()
        procs = [
            ctx.Process(target=work, args=(url, key, delay, ready, go, stop, out))
            for _ in range(workers)
        ]
        for p in procs:
            p.start()
        for _ in procs:
            ready.get(timeout=120)
        started = time.perf_counter()
        go.set()
        while inbox.stats(store).pending:
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        stop.set()
        results = [out.get(timeout=120) for _ in procs]
        for p in procs:
            p.join(timeout=30)
        written = sum((Counter(w) for _, w in results), Counter[str]())
        return {
            "seconds": elapsed,
            "logins": [n for n, _ in results],
            "written": written,
            "per_worker": [sum(w.values()) for _, w in results],
            "done": inbox.stats(store).done,
        }
    finally:
        store.dispose()
        drop_schema(base, schema)


def private_key() -> str:
    """Return a fresh RSA key in PEM form for the JWT logins."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem.decode()


def main() -> int:
    """Run 1 worker, then 3, on the same inbox; print figures; 0 when every target is met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("TIERSYNC_TEST_DATABASE_URL"))
    parser.add_argument("--ids", type=int, default=6000)
    parser.add_argument("--delay", type=float, default=0.3, help="seconds per Salesforce call")
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    if not args.database_url or not args.database_url.startswith("postgres"):
        print("needs PostgreSQL: --database-url or TIERSYNC_TEST_DATABASE_URL", file=sys.stderr)
        return 2
    base = normalize_url(args.database_url)
    ids = [account_id(n) for n in range(args.ids)]
    key = private_key()
    print(f"inbox: {len(ids)} ids, batches of 200, each Salesforce call {args.delay * 1000:.0f} ms")
    runs = {n: trial(base, n, ids, key, args.delay) for n in (1, args.workers)}
    ok = True
    for n, run in runs.items():
        once = run["written"] == Counter(ids) and run["done"] == len(ids)
        ok &= once and all(n == 1 for n in run["logins"])
        print(
            f"{n} worker(s): {run['seconds']:.1f} s ({len(ids) / run['seconds']:.0f} ids/s); "
            f"ids written per worker {run['per_worker']}; logins per process {run['logins']}; "
            f"every id exactly once: {'yes' if once else 'NO'}"
        )
    ratio = runs[1]["seconds"] / runs[args.workers]["seconds"]
    ok &= ratio >= TARGET
    print(f"speed-up {args.workers} vs 1: now {ratio:.2f}x / target >= {TARGET}x")
    print("RESULT:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
