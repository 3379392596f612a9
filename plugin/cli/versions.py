"""`tiersync model history | rollback VERSION | preview NEW_MODEL`: model commands on the store."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import click

from plugin.cli.common import CONFIG_OPTION, config_from, guarded
from plugin.model.files import read_model_data
from plugin.model.versions import history as versions
from plugin.model.versions import rollback as roll_back
from plugin.store.database import Store
from plugin.sync.preview import preview


def _who() -> str:
    return os.environ.get("USER") or os.environ.get("USERNAME") or "cli"


@click.command()
@CONFIG_OPTION
@click.option("--limit", default=20, show_default=True)
def history(config_path: Path | None, limit: int) -> None:
    """List applied model versions, newest first (the first one is in use)."""
    store = Store(config_from(config_path).store_url)
    guarded(store.upgrade)
    rows = versions(store, limit)
    if not rows:
        click.echo("no model applied yet: the first `tiersync sync` applies the configured model")
    for i, v in enumerate(rows):
        mark = "*" if i == 0 else " "
        note = f"  ({v.note})" if v.note else ""
        click.echo(
            f"{mark} #{v.id:<4} {v.hash}  {v.applied_at:%Y-%m-%d %H:%M} UTC  by {v.applied_by:<12}"
            f" {v.source}{note}"
        )
    store.dispose()


@click.command()
@CONFIG_OPTION
@click.argument("version")
def rollback(config_path: Path | None, version: str) -> None:
    """Use an earlier model VERSION (hash or #number) again from the next sync."""
    store = Store(config_from(config_path).store_url)
    guarded(store.upgrade)
    applied = guarded(lambda: roll_back(store, version, _who()))
    store.dispose()
    click.echo(
        f"model version {applied.hash} is in use again (#{applied.id}); it stays until the "
        "model source is edited.\n"
        "Not undone: tiers and fields written under later versions, and the tier history they "
        "made, stay as they are until the next sync re-scores every account with this version "
        "(`tiersync sync` does it now). The model source still holds its newer model: editing "
        "it applies that again."
    )


@click.command("preview")
@CONFIG_OPTION
@click.argument("new_model", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--limit", default=20, show_default=True, help="Moving accounts to list.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Date for inactivity rules.")
def preview_command(
    config_path: Path | None, new_model: Path, limit: int, today: datetime | None
) -> None:
    """Show how many accounts would move between tiers under NEW_MODEL, and which."""
    config = config_from(config_path)
    data = guarded(lambda: read_model_data(new_model))
    day = today.date() if today is not None else None
    result = guarded(lambda: preview(config, data, today=day))
    click.echo(result.render(limit))
