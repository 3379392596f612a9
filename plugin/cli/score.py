"""`tiersync score`: score a CSV file of accounts into a CSV file with tier columns."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import click

from connectors.errors import ConnectorError
from connectors.local import LocalCsvConnector
from plugin.cli.common import model_failure
from plugin.model.sources import load_model_file
from plugin.sync.stream import score_stream
from scoring import ModelError, Scorer, Summary


def register(main: click.Group) -> None:
    """Add the score command."""
    main.add_command(score)


@click.command()
@click.argument("input_csv", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output CSV (default: INPUT-tiered.csv beside the input).",
)
@click.option("--model", "model_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Date for inactivity rules.")
def score(
    input_csv: Path, output: Path | None, model_path: Path | None, today: object | None
) -> None:
    """Score INPUT_CSV and write every account with tier, score, health and next action."""
    started = time.perf_counter()
    try:
        model, _ = load_model_file(model_path)
    except ModelError as exc:
        raise model_failure(exc) from None
    day = today.date() if today is not None else date.today()  # type: ignore[attr-defined]
    target = output or input_csv.with_name(f"{input_csv.stem}-tiered.csv")
    connector = LocalCsvConnector(input_csv, target)
    scorer = Scorer(model, today=day)
    summary = Summary(model)

    def counted() -> object:
        for record, result in score_stream(scorer, connector.iter_accounts):
            summary.add(result)
            yield record, result

    try:
        connector.check()
        report = connector.write_results(counted())  # type: ignore[arg-type]
    except ConnectorError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(summary.render())
    for failure in report.failures:
        click.echo(f"skipped {failure.account_id}: {failure.message}", err=True)
    click.echo(f"wrote {target} in {time.perf_counter() - started:.1f}s")
