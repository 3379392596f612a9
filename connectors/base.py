"""The small shape every connector shares: the protocol, write reports and record failures."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from scoring import AccountRecord, Result


@dataclass(frozen=True, slots=True)
class RecordFailure:
    """One record a system rejected: which, why (code, message) and which fields."""

    account_id: str
    code: str
    message: str
    fields: tuple[str, ...] = ()


@dataclass
class WriteReport:
    """What a write did: counts, per-record failures and API calls made."""

    written: int = 0
    unchanged: int = 0
    failures: list[RecordFailure] = field(default_factory=list)
    api_calls: int = 0
    notes: list[str] = field(default_factory=list)
    written_ids: list[str] = field(default_factory=list)
    #: input rows the connector could not read (named by line): data to fix, not write failures
    skipped: list[RecordFailure] = field(default_factory=list)

    def merge(self, other: WriteReport) -> WriteReport:
        """Add another report's figures to this one and return it."""
        self.written += other.written
        self.unchanged += other.unchanged
        self.failures.extend(other.failures)
        self.api_calls += other.api_calls
        self.notes.extend(other.notes)
        self.written_ids.extend(other.written_ids)
        self.skipped.extend(other.skipped)
        return self


class Connector(Protocol):
    """What the plugin needs of a system, the same for every one of them.

    Check the connection; read every account lazily (from a bookmark, when the system can
    read only what changed) and then say where the next read should start; read given
    accounts by id; write results and report what was written and rejected; count calls.
    """

    name: str
    #: Reading twice costs nothing and a write rewrites it whole (a file).
    replayable: bool
    #: A read returns the output values the system holds, so hand edits can be put back.
    reads_outputs: bool

    @property
    def api_calls(self) -> int:
        """Return the API calls this connector has made since it was built (0 for files)."""

    def check(self) -> None:
        """Raise a ConnectorError when the system cannot be used as configured."""

    def iter_accounts(self, bookmark: str | None = None) -> Iterator[AccountRecord]:
        """Yield accounts lazily in canonical form, with the output values the system holds.

        With a bookmark, only the accounts changed since it (systems that cannot tell read
        everything); each record's `current` is what the system returned in this read.
        """

    def next_bookmark(self) -> str | None:
        """Return where the next incremental read starts, once iter_accounts is exhausted."""

    def read_ids(self, ids: Iterable[str]) -> Iterator[AccountRecord]:
        """Yield the given accounts (those that exist), as iter_accounts would."""

    def write_results(self, pairs: Iterable[tuple[AccountRecord, Result]]) -> WriteReport:
        """Write the results whose outputs differ from `record.current`; report what happened."""
