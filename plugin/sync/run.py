"""The sync: load the model, read each source, score, write back only changes, record it all.

`run_sync` is the one entry point: `tiersync sync`, the scheduler and the dashboard's
"Sync now" button all call it. One run at a time across processes (a lock in the store that
expires if its holder dies); re-running after a crash converges with no duplicate history.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date

from connectors.sheets.connector import SheetsConnector
from plugin.config import Config
from plugin.errors import Interrupted, LockHeld
from plugin.model.versions import resolve_model
from plugin.store import accounts, journal
from plugin.store.database import Store
from plugin.store.heartbeat import Heartbeat
from plugin.store.lock import holder_is_dead, new_holder
from plugin.sync.context import RunContext
from plugin.sync.preview import dry_run_source
from plugin.sync.report import RunReport, render
from plugin.sync.source import Outcome, sync_source
from plugin.wiring import ConnectorFactory, open_connector
from scoring import DEFAULT_MODEL, Scorer, Summary, load_model

LOCK = "sync"
Progress = Callable[[int, int | None], None]

__all__ = ["LockHeld", "RunReport", "run_sync"]


def run_sync(
    config: Config,
    *,
    store: Store | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    today: date | None = None,
    stop: threading.Event | None = None,
    holder: str | None = None,
    connectors: ConnectorFactory = open_connector,
) -> RunReport:
    """Run one sync (or a dry run that writes nothing) and return its report.

    `connectors` builds each system's connector (tests pass fakes); the store is opened from
    the config unless given.
    """
    own = store is None
    store = store or Store(config.store_url)
    started = time.monotonic()
    try:
        store.upgrade()
        if dry_run:
            return _dry_run(config, store, today, started, connectors)
        holder = holder or new_holder()
        ttl = config.sync.lock_ttl_seconds
        if not _lock(store, holder, ttl):
            info = store.lock_holder(LOCK)
            raise LockHeld(info.holder if info else None, info.acquired_at if info else None)
        try:
            with Heartbeat(store, LOCK, holder, ttl) as beat:
                return _locked(
                    config, store, holder, today, started, progress, stop, connectors, beat
                )
        finally:
            store.release_lock(LOCK, holder)
    finally:
        if own:
            store.dispose()


def _lock(store: Store, holder: str, ttl: int) -> bool:
    """Take the run lock; also from a process of this host and PID namespace that is gone."""
    if store.acquire_lock(LOCK, holder, ttl):
        return True
    info = store.lock_holder(LOCK)
    if info is None:
        return store.acquire_lock(LOCK, holder, ttl)
    if not holder_is_dead(info.holder):
        return False
    return store.take_over_lock(LOCK, info.holder, holder, ttl)


def _locked(
    config: Config,
    store: Store,
    holder: str,
    today: date | None,
    started: float,
    progress: Progress | None,
    stop: threading.Event | None,
    factory: ConnectorFactory,
    beat: Heartbeat,
) -> RunReport:
    journal.close_abandoned_runs(store)
    run_id = journal.start_run(store, holder)
    report = RunReport(run_id, "running")

    def tick(n: int, total: int | None) -> None:
        if beat.lost.is_set():  # the heartbeat renews the lock; it only notices a loss
            raise Interrupted("the run lock was lost (expired and taken by another run)")
        if n >= 0 and progress is not None:
            progress(n, total)
        if n >= 0 and stop is not None and stop.is_set():
            raise Interrupted("stopped on request")

    ctx: RunContext | None = None
    summary: Summary | None = None
    outcomes: list[tuple[str, Outcome]] = []
    try:
        ctx = RunContext(config, store, Scorer(load_model(DEFAULT_MODEL)), run_id, factory, tick)
        resolved = resolve_model(config, store, sheet=_model_sheet(ctx))
        ctx.scorer = Scorer(resolved.model, today or date.today())
        report.model_version, report.notes = resolved.version, list(resolved.notes)
        summary = Summary(resolved.model)
        for name in config.sources:
            outcomes.append((name, sync_source(ctx, name, summary)))
        report.status = _status(outcomes)
    except Interrupted as exc:
        if summary is None or ctx is None:
            raise
        report.status, report.notes = "interrupted", [*report.notes, str(exc)]
        _finish(ctx, report, summary, outcomes, started, error=str(exc))
        return report
    except BaseException as exc:
        calls = ctx.api_calls if ctx is not None else 0
        journal.finish_run(
            store, run_id, "failed", error=f"{type(exc).__name__}: {exc}", api_calls=calls
        )
        raise
    _finish(ctx, report, summary, outcomes, started)
    return report


def _model_sheet(ctx: RunContext) -> SheetsConnector | None:
    """Return the run's own sheet connector when the model lives in the sheet (calls counted)."""
    if ctx.config.model.source != "sheet":
        return None
    conn = ctx.connector("sheets")
    return conn if isinstance(conn, SheetsConnector) else None


