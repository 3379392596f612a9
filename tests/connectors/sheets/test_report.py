"""The per-tier report written to a Report tab of the manager's sheet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import responses

from connectors.sheets.connector import SheetsConfig, SheetsConnector
from tests.connectors.sheets_helpers import KEY, FakeSheets, real_client

ROWS = [
    ["Metric", "Tier 1", "Tier 2"],
    ["Win Rate", "48%", "32%"],
    ["Note", "=SUM(A1)", "@rep"],
]


@pytest.fixture
def fake() -> Iterator[FakeSheets]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeSheets().install(rsps)


def connector() -> SheetsConnector:
    config = SheetsConfig.from_mapping({"spreadsheet_key": KEY}, {})
    now = datetime(2026, 11, 23, tzinfo=UTC)
    return SheetsConnector(config, client=real_client(), sleep=lambda _: None, clock=lambda: now)


def test_report_creates_the_tab_and_keeps_text_as_text(fake: FakeSheets) -> None:
    fake.add_tab("Accounts", [["Account ID"]])
    connector().status.write_report(ROWS)
    assert fake.values("Report") == ROWS  # the fake refuses anything but literal values
    assert fake.values("Accounts") == [["Account ID"]]


def test_report_replaces_an_older_report(fake: FakeSheets) -> None:
    fake.add_tab("Report", [["old", "report", "with"], ["more", "rows", "than"], ["now", "x", "y"],
                            ["stale", "", ""]])  # fmt: skip
    connector().status.write_report(ROWS[:2])
    assert fake.values("Report") == ROWS[:2]
