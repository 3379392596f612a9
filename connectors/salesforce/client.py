"""The one door to Salesforce: log in, count calls, watch the daily limit, translate errors."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)
from simple_salesforce.login import SalesforceLogin

from connectors.errors import (
    BudgetExceeded,
    ConfigError,
    ConnectorError,
    FatalError,
    RetriableError,
)
from connectors.retry import call_with_retry
from connectors.salesforce.config import SalesforceConfig

log = logging.getLogger(__name__)
T = TypeVar("T")


class SessionExpired(ConnectorError):
    """Salesforce said INVALID_SESSION_ID: renew the session once and retry the call."""


def error_detail(content: Any) -> tuple[str, str]:
    """Return (errorCode, message) from a Salesforce error body `[{"message","errorCode"}]`."""
    if isinstance(content, list) and content and isinstance(content[0], dict):
        first = content[0]
        return str(first.get("errorCode", "UNKNOWN")), str(first.get("message", ""))
    if isinstance(content, dict):
        return str(content.get("error", "UNKNOWN")), str(content.get("error_description", ""))
    return "UNKNOWN", str(content)[:200]


def _refused(exc: SalesforceError) -> ConnectorError:
    code, message = error_detail(exc.content)
    if code == "REQUEST_LIMIT_EXCEEDED":
        # The daily total does not come back by waiting; concurrency limits do.
        if "TotalRequests" in message:
            return BudgetExceeded(f"Salesforce daily API limit exhausted: {message}")
        return RetriableError(f"Salesforce request limit: {message}")
    return FatalError(f"Salesforce refused {exc.resource_name or 'the request'}: {code}: {message}")


def _general(exc: SalesforceError) -> ConnectorError:
    code, message = error_detail(exc.content)
    if exc.status == 429 or exc.status >= 500 or code == "UNABLE_TO_LOCK_ROW":
        return RetriableError(f"Salesforce HTTP {exc.status}: {code}: {message}")
    return FatalError(f"Salesforce HTTP {exc.status}: {code}: {message}")


def _malformed(exc: SalesforceError) -> ConnectorError:
    code, message = error_detail(exc.content)
    if code == "UNABLE_TO_LOCK_ROW":
        return RetriableError(f"Salesforce: {code}: {message}")
    return ConfigError(f"Salesforce rejected the request: {code}: {message}")


def _auth_failed(exc: SalesforceError) -> ConnectorError:
    assert isinstance(exc, SalesforceAuthenticationFailed)
    return ConfigError(f"Salesforce login failed ({exc.code}): {exc.auth_message}")


#: Vendor exception -> what the caller should do. Looked up along the exception's MRO.
TRANSLATIONS: dict[type[BaseException], Callable[[Any], ConnectorError]] = {
    SalesforceExpiredSession: lambda e: SessionExpired(error_detail(e.content)[1]),
    SalesforceAuthenticationFailed: _auth_failed,
    SalesforceMalformedRequest: _malformed,
    SalesforceRefusedRequest: _refused,
    SalesforceResourceNotFound: lambda e: ConfigError(f"Salesforce: not found: {e.resource_name}"),
    SalesforceMoreThanOneRecord: lambda e: FatalError("Salesforce: more than one record"),
    SalesforceGeneralError: _general,
    SalesforceError: lambda e: FatalError(f"Salesforce HTTP {e.status}"),
    requests.Timeout: lambda e: RetriableError(f"Salesforce timed out: {type(e).__name__}"),
    requests.ConnectionError: lambda e: RetriableError(f"Salesforce unreachable: {e}"),
}


def translate(exc: BaseException) -> ConnectorError | None:
    """Return the connector error for a vendor exception, or None when it is not one of ours."""
    for cls in type(exc).__mro__:
        handler = TRANSLATIONS.get(cls)
        if handler is not None:
            return handler(exc)
    return None


class SalesforceClient:
    """A logged-in simple_salesforce.Salesforce plus call counting, limits and retries."""

    def __init__(
        self,
        config: SalesforceConfig,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.config = config
        self.http = session or requests.Session()
        # A response hook sees every HTTP exchange, including ones simple-salesforce makes for
        # Bulk 2.0, so the count and the limit header cannot be missed by a code path.
        self.http.hooks["response"].append(self._observe)
        self.sleep = sleep
        self.calls = 0
        self.usage: tuple[int, int] | None = None
        self._sf: Salesforce | None = None

    @property
    def sf(self) -> Salesforce:
        """Return the logged-in Salesforce object, logging in on first use."""
        if self._sf is None:
            self._sf = self._login(self.config.auth_mode())
        return self._sf

    def run(self, fn: Callable[[Salesforce], T]) -> T:
        """Call fn(sf) with retries for passing faults and one session renewal."""
        return call_with_retry(lambda: self.once(fn), sleep=self.sleep)

    def rest(self, path: str, method: str = "GET", *, retry: bool = True, **kwargs: Any) -> Any:
        """Call a REST resource under /services/data/vXX.X/ and return its decoded JSON."""

        def call(sf: Salesforce) -> Any:
            return sf.restful(path, method=method, timeout=self.config.timeout, **kwargs)

        return self.run(call) if retry else self.once(call)

    def once(self, fn: Callable[[Salesforce], T]) -> T:
        """Call fn(sf) once, translating vendor errors; renew an expired session once."""
        try:
            return self._translated(fn)
        except SessionExpired:
            mode = self.config.renew_mode()
            if mode is None:
                raise FatalError(
                    "Salesforce session expired and no credentials are configured to renew it"
                ) from None
            log.info("Salesforce session expired; renewing once")
            self._sf = self._login(mode)
        try:
            return self._translated(fn)
        except SessionExpired:
            raise FatalError("Salesforce session expired again right after renewal") from None

    def check_budget(self) -> None:
        """Raise BudgetExceeded when the configured share of the daily API limit is used."""
        if self.usage is None:
            return
        used, total = self.usage
        if total and used >= self.config.budget_share * total:
            raise BudgetExceeded(
                f"Salesforce API budget reached: {used}/{total} daily calls used "
                f"(configured share {self.config.budget_share:.0%}); writing stopped"
            )

    def _translated(self, fn: Callable[[Salesforce], T]) -> T:
        try:
            return fn(self.sf)
        except ConnectorError:
            raise
        except Exception as exc:
            mapped = translate(exc)
            if mapped is None:
                raise
            raise mapped from exc

    def _login(self, mode: str) -> Salesforce:
        c = self.config
        if mode == "session":
            assert c.session_id is not None
            return Salesforce(
                session_id=c.session_id,
                instance_url=c.instance_url,
                version=c.api_version,
                session=self.http,
            )
        if mode == "jwt":
            kwargs: dict[str, Any] = {
                "consumer_key": c.consumer_key,
                "privatekey_file": c.private_key_file,
                "privatekey": None if c.private_key_file else c.private_key,
            }
        else:
            kwargs = {"password": c.password, "security_token": c.security_token}
        try:
            token, instance = SalesforceLogin(
                username=c.username,
                domain=c.domain,
                sf_version=c.api_version,
                session=self.http,
                **kwargs,
            )
        except (SalesforceError, requests.RequestException, OSError, ValueError) as exc:
            mapped = translate(exc)
            # Name the file for a missing key file; never echo key text or passwords.
            where = f": {exc.filename}" if isinstance(exc, OSError) and exc.filename else ""
            fallback = ConfigError(f"Salesforce login failed: {type(exc).__name__}{where}")
            raise (mapped or fallback) from exc
        log.info("Salesforce login (%s) to %s", mode, instance)
        return Salesforce(
            session_id=token, instance=instance, version=c.api_version, session=self.http
        )

    def _observe(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if "/services/data/" not in response.url:
            return
        self.calls += 1
        info = response.headers.get("Sforce-Limit-Info")
        if info:
            usage = Salesforce.parse_api_usage(info).get("api-usage")
            if usage is not None:
                self.usage = (usage.used, usage.total)
