"""Google Sheets connector: one spreadsheet, three roles sharing its API and its metadata.

- `accounts`: accounts read from a tab, outputs written back by key in one batch (the
  connector protocol of connectors/base.py delegates to it);
- `model`: the manager's model tabs, read into plain model data with every value's cell;
- `status`: the Status tab (is the model valid, which version runs) and the Report tab.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

import gspread

from connectors.base import WriteReport
from connectors.sheets.accounts import AccountsTab
from connectors.sheets.api import SheetsApi, load_credentials, make_client
from connectors.sheets.config import SheetsConfig
from connectors.sheets.grid import fold
from connectors.sheets.layout import model_to_tabs
from connectors.sheets.model import ModelTabs
from connectors.sheets.spreadsheet import FRESH_SECONDS, Spreadsheet
from connectors.sheets.status import StatusTabs
from scoring import AccountRecord, Result

__all__ = ["SheetsConfig", "SheetsConnector"]


class SheetsConnector:
    """Reads accounts from one tab and writes Tier/Score/Health/Next Action/Reason back."""

    name = "sheets"
    replayable = False  # every read is an API call
    reads_outputs = True

    def __init__(
        self,
        config: SheetsConfig,
        *,
        client: gspread.Client | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], datetime] | None = None,
        fresh_for: float = FRESH_SECONDS,
    ) -> None:
        if client is None:
            creds = load_credentials(
                config.service_account_file, config.service_account_env, os.environ
            )
            client = make_client(creds)
        self.config = config
        self.api = SheetsApi(client, config.spreadsheet_key, sleep)
        self.sheet = Spreadsheet(self.api, fresh_for)
        self.accounts = AccountsTab(self.sheet, config)
        self.model = ModelTabs(self.sheet, config.accounts_tab)
        self.status = StatusTabs(self.sheet, clock)

    @property
    def api_calls(self) -> int:
        """Return the Sheets API calls made so far (retried attempts included)."""
        return self.api.calls

    @property
    def notes(self) -> list[str]:
        """Return what the last read said once: columns not read, rows without a key."""
        return self.accounts.notes

    def check(self) -> None:
        """Raise ConfigError unless the spreadsheet is reachable and has the accounts tab."""
        self.accounts.check()

    def checks(self) -> list[tuple[str, list[str]]]:
        """Return each set-up item (accounts tab, its headers) with its problems (empty: fine)."""
        return self.accounts.checks()

    def next_bookmark(self) -> str | None:
        """Return None: a tab is always read whole (one call)."""
        return None

    def iter_accounts(self, bookmark: str | None = None) -> Iterator[AccountRecord]:
        """Yield each account of the tab once (first row wins for a duplicated key)."""
        return self.accounts.records()

    def read_ids(self, ids: Iterable[str]) -> Iterator[AccountRecord]:
        """Yield the rows of these accounts (the tab is read whole, in one call)."""
        wanted = set(ids)
        return (r for r in self.accounts.records() if r.account_id in wanted)

    def write_results(self, pairs: Iterable[tuple[AccountRecord, Result]]) -> WriteReport:
        """Write each result onto its account's row (changed cells only), then confirm it."""
        return self.accounts.write_results(pairs)

    def init_tabs(self, force: bool = False) -> dict[str, str]:
        """Create the model tabs (default scorecard) and an accounts header; one call."""
        props = self.sheet.props(refresh=True)
        plan: dict[str, list[list[Any]]] = {}
        outcome: dict[str, str] = {}
        accounts = self.config.accounts_tab
        tabs = {**model_to_tabs(), accounts: [self.accounts.header_row()]}
        for tab, rows in tabs.items():
            exists = fold(tab) in props
            # an existing accounts tab holds people's rows: --force never wipes it
            if exists and (not force or tab == accounts):
                outcome[tab] = "kept"
                continue
            plan[tab] = rows
            outcome[tab] = "replaced" if exists else "created"
        if plan:
            self.sheet.fill(plan)
        return outcome
