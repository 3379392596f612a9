"""Sync now, from the add-on: one run at a time, and at most one start per interval.

The last start is kept in the store (a watermark), so every `serve` process sharing it counts
the same interval; the run lock still keeps the run itself to one at a time.
"""

from __future__ import annotations

import math
import threading

from plugin.errors import LockHeld
from plugin.sync.run import run_sync
from plugin.web.resources import Resources

SYNC_MARK = "addon-sync-started"

_sync_lock = threading.Lock()


def start_sync(res: Resources) -> tuple[str, list[str]]:
    """Start a sync in a background thread, unless one runs or one started too recently."""
    holder = res.store.lock_holder("sync")
    if holder is not None or _sync_lock.locked():
        return "Sync already running", ["The run appears under Last run when it finishes."]
    now, mark = res.clock(), res.store.get_watermark(SYNC_MARK)
    since = now - float(mark) if mark else math.inf
    if since < res.settings.sync_interval:
        wait = math.ceil(res.settings.sync_interval - since)
        return "Sync not started", [
            f"A sync started {since:.0f} s ago; the next can start in {wait} s."
        ]
    res.store.set_watermark(SYNC_MARK, f"{now:.3f}")

    def run() -> None:
        with _sync_lock:
            try:
                run_sync(res.config, store=res.store)
            except LockHeld:  # a nightly run started meanwhile: it does the same work
                return
            except Exception:  # run_sync recorded the failed run; the card shows it
                return

    threading.Thread(target=run, name="tiersync-sync-now", daemon=True).start()
    return "Sync started", ["The run appears under Last run when it finishes."]
