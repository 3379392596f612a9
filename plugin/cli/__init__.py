"""The `tiersync` command line: one click group whose commands load on first use."""

from __future__ import annotations

import sys

import click

from plugin.cli.lazy import LazyGroup

#: Command name -> 'module:attribute'; a module is imported only when its command runs.
COMMANDS = {
    "score": "plugin.cli.score:score",
    "model": "plugin.cli.model:model",
    "sync": "plugin.cli.sync:sync",
    "scheduler": "plugin.cli.sync:scheduler",
    "report": "plugin.cli.sync:report",
    "runs": "plugin.cli.sync:runs",
    "db": "plugin.cli.sync:db",
    "check": "plugin.cli.check:check",
    "review": "plugin.cli.review:review",
    "sheets": "plugin.cli.sheets:sheets",
    "salesforce": "plugin.cli.salesforce:salesforce",
    "serve": "plugin.cli.web:serve",
    "worker": "plugin.cli.web:worker",
    "addon": "plugin.cli.addon:addon",
}


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="tiersync")
def main() -> None:
    """Tier B2B accounts and write Tier, Score, Health and Next Action back to your systems."""


if __name__ == "__main__":
    sys.exit(main())
