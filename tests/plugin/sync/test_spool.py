"""The spool replays what was appended, in order, from memory while small and from disk after."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from plugin.store.accounts import State
from plugin.sync.packing import pack_entry, unpack_entry
from plugin.sync.spool import Spool
from scoring import DEFAULT_MODEL, AccountRecord, Outputs, Scorer, load_model

SCORER = Scorer(load_model(DEFAULT_MODEL))


def test_a_small_spool_never_touches_the_disk() -> None:
    with Spool[int](10, keep=100) as spool:
        spool.extend(range(95))
        assert list(spool) == list(range(95))
        assert not spool.on_disk  # nothing pickled for a small book


def test_items_past_keep_go_to_disk_and_all_come_back_in_order() -> None:
    with Spool[int](10, keep=25) as spool:
        spool.extend(range(1000))
        assert spool.on_disk
        assert list(spool) == list(range(1000))
        assert list(spool) == list(range(1000))  # as many times as needed
        assert [len(c) for c in spool.chunks()] == [10] * 100


def test_appending_after_a_replay_stopped_half_way_keeps_every_item() -> None:
    with Spool[int](10) as spool:
        spool.extend(range(50))
        next(iter(spool))  # a reader stops early
        spool.extend(range(50, 60))
        assert list(spool) == list(range(60))


fields = st.dictionaries(
    st.sampled_from(["arr_potential", "employees", "industry", "tech_fit", "owner", "#3"]),
    st.one_of(st.none(), st.text(max_size=8), st.integers(), st.floats(allow_nan=False)),
)
outputs = st.builds(
    Outputs,
    st.one_of(st.none(), st.sampled_from(["Tier 1", "Tier 4"])),
    st.one_of(st.none(), st.floats(0, 100)),
)


@settings(max_examples=50)
@given(fields, outputs, st.one_of(st.none(), outputs), st.one_of(st.none(), st.just("Tier 2")))
def test_an_entry_comes_back_equal_through_the_packed_form(
    values: dict[str, object], current: Outputs, previous: Outputs | None, override: str | None
) -> None:
    record = AccountRecord("A-1", values, current, override, previous)
    result = SCORER.score(record)
    state = State("A-1", "Tier 3", 41.0, "At Risk", "Nurture", "reason", "rep", "Acme", True)
    for entry in [(record, result, state, True), (record, result, None, False)]:
        with Spool[Any](2, keep=0, pack=pack_entry, unpack=unpack_entry) as spool:
            spool.extend([entry, entry, entry])
            assert list(spool) == [entry] * 3
