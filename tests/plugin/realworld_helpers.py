"""The real-world corpus: its files, the expected results its README states, the CLI runner."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "realworld"
TODAY = "2026-12-01"  # the date the corpus README's expectations are computed for


@dataclass(frozen=True)
class Expected:
    """One line of a corpus file as its README says it must come out."""

    line: int
    account_id: str
    name: str
    tier: str
    score: float
    health: str
    next_action: str
    why: str


def expected(file: str) -> dict[str, Expected]:
    """Return the README's expected results of a corpus file by account id."""
    text = (CORPUS / "README.md").read_text(encoding="utf-8")
    section = text.split(f"\n### {file}", 1)[1].split("\n### ", 1)[0]
    rows: dict[str, Expected] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 8 or not cells[0].isdigit():
            continue
        n, key, name, tier, score, health, action, why = cells
        rows[key] = Expected(int(n), key, name, tier, float(score), health, action, why)
    return rows


def run_score(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed command line (`python -m plugin.cli score ...`) as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "plugin.cli", "score", *args, "--today", TODAY],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        timeout=120,
    )


def read_output(
    path: Path, encoding: str = "utf-8-sig", delimiter: str = ","
) -> list[dict[str, str]]:
    """Return the rows of a scored output file."""
    with path.open(newline="", encoding=encoding) as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def key_column(row: dict[str, str]) -> str:
    """Return the name of the column holding the account id in an output row."""
    return next(h for h in row if re.sub(r"[^a-z]", "", h.lower()) in ("accountid", "recordid"))
