"""The inbox worker: claim changed ids, re-read them, score, write back in batches, record.

One batch is one `webhook` run in the store, so the dashboard shows webhook work next to the
nightly syncs. A batch that fails as a whole goes back to the inbox with a back-off; records a
system rejects are recorded as write failures and their inbox rows are closed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from connectors.base import Connector
from connectors.salesforce.names import is_record_id
from plugin.changes import inbox
from plugin.config import Config
from plugin.model import versions
from plugin.store import journal
from plugin.store.database import Store
from plugin.store.lock import new_holder
from plugin.sync.context import RunContext
from plugin.sync.source import sync_source
from plugin.wiring import open_by_id_source
from scoring import Scorer, Summary, load_model

log = logging.getLogger(__name__)
NOT_FOUND = "not found in the source (deleted or not visible to the integration user)"


@dataclass
class DrainReport:
    """What a drain did: batches, accounts, writes, failed batches, API calls."""

    batches: int = 0
    accounts: int = 0
    written: int = 0
    rejected: int = 0
    failed_batches: int = 0
    api_calls: int = 0
    errors: list[str] = field(default_factory=list)


def worker_id() -> str:
    """Return a name for this worker that is unique across hosts, containers and processes."""
    return new_holder()


def process(ctx: RunContext, claim: inbox.Claim, report: DrainReport, connector: Connector) -> bool:
    """Handle one claimed batch; return False when it failed and went back to the inbox.

    The batch goes through the same `sync_source` as a nightly sync, given its ids: scored
    against the store's book (capacity ripples included), written, recorded as a webhook run.
    """
    bad = _invalid_ids(connector, claim.account_ids)
    wanted = [aid for aid in claim.account_ids if aid not in bad]
    ctx.run_id = journal.start_run(ctx.store, claim.worker, kind="webhook")
    summary = Summary(ctx.model)
    try:
        outcome = sync_source(ctx, connector.name, summary, ids=wanted)
    except Exception as exc:  # any failure must leave the ids in the inbox for a retry
        message = f"{type(exc).__name__}: {exc}"
        inbox.fail(ctx.store, claim, message)
        journal.finish_run(ctx.store, ctx.run_id, "failed", error=message, api_calls=ctx.api_calls)
        report.failed_batches += 1
        report.errors.append(message)
        log.warning("inbox batch of %d ids failed: %s", len(claim.account_ids), message)
        return False
    written = outcome.report
    notes = {f.account_id: f"{f.code}: {f.message}" for f in written.failures}
    found = outcome.seen
    notes.update({aid: NOT_FOUND for aid in wanted if aid not in found})
    notes.update({aid: "not a Salesforce record id; nothing was queried" for aid in bad})
    inbox.complete(ctx.store, claim, notes)
    status = "partial" if written.failures or outcome.stopped else "succeeded"
    journal.finish_run(
        ctx.store,
        ctx.run_id,
        status,
        accounts=outcome.read,
        written=written.written,
        unchanged=written.unchanged,
        changes=outcome.history,
        failures=len(written.failures),
        api_calls=ctx.api_calls,
        notes="; ".join([*written.notes, *([outcome.stopped] if outcome.stopped else [])]) or None,
    )
    report.batches += 1
    report.accounts += outcome.read
    report.written += written.written
    report.rejected += len(written.failures)
    report.api_calls += ctx.api_calls
    return True


def _invalid_ids(connector: Connector, ids: Iterable[str]) -> set[str]:
    # A malformed id must not fail its whole batch forever: close it alone, query the rest.
    if connector.name != "salesforce":
        return set()
    return {aid for aid in ids if not is_record_id(aid)}


def drain(
    store: Store,
    connector: Connector,
    scorer: Scorer,
    *,
    config: Config | None = None,
    worker: str | None = None,
    batch_size: int = 200,
    max_batches: int = 10_000,
) -> DrainReport:
    """Process batches until the inbox has nothing claimable (bounded by max_batches)."""
    name = worker or worker_id()
    report = DrainReport()
    journal.close_abandoned_webhook_runs(store, inbox.LEASE)  # runs of workers that died
    for _ in range(max_batches):
        claim = inbox.claim(store, name, limit=batch_size)
        if claim is None:
            break
        ctx = RunContext(config or Config(), store, scorer, factory=lambda n, c: connector)
        process(ctx, claim, report, connector)
    return report


def run_forever(
    store: Store,
    connector_factory: Callable[[], Connector],
    scorer_factory: Callable[[], Scorer],
    stop: threading.Event,
    *,
    poll: float = 1.0,
    batch_size: int = 200,
    config: Config | None = None,
) -> None:
    """Drain, then wait `poll` seconds, until `stop` is set (the model is re-read each round).

    One connector serves the whole process, so Salesforce sees one login (renewed by the client
    when the session expires) instead of one every round that has work.
    """
    name = worker_id()
    connector: Connector | None = None
    while not stop.is_set():
        try:
            if connector is None:
                connector = connector_factory()
            result = drain(
                store,
                connector,
                scorer_factory(),
                config=config,
                worker=name,
                batch_size=batch_size,
            )
            if result.batches or result.failed_batches:
                log.info(
                    "inbox: %d accounts in %d batches, %d written, %d failed batches",
                    result.accounts,
                    result.batches,
                    result.written,
                    result.failed_batches,
                )
        except Exception:  # the loop must outlive a bad model or a database restart
            log.exception("inbox worker round failed; retrying in %.1fs", poll)
        stop.wait(poll)


def id_connector(config: Config) -> Connector:
    """Return the connector webhooks re-read from (see wiring.open_by_id_source)."""
    return open_by_id_source(config)


def current_scorer(config: Config, store: Store) -> Scorer:
    """Return a scorer for the model version in use (the first run applies the source's)."""
    version = versions.current_version(store)
    if version is not None:
        return Scorer(load_model(version.data), today=date.today())
    resolved = versions.resolve_model(config, store, applied_by="worker")
    return Scorer(resolved.model, today=date.today())
