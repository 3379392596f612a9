"""The sheet's Status tab always says what the model in use is, also after an error is undone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses

from plugin.config import Config, load_config
from plugin.model.versions import resolve_model
from plugin.store.database import Store
from plugin.sync.run import run_sync
from plugin.wiring import open_connector
from tests.connectors.sheets_helpers import KEY, FakeSheets, service_account_info


@pytest.fixture
def fake() -> Iterator[FakeSheets]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeSheets().install(rsps)


@pytest.fixture
def sheet_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeSheets) -> Config:
    monkeypatch.setenv("TIERSYNC_GOOGLE_SERVICE_ACCOUNT", json.dumps(service_account_info()))
    path = tmp_path / "tiersync.toml"
    path.write_text(
        f'[model]\nsource = "sheet"\n[sheets]\nspreadsheet_key = "{KEY}"\n'
        '[store]\nurl = "sqlite:///t.db"\n',
        encoding="utf-8",
    )
    config = load_config(path, env={})
    fake.add_tab("Accounts", [["Account ID"]])
    open_connector("sheets", config).init_tabs()
    return config


def status(fake: FakeSheets) -> list[str]:
    return [str(row[0]) for row in fake.values("Status")[1:]]


def test_status_says_ok_again_when_a_broken_model_is_fixed_back(
    sheet_config: Config, fake: FakeSheets
) -> None:
    store = Store(sheet_config.store_url)
    store.upgrade()
    good = resolve_model(sheet_config, store)
    assert status(fake) == ["OK"]
    weights = fake.tabs["Weights"]
    original = weights.rows[1][2]
    weights.rows[1][2] = 95  # weights now sum to 165
    assert resolve_model(sheet_config, store).version == good.version  # kept
    assert status(fake) == ["Error", "Kept"]
    weights.rows[1][2] = original  # the manager undoes the edit: the same model as in use
    writes = fake.count("batchUpdate")
    assert resolve_model(sheet_config, store).version == good.version
    assert status(fake) == ["OK"]  # not the old error
    assert fake.count("batchUpdate") == writes + 1
    resolve_model(sheet_config, store)
    assert fake.count("batchUpdate") == writes + 1  # said once: later runs leave Status be
    store.dispose()


def test_a_broken_model_keeps_the_last_good_version_and_the_status_tab_says_so(
    sheet_config: Config, fake: FakeSheets
) -> None:
    store = Store(sheet_config.store_url)
    store.upgrade()
    good = resolve_model(sheet_config, store)
    fake.tabs["Tiers"].set(1, 1, "seventy")
    kept = resolve_model(sheet_config, store)
    assert kept.version == good.version
    rows = fake.values("Status")[1:]
    assert [r[:3] for r in rows] == [
        ["Error", "Tiers!B2", 'min score must be a number, got "seventy"'],
        ["Kept", "", "still running the last good model"],
    ]
    assert rows[-1][4] == good.version
    store.dispose()


def test_a_sync_reads_the_model_and_the_accounts_in_one_call(
    tmp_path: Path, sheet_config: Config, fake: FakeSheets
) -> None:
    path = tmp_path / "sync.toml"
    path.write_text(
        f'sources = ["sheets"]\n[model]\nsource = "sheet"\n[sheets]\nspreadsheet_key = "{KEY}"\n'
        '[store]\nurl = "sqlite:///sync.db"\n',
        encoding="utf-8",
    )
    config = load_config(path, env={})
    accounts = fake.tabs["Accounts"]
    accounts.rows += [[f"A{i}"] for i in range(50)]
    store = Store(config.store_url)
    assert run_sync(config, store=store).written == 50
    accounts.set(1, accounts.rows[0].index("Tier"), "Tier 1")  # a hand edit, put back next run
    fake.calls.clear()
    fake.token_calls = 0
    again = run_sync(config, store=store)
    kinds = [k for k, _ in fake.calls]
    assert kinds == ["metadata", "batchGet", "valuesBatchUpdate", "batchGet"]  # read back
    assert (again.written, again.api_calls, fake.token_calls) == (1, 4, 1)
    fake.calls.clear()
    dry = run_sync(config, store=store, dry_run=True)
    assert [k for k, _ in fake.calls] == ["metadata", "batchGet"]
    assert dry.api_calls == 2
    store.dispose()
