"""`tiersync score`: score a CSV file of accounts into a CSV file with tier columns."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from pathlib import Path

import click

from connectors.errors import ConnectorError
from connectors.local import LocalCsvConnector
from plugin.cli.batch import batch_mode
from plugin.cli.common import CliError, model_failure
from plugin.cli.progress import Progress, estimate_rows
from plugin.errors import exit_code
from plugin.model.files import load_model_file
from plugin.sync.book import final_pairs, score_all
from scoring import AccountRecord, ModelError, Result, Scorer, Summary
from scoring.fields import coverage_notes


@click.command()
@click.argument("input_csv", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output CSV (default: INPUT-tiered.csv beside the input; never the input itself).",
)
@click.option("--model", "model_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Date for inactivity rules.")
@click.option(
    "--field-map",
    "field_map",
    multiple=True,
    metavar="FIELD=HEADER",
    help="Read a canonical field from a column of another name (repeatable).",
)
@click.option("--encoding", help="Text encoding of INPUT_CSV, e.g. cp1252 (default: UTF-8).")
def score(
    input_csv: Path,
    output: Path | None,
    model_path: Path | None,
    today: datetime | None,
    field_map: tuple[str, ...],
    encoding: str | None,
) -> None:
    """Score INPUT_CSV and write every account with tier, score, health and next action."""
    started = time.perf_counter()
    try:
        model, _ = load_model_file(model_path)
    except ModelError as exc:
        raise model_failure(exc) from None
    day = today.date() if today is not None else date.today()
    target = output or input_csv.with_name(f"{input_csv.stem}-tiered.csv")
    if _same_file(target, input_csv):
        raise CliError(f"{target} is the input file: write the scores to another file with -o", 2)
    connector = LocalCsvConnector(input_csv, target, field_map=_pairs(field_map), encoding=encoding)
    summary = Summary(model)
    try:
        connector.check()
        with batch_mode(), Progress("scoring") as bar:
            # one reading pass scores every row; capacity is then ranked over the whole book
            read: Callable[[], Iterable[AccountRecord]] = connector.iter_accounts
            if bar.enabled:  # counting the rows is a pass over the file: only for a bar
                read = bar.counting(read, estimate_rows(input_csv))
            scored = score_all(Scorer(model, today=day), read())
            try:
                report = connector.write_results(_counted(final_pairs(scored), summary))
            finally:
                scored.close()
        report.failures[:0] = scored.duplicates
    except ConnectorError as exc:
        raise CliError(str(exc), exit_code(exc)) from None
    click.echo(summary.render())
    how = "map its column with --field-map FIELD=HEADER"
    for note in [*report.notes, *coverage_notes(model, connector.layout().provided, how)]:
        click.echo(f"note: {note}", err=True)
    for failure in [*report.skipped, *report.failures]:
        click.echo(f"skipped {failure.account_id}: {failure.message}", err=True)
    click.echo(f"wrote {target} in {time.perf_counter() - started:.1f}s")


def _counted(
    pairs: Iterable[tuple[AccountRecord, Result]], summary: Summary
) -> Iterator[tuple[AccountRecord, Result]]:
    for record, result in pairs:
        summary.add(result, record.get("owner"))
        yield record, result


def _pairs(items: tuple[str, ...]) -> dict[str, str]:
    """Read --field-map FIELD=HEADER options; a malformed one is a usage error."""
    pairs: dict[str, str] = {}
    for item in items:
        field, sep, header = item.partition("=")
        if not sep or not field.strip() or not header.strip():
            raise click.BadParameter(
                f"expected FIELD=HEADER, got {item!r}", param_hint="--field-map"
            )
        pairs[field.strip()] = header.strip()
    return pairs


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and a.samefile(b))
    except OSError:
        return False
