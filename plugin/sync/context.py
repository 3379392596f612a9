"""What one run carries: config, store, scorer, the connectors it opened and its progress.

Built once by `run_sync` (or the worker, or preview) and handed down, so the functions below it
take one argument instead of nine, and tests pass a connector factory instead of patching.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from connectors.base import Connector
from plugin.config import Config
from plugin.store.database import Store
from plugin.wiring import ConnectorFactory, open_connector
from scoring import Scorer, ScoringModel

#: Progress: (accounts done, total when known); n < 0 marks a recorded batch.
Tick = Callable[[int, int | None], None]


def no_progress(n: int, total: int | None) -> None:
    """Report nothing (the default progress callback)."""


@dataclass
class RunContext:
    """One run's shared state; `run_id` None means nothing is recorded (dry run, preview)."""

    config: Config
    store: Store
    scorer: Scorer
    run_id: int | None = None
    factory: ConnectorFactory = open_connector
    tick: Tick = no_progress
    opened: dict[str, Connector] = field(default_factory=dict)
    #: each connector's call count when this run first used it (a worker reuses connectors)
    baseline: dict[str, int] = field(default_factory=dict)

    @property
    def model(self) -> ScoringModel:
        """Return the model this run scores with."""
        return self.scorer.model

    def connector(self, name: str) -> Connector:
        """Return this run's connector for a system, built on first use."""
        if name not in self.opened:
            conn = self.factory(name, self.config)
            self.opened[name] = conn
            self.baseline[name] = conn.api_calls
        return self.opened[name]

    @property
    def api_calls(self) -> int:
        """Return every API call made by the connectors this run opened, reads included."""
        return sum(c.api_calls - self.baseline[n] for n, c in self.opened.items())
