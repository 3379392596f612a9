"""The local CSV connector: streams in and out, keeps columns, never loses a row."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from connectors.errors import ConfigError
from connectors.local import SAMPLE_CSV, LocalCsvConnector
from scoring import DEFAULT_MODEL, Scorer, load_model

SCORER = Scorer(load_model(DEFAULT_MODEL))


def write_csv(path: Path, rows: list[list[str]], bom: bool = False) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def run(connector: LocalCsvConnector) -> list[dict[str, str]]:
    report = connector.write_results((r, SCORER.score(r)) for r in connector.iter_accounts())
    assert connector.output is not None
    with connector.output.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert report.written + report.unchanged == len(rows)
    return rows


def test_output_keeps_every_input_column_in_order_and_adds_outputs(tmp_path: Path) -> None:
    src = write_csv(
        tmp_path / "in.csv",
        [
            ["Notes", "account_id", "employees", "arr_potential", "industry", "Region Code"],
            ["vip", "A1", "12000", "$500K", "Banking", "EU-1"],
            ["", "A2", "40", "9000", "Retail", "US-2"],
        ],
    )
    rows = run(LocalCsvConnector(src, tmp_path / "out.csv"))
    assert list(rows[0]) == [
        "Notes", "account_id", "employees", "arr_potential", "industry", "Region Code",
        "tier", "score", "health", "next_action", "reason", "data_issues", "tier_change",
        "campaign_track",
    ]  # fmt: skip
    assert [(r["account_id"], r["Notes"], r["Region Code"]) for r in rows] == [
        ("A1", "vip", "EU-1"),
        ("A2", "", "US-2"),
    ]
    assert rows[0]["score"] == "65.0"  # 30*10 + 20*10 + 15*10 = 650
    assert rows[0]["tier"] == "Tier 2"


def test_text_in_numeric_columns_still_gives_a_row_with_data_issues(tmp_path: Path) -> None:
    src = write_csv(
        tmp_path / "in.csv",
        [["account_id", "employees", "arr_potential"], ["A1", "lots", "about a million"]],
    )
    (row,) = run(LocalCsvConnector(src, tmp_path / "out.csv"))
    assert "employees: invalid ('lots' is not a number)" in row["data_issues"]
    assert "arr_potential: invalid ('about a million' is not a number)" in row["data_issues"]
    assert row["tier"] == "Tier 4"


def test_rows_without_an_id_are_skipped_and_reported(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "in.csv", [["account_id", "employees"], ["", "5"], ["A2", "6"]])
    connector = LocalCsvConnector(src, tmp_path / "out.csv")
    report = connector.write_results((r, SCORER.score(r)) for r in connector.iter_accounts())
    assert [f.account_id for f in report.skipped] == ["line 2"] and report.failures == []
    assert report.written == 1


def test_field_map_renames_headers_case_and_space_insensitively(tmp_path: Path) -> None:
    src = write_csv(
        tmp_path / "in.csv", [["Account ID", " Head Count "], ["A1", "12000"]], bom=True
    )
    connector = LocalCsvConnector(
        src, tmp_path / "out.csv", field_map={"account_id": "account id", "employees": "head count"}
    )
    (record,) = list(connector.iter_accounts())
    assert (record.account_id, record.get("employees")) == ("A1", "12000")
    (row,) = run(connector)
    assert row["Account ID"] == "A1"  # the header is written back as the file had it


def test_previous_outputs_feed_reassessment_and_unchanged_rows_count(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    src = write_csv(tmp_path / "in.csv", [["account_id", "employees"], ["A1", "12000"]])
    run(LocalCsvConnector(src, out))
    again = LocalCsvConnector(out, tmp_path / "again.csv")
    (record,) = list(again.iter_accounts())
    assert record.current.tier == "Tier 4"
    report = again.write_results((r, SCORER.score(r)) for r in again.iter_accounts())
    assert (report.written, report.unchanged) == (0, 1)


def test_in_place_rewrite(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "book.csv", [["account_id", "employees"], ["A1", "12000"]])
    rows = run(LocalCsvConnector(src, src))
    assert rows[0]["tier"] == "Tier 4"


def test_a_failure_mid_write_leaves_the_previous_output_intact(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "in.csv", [["account_id"], ["A1"], ["A2"]])
    out = tmp_path / "out.csv"
    out.write_text("previous good output\n")

    def exploding():
        for i, record in enumerate(LocalCsvConnector(src).iter_accounts()):
            if i == 1:
                raise RuntimeError("disk on fire")
            yield record, SCORER.score(record)

    with pytest.raises(RuntimeError):
        LocalCsvConnector(src, out).write_results(exploding())
    assert out.read_text() == "previous good output\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    src = write_csv(
        tmp_path / "in.csv", [["account_id", "name"], ["A1", '=HYPERLINK("x")'], ["A2", "-5"]]
    )
    rows = run(LocalCsvConnector(src, tmp_path / "out.csv"))
    assert rows[0]["name"] == '\'=HYPERLINK("x")'
    assert rows[1]["name"] == "-5"  # a plain negative number is not a formula


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("", "is empty"),
        ("name,employees\nx,1\n", "has no 'account_id' column"),
        (
            b"account_id,name\nA1,\xe9t\xe9\n",
            r"in.csv is not UTF-8 \(line 2\): re-run with --encoding",
        ),
    ],
)
def test_unreadable_sources_raise_a_config_error(
    tmp_path: Path, content: str | bytes | None, message: str
) -> None:
    src = tmp_path / "in.csv"
    if isinstance(content, bytes):
        src.write_bytes(content)
    elif content is not None:
        src.write_text(content)
    with pytest.raises(ConfigError, match=message):
        LocalCsvConnector(src).check()


def test_the_bundled_sample_is_a_realistic_book() -> None:
    records = list(LocalCsvConnector().iter_accounts())
    assert len(records) == 1300
    assert len({r.account_id for r in records}) == 1300
    assert SAMPLE_CSV.is_file()
    tiers = {SCORER.score(r).tier for r in records}
    assert tiers == {"Tier 1", "Tier 2", "Tier 3", "Tier 4"}


def test_a_new_output_file_is_private_and_an_existing_one_keeps_its_mode(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "in.csv", [["account_id"], ["A1"]])
    out = tmp_path / "out.csv"
    umask = os.umask(0o022)
    try:
        run(LocalCsvConnector(src, out))
        assert out.stat().st_mode & 0o777 == 0o600  # the book is nobody else's business
        out.chmod(0o640)
        run(LocalCsvConnector(src, out))
        assert out.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(umask)


def test_an_unknown_encoding_is_named(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "in.csv", [["account_id"], ["A1"]])
    with pytest.raises(ConfigError, match="unknown encoding 'cp9999'"):
        LocalCsvConnector(src, encoding="cp9999").check()


def test_the_hints_name_the_fix_where_the_file_was_configured(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(b"Ref,name\nA1,Soci\xe9t\xe9\n")
    config_hints = {
        "encoding_hint": 'set encoding = "cp1252" in the [local] table',
        "map_hint": "map it in the [local] table: field_map.{field} = '{header}'",
    }
    with pytest.raises(ConfigError, match=r'line 2\): set encoding = "cp1252" in the \[local\]'):
        list(LocalCsvConnector(src, encoding=None, **config_hints).iter_accounts())
    with pytest.raises(
        ConfigError, match=r"no 'account_id' column .* field_map.account_id = 'Ref'"
    ):
        LocalCsvConnector(src, encoding="cp1252", **config_hints).check()
    (record,) = LocalCsvConnector(
        src, encoding="cp1252", field_map={"account_id": "Ref"}
    ).iter_accounts()
    assert record.get("name") == "Société"


def test_temp_files_of_a_killed_write_are_removed_by_the_next_write(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "in.csv", [["account_id"], ["A1"]])
    out = tmp_path / "out.csv"
    left = [tmp_path / ".out.csv.k1ll3d_x", tmp_path / ".out.csv.abcd1234"]
    for path in left:  # what mkstemp had created when the process was killed mid-write
        path.write_text("account_id\nA", encoding="utf-8")
    unrelated = [tmp_path / ".out.csv.notes.txt", tmp_path / ".other.csv.abcd1234"]
    for path in unrelated:
        path.write_text("keep", encoding="utf-8")
    run(LocalCsvConnector(src, out))
    assert not any(p.exists() for p in left)
    assert all(p.exists() for p in unrelated)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [".other.csv.abcd1234", ".out.csv.notes.txt", "in.csv", "out.csv"]
    )
