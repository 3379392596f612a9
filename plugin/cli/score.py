"""`tiersync score`: score a CSV file of accounts into a CSV file with tier columns."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import click

from connectors.errors import ConnectorError
from connectors.local import LocalCsvConnector
from plugin.cli.common import CliError, model_failure
from plugin.errors import exit_code
from plugin.model.sources import load_model_file
from plugin.sync.stream import score_stream
from scoring import ModelError, Scorer, Summary
from scoring.fields import coverage_notes


def register(main: click.Group) -> None:
    """Add the score command."""
    main.add_command(score)


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
    today: object | None,
    field_map: tuple[str, ...],
    encoding: str | None,
) -> None:
    """Score INPUT_CSV and write every account with tier, score, health and next action."""
    started = time.perf_counter()
    try:
        model, _ = load_model_file(model_path)
    except ModelError as exc:
        raise model_failure(exc) from None
    day = today.date() if today is not None else date.today()  # type: ignore[attr-defined]
    target = output or input_csv.with_name(f"{input_csv.stem}-tiered.csv")
    if _same_file(target, input_csv):
        raise CliError(f"{target} is the input file: write the scores to another file with -o", 2)
    connector = LocalCsvConnector(input_csv, target, field_map=_pairs(field_map), encoding=encoding)
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
        raise CliError(str(exc), exit_code(exc)) from None
    click.echo(summary.render())
    how = "map its column with --field-map FIELD=HEADER"
    for note in [*report.notes, *coverage_notes(model, connector.layout().provided, how)]:
        click.echo(f"note: {note}", err=True)
    for failure in report.failures:
        click.echo(f"skipped {failure.account_id}: {failure.message}", err=True)
    click.echo(f"wrote {target} in {time.perf_counter() - started:.1f}s")


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
