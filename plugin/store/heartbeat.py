"""A lock's heartbeat: a background thread renews it every ttl/3 while its run is alive.

Renewing from a thread, not from the run's loop, keeps the lock through every long phase —
reading a large source, spooling, a slow write — so no live run loses it to expiry.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from plugin.store.database import Store

log = logging.getLogger(__name__)


class Heartbeat:
    """Renew lock `name` for `holder` until stopped; `lost` is set if another holder took it."""

    def __init__(self, store: Store, name: str, holder: str, ttl: float) -> None:
        self.store, self.name, self.holder, self.ttl = store, name, holder, ttl
        self.interval = max(ttl / 3, 0.05)
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name=f"tiersync-{name}-lock", daemon=True
        )

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=max(self.interval, 5.0))

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                renewed = self.store.refresh_lock(self.name, self.holder, self.ttl)
            except Exception as exc:  # a passing database error: the next beat tries again
                log.warning("could not renew the %s lock: %s", self.name, type(exc).__name__)
                continue
            if not renewed:
                self.lost.set()
                return
