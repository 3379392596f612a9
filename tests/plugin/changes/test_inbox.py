"""The durable inbox: idempotent enqueue, coalescing claims, leases, back-off."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from plugin.changes import inbox
from plugin.store.database import Store
from tests.plugin.web_helpers import sf_id

T0 = datetime(2024, 6, 3, 12, 0, tzinfo=UTC)


def test_enqueue_is_idempotent_while_waiting(any_store: Store) -> None:
    assert inbox.enqueue(any_store, [sf_id(1), sf_id(2), sf_id(1)], "outbound", T0) == 2
    assert inbox.enqueue(any_store, [sf_id(1)], "outbound", T0) == 0
    assert inbox.pending_ids(any_store) == [sf_id(1), sf_id(2)]


def test_claim_coalesces_and_complete_closes_every_row(any_store: Store) -> None:
    inbox.enqueue(any_store, [sf_id(1), sf_id(2)], "outbound", T0)
    claim = inbox.claim(any_store, "w1", now=T0)
    assert claim is not None
    assert sorted(claim.account_ids) == [sf_id(1), sf_id(2)]
    # a change arriving while the batch is in flight gets its own row: it may not be read yet
    assert inbox.enqueue(any_store, [sf_id(1)], "outbound", T0) == 1
    assert inbox.complete(any_store, claim, now=T0) == 2
    assert inbox.pending_ids(any_store) == [sf_id(1)]
    again = inbox.claim(any_store, "w1", now=T0)
    assert again is not None and again.account_ids == (sf_id(1),)


def test_duplicate_rows_are_claimed_together(any_store: Store) -> None:
    inbox.enqueue(any_store, [sf_id(1)], "outbound", T0)
    first = inbox.claim(any_store, "w1", now=T0)
    assert first is not None
    inbox.enqueue(any_store, [sf_id(1)], "outbound", T0)
    inbox.fail(any_store, first, "boom", now=T0)  # back to waiting, now twice
    later = T0 + timedelta(hours=2)
    claim = inbox.claim(any_store, "w2", limit=1, now=later)
    assert claim is not None
    assert claim.account_ids == (sf_id(1),)
    assert len(claim.row_ids) == 2
    assert inbox.claim(any_store, "w3", now=later) is None


def test_failure_backs_off_and_counts_attempts(any_store: Store) -> None:
    inbox.enqueue(any_store, [sf_id(1)], "callout", T0)
    claim = inbox.claim(any_store, "w1", now=T0)
    assert claim is not None and claim.attempts == 1
    assert inbox.fail(any_store, claim, "RetriableError: 503", now=T0) == 1
    assert inbox.claim(any_store, "w1", now=T0 + timedelta(seconds=9)) is None
    second = inbox.claim(any_store, "w1", now=T0 + timedelta(seconds=10))
    assert second is not None and second.attempts == 2
    inbox.fail(any_store, second, "again", now=T0 + timedelta(seconds=10))
    assert inbox.claim(any_store, "w1", now=T0 + timedelta(seconds=29)) is None
    assert inbox.claim(any_store, "w1", now=T0 + timedelta(seconds=30)) is not None
    assert inbox.backoff(1) == 10 and inbox.backoff(3) == 40 and inbox.backoff(50) == 3600


def test_expired_lease_is_taken_over_and_the_old_worker_cannot_close_it(any_store: Store) -> None:
    inbox.enqueue(any_store, [sf_id(1)], "outbound", T0)
    dead = inbox.claim(any_store, "dead-worker", now=T0)
    assert dead is not None
    assert inbox.claim(any_store, "w2", now=T0 + timedelta(seconds=60)) is None  # lease holds
    taken = inbox.claim(any_store, "w2", now=T0 + inbox.LEASE + timedelta(seconds=1))
    assert taken is not None and taken.account_ids == (sf_id(1),)
    assert inbox.complete(any_store, dead) == 0
    assert inbox.complete(any_store, taken) == 1
    assert inbox.stats(any_store).done == 1


def test_concurrent_claimers_never_share_an_id(any_store: Store) -> None:
    ids = [sf_id(i) for i in range(300)]
    inbox.enqueue(any_store, ids, "outbound")
    seen: list[str] = []
    lock = threading.Lock()

    def work(name: str) -> None:
        for _ in range(100):
            claim = inbox.claim(any_store, name, limit=7)
            if claim is None:
                return
            with lock:
                seen.extend(claim.account_ids)
            inbox.complete(any_store, claim)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(seen) == sorted(ids)
    assert inbox.stats(any_store).pending == 0


def test_stats(any_store: Store) -> None:
    inbox.enqueue(any_store, [sf_id(1), sf_id(2)], "outbound", T0)
    claim = inbox.claim(any_store, "w1", limit=1, now=T0)
    assert claim is not None
    s = inbox.stats(any_store, now=T0)
    assert (s.pending, s.in_flight, s.done) == (2, 1, 0)
    assert s.oldest_pending == T0
