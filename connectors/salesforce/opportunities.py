"""Reading Opportunities for the model backtest: AccountId, Amount, won/lost and dates."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any

from connectors.errors import ConfigError
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.read import rest_pages
from connectors.salesforce.soql import soql_datetime
from scoring.performance import Opportunity

FIELDS = ("Id", "AccountId", "Amount", "IsClosed", "IsWon", "CreatedDate", "CloseDate")


def select_opportunities(since: date | None = None) -> str:
    """Build the Opportunity read: every opportunity of an account, created since a day."""
    where = "AccountId != null"
    if since is not None:
        where += (
            f" AND CreatedDate >= {soql_datetime(datetime(since.year, since.month, since.day))}"
        )
    return f"SELECT {', '.join(FIELDS)} FROM Opportunity WHERE {where} ORDER BY CreatedDate"


def to_opportunity(row: Mapping[str, Any]) -> Opportunity:
    """Turn one Opportunity row into the backtest's record (open ones have no close date)."""
    try:
        created = datetime.fromisoformat(str(row["CreatedDate"])).date()
        closed = bool(row["IsClosed"])
        close_date = date.fromisoformat(str(row["CloseDate"])) if closed else None
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"Opportunity {row.get('Id')}: unreadable date ({exc})") from None
    return Opportunity(
        account_id=str(row["AccountId"]),
        created_on=created,
        closed_on=close_date,
        won=bool(row["IsWon"]) if closed else None,
        amount=float(row.get("Amount") or 0.0),
    )


def iter_opportunities(client: SalesforceClient, since: date | None) -> Iterator[Opportunity]:
    """Yield the org's opportunities page by page (REST, following nextRecordsUrl)."""
    for page in rest_pages(client, select_opportunities(since)):
        for row in page:
            yield to_opportunity(row)
