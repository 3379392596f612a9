"""Where the configured model comes from: the built-in default, a JSON file or the sheet.

The one reader of the configured source: the sync, the add-on and the CLI all call
`read_source`, so they agree on what "the model in the sheet" is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.sheets.connector import SheetsConnector
from plugin.config import Config
from plugin.model.files import read_model_data
from plugin.wiring import open_sheet
from scoring import DEFAULT_MODEL


def read_source(
    config: Config, sheet: SheetsConnector | None = None
) -> tuple[Mapping[str, Any], SheetsConnector | None]:
    """Return the configured model's plain data and, for a sheet model, the sheet it came from.

    `sheet`: the run's own connector to the model's sheet (else one is opened); when the sheet
    is also a source of the run, its accounts tab is read in the same call as the model tabs.
    """
    if config.model.source == "file" and config.model.path is not None:
        return read_model_data(config.model.path), None
    if config.model.source == "sheet":
        along = sheet is not None and "sheets" in config.sources
        sheet = sheet or open_sheet(config)
        return sheet.model.read_model(with_accounts=along), sheet
    return DEFAULT_MODEL, None


def source_label(config: Config) -> str:
    """Return a short description of where the configured model comes from."""
    if config.model.source == "file":
        return f"file {config.model.path}"
    if config.model.source == "sheet" and config.sheets is not None:
        return f"sheet {config.sheets.spreadsheet_key}"
    return "built-in default"
