"""One source's sync: read (with the stored previous outputs), score, write, then record.

Recording happens only after the write returned, batch by batch, state and history together:
a crash between the write and the record makes the next run write the same values again and
record the change once; a crash during recording loses nothing already committed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import islice
from typing import Any

from connectors.base import Connector, RecordFailure, WriteReport
from plugin.store import ledger, reviews
from plugin.store.database import Store
from plugin.sync.spool import Spool
from plugin.sync.stream import score_stream
from plugin.wiring import api_calls, rereadable
from scoring import AccountRecord, Outputs, Result, Scorer, Summary

Lite = tuple[str, str, float, str, str, str, Any, Any, Any, Any, Any]
Tick = Callable[[int, int | None], None]


@dataclass
class Outcome:
    """What one source's sync did."""

    report: WriteReport = field(default_factory=WriteReport)
    recorded: int = 0
    history: int = 0
    read: int = 0


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Yield lists of up to size items."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def with_state(
    store: Store, system: str, records: Iterable[AccountRecord], size: int, stale: set[str]
) -> Iterator[AccountRecord]:
    """Give each record the outputs tiersync last wrote (one store query per batch)."""
    for chunk in batched(records, size):
        stored = ledger.states(store, system, [r.account_id for r in chunk])
        chunk = reviews.attach(store, system, chunk)  # review hook: the open proposals
        for record in chunk:
            s = stored.get(record.account_id)
            if s is None:
                if record.current != Outputs():
                    stale.add(record.account_id)  # first sight of a system's own values
            else:
                if (s.owner, s.name) != ledger.labels(record):
                    stale.add(record.account_id)
                out = Outputs(s.tier, s.score, s.health, s.next_action, s.reason)
                record = replace(record, current=out)
            yield record


def reader(
    conn: Connector, store: Store, size: int, stale: set[str], since: datetime | None
) -> tuple[Callable[[], Iterable[AccountRecord]], Spool[AccountRecord] | None]:
    """Return a callable giving the records (re-readable), spooling sources read once."""

    def read() -> Iterator[AccountRecord]:
        if since is not None:
            return conn.iter_accounts(since=since)  # type: ignore[call-arg]
        return conn.iter_accounts()

    if rereadable(conn):
        return lambda: with_state(store, conn.name, read(), size, stale), None
    spool = Spool[AccountRecord]().extend(with_state(store, conn.name, read(), size, stale))
    return lambda: iter(spool), spool


def tap(
    pairs: Iterable[tuple[AccountRecord, Result]],
    out: Spool[Lite],
    summary: Summary,
    stale: set[str],
    every: int,
    tick: Tick,
    total: int | None,
) -> Iterator[tuple[AccountRecord, Result]]:
    """Pass pairs through to the sink, counting them and spooling what must be recorded."""
    n = 0
    for record, result in pairs:
        summary.add(result)
        if result.differs_from(record.current) or record.account_id in stale or result.change:
            ch = result.change
            owner, name = ledger.labels(record)
            out.append(
                (
                    record.account_id,
                    result.tier,
                    result.score,
                    result.health,
                    result.next_action,
                    result.reason,
                    owner,
                    name,
                    ch.from_tier if ch else None,
                    ch.to_tier if ch else None,
                    ch.why if ch else None,
                )
            )
        yield record, result
        n += 1
        if n % every == 0:
            tick(n, total)
    tick(n, total)


def sync_source(
    conn: Connector,
    sinks: list[Connector],
    store: Store,
    run_id: int,
    scorer: Scorer,
    summary: Summary,
    *,
    size: int,
    tick: Tick,
    since: datetime | None = None,
) -> Outcome:
    """Score one source's accounts, write them to the sinks, record state and history."""
    outcome = Outcome()
    stale: set[str] = set()
    review = reviews.Recorder(store, conn.name, scorer.today)  # review hook: starts the cycle
    records, spooled = reader(conn, store, size, stale, since)
    total = spooled.count if spooled is not None else None
    calls_before = sum(api_calls(c) for c in {id(c): c for c in [conn, *sinks]}.values())
    try:
        with Spool[Lite](size) as out:
            pairs = tap(score_stream(scorer, records), out, summary, stale, size, tick, total)
            pairs = review.watch(pairs)  # review hook: remember proposals as they pass
            outcome.report.merge(sinks[0].write_results(pairs))
            for sink in sinks[1:]:
                outcome.report.merge(sink.write_results(score_stream(scorer, records)))
            failed = {f.account_id for f in outcome.report.failures}
            outcome.read = summary.total
            _record(store, conn.name, run_id, out, failed, outcome, tick)
            review.save(failed)  # review hook: after the write, like the state
    finally:
        if spooled is not None:
            spooled.close()
    calls = sum(api_calls(c) for c in {id(c): c for c in [conn, *sinks]}.values())
    outcome.report.api_calls = max(outcome.report.api_calls, calls - calls_before)
    _failures(store, conn.name, run_id, outcome.report.failures, full=since is None)
    return outcome


def _record(
    store: Store,
    system: str,
    run_id: int,
    out: Spool[Lite],
    failed: set[str],
    outcome: Outcome,
    tick: Tick,
) -> None:
    for chunk in out.chunks():
        updates: list[ledger.State] = []
        changes: list[ledger.Change] = []
        for aid, tier, score, health, action, reason, owner, name, frm, to, why in chunk:
            if aid in failed:
                continue
            updates.append(ledger.State(aid, tier, score, health, action, reason, owner, name))
            if to is not None:
                changes.append(ledger.Change(aid, frm, to, why))
        ledger.record(store, system, run_id, updates, changes)
        outcome.recorded += len(updates)
        outcome.history += len(changes)
        tick(-1, None)


def _failures(
    store: Store, system: str, run_id: int, failures: list[RecordFailure], *, full: bool
) -> None:
    if failures:
        ledger.record_failures(store, system, run_id, failures)
    if full:
        still = {f.account_id for f in failures}
        ledger.resolve_failures(
            store, system, run_id, ledger.open_failure_ids(store, system) - still
        )
