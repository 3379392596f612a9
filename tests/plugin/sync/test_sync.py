"""Full syncs on the local connector: first run, no-op run, model change, failures, locks."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from connectors.base import RecordFailure, WriteReport
from connectors.local import LocalCsvConnector
from plugin.config import Config, load_config
from plugin.errors import LockHeld
from plugin.store import accounts, journal
from plugin.store.database import Store
from plugin.store.lock import pid_namespace
from plugin.sync.run import LOCK, run_sync
from scoring import DEFAULT_MODEL, AccountRecord, Result
from tests.plugin.conftest import EIGHT
from tests.plugin.sync.book_helpers import changes_of, outputs

TODAY = date(2026, 11, 1)


@pytest.fixture
def config(sync_dir: Path) -> Config:
    return load_config(sync_dir / "tiersync.toml", env={})


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    s = Store(config.store_url)
    yield s
    s.dispose()


def test_first_run_writes_every_account_and_records_each_tier(config: Config, store: Store) -> None:
    report = run_sync(config, store=store, today=TODAY)
    assert report.status == "succeeded"
    assert (report.accounts, report.written, report.unchanged, report.changes) == (8, 8, 0, 8)
    assert report.tiers == {"Tier 1": 2, "Tier 2": 2, "Tier 3": 2, "Tier 4": 2}
    assert report.health == {"Healthy": 8, "At Risk": 0, "Critical": 0}
    got = outputs(config.local.output)
    assert {a: row[0] for a, row in got.items()} == EIGHT
    assert changes_of(store) == sorted((a, None, t) for a, t in EIGHT.items())
    assert accounts.states(store, "local", ["A1"])["A1"].tier == "Tier 1"
    (run,) = journal.recent_runs(store)
    assert (run["status"], run["written"], run["changes"]) == ("succeeded", 8, 8)
    assert run["model_version"] == report.model_version
    assert "Tier 1" in report.summary and "duration" in report.summary
    assert store.lock_holder(LOCK) is None


def test_second_run_without_changes_writes_nothing(config: Config, store: Store) -> None:
    run_sync(config, store=store, today=TODAY)
    first = outputs(config.local.output)
    report = run_sync(config, store=store, today=TODAY)
    assert (report.written, report.unchanged, report.changes) == (0, 8, 0)
    assert outputs(config.local.output) == first
    assert len(changes_of(store)) == 8
    assert [r["written"] for r in journal.recent_runs(store)] == [0, 8]


def test_a_model_change_records_exactly_the_accounts_that_move(
    config: Config, store: Store, sync_dir: Path
) -> None:
    run_sync(config, store=store, today=TODAY)
    model = copy.deepcopy(DEFAULT_MODEL)
    next(t for t in model["tiers"] if t["name"] == "Tier 2")["min_score"] = 45
    (sync_dir / "model.json").write_text(json.dumps(model), encoding="utf-8")
    toml = sync_dir / "tiersync.toml"
    toml.write_text(toml.read_text() + '[model]\npath = "model.json"\n', encoding="utf-8")
    changed = load_config(toml, env={})
    report = run_sync(changed, store=store, today=TODAY)
    assert report.changes == 2 and report.changes_by_tier["Tier 2"] == 2
    assert report.tiers["Tier 2"] == 4 and report.tiers["Tier 3"] == 0
    moved = [c for c in changes_of(store) if c[1] is not None]
    assert moved == [("A5", "Tier 3", "Tier 2"), ("A6", "Tier 3", "Tier 2")]
    assert outputs(changed.local.output)["A5"][0] == "Tier 2"
    runs = journal.recent_runs(store)
    assert runs[0]["model_version"] != runs[1]["model_version"]
    assert any("applied model version" in n for n in report.notes)


class FailingSink:
    """The local connector, but the system rejects some accounts."""

    replayable, reads_outputs, api_calls = True, False, 0

    def __init__(self, inner: LocalCsvConnector, reject: set[str]) -> None:
        self.inner, self.reject, self.name = inner, reject, inner.name

    def check(self) -> None:
        self.inner.check()

    def iter_accounts(self, bookmark: str | None = None) -> Iterator[AccountRecord]:
        return self.inner.iter_accounts()

    def next_bookmark(self) -> str | None:
        return None

    def read_ids(self, ids: Iterable[str]) -> Iterator[AccountRecord]:
        return self.inner.read_ids(ids)

    def write_results(self, pairs: Iterable[tuple[AccountRecord, Result]]) -> WriteReport:
        report = self.inner.write_results(pairs)
        for account_id in sorted(self.reject):
            report.failures.append(RecordFailure(account_id, "INVALID_FIELD", "Tier__c: bad"))
            report.written -= 1
        return report


def test_failed_records_are_kept_and_retried_next_run(
    config: Config, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = LocalCsvConnector(config.local.source, config.local.output)
    rejecting = FailingSink(local, {"A3"})
    first = run_sync(config, store=store, today=TODAY, connectors=lambda n, c: rejecting)
    assert first.status == "partial" and [f.account_id for f in first.failures] == ["A3"]
    assert [f["account_id"] for f in journal.open_failures(store)] == ["A3"]
    assert "A3" not in accounts.states(store, "local", ["A3"])
    assert ("A3", None, "Tier 2") not in changes_of(store)

    accepting = FailingSink(local, set())
    second = run_sync(config, store=store, today=TODAY, connectors=lambda n, c: accepting)
    assert second.status == "succeeded" and second.written == 1
    assert journal.open_failures(store) == []
    assert changes_of(store).count(("A3", None, "Tier 2")) == 1
    assert len(changes_of(store)) == 8


class BlockingSink(FailingSink):
    """Holds the write open until told to go, to make two syncs overlap."""

    def __init__(self, inner: LocalCsvConnector) -> None:
        super().__init__(inner, set())
        self.inside, self.go = threading.Event(), threading.Event()

    def write_results(self, pairs: Iterable[tuple[AccountRecord, Result]]) -> WriteReport:
        self.inside.set()
        assert self.go.wait(30)
        return super().write_results(pairs)


def test_two_concurrent_syncs_one_runs_the_other_names_the_holder(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    sink = BlockingSink(LocalCsvConnector(config.local.source, config.local.output))
    results: list[Any] = []
    first = threading.Thread(
        target=lambda: results.append(
            run_sync(config, today=TODAY, holder="host-a:1:1", connectors=lambda n, c: sink)
        )
    )
    first.start()
    assert sink.inside.wait(30)
    with pytest.raises(LockHeld) as held:
        run_sync(config, today=TODAY, holder="host-b:2:2")
    sink.go.set()
    first.join()
    assert held.value.holder == "host-a:1:1"
    assert "another sync is running: host-a:1:1" in str(held.value)
    assert [r.status for r in results] == ["succeeded"]
    store = Store(config.store_url)
    assert [r["status"] for r in journal.recent_runs(store)] == ["succeeded"]
    store.dispose()


@pytest.mark.slow
@pytest.mark.skipif(not pid_namespace(), reason="the system does not name PID namespaces")
def test_a_lock_left_by_a_dead_process_on_this_host_is_taken_over(
    config: Config, store: Store
) -> None:
    import socket
    import subprocess
    import sys

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    store.upgrade()
    holder = f"{socket.gethostname()}:{dead.stdout.strip()}:{pid_namespace()}:0a1b2c3d4e5f"
    assert store.acquire_lock(LOCK, holder, 900)
    report = run_sync(config, store=store, today=TODAY)
    assert report.status == "succeeded"


def test_dry_run_writes_and_records_nothing(config: Config, store: Store) -> None:
    report = run_sync(config, store=store, dry_run=True, today=TODAY)
    assert report.status == "dry-run" and report.run_id is None
    assert report.written == 8 and report.tiers["Tier 1"] == 2
    assert {w[0] for w in report.would_change} == set(EIGHT)
    assert "DRY RUN" in report.summary
    assert not config.local.output.exists()
    assert journal.recent_runs(store) == [] and changes_of(store) == []


def test_a_stop_request_ends_the_run_without_half_written_output(
    config: Config, store: Store
) -> None:
    stop = threading.Event()
    stop.set()
    report = run_sync(config, store=store, today=TODAY, stop=stop)
    assert report.status == "interrupted"
    assert not config.local.output.exists()
    assert changes_of(store) == []
    assert run_sync(config, store=store, today=TODAY).status == "succeeded"
    assert len(changes_of(store)) == 8


class ReadOnce(FailingSink):
    """A source that must not be read twice (like Salesforce): the engine spools it."""

    def __init__(self, inner: LocalCsvConnector) -> None:
        super().__init__(inner, set())
        self.replayable = False
        self.reads = 0

    def iter_accounts(self, bookmark: str | None = None) -> Iterator[AccountRecord]:
        self.reads += 1
        return self.inner.iter_accounts()


def test_a_source_is_read_once_for_scoring_and_capacity(
    config: Config, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = ReadOnce(LocalCsvConnector(config.local.source, config.local.output))
    report = run_sync(config, store=store, today=TODAY, connectors=lambda n, c: source)
    assert source.reads == 1
    assert report.written == 8 and report.tiers["Tier 4"] == 2


def test_progress_is_reported_per_batch(config: Config, store: Store) -> None:
    seen: list[tuple[int, int | None]] = []
    run_sync(config, store=store, today=TODAY, progress=lambda n, t: seen.append((n, t)))
    assert [n for n, _ in seen] == [3, 6, 8]
