"""The progress bar of `score` and `sync`: count, total and time left on a terminal, else nothing.

click's own progressbar draws it (no extra dependency; it already sizes itself to the terminal
and computes the time left from a rolling average). Output that is not a terminal (a log file,
cron mail, a pipe) gets no bar at all, so logs stay clean.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO, TypeVar

import click

T = TypeVar("T")
_CHUNK = 1 << 20
_STEP = 500  # redraw at most every 500 records: drawing costs more than scoring one


def estimate_rows(path: Path) -> int | None:
    """Return the data rows of a CSV file, counted as lines (None when it cannot be read)."""
    # A line count is exact for ordinary exports and a close estimate when cells hold line
    # breaks; reading bytes is fast enough to run before a long job.
    try:
        with path.open("rb") as handle:
            lines, last = 0, b"\n"
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
    except OSError:
        return None
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0)


class Progress:
    """A bar on stderr that knows its total; silent unless stderr is a terminal."""

    def __init__(self, label: str, enabled: bool | None = None, file: TextIO | None = None):
        self.label = label
        self.file = file or sys.stderr
        self.enabled = self.file.isatty() if enabled is None else enabled
        self.bar: Any = None
        self.position = 0
        self._offset = 0
        self._last = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close(done=kind is None)

    def _open(self, total: int) -> None:
        self.bar = click.progressbar(
            length=max(total, 1),
            label=self.label,
            file=self.file,
            show_pos=True,
            show_eta=True,
            show_percent=True,
            update_min_steps=1,
        )
        self.bar.__enter__()

    def advance(self, steps: int, total: int | None) -> None:
        """Move the bar forward by steps; total (records) opens it on first use."""
        if not self.enabled or steps <= 0:
            return
        self.position += steps
        if self.bar is None:
            if not total:
                self._count_only()
                return
            self._open(total)
        # A next source adds to the total; a low line estimate (quoted line breaks) grows too.
        self.bar.length = max(self.bar.length, total or 0, self.position)
        self.bar.update(steps)

    def reached(self, n: int, total: int | None) -> None:
        """Set the bar to n of total; a smaller n starts the next source after the last."""
        if n < 0:
            return
        if n < self._last:
            self._offset += self._last
        self._last = n
        whole = self._offset + total if total else None
        self.advance(self._offset + n - self.position, whole)

    def _count_only(self) -> None:
        # No total known: a count is all that can be shown honestly (no time left).
        self.file.write(f"\r{self.label} {self.position:,}")
        self.file.flush()

    def close(self, done: bool = True) -> None:
        """Fill the bar when the work is done, then end its line."""
        if self.bar is not None:
            if done:
                self.bar.update(max(self.bar.length - self.position, 0))
            self.bar.__exit__(None, None, None)
            self.bar = None
        elif self.enabled and self.position:
            self.file.write("\n")

    def counting(
        self, records: Callable[[], Iterable[T]], total: int | None
    ) -> Callable[[], Iterator[T]]:
        """Wrap a record source so every record read moves the bar (each pass counts)."""

        def read() -> Iterator[T]:
            pending = 0
            for record in records():
                yield record
                pending += 1
                if pending == _STEP:
                    self.advance(pending, total)
                    pending = 0
            self.advance(pending, total)

        return read
