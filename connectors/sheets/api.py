"""The few Sheets API v4 calls tiersync makes, counted, retried and with errors translated once."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import gspread
import requests
from google.oauth2.service_account import Credentials
from tenacity import RetryCallState

from connectors.errors import ConfigError, FatalError, RetriableError
from connectors.retry import backoff, call_with_retry
from connectors.sheets.config import ENV_FILE, ENV_JSON

T = TypeVar("T")

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)

# Sheets API status → what the caller should do. 429 and 5xx pass; 400 is a bad range (a tab
# or column the config names that the sheet lacks); 401/403 mean the sheet is not shared.
_RETRIABLE = {408, 429, 500, 502, 503, 504}
_CONFIG = {400, 404}


#: Google counts Sheets requests per minute: quota waits (5 tries: 4, 8, 16, 30 s plus jitter)
#: add up to the one-minute window, so the last try meets a fresh quota.
QUOTA_WINDOW = 60.0
_QUOTA_WAIT = backoff(initial=4.0, cap=30.0)
_WAIT = backoff()


class QuotaExceeded(RetriableError):
    """The per-minute request quota is used up: wait for the minute to pass."""


def _wait(state: RetryCallState) -> float:
    failed = state.outcome.exception() if state.outcome else None
    return (_QUOTA_WAIT if isinstance(failed, QuotaExceeded) else _WAIT)(state)


def load_credentials(
    file: str | None, env_name: str = ENV_JSON, env: Mapping[str, str] | None = None
) -> Credentials:
    """Build service-account credentials from a JSON file or an environment variable."""
    env = os.environ if env is None else env
    path = file or env.get(ENV_FILE)
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read the service account file {path}: {exc}") from None
        source = f"file {path}"
    elif env.get(env_name):
        text, source = env[env_name], f"environment variable {env_name}"
    else:
        raise ConfigError(
            f"no Google service account: set {env_name} (the JSON key) or {ENV_FILE} (its path)"
        )
    try:
        info = json.loads(text)
        creds: Credentials = Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            info, scopes=list(SCOPES)
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"the service account in {source} is not a valid key: {exc}") from None
    return creds


def make_client(credentials: Credentials) -> gspread.Client:
    """Return a gspread client without gspread's own retry (retries live in connectors.retry)."""
    return gspread.Client(auth=credentials)


def translate(exc: Exception, key: str) -> Exception:
    """Map a gspread or transport error to a connector error named by what to do."""
    if isinstance(exc, gspread.exceptions.APIError):
        code, message = exc.code, exc.error.get("message", "")
        if code == 429:
            return QuotaExceeded(f"Sheets API 429: {message}")
        if code in _RETRIABLE:
            return RetriableError(f"Sheets API {code}: {message}")
        if code in (401, 403):
            return FatalError(
                f"Sheets API {code}: {message} — share spreadsheet {key} with the service account"
            )
        if code in _CONFIG:
            return ConfigError(f"Sheets API {code} on spreadsheet {key}: {message}")
        return FatalError(f"Sheets API {code}: {message}")
    if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return RetriableError(f"Sheets API unreachable: {exc}")
    return exc


class SheetsApi:
    """One spreadsheet's API: every call goes through _call, which counts and retries it."""

    def __init__(
        self, client: gspread.Client, key: str, sleep: Callable[[float], None] | None = None
    ) -> None:
        self.http = client.http_client
        self.key = key
        self.sleep = sleep
        self.calls = 0
        self.retries = 0

    def retry(self, fn: Callable[[], T]) -> T:
        """Run fn (which may make several calls) with backoff on passing faults."""

        def count_retry(_: object) -> None:
            self.retries += 1

        try:
            return call_with_retry(fn, sleep=self.sleep, on_retry=count_retry, wait=_wait)
        except QuotaExceeded:
            raise QuotaExceeded(
                f"Sheets API quota used up: still refused after a {QUOTA_WINDOW:.0f} s quota "
                "window; retry in a minute (or ask Google for a higher per-minute quota)"
            ) from None

    def _call(self, fn: Callable[[], T]) -> T:
        self.calls += 1  # every attempt counts: a refused call still uses quota
        try:
            return fn()
        except (gspread.exceptions.APIError, requests.RequestException) as exc:
            raise translate(exc, self.key) from exc

    def metadata(self) -> Mapping[str, Any]:
        """Return the spreadsheet's properties and its sheets' properties (no cell data)."""
        params: dict[str, Any] = {
            "includeGridData": "false",
            "fields": "spreadsheetId,properties.title,sheets",
        }
        return self._call(lambda: self.http.fetch_sheet_metadata(self.key, params=params))

    def batch_get(self, ranges: Sequence[str], formatted: bool = False) -> list[list[list[Any]]]:
        """Return the values of several ranges in one call, in the order asked."""
        params: dict[str, Any] = {"majorDimension": "ROWS"}
        if formatted:
            params["valueRenderOption"] = "FORMATTED_VALUE"
        else:
            # numbers as numbers, but dates as the text people see rather than serial numbers
            params["valueRenderOption"] = "UNFORMATTED_VALUE"
            params["dateTimeRenderOption"] = "FORMATTED_STRING"
        body = self._call(lambda: self.http.values_batch_get(self.key, list(ranges), params))
        return [vr.get("values", []) for vr in body.get("valueRanges", [])]

    def write_values(self, data: list[dict[str, Any]]) -> Mapping[str, Any]:
        """Write many ranges in one call, RAW so text can never turn into a formula."""
        body = {"valueInputOption": "RAW", "data": data}
        return self._call(lambda: self.http.values_batch_update(self.key, body))

    def batch_update(self, requests_: list[dict[str, Any]]) -> Mapping[str, Any]:
        """Send structural requests (add sheets, columns, literal cells) in one call."""
        body = {"requests": requests_}
        return self._call(lambda: self.http.batch_update(self.key, body))
