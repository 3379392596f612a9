"""`tiersync score`: score a CSV file of accounts into a CSV file with tier columns."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path

import click

from connectors.errors import ConnectorError
from connectors.local import LocalCsvConnector
from plugin.cli.common import model_failure
from plugin.cli.progress import Progress, estimate_rows
from plugin.model.sources import load_model_file
from plugin.sync.stream import score_stream
from scoring import AccountRecord, ModelError, Result, Scorer, ScoringModel, Summary


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
    input_csv: Path, output: Path | None, model_path: Path | None, today: datetime | None
) -> None:
    """Score INPUT_CSV and write every account with tier, score, health and next action."""
    started = time.perf_counter()
    try:
        model, _ = load_model_file(model_path)
    except ModelError as exc:
        raise model_failure(exc) from None
    day = today.date() if today is not None else date.today()
    target = output or input_csv.with_name(f"{input_csv.stem}-tiered.csv")
    connector = LocalCsvConnector(input_csv, target)
    summary = Summary(model)
    try:
        connector.check()
        with Progress("scoring") as bar:
            rows = estimate_rows(input_csv)
            records = bar.counting(connector.iter_accounts, _reads(model, rows))
            pairs = _counted(score_stream(Scorer(model, today=day), records), summary)
            report = connector.write_results(pairs)
    except ConnectorError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(summary.render())
    for failure in report.failures:
        click.echo(f"skipped {failure.account_id}: {failure.message}", err=True)
    click.echo(f"wrote {target} in {time.perf_counter() - started:.1f}s")


def _reads(model: ScoringModel, rows: int | None) -> int | None:
    # With a capacity tier the stream reads the file twice: rank every account, then score.
    if rows is None:
        return None
    return rows * (2 if model.reassessment.capacity_tier is not None else 1)


def _counted(
    pairs: Iterable[tuple[AccountRecord, Result]], summary: Summary
) -> Iterator[tuple[AccountRecord, Result]]:
    for record, result in pairs:
        summary.add(result, record.get("owner"))
        yield record, result
