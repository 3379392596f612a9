"""The configuration: `tiersync.toml` (or `--config`), secrets from the environment.

Validated once at start; every error names the key to fix. No file at all means the embedded
default: the bundled sample accounts, a local output CSV and a SQLite file in the working dir.
"""

from __future__ import annotations

import os
import tomllib
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

from connectors.errors import ConfigError
from connectors.salesforce.config import SalesforceConfig
from connectors.sheets.config import SheetsConfig
from connectors.tables import known, secret_in_file
from plugin.config.urls import has_password
from plugin.config.web import WebSettings

T = TypeVar("T")

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger

CONFIG_NAME = "tiersync.toml"
CONNECTORS = ("local", "salesforce", "sheets")
MODEL_SOURCES = ("default", "file", "sheet")
DATABASE_URL_ENV = "TIERSYNC_DATABASE_URL"
#: The seed's "Comparison Across Tiers" marketing investment, the bundled report's default.
DEFAULT_INVESTMENT = {"Tier 1": 2_000_000.0, "Tier 2": 840_000.0, "Tier 3": 400_000.0}


def _empty() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True)
class LocalSettings:
    """The local CSV connector: source None means the bundled sample."""

    source: Path | None = None
    output: Path = Path("tiersync-output/accounts.csv")
    field_map: Mapping[str, str] = field(default_factory=_empty)
    encoding: str | None = None  # None: UTF-8 (a byte-order mark is recognised)


@dataclass(frozen=True)
class ModelSettings:
    """Where the scoring model comes from: the built-in default, a JSON file or the sheet."""

    source: str = "default"
    path: Path | None = None


@dataclass(frozen=True)
class ScheduleSettings:
    """The nightly run: a 5-field cron expression in an IANA time zone."""

    cron: str = "0 2 * * *"
    timezone: str = "UTC"
    misfire_grace_seconds: int = 3600

    def trigger(self) -> CronTrigger:
        """Return the APScheduler trigger for this schedule."""
        # Imported here so loading a config (every command) does not load APScheduler.
        from apscheduler.triggers.cron import CronTrigger

        return CronTrigger.from_crontab(self.cron, timezone=zoneinfo.ZoneInfo(self.timezone))


@dataclass(frozen=True)
class SyncSettings:
    """How a sync runs: batch size, lock lifetime, incremental reads."""

    batch_size: int = 1000
    lock_ttl_seconds: int = 900
    incremental: bool = False
    lag_seconds: int = 300


@dataclass(frozen=True)
class ReportSettings:
    """Inputs of the per-tier performance report."""

    opportunities: Path | None = None  # None: the bundled sample opportunities
    gross_margin: float = 0.40
    investment: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType(dict(DEFAULT_INVESTMENT))
    )
    write_to_sheet: bool = False


