"""Reading Opportunity records for the backtest: one SOQL, pages followed, types as the API's."""

from __future__ import annotations

from datetime import date

import responses

from connectors.salesforce.opportunities import select_opportunities
from scoring.performance import Opportunity
from tests.connectors.sf_helpers import API, add_query, fixture, make_connector, soql_of


@responses.activate
def test_opportunities_are_read_page_by_page_with_their_outcome() -> None:
    add_query(responses.mock, "FROM Opportunity", fixture("opportunities_page_1.json"))
    responses.add(
        responses.GET,
        f"{API}/query/0r8xx3Z7aKo5uOPPQ-2",
        json=fixture("opportunities_page_last.json"),
    )
    connector = make_connector()
    opps = list(connector.iter_opportunities())
    assert opps == [
        Opportunity("001Dn00000A1cmeIAB", date(2025, 2, 3), date(2025, 10, 31), True, 420000.0),
        Opportunity("001Dn00000B2glbIAB", date(2025, 3, 17), date(2025, 7, 15), False, 95000.0),
        Opportunity("001Dn00000A1cmeIAB", date(2025, 9, 1), None, None, 0.0),  # still open
        Opportunity("001Dn00000C3entIAB", date(2025, 1, 20), date(2025, 6, 30), True, 180000.0),
    ]
    assert connector.api_calls == 2
    soql = soql_of(responses.calls[0].request)
    assert soql == (
        "SELECT Id, AccountId, Amount, IsClosed, IsWon, CreatedDate, CloseDate "
        "FROM Opportunity WHERE AccountId != null ORDER BY CreatedDate"
    )


def test_since_limits_the_read_to_opportunities_created_on_or_after_a_day() -> None:
    assert "AND CreatedDate >= 2025-01-01T00:00:00Z ORDER BY" in select_opportunities(
        date(2025, 1, 1)
    )
