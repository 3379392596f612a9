"""Helpers for the inbox and worker tests: a slow in-process Salesforce, a statement recorder."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event

from connectors.base import WriteReport
from scoring import AccountRecord, Result


class SlowSalesforce:
    """A stand-in connector whose every call takes `delay` seconds; counts ids read and written.

    Its accounts all score Tier 4 (far from every threshold), so no capacity ripple re-reads
    one: each id is read and written once per batch that holds it.
    """

    name = "salesforce"
    replayable, reads_outputs = False, True

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.read: Counter[str] = Counter()
        self.written: Counter[str] = Counter()
        self.api_calls = 0
        self._lock = threading.Lock()

    def check(self) -> None:
        """Nothing to check in process."""

    def next_bookmark(self) -> str | None:
        """No incremental reads."""
        return None

    def iter_accounts(self, bookmark: str | None = None) -> Iterator[AccountRecord]:
        """Yield nothing: the fake is read by id only."""
        return iter(())

    def read_ids(self, ids: Iterable[str]) -> Iterator[AccountRecord]:
        """Wait one call's time, then yield a small prospect for every id."""
        wanted = list(ids)
        self._call()
        with self._lock:
            self.read.update(wanted)
        for aid in wanted:
            fields = {"name": f"Account {aid[-6:]}", "industry": "Retail", "employees": 80}
            yield AccountRecord(aid, {**fields, "arr_potential": 20_000, "engagement_score": 50})

    def write_results(self, pairs: Iterable[tuple[AccountRecord, Result]]) -> WriteReport:
        """Wait one call's time and count every id written."""
        ids = [record.account_id for record, _result in pairs]
        self._call()
        with self._lock:
            self.written.update(ids)
        return WriteReport(written=len(ids), written_ids=ids, api_calls=1)

    def _call(self) -> None:
        with self._lock:
            self.api_calls += 1
        if self.delay:
            time.sleep(self.delay)


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """Record the SQL text of every statement the engine sends while the block runs."""
    sent: list[str] = []

    def record(conn: object, cursor: object, sql: str, *args: object) -> None:
        sent.append(sql)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def verbs(sent: list[str], verb: str) -> list[str]:
    """Return the recorded statements that start with a SQL verb (INSERT, UPDATE, SELECT)."""
    return [sql for sql in sent if sql.lstrip().upper().startswith(verb)]
