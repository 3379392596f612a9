"""Google Sheets connector: accounts read from a tab, outputs written by key in one batch."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import gspread

from connectors.base import WriteReport
from connectors.errors import ConfigError
from connectors.sheets.admin import ModelTabs
from connectors.sheets.api import SheetsApi, load_credentials, make_client
from connectors.sheets.config import SheetsConfig
from connectors.sheets.grid import (
    Table,
    cell,
    column_runs,
    fold,
    is_blank,
    key_text,
    quote_tab,
    read_table,
)
from connectors.sheets.layout import FIELD_HEADERS, OVERRIDE_HEADER
from connectors.sheets.plan import misplaced, plan_writes, repair_plan, value_ranges
from scoring import AccountRecord, Outputs, Result
from scoring.errors import InvalidValue
from scoring.fields import headers_for
from scoring.parse import parse_number

__all__ = ["SheetsConfig", "SheetsConnector"]

REPAIR_ROUNDS = 2  # repair writes after a write whose rows moved; then report what is left


class SheetsConnector(ModelTabs):
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
    ) -> None:
        if client is None:
            creds = load_credentials(
                config.service_account_file, config.service_account_env, os.environ
            )
            client = make_client(creds)
        self.config = config
        super().__init__(SheetsApi(client, config.spreadsheet_key, sleep))
        self.clock = clock or (lambda: datetime.now(UTC))
        self.notes: list[str] = []  # said once per run: columns not read, rows without a key

    @property
    def api_calls(self) -> int:
        """Return the Sheets API calls made so far (retried attempts included)."""
        return self.api.calls

    def check(self) -> None:
        """Raise ConfigError unless the spreadsheet is reachable and has the accounts tab."""
        sheets = self.sheet_props(refresh=True)
        if fold(self.config.accounts_tab) not in sheets:
            titles = ", ".join(p["title"] for p in sheets.values())
            raise ConfigError(
                f"spreadsheet {self.config.spreadsheet_key} has no '{self.config.accounts_tab}' "
                f"tab (tabs: {titles})"
            )

    def checks(self) -> list[tuple[str, list[str]]]:
        """Return each set-up item (accounts tab, its headers) with its problems (empty: fine)."""
        tab = self.config.accounts_tab
        try:
            self.check()
        except ConfigError as exc:
            return [(f"spreadsheet {self.config.spreadsheet_key}: tab '{tab}'", [str(exc)])]
        table = self.api.retry(self._read_accounts)
        needed = [self.config.header_for(c) for c in self.config.required]
        absent = [h for h in self.config.output_headers.values() if table.find(h) is None]
        later = f" (the first sync adds {', '.join(absent)})" if absent else ""
        return [
            (f"spreadsheet {self.config.spreadsheet_key}: tab '{tab}' present", []),
            (
                f"'{tab}' headers hold {', '.join(needed)}{later}",
                [f"the {tab} tab has no '{h}' column" for h in needed if table.find(h) is None],
            ),
        ]

    def _read_accounts(self) -> Table:
        title = self.title_of(self.config.accounts_tab)
        return read_table(title, self.api.batch_get([quote_tab(title)])[0])

    def _input_columns(self, table: Table) -> dict[str, int]:
        cols: dict[str, int] = {}
        for canonical in self.config.field_map:
            index = table.find(*self._headers(canonical))
            if index is not None and index not in cols.values():
                cols[canonical] = index
            elif canonical in self.config.required:
                found = ", ".join(h for h in table.headers if h) or "none"
                raise ConfigError(
                    f"the {table.tab} tab has no '{self.config.header_for(canonical)}' column "
                    f"(required; headers found: {found})"
                )
        return cols

    def next_bookmark(self) -> str | None:
        """Return None: a tab is always read whole (one call)."""
        return None

    def read_ids(self, ids: Iterable[str]) -> Iterator[AccountRecord]:
        """Yield the rows of these accounts (the tab is read whole, in one call)."""
        wanted = set(ids)
        return (r for r in self.iter_accounts() if r.account_id in wanted)

    def _headers(self, canonical: str) -> tuple[str, ...]:
        """Return the headers a field is found by: a configured one alone, else every alias."""
        header = self.config.header_for(canonical)
        default = "Account ID" if canonical == "account_id" else FIELD_HEADERS.get(canonical)
        return (header,) if header != default else (header, *headers_for(canonical))

    def iter_accounts(self, bookmark: str | None = None) -> Iterator[AccountRecord]:
        """Yield each account of the tab once (first row wins for a duplicated key)."""
        table = self.api.retry(self._read_accounts)  # the whole tab in one call
        cols = self._input_columns(table)
        outs = {k: table.find(h) for k, h in self.config.output_headers.items()}
        override = table.find(OVERRIDE_HEADER)
        self.notes = _unused_columns(table, {*cols.values(), *outs.values(), override})
        seen: set[str] = set()
        keyless: list[int] = []
        for n, row in table.rows:
            key = key_text(cell(row, cols["account_id"]))
            if not key:
                keyless.append(n)
            if not key or key in seen:
                continue
            seen.add(key)
            values = {f: _value(cell(row, c)) for f, c in cols.items()}
            values["account_id"] = key
            tier_override = _value(cell(row, override))
            yield AccountRecord(
                key,
                values,
                _outputs(row, outs),
                str(tier_override) if tier_override is not None else None,
            )
        if keyless:
            rows = ", ".join(map(str, keyless[:10])) + (" ..." if len(keyless) > 10 else "")
            header = self.config.header_for("account_id")
            self.notes.append(f"{table.tab} rows with no {header}, not scored: {rows}")

    def write_results(self, pairs: Iterable[tuple[AccountRecord, Result]]) -> WriteReport:
        """Re-read the keys, map each result to its current row, write changed cells in one call."""
        wanted = list(pairs)
        before = self.api.calls
        # the re-read and the write are retried together: after a back-off the rows may have moved
        report = self.api.retry(lambda: self._write_once(wanted))
        report.api_calls = self.api.calls - before
        report.notes[:0] = self.notes
        if self.api.retries:
            report.notes.append(f"{self.api.retries} Sheets API call(s) retried after back-off")
        return report

    def _write_once(self, pairs: list[tuple[AccountRecord, Result]]) -> WriteReport:
        table = self._read_accounts()
        key_col = self._input_columns(table)["account_id"]
        header_row = table.header_row or 1
        out_cols: dict[str, int] = {}
        headers: dict[tuple[int, int], Any] = {}
        next_col = table.width
        for name, header in self.config.output_headers.items():
            index = table.find(header)
            if index is None:  # owned column absent: add it after the last header, touch no other
                index, next_col = next_col, next_col + 1
                headers[(header_row, index)] = header
            out_cols[name] = index
        if headers:
            self.ensure_columns(table.tab, next_col)
        plan = plan_writes(table, key_col, out_cols, pairs)
        cells = {**plan.cells, **headers}
        if cells:
            self.api.write_values(value_ranges(table.tab, list(column_runs(cells))))
        if headers:
            plan.report.notes.append(
                "added column(s) " + ", ".join(str(h) for h in headers.values())
            )
        if plan.cells:
            self._confirm(table, key_col, out_cols, pairs, plan.report)
        return plan.report

    def _confirm(
        self,
        before: Table,
        key_col: int,
        out_cols: dict[str, int],
        pairs: list[tuple[AccountRecord, Result]],
        report: WriteReport,
    ) -> None:
        """Read the tab back; put values a person's sort or insert moved onto their rows.

        One read when nothing moved; a repair write and a read more, at most twice, when rows
        moved between the re-read and the write. Accounts still misplaced are reported.
        """
        moved = 0
        for _ in range(REPAIR_ROUNDS):
            after = self._read_accounts()
            fix = repair_plan(before, after, key_col, out_cols, pairs)
            if not fix.cells:
                break
            moved += len(fix.cells)
            self.api.write_values(value_ranges(after.tab, list(column_runs(fix.cells))))
        else:
            after = self._read_accounts()
            fix = repair_plan(before, after, key_col, out_cols, pairs)
            report.failures.extend(misplaced(fix, after, key_col))
        if moved:
            report.notes.append(
                f"rows moved in {before.tab} while writing: {moved} cell(s) put back on their "
                "accounts' rows"
            )


def _unused_columns(table: Table, used: set[int | None]) -> list[str]:
    """Name, once, the headed columns of the tab that no field reads."""
    unused = [h for i, h in enumerate(table.headers) if h and i not in used]
    if not unused:
        return []
    names = ", ".join(f"'{h}'" for h in unused)
    return [f"{table.tab} columns not used for scoring (kept as they are): {names}"]


def _value(raw: Any) -> Any:
    return None if is_blank(raw) else raw


def _outputs(row: list[Any], cols: Mapping[str, int | None]) -> Outputs:
    def text(name: str) -> str | None:
        value = _value(cell(row, cols.get(name)))
        return None if value is None else str(value)

    try:
        score = parse_number(_value(cell(row, cols.get("score"))))
    except InvalidValue:
        score = None  # a hand-typed score is simply rewritten
    return Outputs(text("tier"), score, text("health"), text("next_action"), text("reason"))
