"""`tiersync check`: one line per set-up item, non-zero exit when an item has a problem."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses
from click.testing import CliRunner, Result

from plugin.cli import main
from plugin.store.schema import SCHEMA_VERSION
from tests.connectors.sf_helpers import API, INSTANCE, SESSION, fixture
from tests.connectors.sheets_helpers import KEY, FakeSheets, service_account_info

GOOD_SECRET = "s" * 40


def check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> Result:
    monkeypatch.chdir(tmp_path)
    for name in ("TIERSYNC_DASHBOARD_TOKEN", "TIERSYNC_WEBHOOK_SECRET", "TIERSYNC_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner().invoke(main, ["check"], env=env)


def upgraded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["db", "upgrade"]).exit_code == 0


def lines(result: Result) -> dict[str, str]:
    """Return each item's line keyed by the first word of its name."""
    out = {}
    for line in result.output.splitlines():
        status, _, rest = line.partition("  ")
        if status.strip() in ("ok", "FAIL", "off"):
            out[rest.strip().split(":")[0].split(" (")[0]] = line
    return out


def test_a_fresh_directory_needs_the_store_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = check(tmp_path, monkeypatch, {})
    assert result.exit_code == 2, result.output
    found = lines(result)
    assert found["config"].startswith("ok    config: embedded default")
    assert found["store"].startswith("FAIL  store: sqlite:///")
    assert "run `tiersync db upgrade`" in found["store"]
    assert not (tmp_path / "tiersync.db").exists()  # a check never creates the store
    assert found["local"].startswith("ok    local: reads ")
    assert found["dashboard token"].startswith("off ")
    assert result.output.rstrip().endswith("fix the FAIL lines above, then run it again")


def test_everything_set_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    upgraded(tmp_path, monkeypatch)
    env = {"TIERSYNC_DASHBOARD_TOKEN": GOOD_SECRET, "TIERSYNC_WEBHOOK_SECRET": GOOD_SECRET}
    result = check(tmp_path, monkeypatch, env)
    assert result.exit_code == 0, result.output
    found = lines(result)
    assert f"(schema v{SCHEMA_VERSION})" in found["store"]
    assert found["dashboard token"].endswith("set, 40 characters")
    assert found["webhook secret"].startswith("ok ")
    assert result.output.rstrip().endswith("all set")


def test_a_short_secret_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    upgraded(tmp_path, monkeypatch)
    result = check(tmp_path, monkeypatch, {"TIERSYNC_WEBHOOK_SECRET": "hunter2"})
    assert result.exit_code == 2
    # a secret shorter than 32 characters stops the config itself, naming the variable
    assert lines(result)["config"].startswith(
        "FAIL  config: TIERSYNC_WEBHOOK_SECRET: the secret has 7 characters; use at least 32"
    )


def test_a_wrong_config_stops_at_the_config_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "tiersync.toml").write_text('sources = ["salesforse"]\n', encoding="utf-8")
    result = check(tmp_path, monkeypatch, {})
    assert result.exit_code == 2
    assert "FAIL  config: sources: unknown connector 'salesforse'" in result.output
    assert "store" not in result.output


# -- Salesforce ------------------------------------------------------------------------------


def salesforce_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    (tmp_path / "tiersync.toml").write_text(
        f'sources = ["salesforce"]\n\n[salesforce]\ninstance_url = "{INSTANCE}"\n',
        encoding="utf-8",
    )
    upgraded(tmp_path, monkeypatch)
    return {"TIERSYNC_SF_SESSION_ID": SESSION}


