"""`tiersync check`: one line per set-up item, and a non-zero exit when any has a problem.

It reads and never writes: no store is created, no record is scored, nothing is sent to a system
but the reads its connector check makes (a sign-in and a describe; one spreadsheet read).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
from sqlalchemy import inspect, select
from sqlalchemy.exc import SQLAlchemyError

from connectors.errors import ConfigError, ConnectorError
from plugin.cli.common import CONFIG_OPTION, is_store_error
from plugin.config import Config, load_config
from plugin.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, PluginError
from plugin.store.database import Store
from plugin.store.schema import SCHEMA_VERSION, metadata, schema_version
from plugin.wiring import open_connector

MIN_SECRET = 32  # characters: a guessable secret would open the webhooks or the dashboard


@dataclass(frozen=True)
class Item:
    """One checked item: what, its problems (none: fine), and the exit code a problem calls for."""

    name: str
    problems: tuple[str, ...] = ()
    code: int = EXIT_USAGE
    off: bool = False  # not configured, and not needed

    def line(self) -> str:
        """Return the item's line: status, name and what is wrong."""
        status = "off " if self.off else "FAIL" if self.problems else "ok  "
        detail = f": {'; '.join(self.problems)}" if self.problems else ""
        return f"{status}  {self.name}{detail}"


@click.command()
@CONFIG_OPTION
def check(config_path: Path | None) -> None:
    """Check the config, the store, each connector and the secrets; one line per item."""
    code = EXIT_OK
    for item in items(config_path):
        click.echo(item.line())
        if item.problems:
            code = max(code, item.code)
    click.echo("all set" if code == EXIT_OK else "fix the FAIL lines above, then run it again")
    raise SystemExit(code)


def items(config_path: Path | None) -> Iterator[Item]:
    """Yield every check in order; nothing after the config when the config is wrong."""
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        yield Item("config", (str(exc),))
        return
    where = str(config.path) if config.path else "embedded default (no tiersync.toml here)"
    yield Item(f"config: {where}; sources {', '.join(config.sources)}")
    yield store_item(config)
    for name in dict.fromkeys([*config.sources, *config.sinks]):
        yield from connector_items(name, config)
    yield from secret_items(config)


def store_item(config: Config) -> Item:
    """Return whether the store answers and holds the current schema (read only)."""
    try:
        store = Store(config.store_url)
    except ConfigError as exc:
        return Item("store", (str(exc),))
    name = f"store: {store.engine.url.render_as_string(hide_password=True)}"
    upgrade = "run `tiersync db upgrade` (a sync does it too)"
    database = store.engine.url.database
    if store.engine.dialect.name == "sqlite" and database and not Path(database).exists():
        return Item(name, (f"the file does not exist yet: {upgrade}",))
    try:
        with store.engine.connect() as conn:
            missing = sorted(set(metadata.tables) - set(inspect(conn).get_table_names()))
            version = conn.scalar(select(schema_version.c.version)) if not missing else None
    except SQLAlchemyError as exc:
        return Item(name, (f"not reachable: {exc.args[0] if exc.args else exc}",), EXIT_FAILED)
    finally:
        store.dispose()
    if missing:
        return Item(name, (f"tables missing ({', '.join(missing)}): {upgrade}",))
    if version != SCHEMA_VERSION:
        return Item(name, (f"schema v{version}, this version needs v{SCHEMA_VERSION}: {upgrade}",))
    return Item(f"{name} (schema v{version})")


def connector_items(name: str, config: Config) -> Iterator[Item]:
    """Yield the checks of one configured connector (its own items when it lists them)."""
    try:
        connector = open_connector(name, config)
        listed = getattr(connector, "checks", None)
        if listed is None:
            connector.check()
            yield Item(f"{name}: {describe(connector)}")
            return
        for what, problems in listed():
            yield Item(f"{name}: {what}", tuple(problems))
    except ConfigError as exc:
        yield Item(name, (str(exc),))
    except (ConnectorError, PluginError) as exc:
        yield Item(name, (str(exc),), EXIT_FAILED)
    except Exception as exc:
        if not is_store_error(exc):
            raise
        yield Item(name, (str(exc),), EXIT_FAILED)


def describe(connector: object) -> str:
    """Return what a connector without its own item list reads and writes."""
    source, output = getattr(connector, "source", None), getattr(connector, "output", None)
    if source is None:
        return "reachable"
    return f"reads {source}" + (f", writes {output}" if output else "")


def secret_items(config: Config) -> Iterator[Item]:
    """Yield one line per web secret: off when unset, a problem when shorter than 32."""
    s = config.web  # validated when the config was loaded
    secrets = (
        ("dashboard token", s.dashboard_token_env, s.dashboard_token, "the dashboard is closed"),
        ("webhook path token", s.path_token_env, s.path_token, "Outbound Messages are refused"),
        ("webhook secret", "TIERSYNC_WEBHOOK_SECRET", s.hmac_secret, "callouts are refused"),
    )
    for label, env, value, unset in secrets:
        name = f"{label} ({env})"
        if not value:
            yield Item(f"{name}: not set, {unset}", off=True)
        elif len(value) < MIN_SECRET:
            yield Item(
                name,
                (
                    f"{len(value)} characters, use at least {MIN_SECRET} (e.g. "
                    "python3 -c 'import secrets; print(secrets.token_urlsafe(32))')",
                ),
            )
        else:
            yield Item(f"{name}: set, {len(value)} characters")
