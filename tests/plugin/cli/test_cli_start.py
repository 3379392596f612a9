"""A fast start: `--version` and `score --help` load no heavy library; every command still loads."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from plugin.cli import COMMANDS, main
from plugin.cli.lazy import load
from plugin.cli.model import STORE_COMMANDS

#: Libraries only the commands that talk to a store, a system or the web may load.
HEAVY = (
    "sqlalchemy",
    "flask",
    "werkzeug",
    "gspread",
    "simple_salesforce",
    "apscheduler",
    "google.auth",
    "waitress",
    "requests",
)


def imported_modules(*args: str) -> set[str]:
    """Run `python -X importtime -m plugin.cli ARGS` and return every module it imported."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "plugin.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    names = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def heavy_in(modules: set[str]) -> list[str]:
    """Return the heavy libraries (or their submodules) among modules."""
    return sorted(m for m in modules for h in HEAVY if m == h or m.startswith(h + "."))


@pytest.mark.parametrize("args", [("--version",), ("score", "--help")])
def test_light_commands_import_no_heavy_library(args: tuple[str, ...]) -> None:
    modules = imported_modules(*args)
    assert "click" in modules  # the measurement works: it sees what was imported
    assert heavy_in(modules) == []


def test_a_store_command_does_load_sqlalchemy() -> None:
    # the other side of the coin: the lazy group still loads what a command needs
    assert "sqlalchemy" in imported_modules("db", "--help")


def test_every_command_name_loads_its_command() -> None:
    for name, target in {**COMMANDS, **STORE_COMMANDS}.items():
        command = load(target)
        assert isinstance(command, click.Command), name
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    for name in COMMANDS:
        assert f"  {name} " in result.output


def test_the_model_group_lists_its_store_commands_too() -> None:
    result = CliRunner().invoke(main, ["model", "--help"])
    assert result.exit_code == 0, result.output
    for name in ("export", "validate", "history", "rollback", "preview"):
        assert f"  {name} " in result.output


def test_an_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["sinc"])
    assert result.exit_code == 2
    assert "No such command 'sinc'" in result.output
