"""The progress bar of `score` and `sync`: total and time left on a terminal, nothing in a pipe."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from connectors.local import SAMPLE_CSV
from connectors.sample import write_sample_csv
from plugin.cli.progress import Progress, estimate_rows
from tests.plugin.cli_helpers import run_on_terminal, run_tiersync

ETA = re.compile(r"\b\d\d:\d\d:\d\d\b")
ROWS = 100_000


class Terminal(io.StringIO):
    """A text buffer that says it is a terminal, so click draws the bar into it."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Big enough that scoring takes over a second: click shows the time left after one.
    return write_sample_csv(tmp_path_factory.mktemp("book") / "book.csv", ROWS)


@pytest.mark.slow
def test_score_on_a_terminal_draws_the_total_and_the_time_left(book: Path) -> None:
    code, output = run_on_terminal(["score", str(book), "--today", "2026-11-01"], book.parent)
    assert code == 0, output
    # one reading pass over every row scores them; capacity is ranked afterwards
    assert f"/{ROWS}" in output
    assert ETA.search(output), output[-2000:]
    assert f"{ROWS}/{ROWS}" in output
    assert f"accounts: {ROWS}" in output


@pytest.mark.slow
def test_score_in_a_pipe_prints_no_bar(tmp_path: Path) -> None:
    done = run_tiersync(["score", str(SAMPLE_CSV), "-o", str(tmp_path / "out.csv")], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "accounts: 1300" in done.stdout


@pytest.mark.slow
def test_sync_on_a_terminal_draws_the_sample_total(tmp_path: Path) -> None:
    code, output = run_on_terminal(["sync", "--today", "2026-06-01"], tmp_path)
    assert code == 0, output
    assert "1300/1300" in output
    assert "run 1: succeeded" in output


def test_line_count_is_the_row_estimate(tmp_path: Path) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_text("account_id,name\nA1,One\nA2,Two\nA3,Three", encoding="utf-8")
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('account_id,name\nA1,"two\nlines"\n', encoding="utf-8")
    assert estimate_rows(plain) == 3
    assert estimate_rows(quoted) == 2  # an estimate: a line break inside a cell counts
    assert estimate_rows(tmp_path / "absent.csv") is None


def test_a_low_estimate_grows_the_bar_instead_of_overflowing() -> None:
    screen = Terminal()
    with Progress("scoring", file=screen) as bar:
        bar.advance(5, 4)
    assert "5/5" in screen.getvalue()


def test_sources_read_one_after_another_add_up() -> None:
    screen = Terminal()
    with Progress("scoring", file=screen) as bar:
        for n in (0, 500, 1000):
            bar.reached(n, 1000)
        bar.reached(-1, None)  # the store's bookkeeping ticks carry no position
        bar.reached(200, 1000)
    assert bar.position == 1200
    assert "1200/2000" in screen.getvalue()


def test_without_a_terminal_nothing_is_drawn() -> None:
    screen = io.StringIO()
    with Progress("scoring", file=screen) as bar:
        bar.advance(10, 10)
    assert screen.getvalue() == ""


def test_without_a_total_only_the_count_is_shown() -> None:
    screen = Terminal()
    with Progress("scoring", file=screen) as bar:
        bar.advance(1500, None)
    assert "scoring 1,500" in screen.getvalue()
    assert not ETA.search(screen.getvalue())
