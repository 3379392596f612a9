"""Run lock: unique holders, a heartbeat through long reads, the database's clock, dead workers."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from connectors.local import LocalCsvConnector
from plugin.changes import inbox, worker
from plugin.config import Config, load_config
from plugin.errors import LockHeld
from plugin.store import database, journal
from plugin.store.database import Store
from plugin.store.heartbeat import Heartbeat
from plugin.store.lock import new_holder, pid_namespace
from plugin.store.schema import locks, runs
from plugin.sync.run import LOCK, run_sync
from scoring import AccountRecord
from tests.plugin.web_helpers import FakeSalesforce, sf_id

TODAY = date(2026, 11, 1)


class SlowReader:
    """The local connector, with a read that takes longer than the lock's lifetime."""

    def __init__(self, inner: LocalCsvConnector, pause: float) -> None:
        self.inner, self.pause = inner, pause
        self.reading, self.read = threading.Event(), threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def iter_accounts(self, bookmark: str | None = None) -> Iterator[AccountRecord]:
        self.reading.set()
        time.sleep(self.pause)  # a large Bulk API read: no batch is scored meanwhile
        yield from self.inner.iter_accounts(bookmark)
        self.read.set()


@pytest.fixture
def config(sync_dir: Path) -> Config:
    text = (sync_dir / "tiersync.toml").read_text(encoding="utf-8")
    (sync_dir / "tiersync.toml").write_text(text + "lock_ttl_seconds = 1\n", encoding="utf-8")
    return load_config(sync_dir / "tiersync.toml", env={})


def test_a_read_longer_than_the_lock_ttl_keeps_the_lock(config: Config) -> None:
    slow = SlowReader(LocalCsvConnector(config.local.source, config.local.output), pause=2.5)
    results: list[Any] = []
    run = threading.Thread(
        target=lambda: results.append(run_sync(config, today=TODAY, connectors=lambda n, c: slow))
    )
    run.start()
    assert slow.reading.wait(30)
    store = Store(config.store_url)
    stolen = []
    while not slow.read.is_set() and run.is_alive():  # another process trying all along
        stolen.append(store.acquire_lock(LOCK, "intruder:1:1:x", 1))
        time.sleep(0.1)
    run.join()
    store.dispose()
    assert len(stolen) > 10 and not any(stolen)
    assert [r.status for r in results] == ["succeeded"]


def test_a_host_with_a_wrong_clock_cannot_take_a_live_lock(
    any_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = datetime.now(UTC)
    monkeypatch.setattr(database, "utcnow", lambda: real - timedelta(hours=1))
    assert any_store.acquire_lock(LOCK, "slow-clock:1:1:a", 900)  # its own clock is an hour late
    monkeypatch.setattr(database, "utcnow", lambda: real + timedelta(hours=1))
    assert not any_store.acquire_lock(LOCK, "fast-clock:2:2:b", 900)  # an hour early
    info = any_store.lock_holder(LOCK)
    assert info is not None and info.holder == "slow-clock:1:1:a"
    assert abs((info.expires_at - real).total_seconds() - 900) < 60  # the database's clock


def test_a_namesake_container_does_not_take_the_lock(config: Config) -> None:
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # same host name, a PID that is gone *here*, but another PID namespace: alive elsewhere
    holder = f"{socket.gethostname()}:{ended}:4026599999:0a1b2c3d4e5f"
    store = Store(config.store_url)
    store.upgrade()
    assert store.acquire_lock(LOCK, holder, 900)
    with pytest.raises(LockHeld):
        run_sync(config, store=store, today=TODAY)
    assert store.lock_holder(LOCK) is not None
    store.dispose()


def test_holder_ids_differ_for_every_process_and_call() -> None:
    code = "from plugin.store.lock import new_holder; print(new_holder())"
    ids = [
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(2)
    ]
    ids += [new_holder(), new_holder()]
    assert len(set(ids)) == 4
    hosts = {i.split(":")[0] for i in ids}
    assert hosts == {socket.gethostname()}
    assert all(i.split(":")[2] == (pid_namespace() or "-") for i in ids)


def test_the_heartbeat_keeps_a_lock_and_notices_its_loss(tmp_store: Store) -> None:
    assert tmp_store.acquire_lock("job", "me:1:1:a", 0.9)
    with Heartbeat(tmp_store, "job", "me:1:1:a", 0.9) as beat:
        time.sleep(2.0)  # more than twice the lifetime
        assert not tmp_store.acquire_lock("job", "other:2:2:b", 0.9)
        assert not beat.lost.is_set()
        with tmp_store.engine.begin() as conn:  # the lock expired and another run took it
            conn.execute(update(locks).values(holder="other:2:2:b"))
        assert beat.lost.wait(3)
    time.sleep(1.0)  # nobody renews "other": it expires
    assert tmp_store.acquire_lock("job", "third:3:3:c", 0.9)


def test_runs_of_a_dead_worker_are_closed_and_live_ones_kept(tmp_store: Store) -> None:
    inbox.enqueue(tmp_store, [sf_id(1)], "callout")
    assert inbox.claim(tmp_store, "live-worker") is not None
    live = journal.start_run(tmp_store, "live-worker", kind="webhook")
    dead = journal.start_run(tmp_store, "dead-worker", kind="webhook")
    fresh = journal.start_run(tmp_store, "starting-worker", kind="webhook")
    old = datetime.now(UTC) - timedelta(minutes=10)
    with tmp_store.engine.begin() as conn:
        conn.execute(update(runs).where(runs.c.id.in_([live, dead])).values(started_at=old))
    worker.drain(tmp_store, FakeSalesforce(), worker.current_scorer(Config(), tmp_store))
    status = {r["id"]: (r["status"], r["error"]) for r in journal.recent_runs(tmp_store)}
    assert status[dead] == ("interrupted", "the worker stopped mid-batch")
    assert status[live][0] == "running" and status[fresh][0] == "running"
