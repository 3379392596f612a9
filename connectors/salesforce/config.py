"""Salesforce connector configuration: auth, field map, thresholds; secrets come from env only."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.errors import ConfigError
from connectors.salesforce.soql import check_api_name
from scoring import INPUT_FIELDS

#: Canonical input field -> Account API name. Standard fields where Salesforce has one.
DEFAULT_FIELD_MAP: dict[str, str] = {
    "name": "Name",
    "industry": "Industry",
    "employees": "NumberOfEmployees",
    "annual_revenue": "AnnualRevenue",
    "arr_potential": "ARR_Potential__c",
    "tech_fit": "Tech_Fit__c",
    "buying_stage": "Buying_Stage__c",
    "competitive_position": "Competitive_Position__c",
    "is_customer": "Is_Customer__c",
    "current_arr": "Current_ARR__c",
    "pipeline": "Open_Pipeline__c",
    "engagement_score": "Engagement_Score__c",
    "last_activity_date": "LastActivityDate",
    "engaged_contacts": "Engaged_Contacts__c",
    "executive_contacts": "Executive_Contacts__c",
    "intent_surge": "Intent_Surge__c",
    "owner": "OwnerId",
    "region": "Region__c",
}

#: Output -> Account API name; matches plugin/salesforce metadata.
DEFAULT_OUTPUT_FIELDS: dict[str, str] = {
    "tier": "Tier__c",
    "score": "Tier_Score__c",
    "health": "Health_Status__c",
    "next_action": "Next_Action__c",
    "reason": "Tier_Reason__c",
    "changed_on": "Tier_Changed_On__c",
}

DEFAULT_TIERS = ("Tier 1", "Tier 2", "Tier 3", "Tier 4")
DEFAULT_HEALTH = ("Healthy", "At Risk", "Critical")

#: Secret -> default environment variable; a `<secret>_env` key names another variable.
SECRET_ENV: dict[str, str] = {
    "password": "TIERSYNC_SF_PASSWORD",
    "security_token": "TIERSYNC_SF_SECURITY_TOKEN",
    "private_key": "TIERSYNC_SF_PRIVATE_KEY",
    "session_id": "TIERSYNC_SF_SESSION_ID",
}
#: Non-secret settings that may also come from the environment (handy in containers).
PLAIN_ENV: dict[str, str] = {
    "username": "TIERSYNC_SF_USERNAME",
    "consumer_key": "TIERSYNC_SF_CONSUMER_KEY",
    "instance_url": "TIERSYNC_SF_INSTANCE_URL",
}

_DOMAIN = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$")
_VERSION = re.compile(r"^\d{2,3}\.0$")
_INT_KEYS = ("bulk_read_threshold", "bulk_write_threshold", "timeout")


@dataclass(frozen=True)
class SalesforceConfig:
    """Everything the Salesforce connector needs; secrets never appear in repr."""

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    security_token: str | None = field(default=None, repr=False)
    consumer_key: str | None = None
    private_key_file: str | None = None
    private_key: str | None = field(default=None, repr=False)
    domain: str = "login"
    instance_url: str | None = None
    session_id: str | None = field(default=None, repr=False)
    api_version: str = "60.0"
    field_map: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_FIELD_MAP))
    output_fields: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_OUTPUT_FIELDS))
    override_field: str = "Tier_Override__c"
    # Where a Bulk 2.0 job starts costing fewer calls than REST, with a job polled ~5-6 times
    # (the arithmetic is in docs/salesforce.md): 20,000 rows read = 10 REST pages; 2,000
    # records written = 10 Collections calls.
    bulk_read_threshold: int = 20_000
    bulk_write_threshold: int = 2_000
    budget_share: float = 0.8
    rollups: bool = False
    tier_values: tuple[str, ...] = DEFAULT_TIERS
    health_values: tuple[str, ...] = DEFAULT_HEALTH
    timeout: int = 120

    def __post_init__(self) -> None:
        for key, value in self.field_map.items():
            if key not in INPUT_FIELDS or key == "account_id":
                raise ConfigError(f"salesforce.field_map: unknown canonical field {key!r}")
            _api_name(f"field_map.{key}", value)
        for key, value in self.output_fields.items():
            if key not in DEFAULT_OUTPUT_FIELDS:
                raise ConfigError(f"salesforce.output_fields: unknown output {key!r}")
            _api_name(f"output_fields.{key}", value)
        if set(self.output_fields) != set(DEFAULT_OUTPUT_FIELDS):
            missing = sorted(set(DEFAULT_OUTPUT_FIELDS) - set(self.output_fields))
            raise ConfigError(f"salesforce.output_fields: missing {', '.join(missing)}")
        _api_name("override_field", self.override_field)
        if not _DOMAIN.match(self.domain):
            raise ConfigError(
                f"salesforce.domain: {self.domain!r} is not login, test or a My Domain"
            )
        if not _VERSION.match(self.api_version):
            raise ConfigError(f"salesforce.api_version: {self.api_version!r} is not like '60.0'")
        if self.instance_url is not None and not self.instance_url.startswith("https://"):
            raise ConfigError("salesforce.instance_url: must start with https://")
        if not 0 < self.budget_share <= 1:
            raise ConfigError("salesforce.budget_share: must be in (0, 1]")
        for key in _INT_KEYS:
            if getattr(self, key) < 0:
                raise ConfigError(f"salesforce.{key}: must not be negative")
        if not self.tier_values or not self.health_values:
            raise ConfigError("salesforce.tier_values / health_values: must not be empty")
        self.auth_mode()

    def auth_mode(self) -> str:
        """Return "session", "jwt" or "password": the first complete set of credentials."""
        if self.instance_url and self.session_id:
            return "session"
        mode = self.renew_mode()
        if mode is not None:
            return mode
        raise ConfigError(
            "salesforce: no complete credentials; set username + consumer_key + "
            "private_key_file (JWT), or username + password + security_token, "
            "or instance_url + session_id"
        )

    def renew_mode(self) -> str | None:
        """Return "jwt" or "password" when a session can be renewed; None for a bare session."""
        if self.username and self.consumer_key and (self.private_key_file or self.private_key):
            return "jwt"
        if self.username and self.password is not None and self.security_token is not None:
            return "password"
        return None

    def can_renew(self) -> bool:
        """Return True when credentials other than a handed-over session id are present."""
        return self.renew_mode() is not None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], env: Mapping[str, str]) -> SalesforceConfig:
        """Build a config from a `[salesforce]` table, reading secrets from env variables."""
        data = dict(data)
        if "lag_minutes" in data:
            raise ConfigError(
                "salesforce.lag_minutes: the lag window is one setting for every source; "
                "use [sync] lag_seconds"
            )
        for secret in SECRET_ENV:
            if secret in data:
                raise ConfigError(
                    f"salesforce.{secret}: secrets do not belong in the config file; "
                    f"set {SECRET_ENV[secret]} or name a variable with {secret}_env"
                )
        known = set(cls.__dataclass_fields__) - set(SECRET_ENV)
        known |= {f"{name}_env" for name in (*SECRET_ENV, *PLAIN_ENV)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"salesforce: unknown key(s) {', '.join(unknown)}")
        kwargs: dict[str, Any] = {}
        for name, default_var in SECRET_ENV.items():
            named = _text(data, f"{name}_env")
            value = env.get(named or default_var)
            if named and value is None:
                raise ConfigError(f"salesforce.{name}_env: variable {named} is not set")
            # An empty security token is legitimate (trusted IP ranges); other blanks are unset.
            if value is not None and (value != "" or name == "security_token"):
                kwargs[name] = value
        for name, default_var in PLAIN_ENV.items():
            if name in data:
                plain = _text(data, name)
            else:
                plain = env.get(_text(data, f"{name}_env") or default_var)
            if plain:
                kwargs[name] = plain
        for key in ("private_key_file", "domain", "api_version", "override_field"):
            if key in data:
                kwargs[key] = _text(data, key)
        for key in ("field_map", "output_fields"):
            if key in data:
                base = DEFAULT_FIELD_MAP if key == "field_map" else DEFAULT_OUTPUT_FIELDS
                kwargs[key] = {**base, **_str_map(data, key)}
        for key in _INT_KEYS:
            if key in data:
                kwargs[key] = _int(data, key)
        if "budget_share" in data:
            kwargs["budget_share"] = _float(data, "budget_share")
        if "rollups" in data:
            if not isinstance(data["rollups"], bool):
                raise ConfigError("salesforce.rollups: must be true or false")
            kwargs["rollups"] = data["rollups"]
        for key in ("tier_values", "health_values"):
            if key in data:
                kwargs[key] = _str_tuple(data, key)
        return cls(**kwargs)


def _api_name(key: str, value: Any) -> None:
    if not isinstance(value, str):
        raise ConfigError(f"salesforce.{key}: must be a field API name")
    try:
        check_api_name(value)
    except ValueError as exc:
        raise ConfigError(f"salesforce.{key}: {exc}") from None


def _text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"salesforce.{key}: must be text")
    return value


def _int(data: Mapping[str, Any], key: str) -> int:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"salesforce.{key}: must be a whole number")
    return value


def _float(data: Mapping[str, Any], key: str) -> float:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"salesforce.{key}: must be a number")
    return float(value)


def _str_map(data: Mapping[str, Any], key: str) -> dict[str, str]:
    value = data[key]
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(f"salesforce.{key}: must be a table of field names")
    return {str(k): v for k, v in value.items()}


def _str_tuple(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data[key]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"salesforce.{key}: must be a list of text values")
    return tuple(value)
