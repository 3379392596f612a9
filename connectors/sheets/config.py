"""Configuration of the Google Sheets connector, read from a plain mapping (the config file)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

from connectors.errors import ConfigError
from connectors.sheets.layout import FIELD_HEADERS, OUTPUT_HEADERS
from scoring import INPUT_FIELDS, OPTIONAL_OUTPUTS, OUTPUT_FIELDS

#: Where the service account key comes from: its JSON text, or a path to the file.
ENV_JSON = "TIERSYNC_GOOGLE_SERVICE_ACCOUNT"
ENV_FILE = "TIERSYNC_GOOGLE_SERVICE_ACCOUNT_FILE"


def _frozen(mapping: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class SheetsConfig:
    """Which spreadsheet, which tab, and which header holds each canonical field."""

    spreadsheet_key: str
    accounts_tab: str = "Accounts"
    key_header: str = "Account ID"
    field_map: Mapping[str, str] = field(default_factory=lambda: _frozen(FIELD_HEADERS))
    output_headers: Mapping[str, str] = field(default_factory=lambda: _frozen(OUTPUT_HEADERS))
    required: tuple[str, ...] = ("account_id",)
    service_account_file: str | None = None
    service_account_env: str = ENV_JSON

    def header_for(self, canonical: str) -> str:
        """Return the header of a canonical field; the key header always wins for account_id."""
        return self.key_header if canonical == "account_id" else self.field_map[canonical]

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], env: Mapping[str, str]) -> SheetsConfig:
        """Build a config from a mapping (the [sheets] table); raise ConfigError naming the key."""
        known = {f.name for f in fields(cls)}
        for key in data:
            if key not in known:
                raise ConfigError(
                    f"sheets.{key}: unknown setting (known: {', '.join(sorted(known))})"
                )
        spreadsheet = data.get("spreadsheet_key")
        if not isinstance(spreadsheet, str) or not spreadsheet.strip():
            raise ConfigError("sheets.spreadsheet_key: the spreadsheet key is required")
        kwargs: dict[str, Any] = {"spreadsheet_key": spreadsheet.strip()}
        for name in ("accounts_tab", "key_header", "service_account_env"):
            if name in data:
                kwargs[name] = _text(data[name], name)
        kwargs["field_map"] = _merge(
            FIELD_HEADERS, data.get("field_map"), INPUT_FIELDS, "field_map"
        )
        kwargs["output_headers"] = _merge(
            OUTPUT_HEADERS,
            data.get("output_headers"),
            OUTPUT_FIELDS + OPTIONAL_OUTPUTS,  # e.g. proposed_tier = "Proposed Tier": opt-in
            "output_headers",
        )
        if "key_header" not in kwargs and "account_id" in (data.get("field_map") or {}):
            kwargs["key_header"] = kwargs["field_map"]["account_id"]
        required = data.get("required", ["account_id"])
        if not isinstance(required, (list, tuple)) or any(r not in INPUT_FIELDS for r in required):
            raise ConfigError(f"sheets.required: a list of canonical fields, got {required!r}")
        kwargs["required"] = tuple(dict.fromkeys(["account_id", *required]))
        file = data.get("service_account_file") or env.get(ENV_FILE)
        kwargs["service_account_file"] = _text(file, "service_account_file") if file else None
        return cls(**kwargs)


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"sheets.{name}: must be non-blank text, got {value!r}")
    return value.strip()


def _merge(
    defaults: Mapping[str, str], given: Any, allowed: tuple[str, ...], name: str
) -> Mapping[str, str]:
    if given is None:
        return _frozen(defaults)
    if not isinstance(given, Mapping):
        raise ConfigError(f"sheets.{name}: must map canonical fields to headers")
    merged = dict(defaults)
    for canonical, header in given.items():
        if canonical not in allowed:
            raise ConfigError(f"sheets.{name}.{canonical}: unknown field")
        merged[canonical] = _text(header, f"{name}.{canonical}")
    return _frozen(merged)
