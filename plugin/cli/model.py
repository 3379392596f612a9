"""`tiersync model`: export the default scorecard, validate a model file or sheet.

history, rollback and preview need the store; they live in plugin.cli.versions and load only
when they run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from plugin.cli.common import model_failure
from plugin.cli.lazy import LazyGroup
from plugin.cli.sheets import validate_sheet_model
from plugin.model.files import load_model_file
from scoring import DEFAULT_MODEL, ModelError, model_hash

STORE_COMMANDS = {
    "history": "plugin.cli.versions:history",
    "rollback": "plugin.cli.versions:rollback",
    "preview": "plugin.cli.versions:preview_command",
    "backtest": "plugin.cli.backtest:backtest",
}


@click.group(cls=LazyGroup, lazy=STORE_COMMANDS)
def model() -> None:
    """Work with scoring models (weights, bands, tiers, rules)."""


@model.command("export")
def export() -> None:
    """Print the default scoring model as JSON, ready to edit."""
    click.echo(json.dumps(DEFAULT_MODEL, indent=2))


@model.command("validate")
@click.argument("model_file", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--sheet", "sheet_key", help="Validate the model tabs of this Google Sheet.")
def validate(model_file: Path | None, sheet_key: str | None) -> None:
    """Check a model file (or a sheet) and print every error, one per line."""
    if sheet_key:
        _validate_sheet(sheet_key)
        return
    if model_file is None:
        raise click.UsageError("give a MODEL_FILE or --sheet KEY")
    try:
        scoring_model, data = load_model_file(model_file)
    except ModelError as exc:
        raise model_failure(exc) from None
    click.echo(
        f"OK: {scoring_model.name}: {len(scoring_model.criteria)} criteria, "
        f"{len(scoring_model.tiers)} tiers, {len(scoring_model.next_actions)} next-action rules "
        f"(version {model_hash(data)})"
    )


def _validate_sheet(key: str) -> None:
    ok, lines = validate_sheet_model(key, os.environ)
    for line in lines:
        click.echo(line)
    if not ok:
        raise SystemExit(1)
