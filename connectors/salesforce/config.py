"""Salesforce connector configuration: auth, field map, thresholds; secrets come from env only."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.errors import ConfigError
from connectors.salesforce.names import check_api_name
from connectors.tables import (
    names_table,
    number,
    optional_text,
    refuse_secrets,
    text_list,
    whole,
)
from scoring import INPUT_FIELDS
from scoring.fields import FIELDS

#: Canonical input field -> Account API name: standard fields where Salesforce has one (the
#: defaults live in scoring.fields with every field's other names; `field_map` overrides them).
DEFAULT_FIELD_MAP: dict[str, str] = {f.name: f.salesforce for f in FIELDS if f.salesforce}

#: Output -> Account API name; matches plugin/salesforce metadata.
DEFAULT_OUTPUT_FIELDS: dict[str, str] = {
    "tier": "Tier__c",
    "score": "Tier_Score__c",
    "health": "Health_Status__c",
    "next_action": "Next_Action__c",
    "reason": "Tier_Reason__c",
    "changed_on": "Tier_Changed_On__c",
}

#: Outputs written only when `output_fields` names them (metadata ships for the default name).
OPTIONAL_OUTPUT_FIELDS: dict[str, str] = {"proposed_tier": "Proposed_Tier__c"}

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
            if key not in DEFAULT_OUTPUT_FIELDS and key not in OPTIONAL_OUTPUT_FIELDS:
                raise ConfigError(f"salesforce.output_fields: unknown output {key!r}")
            _api_name(f"output_fields.{key}", value)
        if not set(DEFAULT_OUTPUT_FIELDS) <= set(self.output_fields):
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
        # credentials are checked when connecting (auth_mode), not here: a config that names
        # Salesforce must still load where its secrets are not set (db upgrade, check, report)

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
        refuse_secrets("salesforce", data, SECRET_ENV)
        known = set(cls.__dataclass_fields__) - set(SECRET_ENV)
        known |= {f"{name}_env" for name in (*SECRET_ENV, *PLAIN_ENV)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"salesforce: unknown key(s) {', '.join(unknown)}")
        kwargs: dict[str, Any] = {}
        for name, default_var in SECRET_ENV.items():
            named = optional_text(data, f"{name}_env", "salesforce")
            value = env.get(named or default_var)
            if named and value is None:
                raise ConfigError(f"salesforce.{name}_env: variable {named} is not set")
            # An empty security token is legitimate (trusted IP ranges); other blanks are unset.
            if value is not None and (value != "" or name == "security_token"):
                kwargs[name] = value
        for name, default_var in PLAIN_ENV.items():
            if name in data:
                plain = optional_text(data, name, "salesforce")
            else:
                plain = env.get(optional_text(data, f"{name}_env", "salesforce") or default_var)
            if plain:
                kwargs[name] = plain
        for key in ("private_key_file", "domain", "api_version", "override_field"):
            if key in data:
                kwargs[key] = optional_text(data, key, "salesforce")
        for key in ("field_map", "output_fields"):
            if key in data:
                base = DEFAULT_FIELD_MAP if key == "field_map" else DEFAULT_OUTPUT_FIELDS
                kwargs[key] = {**base, **names_table(data, key, "salesforce")}
        for key in _INT_KEYS:
            if key in data:
                kwargs[key] = whole(data, key, "salesforce")
        if "budget_share" in data:
            kwargs["budget_share"] = number(data, "budget_share", "salesforce")
        if "rollups" in data:
            if not isinstance(data["rollups"], bool):
                raise ConfigError("salesforce.rollups: must be true or false")
            kwargs["rollups"] = data["rollups"]
        for key in ("tier_values", "health_values"):
            if key in data:
                kwargs[key] = text_list(data, key, "salesforce")
        return cls(**kwargs)


def _api_name(key: str, value: Any) -> None:
    if not isinstance(value, str):
        raise ConfigError(f"salesforce.{key}: must be a field API name")
    try:
        check_api_name(value)
    except ValueError as exc:
        raise ConfigError(f"salesforce.{key}: {exc}") from None
