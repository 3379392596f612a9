"""One canonical field table: headers of every export read as the same canonical fields."""

from __future__ import annotations

import pytest

from scoring import INPUT_FIELDS
from scoring.fields import BY_NAME, FIELDS, canonical_for, headers_for, map_headers
from scoring.parse import decimal_comma, parse_bool


def test_the_table_covers_every_input_field_in_order() -> None:
    assert tuple(f.name for f in FIELDS) == INPUT_FIELDS


def test_no_header_stands_for_two_fields() -> None:
    seen: dict[str, str] = {}
    for f in FIELDS:
        for header in (f.name, f.label, *f.aliases):
            owner = seen.setdefault(canonical_for(header) or "", f.name)
            assert owner == f.name, f"{header!r} is claimed by {owner} and {f.name}"


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Account Name", "name"),
        ("Customer", "is_customer"),
        ("Pipeline", "pipeline"),
        ("Last Activity", "last_activity_date"),
        ("Engagement", "engagement_score"),
        ("Record ID", "account_id"),
        ("Company name", "name"),
        ("Number of Employees", "employees"),
        ("Lifecycle Stage", "is_customer"),
        ("Last Activity Date", "last_activity_date"),
        ("Company owner", "owner"),
        ("Country/Region", "region"),
        ("Account Owner", "owner"),
        ("Billing State/Province", "region"),
        ("  ENGAGEMENT_SCORE ", "engagement_score"),
        ("Tier Override", "tier_override"),
        ("Health Status", "health"),
        ("Notes", None),
    ],
)
def test_headers_of_real_exports(header: str, field: str | None) -> None:
    assert canonical_for(header) == field


def test_an_explicit_map_wins_and_a_second_column_for_a_field_is_named() -> None:
    fields, notes = map_headers(
        ["Account ID", "Company", "Legal Name", "Account Name", "Notes"], {"name": "Legal Name"}
    )
    assert fields == ["account_id", None, "name", None, None]
    assert notes == [
        "column 'Company' is not used: 'Legal Name' already gives name",
        "column 'Account Name' is not used: 'Legal Name' already gives name",
    ]


def test_the_readable_label_comes_first() -> None:
    assert headers_for("last_activity_date")[0] == BY_NAME["last_activity_date"].label


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1,8", "1.8"), ("1.234,50", "1234.50"), ("1.234.567", "1234567"), ("42", "42")],
)
def test_decimal_commas(raw: str, expected: str) -> None:
    assert decimal_comma(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("customer", True), ("opportunity", False), ("lead", False), ("Customer - Direct", True)],
)
def test_lifecycle_stages_and_account_types_read_as_customer_flags(
    raw: str, expected: bool
) -> None:
    assert parse_bool(raw) is expected
