"""Lenient parsing of the values real CRMs and spreadsheets hold ("$500K", "1,200", "82/100")."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from scoring.errors import InvalidValue

_REMEMBERED = 4096  # distinct texts remembered per reader (a bounded cache)
_MISSING_WORDS = frozenset({"", "n/a", "na", "none", "null", "-", "--", "?", "unknown", "tbd"})
_SUFFIX = {"k": 1e3, "m": 1e6, "mm": 1e6, "b": 1e9, "bn": 1e9}
_NUMBER = re.compile(
    r"^([+-]?)\s*[$€£]?\s*([0-9][0-9,]*(?:\.[0-9]*)?|\.[0-9]+)\s*([a-z]{0,2})\s*%?$"
)
_RATIO = re.compile(r"^([0-9.]+)\s*/\s*([0-9.]+)$")
_PAREN_NOTE = re.compile(r"\s*\([^)]*\)\s*$")


def parse_number(value: Any) -> float | None:
    """Read a number leniently; None when missing; InvalidValue when present but unreadable."""
    if value is None:
        return None
    try:
        number = float(value)  # the common case: clean text or a number
    except (TypeError, ValueError):
        return _lenient_number(str(value).strip())
    if number - number != 0:  # NaN or infinity: nothing a score can use
        raise InvalidValue(f"{value!r} is not a finite number")
    return number


def _lenient_number(text: str) -> float | None:
    if not text:
        return None
    lowered = _PAREN_NOTE.sub("", text).strip().lower()
    if lowered in _MISSING_WORDS:
        return None
    ratio = _RATIO.match(lowered)
    if ratio:
        num, den = float(ratio.group(1)), float(ratio.group(2))
        if den == 0:
            raise InvalidValue(f"{text!r} divides by zero")
        return 100.0 * num / den
    match = _NUMBER.match(lowered)
    if not match:
        raise InvalidValue(f"{text!r} is not a number")
    sign, digits, suffix = match.groups()
    if suffix and suffix not in _SUFFIX:
        raise InvalidValue(f"{text!r} has an unknown unit {suffix!r}")
    number = float(digits.replace(",", "")) * _SUFFIX.get(suffix, 1.0)
    return -number if sign == "-" else number


# Lifecycle stages (HubSpot) and Salesforce account types count as yes/no answers too.
_TRUE = frozenset(
    {"true", "yes", "y", "1", "x", "customer", "t", "evangelist"}
    | {"customer - direct", "customer - channel"}
)
_FALSE = frozenset(
    {"false", "no", "n", "0", "prospect", "f", "lead", "subscriber", "opportunity"}
    | {"marketingqualifiedlead", "salesqualifiedlead", "marketing qualified lead"}
    | {"sales qualified lead"}
)


def decimal_comma(text: str) -> str:
    """Rewrite a number written with a decimal comma ('1,8', '1.234,50') with a decimal point."""
    if text.count(",") == 1:
        return text.replace(".", "").replace(",", ".")
    if "," not in text and text.count(".") > 1:  # '1.234.567': dots group thousands
        return text.replace(".", "")
    return text


def parse_bool(value: Any) -> bool | None:
    """Read a yes/no value leniently; None when missing; InvalidValue when unreadable."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if type(value) is str:
        return _bool_text(value)
    return _yes_no(str(value), value)


@lru_cache(maxsize=_REMEMBERED)
def _bool_text(value: str) -> bool | None:
    # remembered: a yes/no column holds a handful of spellings across a whole book
    return _yes_no(value, value)


def _yes_no(raw: str, value: Any) -> bool | None:
    text = raw.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if text in _MISSING_WORDS:
        return None
    raise InvalidValue(f"{value!r} is not yes/no")


_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def parse_date(value: Any) -> date | None:
    """Read a date (ISO, ISO datetime as Salesforce sends it, or m/d/Y); None when missing."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if type(value) is str:
        return _date_text(value)
    return _date_of(str(value), value)


@lru_cache(maxsize=_REMEMBERED)
def _date_text(value: str) -> date | None:
    # remembered: a book's activity dates repeat (a few hundred days for many accounts)
    return _date_of(value, value)


def _date_of(raw: str, value: Any) -> date | None:
    text = raw.strip()
    if text.lower() in _MISSING_WORDS:
        return None
    if len(text) > 10 and text[4:5] == "-" and text[10:11] in ("T", " "):
        text = text[:10]
    if _ISO_DATE.match(text):  # the usual spelling, read ~20x faster than strptime
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass  # e.g. 2026-02-30: the formats below refuse it too, with the same message
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise InvalidValue(f"{value!r} is not a date")


def parse_text(value: Any) -> str | None:
    """Read a text value; blank and placeholder words are missing."""
    if value is None:
        return None
    text = str(value).strip()
    return None if text.lower() in _MISSING_WORDS else text
