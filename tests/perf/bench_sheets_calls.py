"""Benchmark: Sheets API calls and wall time of a tiersync sync vs the naive update_cell loop.

Both run against the same `responses`-backed 10k-row accounts tab (a real gspread client with
service-account credentials; the token exchange is mocked), so wall time measures the client
side plus the fake, not Google's latency. The naive script (open the sheet, read it, then
`update_cell` per changed cell) is run on a sample of rows and extrapolated linearly: its
cost is one call per cell, so the extrapolation is exact for the call count.
Then whole `run_sync` runs with the model in the sheet's tabs (sources = ["sheets"]): a sync
that writes, a re-run with nothing changed and a dry run, each counted, tokens included.
Target: <= 4 calls per sync either way (one metadata call, one read, one write, one read back).
Run: .venv/bin/python tests/perf/bench_sheets_calls.py [--rows 10000] [--naive-sample 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import responses

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from targets import Targets

from connectors.sheets.connector import SheetsConfig, SheetsConnector
from connectors.sheets.plan import output_values
from plugin.config import load_config
from plugin.store.database import Store
from plugin.sync.run import run_sync
from plugin.wiring import open_connector
from scoring import DEFAULT_MODEL, AccountRecord, Scorer, load_model
from tests.connectors.sheets_helpers import KEY, FakeSheets, real_client, service_account_info

INDUSTRIES = ("Banking", "Software", "Manufacturing", "Retail", "Mining", "Healthcare")
STAGES = ("Unaware", "Researching", "Evaluating", "Active Procurement")
HEADER = ["Account ID", "Account Name", "Industry", "Employees", "ARR Potential", "Buying Stage"]
OUTPUTS = ["Tier", "Score", "Health Status", "Next Action", "Tier Reason"]
WRITE_QUOTA_PER_MINUTE = 60  # Sheets API default: write requests per minute per user


def accounts(n: int) -> list[list[Any]]:
    """Return the tab's rows: a header with the owned columns, and n accounts not yet scored."""
    rows: list[list[Any]] = [HEADER + OUTPUTS]
    for i in range(n):
        rows.append(
            [
                f"ACC{i:06}",
                f"Account {i}",
                INDUSTRIES[i % len(INDUSTRIES)],
                (i * 37) % 20_000,
                (i * 7_919) % 600_000,
                STAGES[i % len(STAGES)],
            ]
        )
    return rows


def tiersync_sync(rows: list[list[Any]]) -> tuple[int, float, int, list[str]]:
    """Run check → read → score → write; return (calls, seconds, written, call kinds)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeSheets().install(rsps)
        fake.add_tab("Accounts", rows, row_count=len(rows) + 10)
        client = real_client()
        scorer = Scorer(load_model(DEFAULT_MODEL))
        config = SheetsConfig.from_mapping({"spreadsheet_key": KEY}, {})
        started = time.perf_counter()
        conn = SheetsConnector(config, client=client, sleep=lambda _: None)
        conn.check()
        report = conn.write_results([(r, scorer.score(r)) for r in conn.iter_accounts()])
        seconds = time.perf_counter() - started
        return conn.api_calls, seconds, report.written, [k for k, _ in fake.calls]


def naive_sync(rows: list[list[Any]]) -> tuple[int, float, int]:
    """Open, read, score, then update_cell for each output cell; return (calls, s, cells)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeSheets().install(rsps)
        fake.add_tab("Accounts", rows, row_count=len(rows) + 10)
        client = real_client()
        scorer = Scorer(load_model(DEFAULT_MODEL))
        config = SheetsConfig.from_mapping({"spreadsheet_key": KEY}, {})
        records = list(SheetsConnector(config, client=client).iter_accounts())
        fake.calls.clear()
        started = time.perf_counter()
        sheet = client.open_by_key(KEY).worksheet("Accounts")
        values = sheet.get_all_values()
        first_output = values[0].index("Tier") + 1
        cells = 0
        for n, record in enumerate(records, start=2):
            for offset, value in enumerate(output_values(scorer.score(record)).values()):
                sheet.update_cell(n, first_output + offset, value)
                cells += 1
        seconds = time.perf_counter() - started
        return len(fake.calls), seconds, cells


CALL_BUDGET = 4
SHEET_MODEL = f"""sources = ["sheets"]
[model]
source = "sheet"
[sheets]
spreadsheet_key = "{KEY}"
[store]
url = "sqlite:///{{db}}"
"""


