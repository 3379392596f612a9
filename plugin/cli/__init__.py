"""The `tiersync` command line: one click group, commands registered per concern."""

from __future__ import annotations

import importlib
import sys

import click

#: Command modules, registered in this order (later ones may add to earlier groups).
COMMAND_MODULES = (
    "plugin.cli.score",
    "plugin.cli.model",
    "plugin.cli.sync",
    "plugin.cli.versions",
    "plugin.cli.review",
    "plugin.cli.backtest",
    "plugin.cli.sheets",
    "plugin.cli.web",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tiersync")
def main() -> None:
    """Tier B2B accounts and write Tier, Score, Health and Next Action back to your systems."""


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a real missing dependency, not an absent command module
                raise
            continue
        module.register(main)


_register_all()

if __name__ == "__main__":
    sys.exit(main())
