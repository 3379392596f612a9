"""`tiersync model backtest [MODEL] [--compare OTHER] [--suggest OUT]` (in the model group)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import click

from plugin.cli.common import CONFIG_OPTION, config_from, guarded
from plugin.config import Config
from plugin.model.files import read_model_data
from plugin.model.versions import resolve_model
from plugin.reporting import backtest as bt
from plugin.store.database import Store

DAY = click.DateTime(["%Y-%m-%d"])
FILE = click.Path(dir_okay=False, path_type=Path)


def register(main: click.Group) -> None:
    """Add backtest to the existing `model` group."""
    group = main.commands.get("model")
    if not isinstance(group, click.Group):
        group = click.Group("model", help="Work with scoring models.")
        main.add_command(group)
    group.add_command(backtest)


@click.command("backtest")
@CONFIG_OPTION
@click.argument("model_file", type=FILE, required=False)
@click.option("--compare", "other", type=FILE, help="A second model to show side by side.")
@click.option("--suggest", "out", type=FILE, help="Write a model with fitted weights here.")
@click.option(
    "--opportunities",
    "source",
    help="A CSV of opportunities, or 'salesforce' for the org's Opportunity records "
    "(default: report.opportunities, else the bundled sample's).",
)
@click.option("--since", type=DAY, help="Only opportunities created on or after this day.")
@click.option("--seed", default=7, show_default=True, help="Seed of the held-out split.")
def backtest(
    config_path: Path | None,
    model_file: Path | None,
    other: Path | None,
    out: Path | None,
    source: str | None,
    since: Any,
    seed: int,
) -> None:
    """Test MODEL (default: the model in use) against won and lost opportunities."""
    config = config_from(config_path)
    day = date.today()  # scores and score tiers do not depend on it; the scorer wants one
    first = guarded(lambda: _model(config, model_file))
    models = [first]
    if other is not None:
        models.append((bt.version_label(data := guarded(lambda: read_model_data(other)),
                                        other.name), data))  # fmt: skip
    records = guarded(lambda: bt.read_accounts(config))
    opps = guarded(lambda: bt.opportunities(config, source, since.date() if since else None))
    report = guarded(lambda: bt.run_backtest(models, records, opps, day))
    if out is not None:
        report.suggestion = guarded(lambda: bt.suggest(first[1], records, opps[1], day, seed))
    for line in bt.render(report):
        click.echo(line)
    if out is not None and report.suggestion is not None:
        bt.write_model(out, report.suggestion.data)
        click.echo(
            f"wrote {out}: preview it with `tiersync model preview {out}`; apply it with "
            "[model] path in tiersync.toml (or paste its weights into the sheet)"
        )


def _model(config: Config, path: Path | None) -> tuple[str, Mapping[str, Any]]:
    if path is not None:
        data = read_model_data(path)
        return bt.version_label(data, path.name), data
    store = Store(config.store_url)
    try:
        store.upgrade()
        resolved = resolve_model(config, store, apply=False)
    finally:
        store.dispose()
    return bt.version_label(resolved.data, "in use"), resolved.data
