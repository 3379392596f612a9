"""`tiersync report` and `runs`: honest figures, readable tables, arguments checked first."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from connectors.base import RecordFailure
from plugin.cli import main
from plugin.reporting.reports import NO_DATA_HINT, SAMPLE_LABEL
from plugin.store import journal
from plugin.store.database import Store
from tests.plugin.realworld_helpers import CORPUS, TODAY


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def own_book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder whose config scores a user's own CSV, synced once."""
    shutil.copy(CORPUS / "duplicates_blank_keys.csv", tmp_path / "book.csv")
    (tmp_path / "tiersync.toml").write_text('[local]\nsource = "book.csv"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert cli("sync", "--today", TODAY).exit_code == 0
    return tmp_path


def test_a_users_book_gets_no_sample_performance_figures(own_book: Path) -> None:
    result = cli("report")
    assert result.exit_code == 0, result.output
    performance = result.output.split("Performance by tier", 1)[1]
    assert performance.strip() == NO_DATA_HINT
    assert "Win Rate" not in result.output and "ROI" not in result.output


def test_a_users_own_opportunities_are_labelled_as_theirs(own_book: Path) -> None:
    (own_book / "deals.csv").write_text(
        "account_id,created_on,closed_on,stage,amount\n"
        "A-101,2026-01-05,2026-06-01,Closed Won,120000\n"
        "A-102,2026-02-01,2026-05-01,Closed Lost,0\n",
        encoding="utf-8",
    )
    (own_book / "tiersync.toml").write_text(
        '[local]\nsource = "book.csv"\n[report]\nopportunities = "deals.csv"\n', encoding="utf-8"
    )
    result = cli("report")
    assert f"from {own_book / 'deals.csv'}" in result.output
    assert "Win Rate" in result.output and SAMPLE_LABEL not in result.output


def test_the_sample_book_labels_the_sample_opportunities(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli("sync", "--today", TODAY).exit_code == 0
    result = cli("report")
    assert f"from {SAMPLE_LABEL}" in result.output and "Win Rate" in result.output


def test_runs_are_a_table_whose_columns_line_up(own_book: Path) -> None:
    assert cli("sync", "--today", TODAY).exit_code == 0
    lines = cli("runs").output.splitlines()
    assert lines[0].split() == [
        "run", "started", "(UTC)", "status", "accounts", "written", "changes", "failures",
        "API", "calls", "duration", "model",
    ]  # fmt: skip
    assert {line.index("1e4775827ef5") for line in lines[1:]} == {lines[0].index("model")}
    status = lines[0].index("status")
    # rows skipped from the input are notes of the run, not failed writes
    assert [line[status:].split()[0] for line in lines[1:]] == ["succeeded", "succeeded"]
    end = lines[0].index("accounts") + len("accounts")  # numbers align right under it
    assert [line[end - 2 : end + 1] for line in lines[1:]] == [" 7 ", " 7 "]


def test_runs_failures_lists_only_failing_records(own_book: Path) -> None:
    store = Store(f"sqlite:///{own_book / 'tiersync.db'}")
    try:  # a write the system rejected, as a validation rule would
        failed = RecordFailure("A-101", "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Tier__c: locked")
        journal.record_failures(store, "local", 1, [failed])
    finally:
        store.dispose()
    listed = cli("runs", "--failures").output.splitlines()
    assert listed[0].split() == ["system", "account", "attempts", "code", "message"]
    assert "#1" not in "\n".join(listed)
    assert [line.split()[:4] for line in listed[1:]] == [
        ["local", "A-101", "1", "FIELD_CUSTOM_VALIDATION_EXCEPTION"]
    ]


def test_runs_failures_with_none_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli("sync", "--today", TODAY).exit_code == 0
    assert cli("runs", "--failures").output == "no record is failing\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["runs", "--limit", "-1"], "'--limit': -1 is not in the range x>=1"),
        (["report", "--movements", "-3"], "'--movements': -3 is not in the range x>=0"),
    ],
)
def test_counts_are_checked(own_book: Path, args: list[str], message: str) -> None:
    result = cli(*args)
    assert result.exit_code == 2 and message in result.output


def test_movements_zero_lists_none_without_claiming_there_are_none(own_book: Path) -> None:
    text = cli("report", "--movements", "0").output
    assert "Recent tier movements\n  not listed\n" in text and "none yet" not in text


def test_to_sheet_without_sheets_fails_before_printing(own_book: Path) -> None:
    result = cli("report", "--to-sheet")
    assert result.exit_code == 2
    assert (
        result.output
        == "Error: --to-sheet needs a [sheets] table in the config (spreadsheet_key)\n"
    )
