"""SOQL built from validated names and ids only: nothing from config or webhooks is pasted raw."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from simple_salesforce.format import format_soql

from connectors.salesforce.names import check_api_name, check_id


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
