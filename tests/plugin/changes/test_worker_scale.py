"""Several workers at once, and one Salesforce session per worker process."""

from __future__ import annotations

import threading
import time
from collections import Counter

import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from connectors.salesforce.connector import SalesforceConnector
from plugin.changes import inbox, worker
from plugin.store import journal
from plugin.store.database import Store
from scoring import DEFAULT_MODEL, Scorer, load_model
from tests.connectors.sf_helpers import (
    COLLECTIONS,
    QUERY,
    TOKEN_URL,
    account_row,
    add_query,
    collections_answer,
    fixture,
    make_config,
    make_connector,
    query_page,
)
from tests.plugin.changes.worker_helpers import SlowSalesforce
from tests.plugin.web_helpers import sf_id

SCORER = Scorer(load_model(DEFAULT_MODEL))


def test_three_workers_take_every_id_exactly_once(any_store: Store) -> None:
    ids = [sf_id(i) for i in range(600)]
    for start in range(0, len(ids), 100):  # as messages arrive: several enqueues
        inbox.enqueue(any_store, ids[start : start + 100], "outbound")
    fakes = [SlowSalesforce(delay=0.005) for _ in range(3)]
    reports: list[worker.DrainReport] = []

    def run(n: int) -> None:
        reports.append(worker.drain(any_store, fakes[n], SCORER, worker=f"w{n}", batch_size=40))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    read = sum((f.read for f in fakes), Counter[str]())
    written = sum((f.written for f in fakes), Counter[str]())
    assert read == Counter(ids) and written == Counter(ids)  # each id once, none lost
    assert sum(r.batches for r in reports) >= len(ids) // 40
    assert sum(1 for f in fakes if f.written) >= 2  # the work was shared
    stats = inbox.stats(any_store)
    assert (stats.pending, stats.done) == (0, len(ids))


def _jwt_config() -> object:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return make_config(
        instance_url=None,
        session_id=None,
        username="integration@acme.com",
        consumer_key="3MVG9consumer.key",
        private_key=pem,
    )


def _wait_until_drained(store: Store, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while inbox.stats(store).pending and time.monotonic() < deadline:
        time.sleep(0.02)
    assert inbox.stats(store).pending == 0


@responses.activate
def test_a_worker_process_logs_in_once_and_again_only_when_the_session_expires(
    tmp_store: Store,
) -> None:
    responses.add(responses.POST, TOKEN_URL, json=fixture("oauth_token.json"))
    responses.add_callback(responses.PATCH, COLLECTIONS, callback=collections_answer())
    rows = [account_row(sf_id(i), Name=f"Acme {i}", NumberOfEmployees=900) for i in range(3)]
    add_query(responses.mock, "WHERE Id IN", query_page(rows[:1]))
    add_query(responses.mock, "WHERE Id IN", query_page(rows[1:2]))
    add_query(responses.mock, "WHERE Id IN", fixture("error_invalid_session.json"), status=401)
    add_query(responses.mock, "WHERE Id IN", query_page(rows[2:]))
    built: list[SalesforceConnector] = []

    def factory() -> SalesforceConnector:
        built.append(make_connector(_jwt_config()))  # type: ignore[arg-type]
        return built[-1]

    stop = threading.Event()
    loop = threading.Thread(
        target=worker.run_forever,
        args=(tmp_store, factory, lambda: SCORER, stop),
        kwargs={"poll": 0.02},
        daemon=True,
    )
    loop.start()
    try:
        for i in range(3):  # three rounds with work, the last one after the session expired
            inbox.enqueue(tmp_store, [sf_id(i)], "outbound")
            _wait_until_drained(tmp_store)
    finally:
        stop.set()
        loop.join(timeout=10)
    login, query, write = TOKEN_URL, QUERY.rstrip("/"), COLLECTIONS
    urls = [c.request.url.split("?")[0].rstrip("/") for c in responses.calls]
    assert len(built) == 1
    # one login for the process, one renewal when the session expired; never one per round
    assert urls == [login, query, write, query, write, query, login, query, write]
    assert built[0].api_calls == 7  # every REST call, the refused one included; logins are not
    # each webhook run counts its own calls although the connector outlives it
    calls = sorted(r["api_calls"] for r in journal.recent_runs(tmp_store))
    assert calls == [2, 2, 3]
