"""Errors of the running product, one root, named by what the caller should do.

The CLI turns them into exit codes in one place (`exit_code`): 0 ok, 1 the run failed or was
partial, 2 usage or configuration (fix and re-run). Errors of the connectors and of the scoring
core keep their own roots; a configuration error from any of them is a 2.
"""

from __future__ import annotations

from datetime import datetime

from connectors.errors import ConfigError as ConnectorConfigError
from connectors.errors import ConnectorError
from scoring import ModelError, ScoringError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class PluginError(Exception):
    """Root of every error the running product raises itself."""


class ConfigError(PluginError, ConnectorConfigError):
    """The configuration is wrong: fix the named key and re-run (exit 2)."""


class LockHeld(PluginError):
    """Another sync holds the run lock: wait for it, or for its lock to expire (exit 1)."""

    def __init__(self, holder: str | None, since: datetime | None = None) -> None:
        self.holder = holder
        when = f" (since {since:%Y-%m-%d %H:%M:%S} UTC)" if since is not None else ""
        super().__init__(f"another sync is running: {holder or '?'}{when}")


class Interrupted(PluginError):
    """A stop was requested or the lock was lost: the run ends at a batch boundary."""


class StoreError(PluginError):
    """The store cannot be opened or migrated: the message names the URL (without password)."""


class StoreConfigError(StoreError, ConfigError):
    """The store URL needs what is not there (a driver): fix the set-up and re-run (exit 2)."""


def exit_code(exc: BaseException) -> int:
    """Return the CLI exit code for an error: 2 for configuration, 1 for anything else."""
    if isinstance(exc, ConnectorConfigError | ModelError):
        return EXIT_USAGE
    if isinstance(exc, PluginError | ConnectorError | ScoringError):
        return EXIT_FAILED
    return EXIT_FAILED
