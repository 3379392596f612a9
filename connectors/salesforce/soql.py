"""SOQL built from validated names and ids only: nothing from config or webhooks is pasted raw."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from simple_salesforce.format import format_soql

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


def soql_datetime(moment: datetime) -> str:
    """Format a datetime as a SOQL literal in UTC (naive values are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def changed_since(since: datetime | None, not_by: str | None = None) -> str:
    """Build the WHERE of an incremental read: changed after `since`, not by the given user.

    Writing outputs bumps SystemModstamp: leaving out the integration user's own changes keeps
    a run from re-reading what the previous run wrote, while a person's edit, made in the same
    second or not, is still read.
    """
    if since is None:
        return ""
    where = f" WHERE SystemModstamp > {soql_datetime(since)}"
    if not_by is not None:
        where += f" AND LastModifiedById != '{check_id(not_by)}'"
    return where


def select_accounts(
    fields: Sequence[str], since: datetime | None = None, not_by: str | None = None
) -> str:
    """Build the account read: the mapped fields, optionally only what changed after `since`."""
    names = ", ".join(check_api_name(f) for f in fields)
    return f"SELECT {names} FROM Account{changed_since(since, not_by)}"


def count_accounts(since: datetime | None = None, not_by: str | None = None) -> str:
    """Build the COUNT() query that decides between REST and Bulk 2.0."""
    return f"SELECT COUNT() FROM Account{changed_since(since, not_by)}"


def select_user(username: str) -> str:
    """Build the lookup of the integration user's id by username."""
    return format_soql("SELECT Id FROM User WHERE Username = {} LIMIT 1", username)


def select_by_ids(fields: Sequence[str], ids: Iterable[str]) -> str:
    """Build a read of the given accounts; every id is validated and quoted."""
    names = ", ".join(check_api_name(f) for f in fields)
    checked = [check_id(i) for i in ids]
    return format_soql(f"SELECT {names} FROM Account WHERE Id IN {{}}", checked)


def rollup_opportunities(ids: Iterable[str], amount_field: str = "Amount") -> str:
    """Build the aggregate query for open pipeline and won amount per account."""
    amount = check_api_name(amount_field)
    checked = [check_id(i) for i in ids]
    return format_soql(
        f"SELECT AccountId, IsWon, SUM({amount}) total FROM Opportunity "
        "WHERE AccountId IN {} AND (IsClosed = false OR IsWon = true) GROUP BY AccountId, IsWon",
        checked,
    )
