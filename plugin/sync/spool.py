"""A temporary file of pickled chunks: replay a stream without holding it in memory."""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any, Generic, TypeVar

T = TypeVar("T")


class Spool(Generic[T]):
    """Append items, then read them back in order as many times as needed."""

    def __init__(self, chunk: int = 1000) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="tiersync-spool-")  # noqa: SIM115
        self._chunk = chunk
        self._buffer: list[T] = []
        self.count = 0

    def append(self, item: T) -> None:
        """Add one item."""
        self._buffer.append(item)
        self.count += 1
        if len(self._buffer) >= self._chunk:
            self._flush()

    def extend(self, items: Iterable[T]) -> Spool[T]:
        """Add every item and return the spool."""
        for item in items:
            self.append(item)
        return self

    def _flush(self) -> None:
        if self._buffer:
            pickle.dump(self._buffer, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._buffer = []

    def chunks(self) -> Iterator[list[T]]:
        """Yield the items back in chunks, in the order they were added."""
        self._flush()
        self._file.seek(0)
        while True:
            try:
                chunk: list[T] = pickle.load(self._file)
            except EOFError:
                return
            yield chunk

    def __iter__(self) -> Iterator[T]:
        for chunk in self.chunks():
            yield from chunk

    def close(self) -> None:
        """Delete the file."""
        self._file.close()

    def __enter__(self) -> Spool[T]:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
