"""The sync: load the model, read each source, score, write back only changes, record it all.

`run_sync` is the one entry point: `tiersync sync`, the scheduler and the dashboard's
"Sync now" button all call it. One run at a time across processes (a lock in the store that
expires if its holder dies); re-running after a crash converges with no duplicate history.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import date, datetime

from plugin.config import Config
from plugin.errors import Interrupted, LockHeld
from plugin.model.preview import Preview, dry_run_source, preview
from plugin.model.versions import ResolvedModel, resolve_model
from plugin.store import ledger
from plugin.store.database import Store
from plugin.sync.report import RunReport, render
from plugin.sync.source import Outcome, sync_source
from plugin.wiring import open_connector
from scoring import Scorer, Summary

LOCK = "sync"
Progress = Callable[[int, int | None], None]

__all__ = ["LockHeld", "Preview", "RunReport", "preview", "run_sync"]


def run_sync(
    config: Config,
    *,
    store: Store | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    today: date | None = None,
    stop: threading.Event | None = None,
    holder: str | None = None,
) -> RunReport:
    """Run one sync (or a dry run that writes nothing) and return its report."""
    own = store is None
    store = store or Store(config.store_url)
    started = time.monotonic()
    try:
        store.upgrade()
        if dry_run:
            return _dry_run(config, store, today, started)
        holder = holder or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        if not _lock(store, holder, config.sync.lock_ttl_seconds):
            raise LockHeld(store.lock_holder(LOCK))
        try:
            return _locked(config, store, holder, today, started, progress, stop)
        finally:
            store.release_lock(LOCK, holder)
    finally:
        if own:
            store.dispose()


def _lock(store: Store, holder: str, ttl: int) -> bool:
    """Take the run lock; also from a holder on this host whose process is gone."""
    if store.acquire_lock(LOCK, holder, ttl):
        return True
    info = store.lock_holder(LOCK)
    if info is None:
        return store.acquire_lock(LOCK, holder, ttl)
    host, _, rest = info.holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit() or _alive(int(pid)):
        return False
    return store.take_over_lock(LOCK, info.holder, holder, ttl)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _locked(
    config: Config,
    store: Store,
    holder: str,
    today: date | None,
    started: float,
    progress: Progress | None,
    stop: threading.Event | None,
) -> RunReport:
    ledger.close_abandoned_runs(store)
    run_id = ledger.start_run(store, holder)
    report = RunReport(run_id, "running")

    def tick(n: int, total: int | None) -> None:
        if not store.refresh_lock(LOCK, holder, config.sync.lock_ttl_seconds):
            raise Interrupted("the run lock was lost (expired and taken by another run)")
        if n >= 0 and progress is not None:
            progress(n, total)
        if n >= 0 and stop is not None and stop.is_set():
            raise Interrupted("stopped on request")

    summary: Summary | None = None
    outcome = Outcome()
    try:
        resolved = resolve_model(config, store)
        report.model_version, report.notes = resolved.version, list(resolved.notes)
        summary = Summary(resolved.model)
        for name in config.sources:
            _one_source(config, store, run_id, resolved, summary, outcome, name, today, tick)
        report.status = "partial" if outcome.report.failures else "succeeded"
    except Interrupted as exc:
        if summary is None:
            raise
        report.status, report.notes = "interrupted", [*report.notes, str(exc)]
        _finish(store, report, summary, outcome, started, error=str(exc))
        return report
    except BaseException as exc:
        ledger.finish_run(store, run_id, "failed", error=f"{type(exc).__name__}: {exc}")
        raise
    _finish(store, report, summary, outcome, started)
    return report


def _one_source(
    config: Config,
    store: Store,
    run_id: int,
    resolved: ResolvedModel,
    summary: Summary,
    outcome: Outcome,
    name: str,
    today: date | None,
    tick: Callable[[int, int | None], None],
) -> None:
    conn = open_connector(name, config)
    conn.check()
    sinks = [conn]
    if config.sinks:
        sinks = [conn if s == name else open_connector(s, config) for s in config.sinks]
    since = _since(config, store, name)
    got = sync_source(
        conn,
        sinks,
        store,
        run_id,
        Scorer(resolved.model, today or date.today()),
        summary,
        size=config.sync.batch_size,
        tick=tick,
        since=since,
    )
    outcome.report.merge(got.report)
    outcome.recorded += got.recorded
    outcome.history += got.history
    mark = getattr(conn, "watermark", None)
    if config.sync.incremental and isinstance(mark, datetime):
        store.set_watermark(f"accounts:{name}", mark.isoformat())


def _since(config: Config, store: Store, name: str) -> datetime | None:
    if not config.sync.incremental or name == "local":
        return None
    value = store.get_watermark(f"accounts:{name}")
    return datetime.fromisoformat(value) if value else None


def _finish(
    store: Store,
    report: RunReport,
    summary: Summary,
    outcome: Outcome,
    started: float,
    error: str | None = None,
) -> None:
    _fill(report, summary, started)
    w = outcome.report
    report.written, report.unchanged, report.api_calls = w.written, w.unchanged, w.api_calls
    report.failures = list(w.failures)
    report.notes = [*report.notes, *dict.fromkeys(w.notes)]  # the connectors' own notes
    report.summary = render(report)
    assert report.run_id is not None
    ledger.finish_run(
        store,
        report.run_id,
        report.status,
        accounts=report.accounts,
        written=report.written,
        unchanged=report.unchanged,
        changes=report.changes,
        failures=len(report.failures),
        api_calls=report.api_calls,
        model_version=report.model_version,
        counts={"tiers": report.tiers, "health": report.health, "changes": report.changes_by_tier},
        error=error,
        notes="\n".join(report.notes) or None,
    )


def _fill(report: RunReport, summary: Summary, started: float) -> None:
    report.accounts = summary.total
    report.tiers = {t.name: summary.tiers[t.name] for t in summary.model.tiers}
    report.targets = {t.name: t.target_share for t in summary.model.tiers}
    report.health = {h.status: summary.health[h.status] for h in summary.model.health}
    report.changes_by_tier = {t.name: summary.changes[t.name] for t in summary.model.tiers}
    report.changes = sum(summary.changes.values())
    report.duration = time.monotonic() - started


def _dry_run(config: Config, store: Store, today: date | None, started: float) -> RunReport:
    resolved = resolve_model(config, store, apply=False)
    report = RunReport(None, "dry-run", model_version=resolved.version, notes=resolved.notes)
    summary = Summary(resolved.model)
    scorer = Scorer(resolved.model, today or date.today())
    for name in config.sources:
        would, sample = dry_run_source(open_connector(name, config), store, scorer, summary)
        report.written += would
        report.would_change.extend(sample[: 50 - len(report.would_change)])
    report.unchanged = summary.total - report.written
    _fill(report, summary, started)
    report.summary = render(report)
    return report