def _status(outcomes: list[tuple[str, Outcome]]) -> str:
    if any(o.stopped or o.report.failures for _, o in outcomes):
        return "partial"
    return "succeeded"


def _finish(
    ctx: RunContext,
    report: RunReport,
    summary: Summary,
    outcomes: list[tuple[str, Outcome]],
    started: float,
    error: str | None = None,
) -> None:
    _fill(report, summary, started)
    for name, o in outcomes:
        if o.partial_book:  # the distribution is the whole book's, not the batch's
            _book_counts(ctx, report, name)
        w = o.report
        report.written += w.written
        report.unchanged += w.unchanged
        report.failures.extend(w.failures)
        report.changes_recorded += o.history
        report.notes.extend(n for n in dict.fromkeys(w.notes) if n not in report.notes)
        report.notes.extend(f"{name}: skipped {f.account_id}: {f.message}" for f in w.skipped)
        if o.stopped:
            report.notes.append(o.stopped)
        report.notes.extend(f"{name}: {d.account_id}: {d.message}" for d in o.duplicates[:10])
        if len(o.duplicates) > 10:
            report.notes.append(f"{name}: {len(o.duplicates) - 10} more repeated account ids")
    report.api_calls = ctx.api_calls
    report.summary = render(report)
    assert report.run_id is not None
    journal.finish_run(
        ctx.store,
        report.run_id,
        report.status,
        accounts=report.accounts,
        written=report.written,
        unchanged=report.unchanged,
        changes=report.changes_recorded,
        failures=len(report.failures),
        api_calls=report.api_calls,
        model_version=report.model_version,
        counts={"tiers": report.tiers, "health": report.health, "changes": report.changes_by_tier},
        error=error,
        notes="\n".join(report.notes) or None,
    )


def _book_counts(ctx: RunContext, report: RunReport, name: str) -> None:
    tiers, health = accounts.book_counts(ctx.store, name)
    report.book = sum(tiers.values())
    report.tiers = {t.name: tiers[t.name] for t in ctx.model.tiers}
    report.health = {h.status: health[h.status] for h in ctx.model.health}


def _fill(report: RunReport, summary: Summary, started: float) -> None:
    report.accounts = summary.total
    report.tiers = {t.name: summary.tiers[t.name] for t in summary.model.tiers}
    report.targets = {t.name: t.target_share for t in summary.model.tiers}
    report.health = {h.status: summary.health[h.status] for h in summary.model.health}
    report.changes_by_tier = {t.name: summary.changes[t.name] for t in summary.model.tiers}
    report.changes = sum(summary.changes.values())
    report.capacity = summary.capacity_line()
    report.duration = time.monotonic() - started


def _dry_run(
    config: Config, store: Store, today: date | None, started: float, factory: ConnectorFactory
) -> RunReport:
    ctx = RunContext(config, store, Scorer(load_model(DEFAULT_MODEL)), None, factory)
    resolved = resolve_model(config, store, apply=False, sheet=_model_sheet(ctx))
    ctx.scorer = Scorer(resolved.model, today or date.today())
    report = RunReport(None, "dry-run", model_version=resolved.version, notes=resolved.notes)
    summary = Summary(resolved.model)
    for name in config.sources:
        would, sample = dry_run_source(ctx, name, summary)
        report.written += would
        report.would_change.extend(sample[: 50 - len(report.would_change)])
    report.unchanged = summary.total - report.written
    _fill(report, summary, started)
    report.api_calls = ctx.api_calls
    report.summary = render(report)
    return report
