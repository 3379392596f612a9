"""A process killed mid-run (between write and record, or while recording) converges on re-run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from plugin.config import load_config
from plugin.store import journal
from plugin.store.database import Store
from plugin.sync.run import run_sync
from tests.plugin.sync.book_helpers import changes_of, outputs

# Dies like `kill -9` at a chosen point: after the write returned, or after 2 recorded batches.
CRASH = """
import os, sys
from datetime import date
from plugin.sync import source as engine
from plugin.store import accounts, journal
from plugin.config import load_config
from plugin.sync.run import run_sync

if sys.argv[2] == "after-write":
    engine._record = lambda *args, **kwargs: os._exit(3)
else:
    real, calls = accounts.record, []
    def record(*args, **kwargs):
        real(*args, **kwargs)
        calls.append(1)
        if len(calls) == 2:
            os._exit(3)
    accounts.record = record
run_sync(load_config(sys.argv[1]), today=date(2026, 11, 1))
"""


@pytest.mark.slow
@pytest.mark.parametrize("where", ["after-write", "while-recording"])
def test_rerun_after_a_kill_converges_with_one_history_entry_per_change(
    sync_dir: Path, tmp_path_factory: pytest.TempPathFactory, where: str
) -> None:
    clean = tmp_path_factory.mktemp("clean")
    shutil.copy(sync_dir / "accounts.csv", clean / "accounts.csv")
    shutil.copy(sync_dir / "tiersync.toml", clean / "tiersync.toml")
    run_sync(load_config(clean / "tiersync.toml", env={}), today=date(2026, 11, 1))

    config_path = sync_dir / "tiersync.toml"
    died = subprocess.run(
        [sys.executable, "-c", CRASH, str(config_path), where],
        capture_output=True,
        text=True,
        check=False,
    )
    assert died.returncode == 3, died.stderr
    config = load_config(config_path, env={})
    store = Store(config.store_url)
    recorded_before = len(changes_of(store))
    assert recorded_before == (0 if where == "after-write" else 6)

    report = run_sync(config, store=store, today=date(2026, 11, 1))
    assert report.status == "succeeded"
    assert outputs(config.local.output) == outputs(clean / "out" / "accounts.csv")
    history = changes_of(store)
    assert len(history) == 8 and len(set(history)) == 8
    assert [r["status"] for r in journal.recent_runs(store)] == ["succeeded", "interrupted"]
    assert run_sync(config, store=store, today=date(2026, 11, 1)).written == 0
    store.dispose()
