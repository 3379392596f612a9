"""The configuration: every table of `tiersync.toml` typed and validated when it is loaded.

`load_config` is the one entry: a typo in any table (the plugin's own, a connector's or the
web tables) raises a ConfigError naming `table.key` before any run starts.
"""

from plugin.config.file import (
    CONFIG_NAME,
    Config,
    LocalSettings,
    ModelSettings,
    ReportSettings,
    ScheduleSettings,
    SyncSettings,
    load_config,
)
from plugin.config.web import WebSettings

__all__ = [
    "CONFIG_NAME",
    "Config",
    "LocalSettings",
    "ModelSettings",
    "ReportSettings",
    "ScheduleSettings",
    "SyncSettings",
    "WebSettings",
    "load_config",
]
