"""One system's sync: read, score as a book, write only what differs, then record it.

The same function serves the nightly full sync, an incremental sync (from the bookmark, plus
the records whose write failed) and a webhook batch (given ids). Recording happens only after
the write returned: a crash between the two makes the next run write the same values again and
record the change once. A write stopped by the API budget records exactly what was written.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import chain

from connectors.base import Connector, RecordFailure, WriteReport
from connectors.errors import BudgetExceeded
from plugin.store import accounts, journal, reviews
from plugin.store.accounts import State
from plugin.store.database import Store
from plugin.sync.book import BookScorer, Decided, batched
from plugin.sync.context import RunContext
from plugin.sync.spool import Spool
from scoring import AccountRecord, Book, Result, Summary

BOOKMARK = "accounts:{}"


@dataclass
class Outcome:
    """What one system's sync did."""

    report: WriteReport = field(default_factory=WriteReport)
    read: int = 0
    recorded: int = 0
    history: int = 0
    partial_book: bool = False
    stopped: str | None = None
    seen: set[str] = field(default_factory=set)  # ids read (webhooks: which ids were found)
    duplicates: list[RecordFailure] = field(default_factory=list)  # repeated keys, scored once


def sync_source(
    ctx: RunContext, name: str, summary: Summary, ids: Sequence[str] | None = None
) -> Outcome:
    """Sync one system: all of it, what changed since the bookmark, or the given ids."""
    conn = ctx.connector(name)
    if ids is None:
        conn.check()
    bookmark = _bookmark(ctx, name) if ids is None else None
    outcome = Outcome(partial_book=ids is not None or bookmark is not None)
    # proposals of demotions are remembered by real runs only (not previews, dry runs)
    review = reviews.Recorder(ctx.store, name, ctx.scorer.today) if ctx.run_id else None
    scored = BookScorer(ctx.scorer, Book(ctx.model, replaceable=outcome.partial_book))
    try:
        if outcome.partial_book:
            scored.load_stored(accounts.standings(ctx.store, name))
        for record, state in _attach(ctx, conn, _read(ctx, conn, bookmark, ids, scored)):
            result = scored.add(record, state)
            if result is not None:
                outcome.read += 1
                if outcome.read % ctx.config.sync.batch_size == 0:
                    ctx.tick(outcome.read, None)
        if outcome.partial_book:
            outcome.read += scored.ripple(conn.read_ids, lambda rs: _attach(ctx, conn, rs))
        ctx.tick(outcome.read, outcome.read)
        outcome.duplicates = scored.duplicates
        if ids is not None:
            outcome.seen = scored.seen & set(ids)
        with Spool[Decided](ctx.config.sync.batch_size) as decided:
            for item in scored.decided():
                summary.add(item[1], item[0].get("owner"))
                if review is not None:
                    review.see(item[0], item[1])
                decided.append(item)
            _write(ctx, conn, name, decided, outcome, store_only=ids is not None)
            _record(ctx, name, decided, outcome)
            if review is not None:
                review.save(_not_recorded(outcome, decided))
    finally:
        scored.close()
    if ids is None and ctx.config.sync.incremental:
        _save_bookmark(ctx, conn, name, outcome)
    return outcome


def with_previous(
    store: Store | None, system: str, records: Iterable[AccountRecord], size: int, *, reads: bool
) -> Iterator[tuple[AccountRecord, State | None]]:
    """Give each record tiersync's last decision, from the store (one query per batch).

    `reads`: the system returned its own output values in this read, so writes are diffed
    against them (hand edits are put back); otherwise the last decision stands in for them.
    """
    for chunk in batched(records, size):
        stored = accounts.states(store, system, [r.account_id for r in chunk]) if store else {}
        if store is not None:
            chunk = reviews.attach(store, system, chunk)  # the open review proposals
        for record in chunk:
            state = stored.get(record.account_id)
            previous = state.outputs if state is not None else None
            current = record.current if reads or previous is None else previous
            yield replace(record, previous=previous, current=current), state


def _bookmark(ctx: RunContext, name: str) -> str | None:
    """Return where an incremental read starts: the saved watermark less the lag window."""
    if not ctx.config.sync.incremental:
        return None
    saved = ctx.store.get_watermark(BOOKMARK.format(name))
    if not saved:
        return None
    # Rows committed late carry an earlier SystemModstamp: re-read a small window.
    lag = timedelta(seconds=ctx.config.sync.lag_seconds)
    return (datetime.fromisoformat(saved) - lag).isoformat()


