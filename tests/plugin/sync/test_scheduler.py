"""The nightly scheduler: cron in the configured zone across DST, persisted job, clean stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect

from plugin.config import ScheduleSettings, load_config
from plugin.store.database import Store
from plugin.sync.scheduler import JOB_ID, JOBS_TABLE, build_scheduler, ensure_job, scheduled_sync


def test_the_nightly_trigger_follows_the_time_zone_across_dst() -> None:
    trigger = ScheduleSettings(cron="0 3 * * *", timezone="Europe/Berlin").trigger()
    berlin = ZoneInfo("Europe/Berlin")
    before = trigger.get_next_fire_time(None, datetime(2026, 3, 27, 12, 0, tzinfo=berlin))
    after = trigger.get_next_fire_time(None, datetime(2026, 3, 28, 12, 0, tzinfo=berlin))
    assert before is not None and after is not None
    assert (before.day, after.day) == (28, 29)  # the clocks go forward on 29 March
    assert (before.hour, after.hour) == (3, 3)  # 03:00 local on both sides of the change
    assert before.astimezone(UTC).hour == 2  # CET, UTC+1
    assert after.astimezone(UTC).hour == 1  # CEST, UTC+2


def test_a_run_in_the_skipped_hour_still_happens_once() -> None:
    trigger = ScheduleSettings(cron="30 2 * * *", timezone="America/New_York").trigger()
    ny = ZoneInfo("America/New_York")
    fire = trigger.get_next_fire_time(None, datetime(2026, 3, 7, 12, 0, tzinfo=ny))
    assert fire is not None
    following = trigger.get_next_fire_time(fire, fire)
    assert following is not None
    # 02:30 does not exist on 8 March in New York: it runs once, at 07:30 UTC (03:30 EDT).
    assert fire.astimezone(UTC) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert following.astimezone(UTC) == datetime(2026, 3, 9, 6, 30, tzinfo=UTC)


def test_the_job_is_stored_and_kept_across_restarts(sync_dir: Path) -> None:
    config = load_config(sync_dir / "tiersync.toml", env={})
    store = Store(config.store_url)
    store.upgrade()
    first = build_scheduler(config, store)
    first.start(paused=True)
    job = ensure_job(first, config)
    planned = job.next_run_time
    assert (job.coalesce, job.max_instances) == (True, 1)
    assert job.misfire_grace_time == config.schedule.misfire_grace_seconds
    first.shutdown(wait=False)
    assert JOBS_TABLE in inspect(store.engine).get_table_names()

    again = build_scheduler(config, store)
    again.start(paused=True)
    kept = ensure_job(again, config)
    assert kept.id == JOB_ID and kept.next_run_time == planned
    assert str(kept.trigger.timezone) == "UTC"
    again.shutdown(wait=False)
    store.dispose()


def test_the_scheduled_job_runs_a_sync(sync_dir: Path) -> None:
    assert scheduled_sync(str(sync_dir / "tiersync.toml")) == "succeeded"
    assert (sync_dir / "out" / "accounts.csv").exists()


def test_the_scheduled_job_skips_when_another_sync_runs(sync_dir: Path) -> None:
    config = load_config(sync_dir / "tiersync.toml", env={})
    store = Store(config.store_url)
    store.upgrade()
    assert store.acquire_lock("sync", "elsewhere:1:1", 600)
    assert scheduled_sync(str(sync_dir / "tiersync.toml")).startswith("skipped: another sync")
    store.dispose()


@pytest.mark.slow
def test_sigterm_stops_the_scheduler_cleanly(sync_dir: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "plugin.cli",
            "scheduler",
            "--config",
            str(sync_dir / "tiersync.toml"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert "next run" in line and "in UTC" in line
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "scheduler stopped" in out


def test_serve_returns_when_asked_to_stop(sync_dir: Path) -> None:
    from plugin.sync.scheduler import serve

    config = load_config(sync_dir / "tiersync.toml", env={})
    done = threading.Event()
    jobs: list[object] = []

    def ready(job: object) -> None:
        jobs.append(job)
        done.set()

    worker = threading.Thread(target=serve, args=(config,), kwargs={"ready": ready, "stop": done})
    worker.start()
    worker.join(60)
    assert not worker.is_alive() and len(jobs) == 1
