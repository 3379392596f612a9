"""The one place that builds connectors from the validated config.

The sync, the worker, the add-on and the CLI ask for connectors here (or are handed a factory
in tests), so nothing else knows how a system is configured.
"""

from __future__ import annotations

from collections.abc import Callable

from connectors.base import Connector
from connectors.errors import ConfigError
from connectors.local import LocalCsvConnector
from connectors.salesforce.connector import SalesforceConnector
from connectors.sheets.connector import SheetsConnector
from plugin.config import Config

#: Builds the connector for a configured system name; tests pass their own.
ConnectorFactory = Callable[[str, Config], Connector]


def open_connector(name: str, config: Config) -> Connector:
    """Return a ready connector for a configured system ('local', 'salesforce', 'sheets')."""
    if name == "local":
        local = config.local
        return LocalCsvConnector(
            local.source,
            local.output,
            field_map=local.field_map,
            encoding=local.encoding,
            encoding_hint='set encoding = "cp1252" in the [local] table',
            map_hint="map it in the [local] table: field_map.{field} = '{header}'",
        )
    if name == "salesforce" and config.salesforce is not None:
        return SalesforceConnector(config.salesforce)
    if name == "sheets" and config.sheets is not None:
        return SheetsConnector(config.sheets)
    if name in ("salesforce", "sheets"):
        raise ConfigError(f"sources: {name!r} is used but there is no [{name}] table")
    raise ConfigError(f"sources: unknown connector {name!r}")


def open_sheet(config: Config) -> SheetsConnector:
    """Return the manager's sheet connector (model tabs, Status, Report), or say what is missing."""
    if config.sheets is None:
        raise ConfigError("this needs a [sheets] table in the config (spreadsheet_key)")
    return SheetsConnector(config.sheets)


def open_salesforce(config: Config) -> SalesforceConnector:
    """Return the Salesforce connector (opportunities, metadata checks), or say what is missing."""
    if config.salesforce is None:
        raise ConfigError("this needs a [salesforce] table in the config")
    return SalesforceConnector(config.salesforce)


def open_by_id_source(config: Config) -> Connector:
    """Return the system accounts are re-read from by id: Salesforce when configured, else local.

    The local file has no way to write single accounts: results of a by-id run live in the
    store's account state until the next full sync rewrites the output file.
    """
    return open_connector("salesforce" if "salesforce" in config.sources else "local", config)
