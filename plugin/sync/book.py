"""One system's accounts scored as a book: one scoring pass, then capacity over the whole book.

Every path goes through `BookScorer`: a full sync with what it read, an incremental sync or a
webhook batch with what it read over the store's last standings of the rest, `preview` and the
dry run. Accounts whose capacity standing flips because of the batch (the one displaced from a
full Tier 1, the one promoted into a freed slot) are re-read and decided in the same batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

from connectors.base import RecordFailure
from plugin.sync.packing import pack_entry, unpack_entry
from plugin.sync.spool import Spool
from scoring import AccountRecord, Book, Result, Scorer, standing

if TYPE_CHECKING:  # the store is not needed to score a file (`tiersync score` starts light)
    from plugin.store.accounts import State

#: (record, result before capacity, stored state, counts against capacity)
Entry = tuple[AccountRecord, Result, "State | None", bool]
Decided = tuple[AccountRecord, Result, "State | None", bool]
ReadIds = Callable[[Iterable[str]], Iterable[AccountRecord]]
RIPPLE_ROUNDS = 3
KEEP = 50_000  # entries held in memory (about 2 KB each); the rest of a book is spooled


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Yield lists of up to size items."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


class BookScorer:
    """Score records once, rank capacity over the book, then replay the decided results."""

    def __init__(self, scorer: Scorer, book: Book, size: int = 1000) -> None:
        self.scorer = scorer
        self.book = book
        self.spool: Spool[Entry] = Spool(size, keep=KEEP, pack=pack_entry, unpack=unpack_entry)
        self.seen: set[str] = set()
        self.repeats: dict[str, int] = {}  # account id -> extra occurrences skipped
        #: stored accounts that sat in the overflow tier because of capacity (partial books)
        self.stored_over: set[str] = set()

    def load_stored(self, rows: Iterable[tuple[Any, str | None]]) -> None:
        """Put the store's last standings of every account (partial runs rank against them)."""
        cap = self.scorer.model.reassessment.capacity_tier
        for s, tier in rows:
            self.book.put(s)
            if s.candidate and tier != cap:
                self.stored_over.add(s.account_id)

    def add(self, record: AccountRecord, state: State | None) -> Result | None:
        """Score one record before capacity; a repeated key is noted once and not scored."""
        if record.account_id in self.seen:
            self.repeats[record.account_id] = self.repeats.get(record.account_id, 0) + 1
            return None
        self.seen.add(record.account_id)
        result = self.scorer.score(record)
        place = standing(record, result, self.scorer.model)
        self.book.put(place)
        self.spool.append((record, result, state, place.candidate))
        return result

    @property
    def duplicates(self) -> list[RecordFailure]:
        """Return one note per repeated account id: scored once, the later rows skipped."""
        return [
            RecordFailure(
                aid,
                "DUPLICATE_KEY",
                f"account id appears {n + 1} times; the first row was used, {n} skipped",
            )
            for aid, n in self.repeats.items()
        ]

    def ripple(self, read_ids: ReadIds, attach: Callable[..., Any]) -> int:
        """Re-read the accounts whose capacity standing flipped; return how many were added."""
        added = 0
        for _ in range(RIPPLE_ROUNDS):
            flipped = (self.book.overflow() ^ self.stored_over) - self.seen
            if not flipped:
                break
            for record, state in attach(read_ids(sorted(flipped))):
                added += self.add(record, state) is not None
            self.seen |= flipped  # an id the system no longer returns is not asked for again
        return added

    def decided(self) -> Iterator[Decided]:
        """Yield every account with its final result (capacity applied), in reading order."""
        over = self.book.overflow()
        for record, result, state, candidate in self.spool:
            if record.account_id in over:
                result = self.scorer.score(record, over_capacity=True)
            yield record, result, state, candidate

    def close(self) -> None:
        """Delete the spool."""
        self.spool.close()


def score_all(scorer: Scorer, records: Iterable[AccountRecord], size: int = 1000) -> BookScorer:
    """Score records as one whole book with no store behind it (`tiersync score`)."""
    scored = BookScorer(scorer, Book(scorer.model), size)
    for record in records:
        scored.add(record, None)
    return scored


def final_pairs(scored: BookScorer) -> Iterator[tuple[AccountRecord, Result]]:
    """Yield (record, final result) of a scored book, capacity applied."""
    return ((record, result) for record, result, _, _ in scored.decided())