def sheet_model_syncs(rows: list[list[Any]]) -> dict[str, tuple[int, list[str], int]]:
    """Run whole syncs with the model in the sheet; return (calls, kinds, tokens) per run."""
    os.environ["TIERSYNC_GOOGLE_SERVICE_ACCOUNT"] = json.dumps(service_account_info())
    runs: dict[str, tuple[int, list[str], int]] = {}
    with (
        tempfile.TemporaryDirectory() as tmp,
        responses.RequestsMock(assert_all_requests_are_fired=False) as rsps,
    ):
        path = Path(tmp) / "tiersync.toml"
        path.write_text(SHEET_MODEL.format(db=Path(tmp) / "t.db"), encoding="utf-8")
        config = load_config(path, env={})
        fake = FakeSheets().install(rsps)
        fake.add_tab("Accounts", rows, row_count=len(rows) + 10)
        open_connector("sheets", config).init_tabs()
        store = Store(config.store_url)
        tab = fake.tabs["Accounts"]
        tier = tab.rows[0].index("Tier")
        for name in ("first sync (all written, Status tab added)", "sync, 100 rows changed",
                     "re-run, nothing changed", "dry run"):  # fmt: skip
            if name.startswith("sync"):
                for row in tab.rows[1:101]:
                    row[tier] = ""  # cleared by hand: written back
            fake.calls.clear()
            fake.token_calls = 0
            report = run_sync(config, store=store, dry_run=name == "dry run")
            runs[name] = (report.api_calls, [k for k, _ in fake.calls], fake.token_calls)
        store.dispose()
    return runs


def main() -> None:
    """Run both ways and print calls, wall time and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--naive-sample", type=int, default=1_000)
    args = parser.parse_args()
    rows = accounts(args.rows)
    calls, seconds, written, kinds = tiersync_sync(rows)
    print(f"tiersync, {args.rows} rows: {calls} API calls ({', '.join(kinds)}), {seconds:.2f} s")
    print(f"  accounts written: {written} ({written * len(OUTPUTS)} cells in one batch_update)")
    again_calls, _, _, again_kinds = tiersync_sync(_scored(rows))
    print(f"tiersync, re-run with nothing changed: {again_calls} calls ({', '.join(again_kinds)})")

    sample = min(args.naive_sample, args.rows)
    n_calls, n_seconds, cells = naive_sync(rows[: sample + 1])
    scale = args.rows / sample
    fixed = 3  # open_by_key metadata, worksheet() metadata, get_all_values
    est_calls = fixed + round((n_calls - fixed) * scale)
    est_seconds = n_seconds * scale
    print(
        f"naive update_cell, measured on {sample} rows: {n_calls} calls, {n_seconds:.2f} s "
        f"({cells} cells)"
    )
    print(
        f"naive update_cell, extrapolated to {args.rows} rows (x{scale:g}): "
        f"{est_calls} calls, ~{est_seconds:.1f} s against the local fake"
    )
    minutes = (est_calls - fixed) / WRITE_QUOTA_PER_MINUTE
    print(
        f"  at the default quota of {WRITE_QUOTA_PER_MINUTE} write requests/min the naive way "
        f"needs ~{minutes / 60:.1f} h; tiersync needs 1 write request"
    )
    print(f"ratio: {est_calls / calls:,.0f}x fewer calls, {est_seconds / seconds:,.1f}x less time")
    runs = sheet_model_syncs(rows)
    for name, (n, run_kinds, tokens) in runs.items():
        print(f"model in the sheet, {name}: {n} calls ({', '.join(run_kinds)}), {tokens} token")
    targets = Targets()
    # metadata, one read, one batch write, the read that confirms it: whatever the rows
    targets.check(f"a sync takes <= {CALL_BUDGET} calls", calls <= CALL_BUDGET, f"{calls} calls")
    for name in ("sync, 100 rows changed", "re-run, nothing changed", "dry run"):
        n, run_kinds, tokens = runs[name]
        targets.check(
            f"model in the sheet, {name}: <= {CALL_BUDGET} calls, one token",
            n <= CALL_BUDGET and tokens <= 1,
            f"{n} calls ({', '.join(run_kinds)}), {tokens} token",
        )
    targets.check(
        f"a re-run with nothing changed takes <= {CALL_BUDGET} calls and writes nothing",
        again_calls <= CALL_BUDGET and "valuesBatchUpdate" not in again_kinds,
        f"{again_calls} calls ({', '.join(again_kinds)})",
    )
    targets.finish()


def _scored(rows: list[list[Any]]) -> list[list[Any]]:
    """Return the rows with outputs as tiersync would have written them (a steady state)."""
    scorer = Scorer(load_model(DEFAULT_MODEL))
    done = [rows[0]]
    for row in rows[1:]:
        fields = dict(
            zip(
                ["account_id", "name", "industry", "employees", "arr_potential", "buying_stage"],
                row,
                strict=True,
            )
        )
        result = scorer.score(AccountRecord(row[0], fields))
        done.append(row + list(output_values(result).values()))
    return done


if __name__ == "__main__":
    main()
