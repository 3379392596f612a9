"""`tiersync review`: the demotions waiting for the review date; approve or reject them."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import click

from plugin.cli.common import CONFIG_OPTION, CliError, config_from, guarded
from plugin.config import Config
from plugin.errors import EXIT_USAGE
from plugin.reporting import review_queue
from plugin.store import reviews
from plugin.store.database import Store
from plugin.wiring import open_sheet
from scoring.review import APPROVED, REJECTED

DAY = click.DateTime(["%Y-%m-%d"])


def register(main: click.Group) -> None:
    """Add the review group."""
    main.add_command(review)


def _who() -> str:
    return os.environ.get("USER") or os.environ.get("USERNAME") or "cli"


def _store(config: Config) -> Store:
    store = Store(config.store_url)
    guarded(store.upgrade)
    return store


@click.group(invoke_without_command=True)
@CONFIG_OPTION
@click.option("--today", type=DAY, help="The date to count the next review from.")
@click.option("--limit", default=50, show_default=True, help="Proposals to list.")
@click.option("--to-sheet", is_flag=True, help="Also write the Review tab of the sheet.")
@click.pass_context
def review(
    ctx: click.Context, config_path: Path | None, today: Any, limit: int, to_sheet: bool
) -> None:
    """List demotions waiting for the review date (approve or reject them by id)."""
    if ctx.invoked_subcommand is not None:
        return
    config = config_from(config_path)
    store = _store(config)
    try:
        queue = guarded(lambda: review_queue.load_queue(store, _day(today)))
    finally:
        store.dispose()
    click.echo(review_queue.render(queue, limit))
    if to_sheet or config.report.write_to_sheet:
        guarded(lambda: _to_sheet(config, review_queue.rows(queue)))
        click.echo("\nwrote the Review tab")


@review.command("approve")
@CONFIG_OPTION
@click.argument("item_id", type=int)
@click.option("--note", default="", help="Why (kept with the decision).")
@click.option("--today", type=DAY, help="Date of the decision (default: today).")
def approve(config_path: Path | None, item_id: int, note: str, today: Any) -> None:
    """Approve demotion ITEM_ID: it applies at the next sync instead of the review date."""
    item = _decide(config_path, item_id, APPROVED, note, today)
    click.echo(
        f"approved review {item.id}: {item.account_id} {item.from_tier} -> {item.to_tier}; "
        "it applies at the next sync (run `tiersync sync` to apply it now)"
    )


@review.command("reject")
@CONFIG_OPTION
@click.argument("item_id", type=int)
@click.option("--note", required=True, help="Why the account keeps its tier.")
@click.option("--today", type=DAY, help="Date of the decision (default: today).")
def reject(config_path: Path | None, item_id: int, note: str, today: Any) -> None:
    """Reject demotion ITEM_ID: the account keeps its tier through the next review."""
    item = _decide(config_path, item_id, REJECTED, note, today)
    click.echo(
        f"rejected review {item.id}: {item.account_id} stays {item.from_tier} through the "
        f"review of {item.due_on}"
    )


def _decide(
    config_path: Path | None, item_id: int, status: str, note: str, today: Any
) -> reviews.Item:
    config = config_from(config_path)
    store = _store(config)
    try:
        return reviews.decide_item(store, item_id, status, _day(today), _who(), note)
    except reviews.ReviewError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    finally:
        store.dispose()


def _day(value: Any) -> date:
    return value.date() if value is not None else date.today()


def _to_sheet(config: Config, rows: list[list[Any]]) -> None:
    if not config.sheets:
        raise CliError("the Review tab needs a [sheets] table in the config", EXIT_USAGE)
    open_sheet(config).status.write_review(rows)
