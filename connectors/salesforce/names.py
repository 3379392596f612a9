"""The shapes of Salesforce names and ids, checked before anything is sent (pure, no imports).

The one rule for a record id (15 or 18 characters) and for a field API name, shared by the
SOQL builders, the config and the webhook verification.
"""

from __future__ import annotations

import re

# One path segment: a standard or custom API name (Foo, Foo__c, ns__Foo__c, Owner.Name).
_SEGMENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}$")
_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")


def is_record_id(value: object) -> bool:
    """Return True for a 15- or 18-character Salesforce record id (the one rule for ids)."""
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def check_api_name(name: str) -> str:
    """Return name when it is a field API name or relationship path; raise ValueError otherwise."""
    parts = name.split(".")
    if len(parts) > 5 or not all(_SEGMENT.match(p) and "___" not in p for p in parts):
        raise ValueError(f"{name!r} is not a Salesforce field API name")
    return name


def check_id(value: str) -> str:
    """Return value when it has the 15/18-character id form; raise ValueError otherwise."""
    if not is_record_id(value):
        raise ValueError(f"{value!r} is not a Salesforce record id")
    return value
