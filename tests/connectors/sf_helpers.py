"""Builders for Salesforce tests: recorded-shape fixtures, a connector, request probes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import requests
import responses

from connectors.salesforce.connector import SalesforceConfig, SalesforceConnector
from connectors.salesforce.records import select_fields
from scoring import AccountRecord, Outputs, Result, TierChange

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "salesforce"
INSTANCE = "https://acme.my.salesforce.com"
API = f"{INSTANCE}/services/data/v60.0"
QUERY = f"{API}/query/"
COLLECTIONS = f"{API}/composite/sobjects"
TOKEN_URL = "https://login.salesforce.com/services/oauth2/token"
SESSION = "00DDn000000AbCd!AQEAQ.handed-over-session"
TODAY = date(2024, 6, 3)
NOW = datetime(2024, 6, 3, 2, 0, tzinfo=UTC)


def fixture(name: str) -> Any:
    """Return a JSON fixture from tests/fixtures/salesforce."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def fixture_text(name: str) -> str:
    """Return a text (CSV/XML) fixture from tests/fixtures/salesforce."""
    return (FIXTURES / name).read_text(encoding="utf-8")


def make_config(**overrides: Any) -> SalesforceConfig:
    """Return a config with a handed-over session unless overridden."""
    values: dict[str, Any] = {"instance_url": INSTANCE, "session_id": SESSION}
    values.update(overrides)
    return SalesforceConfig(**values)


def make_connector(
    config: SalesforceConfig | None = None, sleeps: list[float] | None = None
) -> SalesforceConnector:
    """Return a connector whose waits are recorded instead of slept."""
    waits = sleeps if sleeps is not None else []
    return SalesforceConnector(
        config or make_config(),
        session=requests.Session(),
        today=TODAY,
        sleep=waits.append,
        clock=lambda: NOW,
    )


def sf_id(n: int, prefix: str = "001") -> str:
    """Return a well-formed 18-character id numbered n."""
    return f"{prefix}Dn{n:010d}IAB"


def account_row(account_id: str, **values: Any) -> dict[str, Any]:
    """Return a REST query record shaped like Salesforce's, every selected field present."""
    row: dict[str, Any] = {
        "attributes": {
            "type": "Account",
            "url": f"/services/data/v60.0/sobjects/Account/{account_id}",
        }
    }
    for name in select_fields(make_config()):
        row[name] = None
    row["Id"] = account_id
    row.update(values)
    return row


def query_page(records: list[dict[str, Any]], next_url: str | None = None, total: int = 0) -> dict:
    """Return a query response page; a next_url makes it a non-final page."""
    page: dict[str, Any] = {"totalSize": total or len(records), "done": next_url is None}
    if next_url:
        page["nextRecordsUrl"] = next_url
    page["records"] = records
    return page


def soql_matcher(fragment: str) -> Callable[[Any], tuple[bool, str]]:
    """Match a /query/ request whose SOQL contains fragment."""

    def match(request: Any) -> tuple[bool, str]:
        soql = soql_of(request)
        return (fragment in soql, f"SOQL {soql!r} lacks {fragment!r}")

    return match


def soql_of(request: Any) -> str:
    """Return the SOQL a recorded /query/ request carried."""
    return parse_qs(urlparse(request.url).query).get("q", [""])[0]


def add_query(rsps: responses.RequestsMock, fragment: str, body: Any, **kwargs: Any) -> None:
    """Answer the next GET /query/ whose SOQL contains fragment."""
    rsps.add(responses.GET, QUERY, json=body, match=[soql_matcher(fragment)], **kwargs)


def collections_answer(
    failures: Mapping[str, Mapping[str, Any]] | None = None,
) -> Callable[[Any], tuple[int, dict[str, str], str]]:
    """Answer a Collections PATCH from the fixture templates: success unless the id fails."""
    ok = fixture("collections_item_success.json")
    failures = failures or {}

    def reply(request: Any) -> tuple[int, dict[str, str], str]:
        body = json.loads(request.body)
        out = []
        for record in body["records"]:
            if record["id"] in failures:
                out.append(dict(failures[record["id"]]))
            else:
                out.append({**ok, "id": record["id"]})
        return 200, {"Content-Type": "application/json"}, json.dumps(out)

    return reply


def sent_batches(rsps: responses.RequestsMock) -> list[list[dict[str, Any]]]:
    """Return the records of every Collections PATCH sent, in order."""
    return [
        json.loads(call.request.body)["records"]
        for call in rsps.calls
        if call.request.method == "PATCH" and call.request.url.rstrip("/") == COLLECTIONS
    ]


def record(account_id: str, current: Outputs | None = None) -> AccountRecord:
    """Return an account record with the given current outputs."""
    return AccountRecord(account_id, {"account_id": account_id}, current or Outputs())


def result(account_id: str, **changes: Any) -> Result:
    """Return a Tier 2 result; keyword arguments replace fields."""
    values: dict[str, Any] = {
        "account_id": account_id,
        "tier": "Tier 2",
        "score": 62.5,
        "health": "Healthy",
        "next_action": "Enroll in vertical campaign track + SDR sequence",
        "reason": "Tier 2 at 62.5: Revenue Potential 24/30",
        "change": None,
    }
    values.update(changes)
    return Result(**values)


def pairs_unchanged(ids: Iterable[str]) -> list[tuple[AccountRecord, Result]]:
    """Return pairs whose results equal what Salesforce already holds."""
    out = []
    for account_id in ids:
        res = result(account_id)
        out.append((record(account_id, res.outputs), res))
    return out


def pairs_changed(
    ids: Iterable[str], tier_from: str = "Tier 3"
) -> list[tuple[AccountRecord, Result]]:
    """Return pairs whose tier moved from tier_from to Tier 2 (a change with a date)."""
    out = []
    for account_id in ids:
        res = result(account_id, change=TierChange(tier_from, "Tier 2", "score 62.5"))
        current = Outputs(tier_from, 40.0, res.health, res.next_action, res.reason)
        out.append((record(account_id, current), res))
    return out
