"""`tiersync serve` and `tiersync worker`.

serve runs on waitress: a pure-Python production WSGI server that runs the same on Linux, macOS
and Windows, with a thread pool instead of forked workers, so one process holds one app, one
connection pool and (unless --no-worker) one inbox-draining thread. Put it behind a TLS proxy.
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path

import click
import waitress

from connectors.errors import ConfigError
from plugin.changes import worker as inbox_worker
from plugin.cli.common import CONFIG_OPTION, CliError, guarded
from plugin.config import Config, load_config
from plugin.errors import EXIT_USAGE
from plugin.store.database import Store
from plugin.web.app import create_app

TEMPLATE_NAME = "manifest.json"
HEADER_LIMIT = 64 * 1024  # Salesforce and Google send a few small headers


def _open(config_path: Path | None) -> tuple[Config, Store]:
    """Load the config and open the store, or exit with one line naming what to fix."""
    config = guarded(lambda: load_config(config_path))
    store = guarded(lambda: Store(config.store_url))
    guarded(store.upgrade)
    return config, store


def _start_worker(config: Config, store: Store, poll: float, batch: int) -> threading.Event:
    stop = threading.Event()
    thread = threading.Thread(
        target=inbox_worker.run_forever,
        args=(
            store,
            lambda: inbox_worker.id_connector(config),
            lambda: inbox_worker.current_scorer(config, store),
            stop,
        ),
        kwargs={"poll": poll, "batch_size": batch, "config": config},
        name="tiersync-inbox-worker",
        daemon=True,
    )
    thread.start()
    return stop


@click.command()
@CONFIG_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=16, show_default=True, type=click.IntRange(1, 256))
@click.option(
    "--worker/--no-worker",
    "with_worker",
    default=True,
    show_default=True,
    help="Drain the inbox in this process (use --no-worker with a separate `tiersync worker`).",
)
@click.option("--poll", default=1.0, show_default=True, help="Seconds between inbox polls.")
def serve(
    config_path: Path | None, host: str, port: int, threads: int, with_worker: bool, poll: float
) -> None:
    """Serve webhooks, the add-on backend and the dashboard on waitress."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = guarded(lambda: create_app({"TIERSYNC_CONFIG_PATH": config_path}))
    limit = app.config["MAX_CONTENT_LENGTH"]
    stop = _start_worker(*_open(config_path), poll, 200) if with_worker else None
    click.echo(f"tiersync serving on http://{host}:{port} ({threads} threads)", err=True)
    try:
        # waitress refuses bodies over the limit itself, before the app reads a byte (the
        # limit is max_body_bytes + 1: waitress refuses a body of exactly its limit).
        waitress.serve(
            app,
            host=host,
            port=port,
            threads=threads,
            max_request_body_size=limit,
            max_request_header_size=HEADER_LIMIT,
            ident="tiersync",
        )
    finally:
        if stop is not None:
            stop.set()


def watched(config: Config) -> list[str]:
    """Return what can put account ids in the inbox under this config (empty: nothing)."""
    settings = config.web
    found = []
    if settings.path_token and settings.org_id:
        found.append("Salesforce Outbound Messages")
    if settings.hmac_secret:
        found.append("signed callouts")
    return found


@click.command()
@CONFIG_OPTION
@click.option("--once", is_flag=True, help="Drain what is waiting, then exit.")
@click.option("--poll", default=1.0, show_default=True, help="Seconds between inbox polls.")
@click.option("--batch-size", default=200, show_default=True, type=click.IntRange(1, 2000))
def worker(config_path: Path | None, once: bool, poll: float, batch_size: int) -> None:
    """Drain the webhook inbox: re-read changed accounts, score them, write them back."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config, store = _open(config_path)
    if once:
        _drain_once(config, store, batch_size)
        return
    sources = watched(config)
    if not sources:
        raise CliError(
            "worker: nothing to watch: no webhook is enabled, so nothing can reach the inbox. "
            "Set TIERSYNC_WEBHOOK_SECRET (signed callouts) or TIERSYNC_WEBHOOK_PATH_TOKEN and "
            "webhooks.org_id (Outbound Messages) in the same environment as `tiersync serve`, "
            "or run `tiersync sync` on a schedule instead",
            EXIT_USAGE,
        )
    stop = threading.Event()
    # SIGTERM (systemd, docker stop) ends the loop after the current round, like Ctrl-C.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    system = "salesforce" if "salesforce" in config.sources else "the local source"
    click.echo(
        f"worker: watching the inbox of {store.engine.url.render_as_string(hide_password=True)} "
        f"every {poll:g}s for {', '.join(sources)}; changed accounts are re-read from {system}",
        err=True,
    )
    try:
        inbox_worker.run_forever(
            store,
            lambda: inbox_worker.id_connector(config),
            lambda: inbox_worker.current_scorer(config, store),
            stop,
            poll=poll,
            batch_size=batch_size,
            config=config,
        )
    except KeyboardInterrupt:
        stop.set()
    click.echo("worker stopped", err=True)


def _drain_once(config: Config, store: Store, batch_size: int) -> None:
    try:
        report = inbox_worker.drain(
            store,
            inbox_worker.id_connector(config),
            inbox_worker.current_scorer(config, store),
            batch_size=batch_size,
        )
    except ConfigError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    click.echo(
        f"{report.accounts} accounts in {report.batches} batches, {report.written} "
        f"written, {report.rejected} rejected, {report.failed_batches} failed batches"
    )
