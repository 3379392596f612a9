"""The inbox at volume: one statement per batch, claims that skip busy accounts, group commits."""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select

from plugin.changes import inbox
from plugin.changes.intake import GroupCommit
from plugin.store.database import Store
from tests.plugin.changes.worker_helpers import statements, verbs
from tests.plugin.web_helpers import sf_id

T0 = datetime(2024, 6, 3, 12, 0, tzinfo=UTC)


def _notes(store: Store) -> dict[str, str | None]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(inbox.inbox.c.account_id, inbox.inbox.c.last_error))
        return {aid: note for aid, note in rows}


def test_complete_closes_a_whole_batch_in_one_statement_with_its_notes(any_store: Store) -> None:
    ids = [sf_id(i) for i in range(150)]
    inbox.enqueue(any_store, ids, "outbound", T0)
    inbox.enqueue(any_store, [ids[0]], "outbound", T0)  # still waiting: no second row
    claim = inbox.claim(any_store, "w1", limit=150, now=T0)
    assert claim is not None and len(claim.account_ids) == 150
    notes = {ids[3]: "FIELD_CUSTOM_VALIDATION_EXCEPTION: no", ids[7]: "not found"}
    with statements(any_store.engine) as sent:
        assert inbox.complete(any_store, claim, notes, now=T0) == 150
    assert len(verbs(sent, "UPDATE")) == 1
    stored = _notes(any_store)
    assert stored[ids[3]] == notes[ids[3]] and stored[ids[7]] == "not found"
    assert {aid for aid, note in stored.items() if note is None} == set(ids) - set(notes)
    assert inbox.stats(any_store).pending == 0


def test_complete_closes_the_duplicate_rows_of_an_account_too(any_store: Store) -> None:
    inbox.enqueue(any_store, [sf_id(1)], "outbound", T0)
    first = inbox.claim(any_store, "w1", now=T0)
    assert first is not None
    inbox.enqueue(any_store, [sf_id(1)], "outbound", T0)
    inbox.fail(any_store, first, "boom", now=T0)
    later = T0 + timedelta(hours=2)
    claim = inbox.claim(any_store, "w2", now=later)
    assert claim is not None and len(claim.row_ids) == 2
    assert inbox.complete(any_store, claim, {sf_id(1): "rejected"}, now=later) == 2
    assert inbox.stats(any_store, now=later).done == 2


def test_a_busy_account_at_the_head_of_the_queue_does_not_hide_the_rest(any_store: Store) -> None:
    busy, other = sf_id(1), sf_id(2)
    inbox.enqueue(any_store, [busy], "outbound", T0)
    held = inbox.claim(any_store, "w1", now=T0)
    assert held is not None and held.account_ids == (busy,)
    # changed again while w1 works on it: a new row, due before the other account's
    inbox.enqueue(any_store, [busy], "outbound", T0 + timedelta(seconds=1))
    inbox.enqueue(any_store, [other], "outbound", T0 + timedelta(seconds=2))
    now = T0 + timedelta(seconds=3)
    claim = inbox.claim(any_store, "w2", now=now)
    assert claim is not None and claim.account_ids == (other,)
    assert inbox.claim(any_store, "w3", now=now) is None  # only the busy account is left
    inbox.complete(any_store, held, now=now)
    after = inbox.claim(any_store, "w3", now=now)
    assert after is not None and after.account_ids == (busy,)


def test_enqueue_checks_and_inserts_a_message_in_one_or_two_statements(any_store: Store) -> None:
    ids = [sf_id(i) for i in range(100)]
    inbox.enqueue(any_store, ids[:10], "outbound", T0)
    with statements(any_store.engine) as sent:
        assert inbox.enqueue(any_store, ids, "outbound", T0) == 90
    assert len(verbs(sent, "INSERT")) == 1
    # PostgreSQL checks inside the INSERT; SQLite looks the ids up first
    assert len(verbs(sent, "SELECT")) == (0 if any_store.engine.dialect.name == "postgresql" else 1)
    assert inbox.pending_ids(any_store) == sorted(ids)


def test_group_commit_stores_waiting_messages_with_one_insert(any_store: Store) -> None:
    """Senders queued behind a commit share the next one; each learns what it added."""
    committer = GroupCommit(any_store)
    gate, entered = threading.Event(), threading.Event()

    def hold_first_insert(conn: object, cursor: object, sql: str, *args: object) -> None:
        if sql.lstrip().upper().startswith("INSERT") and not entered.is_set():
            entered.set()
            gate.wait(10)

    event.listen(any_store.engine, "before_cursor_execute", hold_first_insert)
    added: dict[int, int] = {}

    def send(n: int, ids: list[str]) -> None:
        added[n] = committer.enqueue(ids, "callout")

    try:
        with statements(any_store.engine) as sent:
            first = threading.Thread(target=send, args=(0, [sf_id(0)]))
            first.start()
            assert entered.wait(10)
            # while the first insert is held, five messages queue up; two share an id
            batches = {1: [sf_id(1), sf_id(2)], 2: [sf_id(2), sf_id(3)], 3: [sf_id(0)]}
            batches |= {4: [sf_id(4)], 5: [sf_id(5), sf_id(5)]}
            others = [threading.Thread(target=send, args=item) for item in batches.items()]
            for t in others:
                t.start()
            while committer._queue.qsize() < len(others):  # all five are waiting
                threading.Event().wait(0.01)
            gate.set()
            for t in [first, *others]:
                t.join(10)
    finally:
        event.remove(any_store.engine, "before_cursor_execute", hold_first_insert)
    assert len(verbs(sent, "INSERT")) == 2  # the first message's, then one for all five
    # sf_id(0) still waits from the first message; sf_id(2) went to the first sender naming it
    assert added == {0: 1, 1: 2, 2: 1, 3: 0, 4: 1, 5: 1}
    assert inbox.pending_ids(any_store) == [sf_id(i) for i in range(6)]


def _pages(store: Store, suffix: str = "") -> int:
    """Return the size in pages of the SQLite database file (suffix "-wal": of its log)."""
    database = store.engine.url.database
    assert database is not None
    with store.engine.connect() as conn:
        page = int(conn.exec_driver_sql("PRAGMA page_size").scalar_one())
    return os.path.getsize(f"{database}{suffix}") // page


def _send(committer: GroupCommit, messages: int) -> None:
    for n in range(messages):
        committer.enqueue([sf_id(n * 100 + i) for i in range(100)], "outbound")


def test_sqlite_acks_never_wait_for_a_checkpoint(tmp_store: Store) -> None:
    committer = GroupCommit(tmp_store, checkpoint_every=3600)
    _send(committer, 120)
    # SQLite checkpoints by itself once its log passes 1,000 pages, in the commit that crosses
    # them; these commits never did: the log kept every page, the database file nothing
    assert _pages(tmp_store, "-wal") > 1500
    assert _pages(tmp_store) < 50
    assert inbox.stats(tmp_store).pending == 12000


def test_sqlite_log_is_checkpointed_in_the_background(tmp_store: Store) -> None:
    committer = GroupCommit(tmp_store, checkpoint_every=0.01)
    _send(committer, 120)
    deadline = time.monotonic() + 10
    while _pages(tmp_store) < 200 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _pages(tmp_store) >= 200  # the rows were copied into the database file
    assert inbox.stats(tmp_store).pending == 12000
