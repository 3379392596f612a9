"""The nightly scheduler: APScheduler 3 in its own process (`tiersync scheduler`).

Never started inside the web app (each worker and the reloader would start one). The job is
kept in the store, so a restart keeps its next run time and a run missed while the process
was down still fires once (coalesced) within the grace time. SIGTERM lets a running sync end
at its next batch boundary, then exits.
"""

from __future__ import annotations

import logging
import signal
import threading
import zoneinfo
from collections.abc import Callable
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from plugin.config import Config, load_config
from plugin.errors import LockHeld
from plugin.store.database import Store
from plugin.sync.run import run_sync

JOB_ID = "tiersync-nightly-sync"
JOBS_TABLE = "apscheduler_jobs"
#: Set on SIGTERM: a running sync stops at its next batch boundary.
STOP = threading.Event()
log = logging.getLogger(__name__)


def scheduled_sync(config_path: str | None) -> str:
    """Run one sync for the scheduler; a held lock is logged, not raised (no overlap)."""
    config = load_config(config_path)
    try:
        report = run_sync(config, stop=STOP)
    except LockHeld as exc:
        log.warning("nightly sync skipped: %s", exc)
        return f"skipped: {exc}"
    log.info("nightly sync finished:\n%s", report.summary)
    return report.status


def build_scheduler(config: Config, store: Store) -> BackgroundScheduler:
    """Return a scheduler whose jobs live in the store (not started)."""
    return BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=store.engine, tablename=JOBS_TABLE)},
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": config.schedule.misfire_grace_seconds,
        },
        timezone=zoneinfo.ZoneInfo(config.schedule.timezone),
    )


def ensure_job(scheduler: BackgroundScheduler, config: Config) -> Any:
    """Add the nightly job, or keep the stored one (and its next run) if nothing changed."""
    trigger = config.schedule.trigger()
    args = [str(config.path) if config.path else None]
    job = scheduler.get_job(JOB_ID)
    same = (
        job is not None
        and repr(job.trigger) == repr(trigger)
        and list(job.args) == args
        and job.misfire_grace_time == config.schedule.misfire_grace_seconds
    )
    if same:
        return job
    return scheduler.add_job(
        "plugin.sync.scheduler:scheduled_sync",
        trigger=trigger,
        args=args,
        id=JOB_ID,
        name="nightly sync",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=config.schedule.misfire_grace_seconds,
    )


def serve(
    config: Config,
    *,
    store: Store | None = None,
    ready: Callable[[Any], None] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Run the scheduler until SIGTERM/SIGINT (or `stop`), then shut down cleanly."""
    store = store or Store(config.store_url)
    store.upgrade()
    done = stop or threading.Event()
    STOP.clear()

    def on_signal(signum: int, _frame: Any) -> None:
        log.info("signal %d: stopping after the current batch", signum)
        STOP.set()
        done.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
    scheduler = build_scheduler(config, store)
    scheduler.start(paused=True)
    try:
        job = ensure_job(scheduler, config)
        scheduler.resume()
        if ready is not None:
            ready(job)
        done.wait()
        STOP.set()
    finally:
        scheduler.shutdown(wait=True)
        store.dispose()