@dataclass(frozen=True)
class Config:
    """The whole validated configuration."""

    path: Path | None = None
    base_dir: Path = field(default_factory=Path.cwd)
    sources: tuple[str, ...] = ("local",)
    sinks: tuple[str, ...] = ("local",)
    store_url: str = "sqlite:///tiersync.db"
    local: LocalSettings = field(default_factory=LocalSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    sync: SyncSettings = field(default_factory=SyncSettings)
    report: ReportSettings = field(default_factory=ReportSettings)
    salesforce: SalesforceConfig | None = None
    sheets: SheetsConfig | None = None
    web: WebSettings = field(default_factory=WebSettings)
    env: Mapping[str, str] = field(default_factory=_empty)


def load_config(path: str | Path | None = None, env: Mapping[str, str] = os.environ) -> Config:
    """Read and validate the config file (./tiersync.toml when path is None), or the defaults."""
    env = MappingProxyType(dict(env))
    if path is None:
        found = Path.cwd() / CONFIG_NAME
        if not found.is_file():
            base = Path.cwd()
            return _build({}, None, base, env)
        path = found
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {file}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML ({exc})") from None
    return _build(data, file.resolve(), file.resolve().parent, env)


def _build(
    data: Mapping[str, Any], path: Path | None, base: Path, env: Mapping[str, str]
) -> Config:
    known(
        "",
        data,
        (
            "sources",
            "sinks",
            "store",
            "local",
            "model",
            "schedule",
            "sync",
            "report",
            "salesforce",
            "sheets",
            "webhooks",
            "addon",
            "dashboard",
        ),
    )
    sources = _names(data, "sources", ("local",))
    sinks = _names(data, "sinks", sources)
    model = _model(_table(data, "model"), base)
    if model.source == "sheet" and "sheets" not in data:
        raise ConfigError("model.source: 'sheet' needs a [sheets] table")
    for name in {*sources, *sinks} - {"local"}:
        if name not in data:
            raise ConfigError(f"sources: {name!r} is used but there is no [{name}] table")
    return Config(
        path=path,
        base_dir=base,
        sources=sources,
        sinks=sinks,
        store_url=_store_url(_table(data, "store"), base, env),
        local=_local(_table(data, "local"), base),
        model=model,
        schedule=_schedule(_table(data, "schedule")),
        sync=_sync(_table(data, "sync")),
        report=_report(_table(data, "report"), base),
        salesforce=_connector(data, "salesforce", SalesforceConfig.from_mapping, env),
        sheets=_connector(data, "sheets", SheetsConfig.from_mapping, env),
        web=WebSettings.from_tables(
            _table(data, "webhooks"), _table(data, "addon"), _table(data, "dashboard"), env
        ),
        env=env,
    )


def _connector(
    data: Mapping[str, Any],
    key: str,
    parse: Callable[[Mapping[str, Any], Mapping[str, str]], T],
    env: Mapping[str, str],
) -> T | None:
    """Parse a connector's table at load, so a typo fails at start, not inside the 2 a.m. run."""
    return parse(_table(data, key), env) if key in data else None


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{key}: must be a table ([{key}])")
    return value


def _get(
    data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], default: Any, where: str
) -> Any:
    value = data.get(key, default)
    if value is default:
        return value
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        raise ConfigError(f"{where}{key}: expected a number, got {value!r}")
    if not isinstance(value, kind):
        want = kind.__name__ if isinstance(kind, type) else "number"
        raise ConfigError(f"{where}{key}: expected {want}, got {value!r}")
    return value


