"""`score` and `sync` say how many accounts Tier 1 capacity pushed to Tier 2."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from connectors.sample import write_sample_csv
from plugin.cli import main

LINE = re.compile(r"Tier 1 capacity 450 \(30 reps × 15\): ([\d,]+) accounts overflowed to Tier 2")


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # 3,000 accounts over 30 owners: more Tier 1 scores than 30 reps × 15 can hold
    return write_sample_csv(tmp_path_factory.mktemp("cap") / "book.csv", 3000)


def overflowed_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3000
    return sum(r["reason"].startswith("Tier 1 capacity reached") for r in rows)


def test_score_counts_the_overflow_it_wrote(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "scored.csv"
    result = CliRunner().invoke(main, ["score", str(book), "-o", str(out), "--today", "2026-11-01"])
    assert result.exit_code == 0, result.output
    found = LINE.search(result.output)
    assert found, result.output
    written = overflowed_rows(out)
    assert written > 0
    assert int(found.group(1).replace(",", "")) == written


def test_sync_counts_the_same_overflow(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiersync.toml").write_text(
        f'[local]\nsource = "{book}"\noutput = "out.csv"\n', encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["sync", "--today", "2026-11-01"])
    assert result.exit_code == 0, result.output
    found = LINE.search(result.output)
    assert found, result.output
    assert int(found.group(1).replace(",", "")) == overflowed_rows(tmp_path / "out.csv")