def _read(
    ctx: RunContext,
    conn: Connector,
    bookmark: str | None,
    ids: Sequence[str] | None,
    scored: BookScorer,
) -> Iterator[AccountRecord]:
    if ids is not None:
        return iter(conn.read_ids(ids))
    if bookmark is None:
        return iter(conn.iter_accounts())

    def retries() -> Iterator[AccountRecord]:
        # runs after the changed records are read: the records whose last write failed are
        # read again every run until they succeed
        failed = journal.open_failure_ids(ctx.store, conn.name) - scored.seen
        if failed:
            yield from conn.read_ids(sorted(failed))

    return chain(conn.iter_accounts(bookmark), retries())


def _attach(
    ctx: RunContext, conn: Connector, records: Iterable[AccountRecord]
) -> Iterator[tuple[AccountRecord, accounts.State | None]]:
    size = ctx.config.sync.batch_size
    return with_previous(ctx.store, conn.name, records, size, reads=conn.reads_outputs)


def _pairs(decided: Spool[Decided]) -> Iterator[tuple[AccountRecord, Result]]:
    return ((record, result) for record, result, _, _ in decided)


def _write(
    ctx: RunContext,
    conn: Connector,
    name: str,
    decided: Spool[Decided],
    outcome: Outcome,
    *,
    store_only: bool,
) -> None:
    """Write to the sinks; a file is rewritten whole by full syncs only (webhooks: store)."""
    sinks = [conn]
    if ctx.config.sinks and not store_only:
        sinks = [conn if s == name else ctx.connector(s) for s in ctx.config.sinks]
    if store_only and conn.replayable:
        sinks = []
    if not sinks:
        outcome.report.unchanged += decided.count
    for sink in sinks:
        try:
            outcome.report.merge(sink.write_results(_pairs(decided)))
        except BudgetExceeded as exc:
            if exc.report is not None:
                outcome.report.merge(exc.report)
            outcome.stopped = str(exc)
            return


def _record(ctx: RunContext, name: str, decided: Spool[Decided], outcome: Outcome) -> None:
    """Save states and tier changes of what the systems now hold; failures apart."""
    failed = {f.account_id for f in outcome.report.failures}
    written = set(outcome.report.written_ids) if outcome.stopped else None
    open_failed = journal.open_failure_ids(ctx.store, name) if ctx.run_id is not None else set()
    if not outcome.partial_book and written is None:
        open_failed -= failed  # a full read: a failure of an account no longer there is over
        done = sorted(open_failed)
        open_failed = set()
    else:
        done = []
    for chunk in decided.chunks():
        updates: list[accounts.State] = []
        changes: list[accounts.Change] = []
        for record, result, state, candidate in chunk:
            aid = record.account_id
            if aid in failed or (written is not None and aid not in written):
                continue
            if aid in open_failed:
                done.append(aid)
            if _needs(record, result, state, candidate):
                updates.append(accounts.state_of(record, result, candidate))
            ch = result.change
            if ch is not None:
                changes.append(accounts.Change(aid, ch.from_tier, ch.to_tier, ch.why))
        if ctx.run_id is not None and (updates or changes):
            accounts.record(ctx.store, name, ctx.run_id, updates, changes)
        outcome.recorded += len(updates)
        outcome.history += len(changes)
        ctx.tick(-1, None)
    if ctx.run_id is not None:
        _failures(ctx, name, outcome.report.failures, done)


def _not_recorded(outcome: Outcome, decided: Spool[Decided]) -> set[str]:
    """Return the ids whose result the systems do not hold: rejected, or not sent after a stop."""
    failed = {f.account_id for f in outcome.report.failures}
    if outcome.stopped:
        written = set(outcome.report.written_ids)
        failed |= {r.account_id for r, _, _, _ in decided if r.account_id not in written}
    return failed


def _needs(record: AccountRecord, result: Result, state: accounts.State | None, cand: bool) -> bool:
    if state is None:
        return True
    owner, name = accounts.labels(record)
    return (
        result.outputs != state.outputs
        or (owner, name) != (state.owner, state.name)
        or cand != state.candidate
    )


def _failures(ctx: RunContext, name: str, failures: list[RecordFailure], done: list[str]) -> None:
    assert ctx.run_id is not None
    if failures:
        journal.record_failures(ctx.store, name, ctx.run_id, failures)
    if done:
        journal.resolve_failures(ctx.store, name, ctx.run_id, done)


def _save_bookmark(ctx: RunContext, conn: Connector, name: str, outcome: Outcome) -> None:
    """Save the bookmark only after the write succeeded: a crash re-reads, never skips."""
    mark = conn.next_bookmark()
    if mark is not None and outcome.stopped is None and ctx.run_id is not None:
        ctx.store.set_watermark(BOOKMARK.format(name), mark)