@responses.activate
def test_salesforce_org_with_the_metadata_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = salesforce_dir(tmp_path, monkeypatch)
    responses.add(
        responses.GET, f"{API}/sobjects/Account/describe", json=fixture("describe_account.json")
    )
    result = check(tmp_path, monkeypatch, env)
    assert result.exit_code == 0, result.output
    sf = [line for line in result.output.splitlines() if "salesforce:" in line]
    assert len(sf) == 4 and all(line.startswith("ok ") for line in sf), sf
    assert any("mapped fields present on Account" in line for line in sf)
    assert any("Tier__c picklist holds Tier 1, Tier 2, Tier 3, Tier 4" in line for line in sf)
    assert any("Health_Status__c picklist holds Healthy, At Risk, Critical" in line for line in sf)


@responses.activate
def test_salesforce_gaps_each_get_a_failing_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = salesforce_dir(tmp_path, monkeypatch)
    describe: dict[str, Any] = fixture("describe_account.json")
    describe["fields"] = [f for f in describe["fields"] if f["name"] != "Engagement_Score__c"]
    for field in describe["fields"]:
        if field["name"] == "Next_Action__c":
            field["updateable"] = False
        if field["name"] == "Tier__c":
            field["picklistValues"] = [p for p in field["picklistValues"] if p["value"] != "Tier 4"]
    responses.add(responses.GET, f"{API}/sobjects/Account/describe", json=describe)
    result = check(tmp_path, monkeypatch, env)
    assert result.exit_code == 2
    failing = [line for line in result.output.splitlines() if line.startswith("FAIL")]
    assert len(failing) == 3, result.output
    assert "Engagement_Score__c does not exist on Account" in failing[0]
    assert "Next_Action__c (next_action) is not editable by this user" in failing[1]
    assert "Tier__c picklist lacks Tier 4" in failing[2]
    assert "Health_Status__c picklist holds" in result.output  # still checked, and fine


@responses.activate
def test_salesforce_refusing_the_session_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = salesforce_dir(tmp_path, monkeypatch)
    responses.add(
        responses.GET,
        f"{API}/sobjects/Account/describe",
        json=fixture("error_invalid_session.json"),
        status=401,
    )
    result = check(tmp_path, monkeypatch, env)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    failing = [line for line in result.output.splitlines() if line.startswith("FAIL")]
    assert failing == [
        "FAIL  salesforce: Salesforce session expired and no credentials are configured to renew it"
    ]


# -- Google Sheets ---------------------------------------------------------------------------


@pytest.fixture
def sheet() -> Iterator[FakeSheets]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeSheets().install(rsps)


def sheets_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    (tmp_path / "tiersync.toml").write_text(
        f'sources = ["sheets"]\n\n[sheets]\nspreadsheet_key = "{KEY}"\n', encoding="utf-8"
    )
    upgraded(tmp_path, monkeypatch)
    return {"TIERSYNC_GOOGLE_SERVICE_ACCOUNT": json.dumps(service_account_info())}


def test_sheets_tab_and_headers_pass(
    sheet: FakeSheets, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sheet.seed("accounts_small")
    result = check(tmp_path, monkeypatch, sheets_dir(tmp_path, monkeypatch))
    assert result.exit_code == 0, result.output
    assert f"ok    sheets: spreadsheet {KEY}: tab 'Accounts' present" in result.output
    assert "ok    sheets: 'Accounts' headers hold Account ID (the first sync adds" in result.output


def test_sheets_without_the_key_column_fails(
    sheet: FakeSheets, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sheet.add_tab("Accounts", [["Name", "Industry"], ["Acme", "Retail"]])
    result = check(tmp_path, monkeypatch, sheets_dir(tmp_path, monkeypatch))
    assert result.exit_code == 2
    assert "FAIL  sheets: 'Accounts' headers hold Account ID" in result.output
    assert "the Accounts tab has no 'Account ID' column" in result.output


def test_sheets_without_the_tab_fails(
    sheet: FakeSheets, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sheet.add_tab("Leads", [["Account ID"]])
    result = check(tmp_path, monkeypatch, sheets_dir(tmp_path, monkeypatch))
    assert result.exit_code == 2
    assert "has no 'Accounts' tab (tabs: Leads)" in result.output
