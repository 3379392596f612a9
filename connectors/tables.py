"""Reading a configuration table: known keys, typed values, errors that name `table.key`.

Every table of the config file (the plugin's own and each connector's) is read with these, so
a typo or a wrong type gives the same kind of one-line message everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.errors import ConfigError


def known(table: str, data: Mapping[str, Any], keys: tuple[str, ...] | set[str]) -> None:
    """Raise ConfigError naming the first key of data that is not one of keys."""
    for key in data:
        if key not in keys:
            where = f"{table}.{key}" if table else key
            expected = ", ".join(keys if isinstance(keys, tuple) else sorted(keys))
            raise ConfigError(f"{where}: unknown key (expected one of {expected})")


def text(data: Mapping[str, Any], key: str, table: str) -> str | None:
    """Return a non-empty string setting (stripped), None when absent."""
    value = data.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ConfigError(f"{table}.{key}: expected a non-empty string")
    return value.strip() if isinstance(value, str) else None


def optional_text(data: Mapping[str, Any], key: str, table: str) -> str | None:
    """Return a text setting as given (blank allowed), None when absent."""
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{table}.{key}: must be text")
    return value


def whole(data: Mapping[str, Any], key: str, table: str) -> int:
    """Return a whole-number setting (present)."""
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{table}.{key}: must be a whole number")
    return value


def number(data: Mapping[str, Any], key: str, table: str) -> float:
    """Return a number setting (present)."""
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{table}.{key}: must be a number")
    return float(value)


def names_table(data: Mapping[str, Any], key: str, table: str) -> dict[str, str]:
    """Return a table of names (canonical field -> a name in the system)."""
    value = data[key]
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(f"{table}.{key}: must be a table of field names")
    return {str(k): v for k, v in value.items()}


def text_list(data: Mapping[str, Any], key: str, table: str) -> tuple[str, ...]:
    """Return a list of text values."""
    value = data[key]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{table}.{key}: must be a list of text values")
    return tuple(value)


def positive_int(data: Mapping[str, Any], key: str, default: int, table: str) -> int:
    """Return a whole number > 0, the default when absent."""
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(f"{table}.{key}: expected a positive whole number")
    return value


def secret_in_file(where: str, variable: str, env_key: str) -> ConfigError:
    """Return the one error for a secret written in the config file: name the variable to use."""
    return ConfigError(
        f"{where}: secrets do not belong in the config file; set the environment variable "
        f"{variable} instead (or name another variable with {env_key})"
    )


def refuse_secrets(table: str, data: Mapping[str, Any], secrets: Mapping[str, str]) -> None:
    """Raise the secret-in-file error for the first key of `secrets` (key -> variable) in data."""
    for key, variable in secrets.items():
        if key in data:
            raise secret_in_file(f"{table}.{key}", variable, f"{key}_env")
