"""`tiersync sync`, `scheduler`, `report`, `runs` and `db upgrade`."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import click

from plugin.cli.common import CONFIG_OPTION, CliError, config_from, guarded
from plugin.config import Config


def register(main: click.Group) -> None:
    """Add sync, scheduler, report, runs and db."""
    for command in (sync, scheduler, report, runs, db):
        main.add_command(command)


@contextlib.contextmanager
def progress_bar(enabled: bool) -> Iterator[Callable[[int, int | None], None] | None]:
    """Yield a progress callback drawing on stderr (None when not a terminal)."""
    if not enabled:
        yield None
        return
    last = [0.0]

    def draw(n: int, total: int | None) -> None:
        now = time.monotonic()
        if now - last[0] < 0.2 and n != total:
            return
        last[0] = now
        if total:
            filled = int(30 * n / total)
            bar = "#" * filled + "-" * (30 - filled)
            click.echo(f"\r[{bar}] {n:,}/{total:,}", nl=False, err=True)
        else:
            click.echo(f"\rscored {n:,} accounts", nl=False, err=True)

    try:
        yield draw
    finally:
        click.echo("\r" + " " * 60 + "\r", nl=False, err=True)


@click.command()
@CONFIG_OPTION
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Date for inactivity rules.")
def sync(config_path: Path | None, dry_run: bool, today: Any) -> None:
    """Score every account and write back the tiers that changed, then print a summary."""
    from plugin.sync.run import run_sync

    config = config_from(config_path)
    day: date | None = today.date() if today is not None else None
    store = _scratch_store(config) if dry_run else None
    with progress_bar(sys.stderr.isatty() and not dry_run) as draw:
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
    if report.status in ("failed", "interrupted"):
        raise SystemExit(1)


def _scratch_store(config: Config) -> Any:
    """Return an in-memory store when the SQLite file does not exist yet (else None).

    A dry run writes nothing, the store included: with no history yet there is nothing to
    compare against, and an empty store in memory says exactly that.
    """
    from sqlalchemy.engine import make_url

    from plugin.store.database import Store

    url = make_url(config.store_url)
    if url.get_backend_name() != "sqlite" or not url.database or Path(url.database).exists():
        return None
    return Store("sqlite://")


@click.command()
@CONFIG_OPTION
def scheduler(config_path: Path | None) -> None:
    """Run the nightly sync on the configured cron schedule until stopped (SIGTERM)."""
    from plugin.sync.scheduler import serve

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
    from plugin.reporting.reports import build_report, render_report, report_rows

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
    from plugin.wiring import open_connector

    if not config.sheets:
        raise CliError("report.write_to_sheet needs a [sheets] table in the config")
    sheet = open_connector("sheets", config)
    writer = getattr(sheet, "write_report", None)
    if writer is None:
        raise CliError("this version of the Sheets connector cannot write a Report tab")
    writer(rows)


@click.command()
@CONFIG_OPTION
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--failures", "show_failures", is_flag=True, help="List the records still failing instead."
)
def runs(config_path: Path | None, limit: int, show_failures: bool) -> None:
    """Show the latest runs, or with --failures the records whose write still fails."""
    from plugin.reporting.runs import render_failures, render_runs
    from plugin.store import ledger
    from plugin.store.database import Store

    config = config_from(config_path)
    store = Store(config.store_url)
    guarded(store.upgrade)
    if show_failures:
        click.echo(render_failures(ledger.open_failures(store)))
    else:
        click.echo(render_runs(ledger.recent_runs(store, limit)))
    store.dispose()


@click.group()
def db() -> None:
    """Manage the store (SQLite file or PostgreSQL)."""


@db.command("upgrade")
@CONFIG_OPTION
def upgrade(config_path: Path | None) -> None:
    """Create or migrate the store's tables."""
    from plugin.store.database import Store

    config = config_from(config_path)
    store = Store(config.store_url)
    version = guarded(store.upgrade)
    store.dispose()
    click.echo(f"store {store.engine.url.render_as_string(hide_password=True)}: schema v{version}")
