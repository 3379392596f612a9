"""The inbox worker: claim changed ids, re-read them, score, write back in batches, record.

One batch is one `webhook` run in the store, so the dashboard shows webhook work next to the
nightly syncs. A batch that fails as a whole goes back to the inbox with a back-off; records a
system rejects are recorded as write failures and their inbox rows are closed.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from connectors.base import WriteReport
from plugin.changes import inbox
from plugin.config import Config
from plugin.model import versions
from plugin.store import ledger
from plugin.store.database import Store
from plugin.sync.source import with_state
from plugin.wiring import open_connector
from scoring import AccountRecord, Result, Scorer, load_model

log = logging.getLogger(__name__)
SALESFORCE_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
NOT_FOUND = "not found in the source (deleted or not visible to the integration user)"


class IdConnector(Protocol):
    """What the worker needs of a system: read accounts by id, write results."""

    name: str

    def read_ids(self, ids: Iterable[str]) -> Iterator[AccountRecord]:
        """Yield the given accounts."""
        ...

    def write_results(self, pairs: Iterable[tuple[AccountRecord, Result]]) -> WriteReport:
        """Write changed results and report what was written and rejected."""
        ...


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
    """Return a name for this worker that is unique across hosts and processes."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def process(
    store: Store, connector: IdConnector, scorer: Scorer, claim: inbox.Claim, report: DrainReport
) -> bool:
    """Handle one claimed batch; return False when it failed and went back to the inbox."""
    bad = _invalid_ids(connector, claim.account_ids)
    wanted = [aid for aid in claim.account_ids if aid not in bad]
    run_id = ledger.start_run(store, claim.worker, kind="webhook")
    calls_before = int(getattr(connector, "api_calls", 0) or 0)
    try:
        # One read for the whole batch: the connector chunks ids into as few queries as it can.
        records = with_state(store, connector.name, connector.read_ids(wanted), 500, set())
        pairs = [(r, scorer.score(r)) for r in records]
        written = connector.write_results(pairs)
    except Exception as exc:  # any failure must leave the ids in the inbox for a retry
        message = f"{type(exc).__name__}: {exc}"
        inbox.fail(store, claim, message)
        calls = int(getattr(connector, "api_calls", 0) or 0) - calls_before
        ledger.finish_run(store, run_id, "failed", error=message, api_calls=calls)
        report.failed_batches += 1
        report.errors.append(message)
        log.warning("inbox batch of %d ids failed: %s", len(claim.account_ids), message)
        return False
    _record(store, connector.name, run_id, pairs, written)
    notes = {f.account_id: f"{f.code}: {f.message}" for f in written.failures}
    found = {r.account_id for r, _ in pairs}
    notes.update({aid: NOT_FOUND for aid in wanted if aid not in found})
    notes.update({aid: "not a Salesforce record id; nothing was queried" for aid in bad})
    inbox.complete(store, claim, notes)
    status = "partial" if written.failures else "succeeded"
    ledger.finish_run(
        store,
        run_id,
        status,
        accounts=len(pairs),
        written=written.written,
        unchanged=written.unchanged,
        changes=sum(1 for _, res in pairs if res.change is not None),
        failures=len(written.failures),
        api_calls=written.api_calls,
        notes="; ".join(written.notes) or None,
    )
    report.batches += 1
    report.accounts += len(pairs)
    report.written += written.written
    report.rejected += len(written.failures)
    report.api_calls += written.api_calls
    return True


def _invalid_ids(connector: IdConnector, ids: Iterable[str]) -> set[str]:
    # A malformed id must not fail its whole batch forever: close it alone, query the rest.
    if connector.name != "salesforce":
        return set()
    return {aid for aid in ids if not SALESFORCE_ID.fullmatch(aid)}


def _record(
    store: Store,
    system: str,
    run_id: int,
    pairs: list[tuple[AccountRecord, Result]],
    written: WriteReport,
) -> None:
    rejected = {f.account_id for f in written.failures}
    kept = [(r, res) for r, res in pairs if r.account_id not in rejected]
    states = [ledger.state_of(r, res) for r, res in kept]
    changes = [
        ledger.Change(res.account_id, res.change.from_tier, res.change.to_tier, res.change.why)
        for _, res in kept
        if res.change is not None
    ]
    ledger.record(store, system, run_id, states, changes)
    if written.failures:
        ledger.record_failures(store, system, run_id, written.failures)
    ledger.resolve_failures(store, system, run_id, [r.account_id for r, _ in kept])


def drain(
    store: Store,
    connector: IdConnector,
    scorer: Scorer,
    *,
    worker: str | None = None,
    batch_size: int = 200,
    max_batches: int = 10_000,
) -> DrainReport:
    """Process batches until the inbox has nothing claimable (bounded by max_batches)."""
    name = worker or worker_id()
    report = DrainReport()
    for _ in range(max_batches):
        claim = inbox.claim(store, name, limit=batch_size)
        if claim is None:
            break
        process(store, connector, scorer, claim, report)
    return report


def run_forever(
    store: Store,
    connector_factory: Callable[[], IdConnector],
    scorer_factory: Callable[[], Scorer],
    stop: threading.Event,
    *,
    poll: float = 1.0,
    batch_size: int = 200,
) -> None:
    """Drain, then wait `poll` seconds, until `stop` is set (the model is re-read each round)."""
    name = worker_id()
    while not stop.is_set():
        try:
            result = drain(
                store, connector_factory(), scorer_factory(), worker=name, batch_size=batch_size
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


class LocalIds:
    """The local CSV source read by id; results go to the store only.

    The embedded default has no system to write single accounts back to (the output CSV is
    rewritten whole by each sync), so webhook results live in the store's account state.
    """

    name = "local"

    def __init__(self, connector: Any) -> None:
        self.connector = connector

    def read_ids(self, ids: Iterable[str]) -> Iterator[AccountRecord]:
        """Yield the records of the given ids from the CSV (one pass over the file)."""
        wanted = set(ids)
        return (r for r in self.connector.iter_accounts() if r.account_id in wanted)

    def write_results(self, pairs: Iterable[tuple[AccountRecord, Result]]) -> WriteReport:
        """Count what changed; the worker records it in the store."""
        report = WriteReport()
        for record, result in pairs:
            if result.differs_from(record.current):
                report.written += 1
                report.written_ids.append(record.account_id)
            else:
                report.unchanged += 1
        return report


def id_connector(config: Config) -> IdConnector:
    """Return the connector webhooks re-read from: Salesforce when configured, else local."""
    if "salesforce" in config.sources:
        connector: IdConnector = open_connector("salesforce", config)
        return connector
    return LocalIds(open_connector("local", config))


def current_scorer(config: Config, store: Store) -> Scorer:
    """Return a scorer for the model version in use (the first run applies the source's)."""
    version = versions.current_version(store)
    if version is not None:
        return Scorer(load_model(version.data), today=date.today())
    resolved = versions.resolve_model(config, store, applied_by="worker")
    return Scorer(resolved.model, today=date.today())
