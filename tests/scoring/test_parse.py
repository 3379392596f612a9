"""Lenient parsing of values as real CRMs and spreadsheets hold them."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from scoring.errors import InvalidValue
from scoring.parse import parse_bool, parse_date, parse_number, parse_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("$500K", 500_000.0),
        ("1,200", 1200.0),
        ("1.2M", 1_200_000.0),
        ("500000.00", 500_000.0),
        ("$1.5mm", 1_500_000.0),
        ("2B", 2e9),
        (" 42 ", 42.0),
        ("82/100", 82.0),
        ("$120K (customer)", 120_000.0),
        ("$0 (prospect)", 0.0),
        ("€75k", 75_000.0),
        ("-3", -3.0),
        ("12%", 12.0),
        (7, 7.0),
        (2.5, 2.5),
        ("", None),
        ("   ", None),
        ("N/A", None),
        (None, None),
        ("unknown", None),
    ],
)
def test_parse_number(raw: object, expected: float | None) -> None:
    assert parse_number(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "12 apples", "5x", "1/0", "$", "1.2.3", "nan", "inf"])
def test_parse_number_rejects_garbage_with_a_reason(raw: str) -> None:
    with pytest.raises(InvalidValue, match=repr(raw).replace("$", r"\$").replace(".", r"\.")):
        parse_number(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("yes", True), ("TRUE", True), ("customer", True), ("no", False), ("0", False),
     ("prospect", False), ("", None), (None, None), (True, True), (0, False)],
)  # fmt: skip
def test_parse_bool(raw: object, expected: bool | None) -> None:
    assert parse_bool(raw) is expected


def test_parse_bool_rejects_garbage() -> None:
    with pytest.raises(InvalidValue, match="not yes/no"):
        parse_bool("maybe")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-05-01", date(2026, 5, 1)),
        ("2026-05-01T10:22:03.000+0000", date(2026, 5, 1)),  # Salesforce datetime
        ("05/01/2026", date(2026, 5, 1)),
        ("2026-5-1", date(2026, 5, 1)),  # not the usual spelling: strptime still reads it
        (datetime(2026, 5, 1, 8), date(2026, 5, 1)),
        ("", None),
    ],
)
def test_parse_date(raw: object, expected: date | None) -> None:
    assert parse_date(raw) == expected


def test_parse_date_rejects_garbage() -> None:
    with pytest.raises(InvalidValue, match="not a date"):
        parse_date("last tuesday")


@pytest.mark.parametrize("raw", ["2026-02-30", "2026-13-01", "0000-01-01"])
def test_parse_date_rejects_impossible_iso_dates_by_name(raw: str) -> None:
    with pytest.raises(InvalidValue, match=f"'{raw}' is not a date"):
        parse_date(raw)


def test_parse_text_treats_placeholders_as_missing() -> None:
    assert parse_text("  Strong ") == "Strong"
    assert parse_text("n/a") is None
