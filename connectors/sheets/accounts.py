"""The accounts tab role: accounts read from one tab, outputs written back by key in one batch.

The write is planned from the sync's own read of the tab when that read is fresh, else from a
new read; either way the tab is read back after writing, and values a person's sort or insert
moved onto another row are put right.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from connectors.base import WriteReport
from connectors.errors import ConfigError
from connectors.sheets.config import SheetsConfig
from connectors.sheets.grid import Table, cell, column_runs, fold, key_text, quote_tab
from connectors.sheets.grid import read_table as table_of
from connectors.sheets.layout import FIELD_HEADERS, OVERRIDE_HEADER, accounts_header
from connectors.sheets.plan import misplaced, plan_writes, repair_plan, value_ranges
from connectors.sheets.rows import outputs, unused_columns, value
from connectors.sheets.spreadsheet import Spreadsheet
from scoring import AccountRecord, Result
from scoring.fields import headers_for

REPAIR_ROUNDS = 2  # repair writes after a write whose rows moved; then report what is left
Pairs = list[tuple[AccountRecord, Result]]


class AccountsTab:
    """Reads accounts from the configured tab and writes Tier/Score/Health/... back."""

    def __init__(self, sheet: Spreadsheet, config: SheetsConfig) -> None:
        self.sheet = sheet
        self.config = config
        self.notes: list[str] = []  # said once per run: columns not read, rows without a key
        self._read: tuple[float, Table] | None = None  # the last read, for the write after it

    def check(self) -> None:
        """Raise ConfigError unless the spreadsheet is reachable and has the accounts tab."""
        sheets = self.sheet.props(refresh=True)
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
        table = self.sheet.api.retry(self._read_now)
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

    def header_row(self) -> list[str]:
        """Return the header row of a new accounts tab."""
        fields = {k: self.config.header_for(k) for k in self.config.field_map}
        return accounts_header(fields, self.config.output_headers)

    def table(self) -> Table:
        """Return the tab as it is now: values read ahead in this sync, else one read."""
        ahead = self.sheet.take(self.config.accounts_tab)
        table = table_of(*ahead) if ahead else self.sheet.api.retry(self._read_now)
        self._read = (self.sheet.monotonic(), table)
        return table

    def _read_now(self) -> Table:
        title = self.sheet.title_of(self.config.accounts_tab)
        return table_of(title, self.sheet.api.batch_get([quote_tab(title)])[0])

    def _recent(self) -> Table | None:
        """Return the last read once, when it is fresh enough to plan a write from."""
        read, self._read = self._read, None
        return read[1] if read is not None and self.sheet.fresh(read[0]) else None

    def input_columns(self, table: Table) -> dict[str, int]:
        """Return the column of each configured field; ConfigError when a required one lacks."""
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

    def _headers(self, canonical: str) -> tuple[str, ...]:
        """Return the headers a field is found by: a configured one alone, else every alias."""
        header = self.config.header_for(canonical)
        default = "Account ID" if canonical == "account_id" else FIELD_HEADERS.get(canonical)
        return (header,) if header != default else (header, *headers_for(canonical))

    def records(self) -> Iterator[AccountRecord]:
        """Yield each account of the tab once (first row wins for a duplicated key)."""
        table = self.table()  # the whole tab in one call
        cols = self.input_columns(table)
        outs = {k: table.find(h) for k, h in self.config.output_headers.items()}
        override = table.find(OVERRIDE_HEADER)
        self.notes = unused_columns(table, {*cols.values(), *outs.values(), override})
        seen: set[str] = set()
        keyless: list[int] = []
        for n, row in table.rows:
            key = key_text(cell(row, cols["account_id"]))
            if not key:
                keyless.append(n)
            if not key or key in seen:
                continue
            seen.add(key)
            values = {f: value(cell(row, c)) for f, c in cols.items()}
            values["account_id"] = key
            tier_override = value(cell(row, override))
            yield AccountRecord(
                key,
                values,
                outputs(row, outs),
                str(tier_override) if tier_override is not None else None,
            )
        if keyless:
            rows = ", ".join(map(str, keyless[:10])) + (" ..." if len(keyless) > 10 else "")
            header = self.config.header_for("account_id")
            self.notes.append(f"{table.tab} rows with no {header}, not scored: {rows}")

    def write_results(self, pairs: Iterable[tuple[AccountRecord, Result]]) -> WriteReport:
        """Map each result to its account's row, write the changed cells in one call, confirm."""
        wanted = list(pairs)
        api = self.sheet.api
        before = api.calls
        planned = [self._recent()]  # the first try may use the sync's own read
        # the read and the write are retried together: after a back-off the rows may have moved
        report = api.retry(lambda: self._write_once(wanted, planned.pop() if planned else None))
        report.api_calls = api.calls - before
        report.notes[:0] = self.notes
        if api.retries:
            report.notes.append(f"{api.retries} Sheets API call(s) retried after back-off")
        return report

    def _write_once(self, pairs: Pairs, table: Table | None) -> WriteReport:
        table = table or self._read_now()
        key_col = self.input_columns(table)["account_id"]
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
            self.sheet.ensure_columns(table.tab, next_col)
        plan = plan_writes(table, key_col, out_cols, pairs)
        cells = {**plan.cells, **headers}
        if cells:
            self.sheet.api.write_values(value_ranges(table.tab, list(column_runs(cells))))
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
        pairs: Pairs,
        report: WriteReport,
    ) -> None:
        """Read the tab back; put values a person's sort or insert moved onto their rows.

        One read when nothing moved; a repair write and a read more, at most twice, when rows
        moved between the read the write was planned from and the write. Accounts still
        misplaced are reported.
        """
        moved = 0
        for _ in range(REPAIR_ROUNDS):
            after = self._read_now()
            fix = repair_plan(before, after, key_col, out_cols, pairs)
            if not fix.cells:
                break
            moved += len(fix.cells)
            self.sheet.api.write_values(value_ranges(after.tab, list(column_runs(fix.cells))))
        else:
            after = self._read_now()
            fix = repair_plan(before, after, key_col, out_cols, pairs)
            report.failures.extend(misplaced(fix, after, key_col))
        if moved:
            report.notes.append(
                f"rows moved in {before.tab} while writing: {moved} cell(s) put back on their "
                "accounts' rows"
            )
