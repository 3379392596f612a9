"""Connectors by name, built from the config; the optional ones are imported only when used."""

from __future__ import annotations

from typing import Any

from connectors.base import Connector
from connectors.errors import ConfigError
from plugin.config import Config


def open_connector(name: str, config: Config) -> Any:
    """Return a ready connector for a configured system ('local', 'salesforce', 'sheets')."""
    if name == "local":
        from connectors.local import LocalCsvConnector

        local = config.local
        return LocalCsvConnector(
            local.source,
            local.output,
            field_map=local.field_map,
            encoding=local.encoding,
            encoding_hint='set encoding = "cp1252" in the [local] table',
            map_hint="map it in the [local] table: field_map.{field} = '{header}'",
        )
    if name == "salesforce":
        from connectors.salesforce.config import SalesforceConfig
        from connectors.salesforce.connector import SalesforceConnector

        return SalesforceConnector(SalesforceConfig.from_mapping(config.salesforce, config.env))
    if name == "sheets":
        from connectors.sheets.config import SheetsConfig
        from connectors.sheets.connector import SheetsConnector

        return SheetsConnector(SheetsConfig.from_mapping(config.sheets, config.env))
    raise ConfigError(f"sources: unknown connector {name!r}")


def rereadable(connector: Connector) -> bool:
    """Return True when reading the source twice costs nothing (local files)."""
    return bool(getattr(connector, "rereadable", connector.name == "local"))


def api_calls(connector: Connector) -> int:
    """Return the API calls a connector has made so far (0 for files)."""
    return int(getattr(connector, "api_calls", 0) or 0)
