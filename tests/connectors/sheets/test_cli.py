"""`tiersync sheets init` and the sheet validation behind `tiersync model validate --sheet`."""

from __future__ import annotations

import json
from collections.abc import Iterator

import click
import pytest
import responses
from click.testing import CliRunner

from plugin.cli.sheets import sheets, validate_sheet_model
from tests.connectors.sheets_helpers import KEY, FakeSheets, service_account_info


@pytest.fixture
def fake() -> Iterator[FakeSheets]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeSheets().install(rsps)


@pytest.fixture
def env() -> dict[str, str]:
    return {"TIERSYNC_GOOGLE_SERVICE_ACCOUNT": json.dumps(service_account_info())}


def run(args: list[str], env: dict[str, str]) -> click.testing.Result:
    main = click.Group()
    main.add_command(sheets)
    return CliRunner().invoke(main, args, env=env)


def test_init_creates_the_model_tabs_and_an_accounts_header(
    fake: FakeSheets, env: dict[str, str]
) -> None:
    result = run(["sheets", "init", KEY], env)
    assert result.exit_code == 0, result.output
    assert "Weights: created" in result.output and "Accounts: created" in result.output
    assert set(fake.tabs) == {
        "Weights",
        "Bands",
        "Tiers",
        "Health",
        "Next Actions",
        "Reassessment",
        "Accounts",
    }
    assert fake.values("Weights")[1][:4] == [
        "revenue_potential",
        "Revenue Potential",
        30,
        "ARR Potential",
    ]
    assert fake.values("Next Actions")[1] == [
        1,
        "tier = Tier 1, Tier 2; health = Critical",
        "Investigate lack of engagement",
    ]
    header = fake.values("Accounts")[0]
    assert header[0] == "Account ID" and header[-5:] == [
        "Tier",
        "Score",
        "Health Status",
        "Next Action",
        "Tier Reason",
    ]
    assert fake.count("batchUpdate") == 1  # every tab in one call
    assert validate_sheet_model(KEY, env)[0] is True


def test_init_keeps_existing_tabs_unless_forced(fake: FakeSheets, env: dict[str, str]) -> None:
    fake.add_tab("Weights", [["Criterion"], ["mine"]])
    fake.add_tab("Accounts", [["Account ID"], ["A1"]])
    result = run(["sheets", "init", KEY], env)
    assert result.exit_code == 0
    assert "Weights: kept (--force replaces)" in result.output
    assert fake.values("Weights") == [["Criterion"], ["mine"]]
    forced = run(["sheets", "init", KEY, "--force"], env)
    assert "Weights: replaced" in forced.output
    assert "Accounts: kept (holds your rows: never replaced)" in forced.output
    assert fake.values("Weights")[1][0] == "revenue_potential"
    assert fake.values("Accounts") == [["Account ID"], ["A1"]]


def test_missing_credentials_are_one_line_and_exit_2(fake: FakeSheets) -> None:
    result = run(["sheets", "init", KEY], {"TIERSYNC_GOOGLE_SERVICE_ACCOUNT": ""})
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: no Google service account: set TIERSYNC_GOOGLE_SERVICE_ACCOUNT (the JSON key) "
        "or TIERSYNC_GOOGLE_SERVICE_ACCOUNT_FILE (its path)"
    ]
    assert fake.calls == []


def test_validate_sheet_model_lists_errors_by_cell_without_writing(
    fake: FakeSheets, env: dict[str, str]
) -> None:
    fake.seed("model_with_typos")
    ok, lines = validate_sheet_model(KEY, env)
    assert ok is False
    assert lines[0] == 'Weights!C4: weight must be a number, got "thirty"'
    assert len(lines) == 8
    assert "Status" not in fake.tabs and fake.count("batchUpdate") == 0


def test_validate_sheet_model_summarises_a_good_model(
    fake: FakeSheets, env: dict[str, str]
) -> None:
    assert run(["sheets", "init", KEY], env).exit_code == 0
    ok, lines = validate_sheet_model(KEY, env)
    assert ok is True
    assert lines[0].startswith(f"OK: sheet {KEY}: 6 criteria, 4 tiers, 10 next-action rules")
