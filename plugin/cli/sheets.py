"""`tiersync sheets`: set up a Google Sheet for tiersync, and validate the model tabs in it."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TypeVar

import click

from connectors.errors import ConfigError, ConnectorError
from connectors.sheets.api import load_credentials, make_client
from connectors.sheets.connector import SheetsConfig, SheetsConnector
from plugin.cli.common import CliError
from plugin.errors import EXIT_USAGE
from scoring import model_hash

T = TypeVar("T")


def connect(key: str, env: Mapping[str, str], accounts_tab: str | None = None) -> SheetsConnector:
    """Return a connector for a spreadsheet, authorised from the environment's service account."""
    settings: dict[str, str] = {"spreadsheet_key": key}
    if accounts_tab:
        settings["accounts_tab"] = accounts_tab
    config = SheetsConfig.from_mapping(settings, env)
    creds = load_credentials(config.service_account_file, config.service_account_env, env)
    return SheetsConnector(config, client=make_client(creds))


def _run(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except ConfigError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    except ConnectorError as exc:
        raise click.ClickException(str(exc)) from None


def validate_sheet_model(key: str, env: Mapping[str, str]) -> tuple[bool, list[str]]:
    """Validate a sheet's model tabs without writing; return (ok, lines to print)."""

    def check() -> tuple[bool, list[str]]:
        sheet = connect(key, env).model.read_model_sheet()
        model, lines = sheet.validate()
        if model is None:
            return False, [str(line) for line in lines]
        return True, [
            f"OK: sheet {key}: {len(model.criteria)} criteria, {len(model.tiers)} tiers, "
            f"{len(model.next_actions)} next-action rules (version {model_hash(sheet.data)})"
        ]

    return _run(check)


@click.group()
def sheets() -> None:
    """Work with a Google Sheet: model tabs and an accounts tab."""


@sheets.command("init")
@click.argument("spreadsheet_key")
@click.option("--force", is_flag=True, help="Replace existing model tabs with the default.")
@click.option("--accounts-tab", default=None, help="Name of the accounts tab (default Accounts).")
def init(spreadsheet_key: str, force: bool, accounts_tab: str | None) -> None:
    """Create the model tabs (default scorecard) and an accounts tab header."""
    outcome = _run(lambda: connect(spreadsheet_key, os.environ, accounts_tab).init_tabs(force))
    accounts = accounts_tab or "Accounts"
    for tab, what in outcome.items():
        note = ""
        if what == "kept":
            note = (
                " (holds your rows: never replaced)" if tab == accounts else " (--force replaces)"
            )
        click.echo(f"{tab}: {what}{note}")
