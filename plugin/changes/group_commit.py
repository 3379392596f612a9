"""Group commit for the webhook path: one durable commit (one fsync) ACKs many messages."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from plugin.changes import inbox
from plugin.store.database import Store
from plugin.store.schema import utcnow


@dataclass
class _Request:
    ids: tuple[str, ...]
    source: str
    done: threading.Event = field(default_factory=threading.Event)
    added: int = 0
    error: BaseException | None = None


class GroupCommit:
    """Commit concurrent enqueues together: one durable commit (one fsync) ACKs many messages.

    Each caller still returns only after the transaction holding its ids committed, so an ACK
    keeps its promise; under load, 50 senders share a few commits instead of queueing for 50.
    """

    def __init__(self, store: Store, max_batch: int = 256) -> None:
        self.store = store
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Request] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def enqueue(self, account_ids: Iterable[str], source: str, timeout: float = 30.0) -> int:
        """Store ids durably (with whatever else is waiting) and return how many were added."""
        request = _Request(tuple(account_ids), source)
        self._ensure_thread()
        self._queue.put(request)
        if not request.done.wait(timeout):
            raise TimeoutError("the inbox did not commit in time")
        if request.error is not None:
            raise request.error
        return request.added

    def _ensure_thread(self) -> None:
        # Started on first use, never in create_app: importing or testing the app spawns nothing.
        with self._start:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="tiersync-inbox-commit", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                with self.store.engine.begin() as conn:
                    added = inbox.add_requests(conn, [(r.ids, r.source) for r in batch], utcnow())
                for request, count in zip(batch, added, strict=True):
                    request.added = count
            except Exception as exc:  # every waiting sender gets the error, none an ACK
                for request in batch:
                    request.error = exc
            for request in batch:
                request.done.set()
