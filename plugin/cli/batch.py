"""Process settings for the commands that stream a whole book (`score`, `sync`)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: Collect young objects every 50,000 allocations instead of 700: a book's records and
#: results hold no reference cycles, so frequent collections only re-scan live data.
YOUNG_THRESHOLD = 50_000


@contextmanager
def batch_mode() -> Iterator[None]:
    """Tune the garbage collector for a run over many records; restore it afterwards."""
    before = gc.get_threshold()
    gc.freeze()  # what is loaded by now (modules, config, model) is kept for the whole run
    gc.set_threshold(YOUNG_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