def _names(data: Mapping[str, Any], key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = data.get(key, list(default))
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise ConfigError(f'{key}: expected a non-empty list such as ["local"]')
    for name in value:
        if name not in CONNECTORS:
            raise ConfigError(f"{key}: unknown connector {name!r} (use {', '.join(CONNECTORS)})")
    return tuple(dict.fromkeys(value))


def _path(value: Any, base: Path, where: str) -> Path:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: expected a file path")
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def _store_url(t: Mapping[str, Any], base: Path, env: Mapping[str, str]) -> str:
    known("store", t, ("url", "url_env"))
    url_env = _get(t, "url_env", str, DATABASE_URL_ENV, "store.")
    in_file = _get(t, "url", str, None, "store.")
    if in_file is not None and has_password(in_file):
        raise secret_in_file("store.url (it holds a password)", url_env, "url_env")
    url = env.get(url_env) or in_file or "sqlite:///tiersync.db"
    if "://" not in url:
        # never echo the value: a malformed URL may still hold a password
        where = url_env if env.get(url_env) else "store.url"
        raise ConfigError(f"{where}: not a database URL (e.g. postgresql://user@host/db)")
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != "sqlite:///:memory:" and not url.startswith("sqlite:////"):
        url = prefix + str(base / url[len(prefix) :])  # relative to the config file, not cwd
    return url


def _local(t: Mapping[str, Any], base: Path) -> LocalSettings:
    known("local", t, ("source", "output", "field_map", "encoding"))
    fmap = _get(t, "field_map", Mapping, {}, "local.")
    if not all(isinstance(v, str) for v in fmap.values()):
        raise ConfigError("local.field_map: every value must be a column name (text)")
    return LocalSettings(
        source=_path(t["source"], base, "local.source") if "source" in t else None,
        output=_path(t.get("output", "tiersync-output/accounts.csv"), base, "local.output"),
        field_map=MappingProxyType(dict(fmap)),
        encoding=_get(t, "encoding", str, None, "local."),
    )


def _model(t: Mapping[str, Any], base: Path) -> ModelSettings:
    known("model", t, ("source", "path"))
    source = _get(t, "source", str, "file" if "path" in t else "default", "model.")
    if source not in MODEL_SOURCES:
        raise ConfigError(f"model.source: {source!r} is not one of {', '.join(MODEL_SOURCES)}")
    if source == "file" and "path" not in t:
        raise ConfigError("model.path: required when model.source is 'file'")
    path = _path(t["path"], base, "model.path") if "path" in t else None
    if path is not None and not path.is_file():
        raise ConfigError(f"model.path: file not found: {path}")
    return ModelSettings(source=source, path=path)


def _schedule(t: Mapping[str, Any]) -> ScheduleSettings:
    known("schedule", t, ("cron", "timezone", "misfire_grace_seconds"))
    s = ScheduleSettings(
        cron=_get(t, "cron", str, "0 2 * * *", "schedule."),
        timezone=_get(t, "timezone", str, "UTC", "schedule."),
        misfire_grace_seconds=_get(t, "misfire_grace_seconds", int, 3600, "schedule."),
    )
    try:
        zoneinfo.ZoneInfo(s.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"schedule.timezone: unknown time zone {s.timezone!r}") from None
    try:
        if "cron" in t or "timezone" in t:  # the default schedule is valid as written
            s.trigger()
    except ValueError as exc:
        raise ConfigError(f"schedule.cron: invalid cron expression {s.cron!r} ({exc})") from None
    if s.misfire_grace_seconds < 1:
        raise ConfigError("schedule.misfire_grace_seconds: must be at least 1")
    return s


def _sync(t: Mapping[str, Any]) -> SyncSettings:
    known("sync", t, ("batch_size", "lock_ttl_seconds", "incremental", "lag_seconds"))
    s = SyncSettings(
        batch_size=_get(t, "batch_size", int, 1000, "sync."),
        lock_ttl_seconds=_get(t, "lock_ttl_seconds", int, 900, "sync."),
        incremental=_get(t, "incremental", bool, False, "sync."),
        lag_seconds=_get(t, "lag_seconds", int, 300, "sync."),
    )
    for key in ("batch_size", "lock_ttl_seconds"):
        if getattr(s, key) < 1:
            raise ConfigError(f"sync.{key}: must be at least 1")
    if s.lag_seconds < 0:
        raise ConfigError("sync.lag_seconds: must not be negative")
    return s


def _report(t: Mapping[str, Any], base: Path) -> ReportSettings:
    known("report", t, ("opportunities", "gross_margin", "investment", "write_to_sheet"))
    margin = float(_get(t, "gross_margin", (int, float), 0.40, "report."))
    if not 0 <= margin <= 1:
        raise ConfigError(f"report.gross_margin: must be between 0 and 1, got {margin}")
    invest = _get(t, "investment", Mapping, DEFAULT_INVESTMENT, "report.")
    for tier, amount in invest.items():
        if isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
            raise ConfigError(f"report.investment.{tier}: expected an amount >= 0, got {amount!r}")
    opps = t.get("opportunities")
    return ReportSettings(
        opportunities=_path(opps, base, "report.opportunities") if opps is not None else None,
        gross_margin=margin,
        investment=MappingProxyType({k: float(v) for k, v in invest.items()}),
        write_to_sheet=_get(t, "write_to_sheet", bool, False, "report."),
    )
