"""Pure helpers of the Sheets connector: A1 refs, headers, runs, conditions, config."""

from __future__ import annotations

import pytest

from connectors.errors import ConfigError
from connectors.sheets.conditions import ConditionError, format_conditions, parse_conditions
from connectors.sheets.connector import SheetsConfig
from connectors.sheets.grid import (
    cell_ref,
    column_letter,
    column_runs,
    key_text,
    read_table,
    same_value,
)
from connectors.sheets.layout import FIELD_HEADERS
from scoring import DEFAULT_MODEL, INPUT_FIELDS


@pytest.mark.parametrize(("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ")])
def test_column_letters(index: int, letters: str) -> None:
    assert column_letter(index) == letters


def test_cell_ref_quotes_titles_with_spaces() -> None:
    assert cell_ref("Weights", 4, 2) == "Weights!C4"
    assert cell_ref("Next Actions", 3, 1) == "'Next Actions'!B3"


def test_headers_match_case_and_space_insensitively_and_blank_rows_are_skipped() -> None:
    table = read_table("Accounts", [[], ["  ARR   potential ", "Account_ID"], [], ["1", "a"]])
    assert table.header_row == 2
    assert table.find("ARR Potential") == 0
    assert table.find("account id") == 1
    assert table.rows == ((4, ["1", "a"]),)


def test_key_text_reads_numbers_and_padding_alike() -> None:
    assert key_text(1042.0) == key_text(" 1042 ") == key_text(1042) == "1042"


def test_same_value_compares_numbers_by_value_and_text_trimmed() -> None:
    assert same_value(89, 89.0)
    assert same_value("Tier 1 ", "Tier 1")
    assert same_value("", None)
    assert not same_value("89.1", 89.0)
    assert not same_value("Tier 2", "Tier 1")


def test_column_runs_group_consecutive_rows_per_column() -> None:
    cells = {(2, 5): "a", (3, 5): "b", (7, 5): "c", (2, 6): 1.0}
    assert list(column_runs(cells)) == [(5, 2, ["a", "b"]), (5, 7, ["c"]), (6, 2, [1.0])]


@pytest.mark.parametrize(
    ("text", "when"),
    [
        (
            "tier = Tier 1, Tier 2; health = Critical",
            {"tier": ["Tier 1", "Tier 2"], "health": ["Critical"]},
        ),
        ("customer = yes; penetration < 50%", {"customer": True, "penetration_max": 0.5}),
        ("pipeline >= 1", {"pipeline_min": 1.0}),
        ("Prospect\npipeline >= $150,000", {"customer": False, "pipeline_min": 150000.0}),
        ("", {}),
        ("any", {}),
    ],
)
def test_conditions_parse(text: str, when: dict[str, object]) -> None:
    assert parse_conditions(text) == when


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("tier == Tier 1", "single '='"),
        ("penetration <= 50%", "'>=' or '<'"),
        ("owner = Ann", "unknown condition 'owner'"),
        ("customer = maybe", "customer = yes"),
        ("pipeline >= lots", "needs a number"),
        ("tier = A; tier = B", "given twice"),
        ("tier Tier 1", "cannot read"),
    ],
)
def test_bad_conditions_say_what_to_write(text: str, words: str) -> None:
    with pytest.raises(ConditionError, match=words.replace("(", r"\(")):
        parse_conditions(text)


def test_default_rules_round_trip_through_condition_text() -> None:
    for rule in DEFAULT_MODEL["next_actions"]:
        assert parse_conditions(format_conditions(rule["when"])) == {
            k: (float(v) if isinstance(v, int) and not isinstance(v, bool) else v)
            for k, v in rule["when"].items()
        }


def test_every_canonical_field_has_a_readable_header() -> None:
    assert set(FIELD_HEADERS) == set(INPUT_FIELDS)
    assert FIELD_HEADERS["arr_potential"] == "ARR Potential"


def test_config_defaults_and_overrides() -> None:
    config = SheetsConfig.from_mapping(
        {"spreadsheet_key": " abc ", "field_map": {"account_id": "SFDC Id"}},
        {"TIERSYNC_GOOGLE_SERVICE_ACCOUNT_FILE": "/keys/sa.json"},
    )
    assert config.spreadsheet_key == "abc"
    assert config.key_header == "SFDC Id"
    assert config.output_headers["health"] == "Health Status"
    assert config.field_map["employees"] == "Employees"
    assert config.service_account_file == "/keys/sa.json"
    assert config.required == ("account_id",)


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({}, "sheets.spreadsheet_key"),
        ({"spreadsheet_key": "k", "tab": "x"}, "sheets.tab"),
        ({"spreadsheet_key": "k", "field_map": {"nope": "X"}}, "sheets.field_map.nope"),
        ({"spreadsheet_key": "k", "output_headers": {"tier": ""}}, "sheets.output_headers.tier"),
        ({"spreadsheet_key": "k", "required": ["bogus"]}, "sheets.required"),
    ],
)
def test_config_errors_name_the_key(data: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        SheetsConfig.from_mapping(data, {})
