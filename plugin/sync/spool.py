"""Replay a stream without holding it in memory: kept in memory while small, then a temporary
file of pickled chunks."""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, Generic, TypeVar

T = TypeVar("T")


class Spool(Generic[T]):
    """Append items, then read them back in order as many times as needed.

    The first `keep` items stay in memory (nothing is pickled for a small book or a webhook
    batch); the chunks after them go to a temporary file, so memory stays bounded whatever the
    number of items. `pack` and `unpack` turn an item into plain tuples and back: pickle
    handles those several times faster than slotted dataclasses.
    """

    def __init__(
        self,
        chunk: int = 1000,
        *,
        keep: int = 0,
        pack: Callable[[T], Any] | None = None,
        unpack: Callable[[Any], T] | None = None,
    ) -> None:
        self._file: IO[bytes] | None = None
        self._chunk = chunk
        self._keep = keep
        self._pack, self._unpack = pack, unpack
        self._kept: list[list[T]] = []  # the chunks of the first `keep` items
        self._buffer: list[T] = []
        self.count = 0

    @property
    def on_disk(self) -> bool:
        """Return True once items past `keep` went to the temporary file."""
        return self._file is not None

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
        if not self._buffer:
            return
        if self.count <= self._keep:
            self._kept.append(self._buffer)
        else:
            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix="tiersync-spool-")  # noqa: SIM115
            self._dump(self._buffer)
        self._buffer = []

    def _dump(self, chunk: list[T]) -> None:
        assert self._file is not None
        self._file.seek(0, 2)  # after the last chunk, even if a replay stopped half-way
        packed = chunk if self._pack is None else list(map(self._pack, chunk))
        pickle.dump(packed, self._file, protocol=pickle.HIGHEST_PROTOCOL)

    def chunks(self) -> Iterator[list[T]]:
        """Yield the items back in chunks, in the order they were added."""
        self._flush()
        yield from list(self._kept)
        if self._file is None:
            return
        self._file.seek(0)
        while True:
            try:
                chunk: list[Any] = pickle.load(self._file)
            except EOFError:
                return
            yield chunk if self._unpack is None else list(map(self._unpack, chunk))

    def __iter__(self) -> Iterator[T]:
        for chunk in self.chunks():
            yield from chunk

    def close(self) -> None:
        """Delete the file and forget the items."""
        if self._file is not None:
            self._file.close()
        self._kept, self._buffer = [], []

    def __enter__(self) -> Spool[T]:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
