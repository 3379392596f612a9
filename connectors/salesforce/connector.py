"""Salesforce connector: read Accounts, write Tier/Score/Health/Next Action back, diff-only.

The pieces live beside it: `config` (settings), `client` (login, call counting, limits, error
table), `read`, `write`, `bulk`, `soql` and `names` (what is sent), and `records` (pure
row <-> record helpers).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime

import requests

from connectors.base import RecordFailure, WriteReport
from connectors.errors import BudgetExceeded
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.config import SalesforceConfig
from connectors.salesforce.opportunities import iter_opportunities
from connectors.salesforce.read import (
    account_pages,
    check_describe,
    describe_checks,
    id_pages,
    integration_user,
    modstamp,
    to_records,
)
from connectors.salesforce.records import Change, plan_change
from connectors.salesforce.write import SalesforceBudgetExceeded, write_changes
from scoring import AccountRecord, Result
from scoring.performance import Opportunity

__all__ = ["SalesforceBudgetExceeded", "SalesforceConfig", "SalesforceConnector"]

log = logging.getLogger(__name__)


class SalesforceConnector:
    """Accounts in and results out through the Salesforce REST and Bulk 2.0 APIs."""

    name = "salesforce"
    replayable = False  # every read is API calls
    reads_outputs = True

    def __init__(
        self,
        config: SalesforceConfig,
        *,
        session: requests.Session | None = None,
        today: date | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.config = config
        self.client = SalesforceClient(config, session=session, sleep=sleep)
        self.today = today
        self.clock = clock or (lambda: datetime.now(UTC))
        #: After iter_accounts is exhausted: where the next incremental read should start.
        self.watermark: datetime | None = None
        self._user_id: str | None = None  # "" once looked up and not found

    @property
    def api_calls(self) -> int:
        """Return how many Salesforce REST/Bulk calls this connector has made."""
        return self.client.calls

    def check(self) -> None:
        """Log in and confirm every mapped field exists and the output fields are editable."""
        describe = self.client.rest("sobjects/Account/describe")
        check_describe(describe, self.config)

    def next_bookmark(self) -> str | None:
        """Return the watermark of the last complete read (ISO time), None before one."""
        return self.watermark.isoformat() if self.watermark is not None else None

    def checks(self) -> list[tuple[str, list[str]]]:
        """Log in and return each set-up item of the org with its problems (empty: fine)."""
        return describe_checks(self.client.rest("sobjects/Account/describe"), self.config)

    def iter_accounts(self, bookmark: str | None = None) -> Iterator[AccountRecord]:
        """Yield accounts lazily, all or those changed after the bookmark; then set `watermark`."""
        since = datetime.fromisoformat(bookmark) if bookmark else None
        self.watermark = None
        start = self.clock()
        not_by = self._integration_user() if since is not None else None
        newest: datetime | None = None
        for rows in account_pages(self.client, since, not_by):
            for row in rows:
                stamp = modstamp(row)
                if stamp is not None and (newest is None or stamp > newest):
                    newest = stamp
            yield from to_records(self.client, rows)
        seen = newest or since or start
        self.watermark = min(seen, start)

    def _integration_user(self) -> str | None:
        if self._user_id is None:
            self._user_id = integration_user(self.client) or ""
        return self._user_id or None

    def read_ids(self, ids: Iterable[str]) -> Iterator[AccountRecord]:
        """Yield the given accounts (ids validated before anything is sent)."""
        for rows in id_pages(self.client, ids):
            yield from to_records(self.client, rows)

    def iter_opportunities(self, since: date | None = None) -> Iterator[Opportunity]:
        """Yield opportunities (created since a day) for the model backtest."""
        return iter_opportunities(self.client, since)

    def write_results(self, pairs: Iterable[tuple[AccountRecord, Result]]) -> WriteReport:
        """Write only the accounts whose outputs changed; report written, rejected and calls."""
        report = WriteReport()
        calls_before = self.client.calls
        today = self.today or self.clock().date()

        def changes() -> Iterator[Change]:
            for record, result in pairs:
                plan = plan_change(record, result, self.config, today)
                if plan is None:
                    report.unchanged += 1
                elif isinstance(plan, RecordFailure):
                    report.failures.append(plan)
                else:
                    yield plan

        try:
            write_changes(self.client, changes(), report)
        except BudgetExceeded as exc:
            report.api_calls = self.client.calls - calls_before
            report.notes.append(str(exc))
            raise SalesforceBudgetExceeded(str(exc), report) from exc
        finally:
            report.api_calls = self.client.calls - calls_before
        log.info(
            "Salesforce write: %d written, %d unchanged, %d failed, %d calls",
            report.written,
            report.unchanged,
            len(report.failures),
            report.api_calls,
        )
        return report
