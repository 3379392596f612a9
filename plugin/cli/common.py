"""What every command shares: the --config option and one way to turn errors into exit codes.

Exit codes (also in the README): 0 ok; 1 the run failed or was partial; 2 usage or
configuration — fix what the message names and re-run.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from connectors.errors import ConnectorError
from plugin.config import Config, load_config
from plugin.config.urls import first_line
from plugin.errors import EXIT_FAILED, LockHeld, PluginError, exit_code
from scoring import ModelError, ScoringError

T = TypeVar("T")
CONFIG_OPTION = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file (default: ./tiersync.toml, else the embedded default).",
)


class CliError(click.ClickException):
    """A one-line error with the exit code its cause calls for (no traceback)."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.exit_code = code  # type: ignore[misc]  # click reads it per instance


def model_failure(exc: ModelError) -> CliError:
    """Return the CLI error listing every issue of an invalid model (exit 2)."""
    lines = "\n".join(f"  {issue}" for issue in exc.issues)
    return CliError(f"the scoring model is invalid:\n{lines}", exit_code(exc))


def guarded(fn: Callable[[], T]) -> T:
    """Run fn, turning the errors a manager can act on into one-line CLI errors."""
    try:
        return fn()
    except ModelError as exc:
        raise model_failure(exc) from None
    except LockHeld as exc:
        raise CliError(f"{exc}; try again when it has finished") from None
    except (PluginError, ConnectorError, ScoringError) as exc:
        raise CliError(str(exc), exit_code(exc)) from None
    except OSError as exc:  # a full disk, a read-only directory: one line, no traceback
        where = f"{exc.filename}: " if exc.filename else ""
        raise CliError(f"{where}{exc.strerror or exc}") from None
    except Exception as exc:
        if not is_store_error(exc):
            raise
        raise CliError(f"the store is not usable: {first_line(exc)}") from None


def is_store_error(exc: BaseException) -> bool:
    """Return True for a SQLAlchemy error (the store's), without importing SQLAlchemy."""
    # Only a command that opened the store can raise one, and that command loaded SQLAlchemy;
    # looking it up here keeps `tiersync score` and `--version` from importing it.
    errors = sys.modules.get("sqlalchemy.exc")
    return errors is not None and isinstance(exc, errors.SQLAlchemyError)


def config_from(path: Path | None) -> Config:
    """Load the config or exit 2 with the key to fix."""
    return guarded(lambda: load_config(path))
