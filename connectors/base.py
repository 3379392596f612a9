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

    def merge(self, other: WriteReport) -> WriteReport:
        """Add another report's figures to this one and return it."""
        self.written += other.written
        self.unchanged += other.unchanged
        self.failures.extend(other.failures)
        self.api_calls += other.api_calls
        self.notes.extend(other.notes)
        self.written_ids.extend(other.written_ids)
        return self


class Connector(Protocol):
    """What the plugin needs of a system: check it, read accounts, write results."""

    name: str

    def check(self) -> None:
        """Raise a ConnectorError when the system cannot be used as configured."""

    def iter_accounts(self) -> Iterator[AccountRecord]:
        """Yield every account lazily, in canonical form with its current outputs."""

    def write_results(self, pairs: Iterable[tuple[AccountRecord, Result]]) -> WriteReport:
        """Write the results whose outputs changed and report what was written and rejected."""
