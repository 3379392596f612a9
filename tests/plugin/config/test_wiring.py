"""Connectors are chosen by name in the config and built by their own config readers."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from connectors.errors import ConfigError
from connectors.local import LocalCsvConnector
from plugin.cli import main
from plugin.config import load_config
from plugin.wiring import open_connector


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tiersync.toml"
    path.write_text(text + '[store]\nurl = "sqlite:///t.db"\n', encoding="utf-8")
    return path


def test_local_is_built_from_the_local_table(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, '[local]\nsource = "a.csv"\n'), env={})
    conn = open_connector("local", config)
    assert isinstance(conn, LocalCsvConnector) and conn.replayable
    assert conn.source == tmp_path / "a.csv"


def test_salesforce_settings_are_checked_by_its_connector(tmp_path: Path) -> None:
    path = _config(tmp_path, 'sources = ["salesforce"]\n[salesforce]\npassword = "hunter2"\n')
    with pytest.raises(ConfigError, match=r"salesforce\.password: secrets do not belong"):
        open_connector("salesforce", load_config(path, env={}))


def test_sheets_settings_are_checked_by_its_connector(tmp_path: Path) -> None:
    path = _config(tmp_path, 'sources = ["sheets"]\n[sheets]\naccounts_tab = "Accounts"\n')
    result = CliRunner().invoke(main, ["sync", "--config", str(path)])
    assert result.exit_code == 2
    assert "sheets.spreadsheet_key: the spreadsheet key is required" in result.output
    assert "Traceback" not in result.output


def test_an_unknown_connector_is_a_config_error(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, ""), env={})
    with pytest.raises(ConfigError, match="unknown connector 'hubspot'"):
        open_connector("hubspot", config)
