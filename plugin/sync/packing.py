"""Book entries as plain tuples for the spool, and back.

Slotted frozen dataclasses pickle through `dataclasses.fields()` on every object, which made
pickling most of a `tiersync score` run; tuples of their values pickle in C.
"""

from __future__ import annotations

from typing import Any

from scoring import AccountRecord, Outputs, Result, TierChange

_NONE = (None, None, None, None, None)
_EMPTY = Outputs()  # frozen: one shared instance stands for every "nothing written yet"


def pack_entry(entry: tuple[AccountRecord, Result, Any, bool]) -> tuple[Any, ...]:
    """Return an entry (record, result, stored state, candidate) as one tuple of plain values."""
    record, result, state, candidate = entry
    previous, change = record.previous, result.change
    return (
        record.account_id,
        record.fields,
        _values(record.current),
        record.tier_override,
        None if previous is None else _values(previous),
        result.account_id,
        result.tier,
        result.score,
        result.health,
        result.next_action,
        result.reason,
        result.issues,
        None if change is None else (change.from_tier, change.to_tier, change.why),
        result.campaign_track,
        result.score_tier,
        state,
        candidate,
    )


def unpack_entry(p: tuple[Any, ...]) -> tuple[AccountRecord, Result, Any, bool]:
    """Return the entry a tuple from `pack_entry` holds."""
    previous = None if p[4] is None else _outputs(p[4])
    record = AccountRecord(p[0], p[1], _outputs(p[2]), p[3], previous)
    change = None if p[12] is None else TierChange(*p[12])
    result = Result(p[5], p[6], p[7], p[8], p[9], p[10], p[11], change, p[13], p[14])
    return record, result, p[15], p[16]


def _values(o: Outputs) -> tuple[Any, ...]:
    return (o.tier, o.score, o.health, o.next_action, o.reason)


def _outputs(values: tuple[Any, ...]) -> Outputs:
    return _EMPTY if values == _NONE else Outputs(*values)
