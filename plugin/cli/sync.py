"""`tiersync sync`, `scheduler`, `report`, `runs` and `db upgrade`."""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy.engine import make_url

from connectors.local import SAMPLE_CSV
from plugin.cli.batch import batch_mode
from plugin.cli.common import CONFIG_OPTION, CliError, config_from, guarded
from plugin.cli.progress import Progress, estimate_rows
from plugin.config import Config
from plugin.errors import EXIT_FAILED
from plugin.reporting.reports import build_report, render_report, report_rows
from plugin.reporting.runs import render_failures, render_runs
from plugin.store import journal
from plugin.store.database import Store
from plugin.sync.run import run_sync
from plugin.sync.scheduler import serve
from plugin.wiring import open_sheet


def local_rows(config: Config) -> int | None:
    """Return the estimated rows of the local source when it is the only one (else None)."""
    # Other sources report their own total once read; a CSV is counted up front.
    if config.sources != ("local",):
        return None
    return estimate_rows(config.local.source or SAMPLE_CSV)


@click.command()
@CONFIG_OPTION
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Date for inactivity rules.")
def sync(config_path: Path | None, dry_run: bool, today: datetime | None) -> None:
    """Score every account and write back the tiers that changed, then print a summary."""
    config = config_from(config_path)
    day: date | None = today.date() if today is not None else None
    estimate = local_rows(config)
    store = _scratch_store(config) if dry_run else None
    with batch_mode(), Progress("scoring", enabled=False if dry_run else None) as bar:

        def draw(n: int, total: int | None) -> None:
            bar.reached(n, total or estimate)

        report = guarded(
            lambda: run_sync(config, store=store, dry_run=dry_run, progress=draw, today=day)
        )
    if store is not None:
        store.dispose()
    click.echo(report.summary)
    if dry_run and report.would_change:
        click.echo("\nwould change (first 50):")
        for account_id, before, after, fields in report.would_change:
            click.echo(f"  {account_id:<18} {before or 'new'} -> {after}  ({fields})")
    if report.status in ("failed", "interrupted", "partial"):
        raise SystemExit(EXIT_FAILED)


def _scratch_store(config: Config) -> Store | None:
    """Return an in-memory store when the SQLite file does not exist yet (else None).

    A dry run writes nothing, the store included: with no history yet there is nothing to
    compare against, and an empty store in memory says exactly that.
    """
    url = make_url(config.store_url)
    if url.get_backend_name() != "sqlite" or not url.database or Path(url.database).exists():
        return None
    return Store("sqlite://")


@click.command()
@CONFIG_OPTION
def scheduler(config_path: Path | None) -> None:
    """Run the nightly sync on the configured cron schedule until stopped (SIGTERM)."""
    config = config_from(config_path)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    def ready(job: Any) -> None:
        s = config.schedule
        click.echo(f"scheduler: '{s.cron}' in {s.timezone}; next run {job.next_run_time}")

    guarded(lambda: serve(config, ready=ready))
    click.echo("scheduler stopped")


@click.command()
@CONFIG_OPTION
@click.option(
    "--movements",
    default=20,
    show_default=True,
    type=click.IntRange(min=0),
    help="Tier movements to list (0: none).",
)
@click.option("--to-sheet", is_flag=True, help="Also write the Report tab of the sheet.")
def report(config_path: Path | None, movements: int, to_sheet: bool) -> None:
    """Print distribution vs target, rep capacity, tier movements and per-tier performance."""
    config = config_from(config_path)
    if (to_sheet or config.report.write_to_sheet) and not config.sheets:
        where = "--to-sheet" if to_sheet else "report.write_to_sheet"
        raise CliError(f"{where} needs a [sheets] table in the config (spreadsheet_key)", 2)
    data = guarded(lambda: build_report(config, movements=movements))
    click.echo(render_report(data, limit=movements))
    if to_sheet or config.report.write_to_sheet:
        guarded(lambda: _to_sheet(config, report_rows(data)))
        click.echo("\nwrote the Report tab")


def _to_sheet(config: Config, rows: list[list[Any]]) -> None:
    if not config.sheets:
        raise CliError("report.write_to_sheet needs a [sheets] table in the config")
    open_sheet(config).status.write_report(rows)


@click.command()
@CONFIG_OPTION
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--failures", "show_failures", is_flag=True, help="List the records still failing instead."
)
def runs(config_path: Path | None, limit: int, show_failures: bool) -> None:
    """Show the latest runs, or with --failures the records whose write still fails."""
    config = config_from(config_path)
    store = guarded(lambda: Store(config.store_url))
    guarded(store.upgrade)
    if show_failures:
        click.echo(render_failures(journal.open_failures(store)))
    else:
        click.echo(render_runs(journal.recent_runs(store, limit)))
    store.dispose()


@click.group()
def db() -> None:
    """Manage the store (SQLite file or PostgreSQL)."""


@db.command("upgrade")
@CONFIG_OPTION
def upgrade(config_path: Path | None) -> None:
    """Create or migrate the store's tables."""
    config = config_from(config_path)
    store = guarded(lambda: Store(config.store_url))
    version = guarded(store.upgrade)
    store.dispose()
    click.echo(f"store {store.engine.url.render_as_string(hide_password=True)}: schema v{version}")
