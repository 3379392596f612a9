"""The inbox worker: batches, failures with back-off, rejections, crash recovery, real connector."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import responses
from sqlalchemy import select

from connectors.local import LocalCsvConnector
from plugin.changes import inbox, worker
from plugin.store import accounts, journal
from plugin.store.database import Store
from plugin.store.schema import account_state, runs, write_failures
from scoring import DEFAULT_MODEL, Scorer, load_model
from tests.connectors.sf_helpers import (
    COLLECTIONS,
    account_row,
    add_query,
    collections_answer,
    make_connector,
    query_page,
    sent_batches,
)
from tests.plugin.web_helpers import ENV, ORG_ID, PATH_TOKEN, FakeSalesforce, outbound_xml, sf_id

SCORER = Scorer(load_model(DEFAULT_MODEL))


def test_drain_reads_once_per_batch_writes_and_records(any_store: Store) -> None:
    ids = [sf_id(i) for i in range(5)]
    inbox.enqueue(any_store, [*ids, ids[0]], "outbound")
    fake = FakeSalesforce()
    report = worker.drain(any_store, fake, SCORER, worker="w1")
    assert report.batches == 1 and report.accounts == 5
    assert fake.reads == [ids] or sorted(fake.reads[0]) == sorted(ids)
    assert dict(fake.written) == dict.fromkeys(ids, 1)
    assert inbox.stats(any_store).pending == 0
    (run,) = journal.recent_runs(any_store)
    assert (run["kind"], run["status"], run["accounts"], run["api_calls"]) == (
        "webhook",
        "succeeded",
        5,
        2,  # every call of the run: the read and the write
    )
    with any_store.engine.connect() as conn:
        tiers = set(conn.scalars(select(account_state.c.tier)))
    assert tiers == {"Tier 1"}  # the seed's Acme-like inputs score Tier 1
    assert len(accounts.history(any_store)) == 5  # first assessment is a movement from none


def test_batch_failure_stays_in_the_inbox_and_succeeds_later(any_store: Store) -> None:
    inbox.enqueue(any_store, [sf_id(1)], "outbound")
    fake = FakeSalesforce(fail_reads=1)
    first = worker.drain(any_store, fake, SCORER, worker="w1")
    assert first.failed_batches == 1 and "REQUEST_LIMIT_EXCEEDED" in first.errors[0]
    assert inbox.pending_ids(any_store) == [sf_id(1)]
    assert worker.drain(any_store, fake, SCORER, worker="w1").batches == 0  # backing off
    with any_store.engine.begin() as conn:  # let the back-off pass
        conn.execute(inbox.inbox.update().values(available_at=inbox.inbox.c.received_at))
    assert worker.drain(any_store, fake, SCORER, worker="w1").accounts == 1
    assert fake.written[sf_id(1)] == 1
    statuses = [r["status"] for r in journal.recent_runs(any_store)]
    assert statuses == ["succeeded", "failed"]


def test_rejected_missing_and_malformed_ids_are_closed_with_a_note(any_store: Store) -> None:
    bad = "001' OR Name != '"
    inbox.enqueue(any_store, [sf_id(1), sf_id(2), sf_id(3), bad], "outbound")
    fake = FakeSalesforce(reject=[sf_id(2)], missing=[sf_id(3)])
    report = worker.drain(any_store, fake, SCORER, worker="w1")
    assert report.rejected == 1
    assert bad not in fake.reads[0]  # never sent to Salesforce
    with any_store.engine.connect() as conn:
        query = select(inbox.inbox.c.account_id, inbox.inbox.c.last_error)
        notes = {aid: note for aid, note in conn.execute(query)}
        failed = list(conn.scalars(select(write_failures.c.account_id)))
    assert notes[sf_id(1)] is None
    assert notes[sf_id(2)].startswith("FIELD_CUSTOM_VALIDATION_EXCEPTION")
    assert notes[sf_id(3)].startswith("not found")
    assert notes[bad].startswith("not a Salesforce record id")
    assert failed == [sf_id(2)]
    assert inbox.stats(any_store).pending == 0


def test_worker_dying_mid_batch_loses_nothing(any_store: Store) -> None:
    inbox.enqueue(any_store, [sf_id(1)], "outbound")
    assert inbox.claim(any_store, "crashed-worker") is not None  # claimed, then the process died
    fake = FakeSalesforce()
    assert worker.drain(any_store, fake, SCORER, worker="w2").accounts == 0  # lease still live
    with any_store.engine.begin() as conn:  # time passes beyond the lease
        conn.execute(inbox.inbox.update().values(claimed_until=inbox.inbox.c.received_at))
    assert worker.drain(any_store, fake, SCORER, worker="w2").accounts == 1
    assert fake.written == {sf_id(1): 1}


@responses.activate
def test_through_the_real_salesforce_connector(tmp_store: Store) -> None:
    ids = [sf_id(1), sf_id(2)]
    inbox.enqueue(tmp_store, ids, "outbound")
    page = query_page(
        [
            account_row(i, Name=f"Acme {i[-5:]}", NumberOfEmployees=2000, Industry="Technology")
            for i in ids
        ]
    )
    add_query(responses.mock, "FROM Account WHERE Id IN", page)
    responses.add_callback(responses.PATCH, COLLECTIONS, callback=collections_answer())
    report = worker.drain(tmp_store, make_connector(), SCORER, worker="w1")
    assert report.accounts == 2 and report.written == 2
    queries = [c for c in responses.calls if "/query/" in c.request.url]
    assert len(queries) == 1  # one query for the batch, never one per id
    (batch,) = sent_batches(responses.mock)
    assert sorted(r["id"] for r in batch) == ids
    assert inbox.stats(tmp_store).done == 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_killed_right_after_the_ack_the_id_is_processed_after_restart(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    cfg = tmp_path / "tiersync.toml"
    cfg.write_text(f'[store]\nurl = "sqlite:///{db}"\n[webhooks]\norg_id = "{ORG_ID}"\n')
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "plugin.cli",
            "serve",
            "--config",
            str(cfg),
            "--no-worker",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env={**os.environ, **ENV},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/webhooks/salesforce/outbound/{PATH_TOKEN}"
        response = None
        for _ in range(100):  # bounded wait for the server to listen
            try:
                response = requests.post(url, data=outbound_xml([sf_id(7)]), timeout=5)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert response is not None and response.status_code == 200
        assert b"<Ack>true</Ack>" in response.content
    finally:
        server.send_signal(signal.SIGKILL)  # no clean shutdown: the ACK must already be durable
        server.wait(timeout=10)
    store = Store(f"sqlite:///{db}")
    fake = FakeSalesforce()
    assert worker.drain(store, fake, SCORER, worker="fresh").accounts == 1
    assert worker.drain(store, fake, SCORER, worker="fresh").accounts == 0
    assert fake.written == {sf_id(7): 1}
    store.dispose()


def test_local_source_results_of_a_webhook_go_to_the_store(tmp_store: Store) -> None:
    inbox.enqueue(tmp_store, ["ACC-0000001", "ACC-0000002", "ACC-9999999"], "callout")
    report = worker.drain(tmp_store, LocalCsvConnector(), SCORER, worker="w1")
    # the output file is rewritten whole by full syncs only: nothing is written to it here
    assert report.accounts == 2 and report.written == 0
    stored = accounts.states(tmp_store, "local", ["ACC-0000001", "ACC-0000002", "ACC-9999999"])
    assert sorted(stored) == ["ACC-0000001", "ACC-0000002"]
    with tmp_store.engine.connect() as conn:
        kinds = list(conn.scalars(select(runs.c.kind)))
    assert kinds == ["webhook"]


@pytest.mark.parametrize("n", [0, 1, 3])
def test_backoff_grows_exponentially(n: int) -> None:
    assert inbox.backoff(n + 1) == inbox.BACKOFF_BASE * 2**n
