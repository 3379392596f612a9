"""The store: schema, run lock across connections, watermarks, state and history."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select

from connectors.base import RecordFailure
from plugin.store import accounts, journal
from plugin.store.database import Store
from plugin.store.schema import SCHEMA_VERSION, inbox, schema_version


def test_upgrade_creates_every_table_and_is_repeatable(any_store: Store) -> None:
    assert any_store.upgrade() == SCHEMA_VERSION
    names = set(inspect(any_store.engine).get_table_names())
    assert {"runs", "tier_changes", "write_failures", "model_versions", "locks"} <= names
    assert {"watermarks", "account_state", "inbox", "schema_version"} <= names
    with any_store.engine.connect() as conn:
        assert conn.scalars(select(schema_version.c.version)).all() == [SCHEMA_VERSION]
    columns = {c["name"] for c in inspect(any_store.engine).get_columns("inbox")}
    assert columns == {c.name for c in inbox.columns}
    indexes = {tuple(i["column_names"]) for i in inspect(any_store.engine).get_indexes("inbox")}
    assert ("done_at", "available_at") in indexes


def test_lock_is_exclusive_until_released(any_store: Store) -> None:
    assert any_store.acquire_lock("sync", "host-a:1", 60)
    assert not any_store.acquire_lock("sync", "host-b:2", 60)
    info = any_store.lock_holder("sync")
    assert info is not None and info.holder == "host-a:1"
    assert not any_store.release_lock("sync", "host-b:2")
    assert any_store.release_lock("sync", "host-a:1")
    assert any_store.lock_holder("sync") is None
    assert any_store.acquire_lock("sync", "host-b:2", 60)


def test_an_expired_lock_can_be_taken_over(any_store: Store) -> None:
    assert any_store.acquire_lock("sync", "dead:1", timedelta(seconds=-1))
    assert any_store.lock_holder("sync") is None
    assert any_store.acquire_lock("sync", "alive:2", 60)
    assert not any_store.refresh_lock("sync", "dead:1", 60)
    assert any_store.refresh_lock("sync", "alive:2", 60)


def test_only_one_of_many_contenders_gets_the_lock(any_store: Store) -> None:
    stores = [Store(any_store.url) for _ in range(8)]
    barrier = threading.Barrier(len(stores))
    won: list[str] = []

    def contend(i: int) -> None:
        barrier.wait()
        if stores[i].acquire_lock("sync", f"worker-{i}", 60):
            won.append(f"worker-{i}")

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.dispose()
    assert len(won) == 1
    info = any_store.lock_holder("sync")
    assert info is not None and info.holder == won[0]


def test_watermarks_insert_and_replace(any_store: Store) -> None:
    assert any_store.get_watermark("salesforce") is None
    any_store.set_watermark("salesforce", "2026-01-01T00:00:00Z")
    any_store.set_watermark("salesforce", "2026-02-01T00:00:00Z")
    assert any_store.get_watermark("salesforce") == "2026-02-01T00:00:00Z"


def test_recording_twice_in_a_run_adds_no_duplicate_history(any_store: Store) -> None:
    run = journal.start_run(any_store, "me")
    state = accounts.State("001", "Tier 1", 82.0, "Healthy", "QBR", "why", owner="Ann")
    change = accounts.Change("001", None, "Tier 1", "first assessment")
    accounts.record(any_store, "local", run, [state], [change])
    accounts.record(any_store, "local", run, [state], [change])
    assert [h["to_tier"] for h in accounts.history(any_store)] == ["Tier 1"]
    assert accounts.states(any_store, "local", ["001", "002"]) == {"001": state}
    moved = accounts.State("001", "Tier 2", 70.0, "Healthy", "x", "y", owner="Ann")
    accounts.record(any_store, "local", run, [moved], [])
    assert accounts.states(any_store, "local", ["001"])["001"].tier == "Tier 2"


def test_failures_are_kept_counted_and_resolved(any_store: Store) -> None:
    run1 = journal.start_run(any_store, "me")
    bad = RecordFailure("001", "FIELD_CUSTOM_VALIDATION_EXCEPTION", "nope", ("Tier__c",))
    journal.record_failures(any_store, "salesforce", run1, [bad])
    run2 = journal.start_run(any_store, "me")
    journal.record_failures(any_store, "salesforce", run2, [bad])
    (row,) = journal.open_failures(any_store)
    assert (row["attempts"], row["first_run_id"], row["last_run_id"]) == (2, run1, run2)
    assert journal.open_failure_ids(any_store, "salesforce") == {"001"}
    assert journal.resolve_failures(any_store, "salesforce", run2, ["001", "002"]) == 1
    assert journal.open_failures(any_store) == []


def test_abandoned_runs_are_closed_as_interrupted(any_store: Store) -> None:
    run = journal.start_run(any_store, "dead:1")
    assert journal.close_abandoned_runs(any_store) == 1
    (row,) = journal.recent_runs(any_store)
    assert (row["id"], row["status"]) == (run, "interrupted")


@pytest.mark.parametrize("url", ["postgresql://u@h/db", "postgres://u@h/db"])
def test_bare_postgresql_urls_use_psycopg(url: str) -> None:
    assert Store(url).url.startswith("postgresql+psycopg://")
