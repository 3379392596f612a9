"""Reading accounts: count, then REST pages or a Bulk 2.0 job; optional Opportunity roll-ups."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from simple_salesforce.api import Salesforce

from connectors.errors import ConfigError
from connectors.salesforce.bulk import query_pages
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.config import SalesforceConfig
from connectors.salesforce.names import check_id
from connectors.salesforce.records import select_fields, to_record
from connectors.salesforce.soql import (
    count_accounts,
    rollup_opportunities,
    select_accounts,
    select_by_ids,
    select_user,
)
from scoring import AccountRecord

#: Ids per `WHERE Id IN (...)`: keeps the GET URL well under Salesforce's 16 KB limit and an
#: aggregate roll-up (two groups per account) under the 2,000-row aggregate cap.
ID_CHUNK = 300


def integration_user(client: SalesforceClient) -> str | None:
    """Return the id of the user tiersync logs in as (None for a session without a username)."""
    username = client.config.username
    if not username:
        return None
    timeout = client.config.timeout
    found = client.run(lambda sf: sf.query(select_user(username), timeout=timeout))
    records = found.get("records") or []
    return str(records[0]["Id"]) if records else None


def rest_pages(client: SalesforceClient, soql: str) -> Iterator[Sequence[Mapping[str, Any]]]:
    """Yield the records of a REST query page by page, following nextRecordsUrl."""
    timeout = client.config.timeout
    page = client.run(lambda sf: sf.query(soql, timeout=timeout))
    while True:
        yield page["records"]
        if page["done"]:
            return
        url: str = page["nextRecordsUrl"]

        def more(sf: Salesforce, url: str = url) -> Any:
            return sf.query_more(url, identifier_is_url=True, timeout=timeout)

        page = client.run(more)


def account_pages(
    client: SalesforceClient, since: datetime | None, not_by: str | None = None
) -> Iterator[Sequence[Mapping[str, Any]]]:
    """Count the accounts to read, then page through them by REST or by Bulk 2.0."""
    config = client.config
    timeout = config.timeout
    counted = client.run(lambda sf: sf.query(count_accounts(since, not_by), timeout=timeout))
    soql = select_accounts(select_fields(config), since, not_by)
    if counted["totalSize"] > config.bulk_read_threshold:
        yield from query_pages(client, soql)
    else:
        yield from rest_pages(client, soql)


def id_pages(client: SalesforceClient, ids: Iterable[str]) -> Iterator[Sequence[Mapping[str, Any]]]:
    """Validate every id first (nothing is sent if one is bad), then read them in chunks."""
    checked: list[str] = []
    for value in ids:
        try:
            checked.append(check_id(value))
        except ValueError as exc:
            raise ConfigError(f"salesforce.read_ids: {exc}") from None
    unique = list(dict.fromkeys(checked))
    fields = select_fields(client.config)
    for start in range(0, len(unique), ID_CHUNK):
        yield from rest_pages(client, select_by_ids(fields, unique[start : start + ID_CHUNK]))


def to_records(client: SalesforceClient, rows: Sequence[Mapping[str, Any]]) -> list[AccountRecord]:
    """Turn one page of rows into records, adding Opportunity roll-ups when configured."""
    config = client.config
    records = [to_record(row, config) for row in rows]
    if not config.rollups or not records:
        return records
    totals: dict[str, dict[str, float]] = {}
    ids = [r.account_id for r in records]
    for start in range(0, len(ids), ID_CHUNK):
        soql = rollup_opportunities(ids[start : start + ID_CHUNK])
        for page in rest_pages(client, soql):
            for row in page:
                key = "current_arr" if row["IsWon"] else "pipeline"
                totals.setdefault(row["AccountId"], {})[key] = float(row["total"] or 0)
    return [_with_totals(r, totals.get(r.account_id, {})) for r in records]


def _with_totals(record: AccountRecord, totals: Mapping[str, float]) -> AccountRecord:
    # An account with no open or won opportunities has a known zero, not a missing value.
    fields = {**record.fields, "pipeline": 0.0, "current_arr": 0.0, **totals}
    return dataclasses.replace(record, fields=fields)


def modstamp(row: Mapping[str, Any]) -> datetime | None:
    """Return a row's SystemModstamp (REST `+0000` or Bulk `Z` form) as an aware datetime."""
    raw = row.get("SystemModstamp")
    if not raw:
        return None
    return datetime.fromisoformat(str(raw))


def check_describe(describe: Mapping[str, Any], config: SalesforceConfig) -> None:
    """Raise ConfigError naming every mapped field the org lacks or tiersync cannot write."""
    problems = [p for _, found in describe_checks(describe, config) for p in found]
    if problems:
        raise ConfigError("salesforce: " + "; ".join(problems))


def describe_checks(
    describe: Mapping[str, Any], config: SalesforceConfig
) -> list[tuple[str, list[str]]]:
    """Return each thing the Account describe must show, with its problems (empty: fine)."""
    fields = {f["name"]: f for f in describe.get("fields", [])}
    mapped = [name for name in select_fields(config) if "." not in name]
    items = [
        (
            f"{len(mapped)} mapped fields present on Account",
            [f"{name} does not exist on Account" for name in mapped if name not in fields],
        ),
        (
            "output fields editable: " + ", ".join(config.output_fields.values()),
            [
                f"{name} ({key}) is not editable by this user"
                for key, name in config.output_fields.items()
                if name in fields and not fields[name].get("updateable")
            ],
        ),
    ]
    for key, allowed in (("tier", config.tier_values), ("health", config.health_values)):
        name = config.output_fields[key]
        picklist = fields.get(name, {}).get("picklistValues") or []
        values = {p["value"] for p in picklist if p.get("active", True)}
        missing = ", ".join(sorted(set(allowed) - values)) if picklist else ""
        items.append(
            (
                f"{name} picklist holds {', '.join(allowed)}",
                [f"{name} picklist lacks {missing}"] if missing else [],
            )
        )
    return items
