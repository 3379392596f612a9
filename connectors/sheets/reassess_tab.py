"""Reading the Reassessment tab (written by connectors.sheets.layout) into model data.

A sheet without this tab keeps the default rules, so sheets made before it still load.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connectors.sheets.grid import fold, is_blank
from connectors.sheets.layout import FIELD_HEADERS, RULES
from connectors.sheets.status import StatusLine

Path = tuple[str | int, ...]
Row = Mapping[str, tuple[Any, str]]
_RULES = {fold(r): r for r in RULES}
_FIELDS = {fold(k): k for k in FIELD_HEADERS} | {fold(v): k for k, v in FIELD_HEADERS.items()}


class ReassessmentReader:
    """Build the reassessment section from the tab's rows, keeping each value's cell."""

    def __init__(self, put: Any, problems: list[StatusLine], number: Any) -> None:
        self.put, self.problems, self.number = put, problems, number
        self.data: dict[str, Any] = {"upgrade": {"triggers": []}, "downgrade": {}, "capacity": {}}

    def read(self, rows: Sequence[tuple[int, Row]]) -> dict[str, Any]:
        """Return the reassessment data for the rows (in sheet order)."""
        for _, row in rows:
            rule, ref = row["rule"]
            kind = _RULES.get(fold(rule))
            if kind is None:
                self.problems.append(
                    StatusLine(ref, f'unknown rule "{rule}" (use {", ".join(RULES)})')
                )
                continue
            getattr(self, "_" + kind.replace(" ", "_"))(row)
        return self.data

    def _upgrade_trigger(self, row: Row) -> None:
        triggers = self.data["upgrade"]["triggers"]
        path: Path = ("reassessment", "upgrade", "triggers", len(triggers))
        item: dict[str, Any] = {}
        self._tiers(item, path, "from", row["from"])
        to, to_ref = row["to"]
        self.put(item, path, "to", to, None if is_blank(to) else str(to).strip(), to_ref)
        field, f_ref = row["field"]
        self.put(item, path, "field", field, _FIELDS.get(fold(field), field), f_ref)
        self._value(item, path, "min", row)
        label, l_ref = row["label"]
        self.put(item, path, "label", label, "" if is_blank(label) else str(label), l_ref)
        triggers.append(item)

    def _inactivity(self, row: Row) -> None:
        down, path = self.data["downgrade"], ("reassessment", "downgrade")
        self._tiers(down, path, "from", row["from"])
        self._value(down, path, "inactive_days", row)

    def _hysteresis(self, row: Row) -> None:
        self._value(self.data, ("reassessment",), "hysteresis", row)

    def _review_cadence(self, row: Row) -> None:
        self._value(self.data, ("reassessment",), "review_days", row)

    def _capacity(self, row: Row) -> None:
        cap, path = self.data["capacity"], ("reassessment", "capacity")
        for key, column in (("tier", "from"), ("overflow_to", "to")):
            raw, ref = row[column]
            self.put(cap, path, key, raw, None if is_blank(raw) else str(raw).strip(), ref)
        self._value(cap, path, "reps", row)
        cap.setdefault("reps", None)  # blank: the number of owners in the book

    def _tiers(self, item: dict[str, Any], path: Path, key: str, pair: tuple[Any, str]) -> None:
        raw, ref = pair
        names = [] if is_blank(raw) else [t.strip() for t in str(raw).split(",") if t.strip()]
        self.put(item, path, key, raw, names, ref)

    def _value(self, item: dict[str, Any], path: Path, key: str, row: Row) -> None:
        raw, ref = row["value"]
        value = self.number(raw)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        self.put(item, path, key, raw, value, ref)
