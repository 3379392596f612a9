"""Safe output: never the input, one line for an unwritable path, nothing from a dry run.

A folder that cannot be written is made by putting a regular file where a folder should be:
that refuses everyone, root included, so the tests mean the same on every machine.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.plugin.realworld_helpers import CORPUS, TODAY, run_score

pytestmark = pytest.mark.slow


def tiersync(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "plugin.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        timeout=120,
    )


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_score_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    src = tmp_path / "book.csv"
    src.write_bytes((CORPUS / "bad_values.csv").read_bytes())
    before = src.read_bytes()
    done = run_score(str(src), "-o", str(tmp_path / "." / "book.csv"))
    assert done.returncode == 2
    assert "is the input file: write the scores to another file with -o" in one_line_error(done)
    assert src.read_bytes() == before


def test_score_names_an_unwritable_output(tmp_path: Path) -> None:
    (tmp_path / "reports").write_text("a file, not a folder")
    target = tmp_path / "reports" / "out.csv"
    done = run_score(str(CORPUS / "bad_values.csv"), "-o", str(target))
    assert one_line_error(done).startswith(f"Error: cannot write {target}: ")


def test_score_field_map_option_reads_a_renamed_column(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("Ref,Staff,Potential\nK1,12000,$500K\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    done = run_score(
        str(src), "-o", str(out),
        "--field-map", "account_id=Ref", "--field-map", "employees=staff",
        "--field-map", "arr_potential=Potential",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "50.0" in out.read_text(encoding="utf-8")  # 30% x 10 + 20% x 10
    assert "no column gives tech_fit (read by Technology Stack Fit)" in done.stderr
    bad = run_score(str(src), "-o", str(out), "--field-map", "employees")
    assert bad.returncode == 2 and "expected FIELD=HEADER" in bad.stderr


def test_sync_names_a_store_it_cannot_open(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file, not a folder")
    (tmp_path / "tiersync.toml").write_text('[store]\nurl = "sqlite:///data/tiersync.db"\n')
    line = one_line_error(tiersync("sync", "--today", TODAY, cwd=tmp_path))
    assert f"cannot open the store {tmp_path / 'data' / 'tiersync.db'}" in line
    assert "set [store] url" in line


def test_sync_names_an_output_it_cannot_write(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("a file, not a folder")
    (tmp_path / "tiersync.toml").write_text('[local]\noutput = "out/accounts.csv"\n')
    line = one_line_error(tiersync("sync", "--today", TODAY, cwd=tmp_path))
    assert f"cannot write {tmp_path / 'out' / 'accounts.csv'}" in line


def test_a_dry_run_creates_nothing(tmp_path: Path) -> None:
    done = tiersync("sync", "--dry-run", "--today", TODAY, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "DRY RUN" in done.stdout and "would write: 1300" in done.stdout
    assert list(tmp_path.iterdir()) == []  # no tiersync.db, no output folder
