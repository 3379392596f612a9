"""Every file of the real-world corpus through the real `tiersync score` command line.

Each file is either scored exactly as tests/fixtures/realworld/README.md states, line by
line, or refused with one line that names the fix. Nothing is silently scored wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.plugin.realworld_helpers import (
    CORPUS,
    expected,
    key_column,
    read_output,
    run_score,
)

pytestmark = pytest.mark.slow

SCORED = [
    "excel_utf8_bom_crlf.csv",
    "excel_semicolon_eu.csv",
    "salesforce_report_export.csv",
    "hubspot_export.csv",
    "duplicates_blank_keys.csv",
    "bad_values.csv",
    "alias_headers.csv",
]


Scored = tuple[list[dict[str, str]], str, Path]


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Scored]:
    """Score a corpus file once per module (per option set) and share its output."""
    cache: dict[tuple[str, ...], Scored] = {}
    folder = tmp_path_factory.mktemp("scored")

    def score(file: str, *extra: str) -> Scored:
        if (file, *extra) not in cache:
            out = folder / f"{len(cache)}-{file}"
            done = run_score(str(CORPUS / file), "-o", str(out), *extra)
            assert done.returncode == 0, done.stderr
            delimiter = ";" if "semicolon" in file else ","
            cache[(file, *extra)] = (read_output(out, delimiter=delimiter), done.stderr, out)
        return cache[(file, *extra)]

    return score


@pytest.mark.parametrize("file", SCORED)
def test_each_account_comes_out_as_the_corpus_states(
    file: str, scored: Callable[..., Scored]
) -> None:
    rows, _, _ = scored(file)
    want = expected(file)
    got = {row[key_column(row)]: row for row in rows}
    # a repeated key: its first line is scored, the later ones skipped (see the test below)
    first_of_repeats = {"A-100"} if file == "duplicates_blank_keys.csv" else set()
    assert sorted(got) == sorted({*want, *first_of_repeats})  # no footer/blank/shifted row
    for key, w in want.items():
        row = got[key]
        score = float(row["score"].replace(",", "."))
        actual = (row["tier"], score, row["health"], row["next_action"])
        assert actual == (w.tier, w.score, w.health, w.next_action), f"line {w.line} {key}"
        for why in ("upgraded", "downgraded", "manual override"):
            if why in w.why:
                assert why in row["tier_change"], f"line {w.line}: {row['tier_change']}"


def test_windows_1252_is_refused_naming_the_line_and_the_fix(tmp_path: Path) -> None:
    done = run_score(str(CORPUS / "windows1252.csv"), "-o", str(tmp_path / "out.csv"))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "windows1252.csv is not UTF-8 (line 2)" in lines[0]
    assert "--encoding cp1252" in lines[0]
    assert not (tmp_path / "out.csv").exists()


def test_windows_1252_read_with_its_encoding_keeps_every_name(
    scored: Callable[..., Scored],
) -> None:
    rows, _, out = scored("windows1252.csv", "--encoding", "cp1252")
    want = expected("windows1252.csv")
    assert [r["name"] for r in rows] == [w.name for w in want.values()]
    assert [(r["tier"], float(r["score"])) for r in rows] == [
        (w.tier, w.score) for w in want.values()
    ]
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # Unicode with a BOM: Excel reads it right


def test_excel_bom_and_crlf_are_kept_on_output(scored: Callable[..., Scored]) -> None:
    _, _, out = scored("excel_utf8_bom_crlf.csv")
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfaccount_id,")
    assert data.count(b"\r\n") == data.count(b"\n") == 13


def test_semicolon_files_stay_semicolon_files_with_their_decimal_commas(
    scored: Callable[..., Scored],
) -> None:
    rows, _, out = scored("excel_semicolon_eu.csv")
    by_id = {r["account_id"]: r for r in rows}
    assert by_id["ACC-2001"]["intent_surge"] == "1,8"  # the cell as the user wrote it
    assert by_id["ACC-2001"]["score"] == "68,0"
    assert by_id["ACC-2003"]["name"] == "Dupont, Fils & Cie"
    assert "intent_surge 3.4" in by_id["ACC-2003"]["tier_change"]
    assert out.read_bytes().startswith(b"\xef\xbb\xbfaccount_id;name;")


def test_the_salesforce_report_footer_is_skipped_with_one_note(
    scored: Callable[..., Scored],
) -> None:
    _, stderr, _ = scored("salesforce_report_export.csv")
    assert "note: lines 14-20: report footer (totals and notices) skipped" in stderr
    assert "Grand Totals" not in stderr


def test_a_report_footer_whose_count_disagrees_refuses_the_file(tmp_path: Path) -> None:
    text = (CORPUS / "salesforce_report_export.csv").read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    cut = tmp_path / "cut.csv"
    cut.write_text("".join(lines[:5] + lines[6:]), encoding="utf-8")  # one account lost
    done = run_score(str(cut), "-o", str(tmp_path / "out.csv"))
    assert done.returncode == 2
    assert "line 14: the report counts 12 records but 11 rows came before it" in done.stderr
    assert not (tmp_path / "out.csv").exists()


def test_duplicates_blank_keys_and_shifted_rows_are_named_by_line(
    scored: Callable[..., Scored],
) -> None:
    rows, stderr, _ = scored("duplicates_blank_keys.csv")
    assert "skipped line 8: no account_id (Helix Health Systems)" in stderr
    assert "skipped line 9: 21 cells, header has 20" in stderr
    assert (
        "skipped lines 5 and 11: account_id 'A-100' again (first on line 2, scored there)" in stderr
    )
    assert "line 6" not in stderr  # an empty row is not news
    a100 = [r for r in rows if r["account_id"] == "A-100"]
    assert len(a100) == 1 and a100[0]["employees"] == "3400"  # the first occurrence
    assert (a100[0]["tier"], a100[0]["score"]) == ("Tier 2", "68.0")


def test_bad_values_are_each_named_once(scored: Callable[..., Scored]) -> None:
    rows, _, _ = scored("bad_values.csv")
    issues = {r["account_id"]: r["data_issues"] for r in rows}
    assert issues["B-002"] == "tech_fit: invalid ('Great' is not one of Strong, Moderate, Poor)"
    assert issues["B-003"] == "employees: invalid (-5 is negative)"
    assert issues["B-004"] == "engagement_score: invalid (150 is outside 0-100)"
    assert issues["B-005"] == "arr_potential: invalid ('abc' is not a number)"
    assert issues["B-007"] == "last_activity_date: invalid ('31/02/2026' is not a date)"
    assert issues["B-009"] == "intent_surge: invalid (-0.5 is negative)"
    hyperlink = next(r for r in rows if r["account_id"] == "B-008")
    assert hyperlink["name"] == '\'=HYPERLINK("http://x","y")'  # text, never a live formula


def test_alias_headers_are_read_and_unknown_columns_named_once(
    scored: Callable[..., Scored],
) -> None:
    rows, stderr, _ = scored("alias_headers.csv")
    assert stderr.count("note:") == 1 and "'Notes'" in stderr
    assert rows[2]["tier_change"].endswith(
        "downgraded Tier 1 → Tier 2: no activity since 2026-03-07 (180+ days)"
    )
    assert rows[8]["Notes"] == "Met at SaaStr.\nFollow up in Q1"  # one record, kept verbatim


def test_hubspot_record_ids_stay_text(scored: Callable[..., Scored]) -> None:
    rows, _, _ = scored("hubspot_export.csv")
    assert rows[0]["Record ID"] == "18234567201"
    assert all(r["data_issues"] == "" for r in rows)
