"""The sample output in the README and docs/operations.md is what the commands print."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from plugin.cli import main

ROOT = Path(__file__).resolve().parents[3]
DURATION = re.compile(r"duration: [\d.]+s")


def block_starting(path: Path, first_line: str) -> list[str]:
    """Return the lines of the fenced block in path whose first line starts with first_line."""
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            if current is None:
                current = []
            else:
                blocks.append(current)
                current = None
        elif current is not None:
            current.append(line)
    found = [b for b in blocks if b and b[0].startswith(first_line)]
    assert found, f"{path.name} has no block starting {first_line!r}"
    return found[0]


@pytest.fixture
def synced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TIERSYNC_DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["sync", "--today", "2026-06-01"])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_the_readme_summary_is_what_sync_prints(synced: list[str]) -> None:
    shown = block_starting(ROOT / "README.md", "run 1: succeeded")
    assert [DURATION.sub("duration: -", line) for line in synced] == [
        DURATION.sub("duration: -", line) for line in shown
    ]


def test_the_operations_report_is_what_report_prints(synced: list[str]) -> None:
    shown = block_starting(ROOT / "docs" / "operations.md", "Performance by tier")
    printed = CliRunner().invoke(main, ["report"]).output.splitlines()
    start = printed.index("Performance by tier")
    assert printed[start : start + len(shown)] == shown
