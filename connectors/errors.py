"""Errors of the connectors, named by what the caller should do; one root, ConnectorError.

Vendor exceptions (simple-salesforce, gspread, requests) are translated into these once, in
each system's client module, so the plugin only ever sees this table:

| error            | the caller should                                   |
|------------------|-----------------------------------------------------|
| ConfigError      | fix the configuration or input and re-run           |
| RetriableError   | back off and try again                              |
| FatalError       | stop and tell someone (auth, limits)                |
| BudgetExceeded   | stop writing; nothing is half-written               |

A single record a system rejects is not an exception: it is a RecordFailure in the write report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connectors.base import WriteReport


class ConnectorError(Exception):
    """Root of every connector error."""


class ConfigError(ConnectorError):
    """The configuration or input is wrong: fix it and re-run."""


class RetriableError(ConnectorError):
    """A passing fault (rate limit, 5xx, timeout, lock): back off and try again."""


class FatalError(ConnectorError):
    """The system refused the work (auth, limits): stop and tell someone."""


class BudgetExceeded(FatalError):
    """The configured share of the API budget is used: stop writing, nothing half-written.

    `report` holds exactly what was written before the stop, so it can be recorded.
    """

    def __init__(self, message: str, report: WriteReport | None = None) -> None:
        super().__init__(message)
        self.report = report
