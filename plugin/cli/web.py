"""`tiersync serve`, `tiersync worker` and `tiersync addon manifest`.

serve runs on waitress: a pure-Python production WSGI server that runs the same on Linux, macOS
and Windows, with a thread pool instead of forked workers, so one process holds one app, one
connection pool and (unless --no-worker) one inbox-draining thread. Put it behind a TLS proxy.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import click

from plugin.cli.common import guarded

if TYPE_CHECKING:
    from plugin.store.database import Store

TEMPLATE_NAME = "manifest.json"
HEADER_LIMIT = 64 * 1024  # Salesforce and Google send a few small headers


def register(main: click.Group) -> None:
    """Add the serve, worker and addon commands."""
    main.add_command(serve)
    main.add_command(worker)
    main.add_command(addon)


def _config_option(fn: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Config file (default: ./tiersync.toml, else the embedded default).",
    )(fn)


def _open_store(url: str) -> Store:
    from plugin.store.database import Store

    store = Store(url)
    store.upgrade()
    return store


def _start_worker(config_path: Path | None, poll: float, batch: int) -> threading.Event:
    from plugin.changes import worker as inbox_worker
    from plugin.config import load_config

    config = load_config(config_path)
    store = _open_store(config.store_url)
    stop = threading.Event()
    thread = threading.Thread(
        target=inbox_worker.run_forever,
        args=(
            store,
            lambda: inbox_worker.id_connector(config),
            lambda: inbox_worker.current_scorer(config, store),
            stop,
        ),
        kwargs={"poll": poll, "batch_size": batch},
        name="tiersync-inbox-worker",
        daemon=True,
    )
    thread.start()
    return stop


@click.command()
@_config_option
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
    import waitress

    from plugin.web.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = guarded(lambda: create_app({"TIERSYNC_CONFIG_PATH": config_path}))
    limit = app.config["MAX_CONTENT_LENGTH"]
    stop = guarded(lambda: _start_worker(config_path, poll, 200)) if with_worker else None
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


@click.command()
@_config_option
@click.option("--once", is_flag=True, help="Drain what is waiting, then exit.")
@click.option("--poll", default=1.0, show_default=True, help="Seconds between inbox polls.")
@click.option("--batch-size", default=200, show_default=True, type=click.IntRange(1, 2000))
def worker(config_path: Path | None, once: bool, poll: float, batch_size: int) -> None:
    """Drain the webhook inbox: re-read changed accounts, score them, write them back."""
    from plugin.changes import worker as inbox_worker
    from plugin.config import load_config

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = guarded(lambda: load_config(config_path))
    store = guarded(lambda: _open_store(config.store_url))
    if once:
        report = guarded(
            lambda: inbox_worker.drain(
                store,
                inbox_worker.id_connector(config),
                inbox_worker.current_scorer(config, store),
                batch_size=batch_size,
            )
        )
        click.echo(
            f"{report.accounts} accounts in {report.batches} batches, {report.written} "
            f"written, {report.rejected} rejected, {report.failed_batches} failed batches"
        )
        return
    stop = threading.Event()
    try:
        inbox_worker.run_forever(
            store,
            lambda: inbox_worker.id_connector(config),
            lambda: inbox_worker.current_scorer(config, store),
            stop,
            poll=poll,
            batch_size=batch_size,
        )
    except KeyboardInterrupt:
        stop.set()


@click.group()
def addon() -> None:
    """The Google Workspace add-on (Sheets sidebar)."""


def default_template() -> Path:
    """Return manifest.json from the working directory, else from the source checkout."""
    here = Path.cwd() / TEMPLATE_NAME
    return here if here.is_file() else Path(__file__).resolve().parents[2] / TEMPLATE_NAME


@addon.command("manifest")
@click.option("--base-url", required=True, help="Public HTTPS URL of `tiersync serve`.")
@click.option("--template", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def manifest(base_url: str, template: Path | None, output: Path | None) -> None:
    """Render the deployment descriptor with real endpoint URLs (for gcloud)."""
    from plugin.web.addon import render_manifest

    source = template or default_template()
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
        rendered = render_manifest(data, base_url)
    except OSError as exc:
        raise click.ClickException(f"cannot read {source}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    text = json.dumps(rendered, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
