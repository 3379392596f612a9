"""The model tabs read into plain model data, with every value's cell kept for error messages."""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

from connectors.sheets.conditions import ConditionError, parse_conditions
from connectors.sheets.grid import (
    Table,
    cell,
    cell_ref,
    column_letter,
    fold,
    is_blank,
    read_table,
)
from connectors.sheets.layout import (
    ACTIONS,
    BANDS,
    COLUMNS,
    FIELD_HEADERS,
    HEALTH,
    MODEL_TABS,
    REASSESSMENT,
    TIERS,
    WEIGHTS,
)
from connectors.sheets.reassess_tab import ReassessmentReader
from connectors.sheets.status import Path, SheetModel, StatusLine
from scoring import DEFAULT_MODEL
from scoring.errors import InvalidValue
from scoring.parse import parse_number

_SOURCES = {fold(k): k for k in FIELD_HEADERS} | {fold(v): k for k, v in FIELD_HEADERS.items()}
_BAD = object()
_SECTIONS = {
    WEIGHTS: "criteria",
    TIERS: "tiers",
    HEALTH: "health",
    ACTIONS: "next_actions",
}  # a value that is present but could not be read


def _number(raw: Any, percent: float = 1.0) -> Any:
    """Read '30%', '$100,000', '1,200' or 15; percent scales a trailing % (30% → 30 or 0.3)."""
    if raw is None or isinstance(raw, (int, float)):
        return raw
    text = str(raw).strip()
    try:
        value = parse_number(text)
    except InvalidValue:
        return _BAD
    if value is None:
        return None
    value = value * percent if text.endswith("%") else value
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


class _Reader:
    """Builds plain data from the tables, recording the cell of every value it puts."""

    def __init__(self, tables: Mapping[str, Table]) -> None:
        self.tables = tables
        self.model = SheetModel(copy.deepcopy(dict(DEFAULT_MODEL)))

    def put(
        self, item: dict[str, Any], path: Path, key: str, raw: Any, value: Any, ref: str
    ) -> None:
        self.model.cells[(*path, key)] = (ref, raw)
        if value is _BAD:
            item[key] = raw  # kept as read so the schema reports it at this very path
        elif value is not None:
            item[key] = value

    def rows(self, tab: str) -> list[tuple[int, dict[str, tuple[Any, str]]]]:
        table = self.tables.get(tab)
        section = _SECTIONS.get(tab)
        if table is None:
            if section:
                self.model.broken.add(section)
            self.model.problems.append(
                StatusLine(tab, f"the {tab} tab is missing: run 'tiersync sheets init' to add it")
            )
            return []
        cols = {c.key: table.find(*c.headers) for c in COLUMNS[tab]}
        for c in COLUMNS[tab]:
            if cols[c.key] is None and c.required:
                if section:
                    self.model.broken.add(section)
                self.model.problems.append(
                    StatusLine(
                        cell_ref(table.tab, max(table.header_row, 1), table.width),
                        f"the {tab} tab has no '{c.title}' column (headers are found by name)",
                    )
                )
        return [
            (n, {k: (cell(row, i), cell_ref(table.tab, n, i or 0)) for k, i in cols.items()})
            for n, row in table.rows
        ]

    def weights(self) -> list[dict[str, Any]]:
        criteria: list[dict[str, Any]] = []
        for _, row in self.rows(WEIGHTS):
            path: Path = ("criteria", len(criteria))
            item: dict[str, Any] = {}
            (name, ref), (label, _) = row["name"], row["label"]
            self.model.cells[path] = (ref, name)
            self.put(item, path, "name", name, str(name if name is not None else label or ""), ref)
            if not is_blank(label):
                item["label"] = str(label)
            source, src_ref = row["field"]
            folded = _SOURCES.get(fold(source), str(source) if source is not None else None)
            self.put(item, path, "field", source, folded, src_ref)
            self.put(item, path, "weight", *_num_at(row["weight"], 1.0))
            for key in ("missing_points", "other_points"):
                self.put(item, path, key, *_num_at(row[key], 1.0))
            criteria.append(item)
        return criteria

    def no_criteria(self) -> None:
        """Say once that the Weights tab holds no criteria (its bands would each repeat it)."""
        table = self.tables.get(WEIGHTS)
        if table is None or "criteria" in self.model.broken:
            return  # already said: the tab or a column is missing
        self.model.broken.add("criteria")
        self.model.problems.append(
            StatusLine(
                cell_ref(table.tab, max(table.header_row, 1) + 1, 0),
                "the Weights tab lists no criteria: add one row per criterion "
                "(name, weight, source field), or run 'tiersync sheets init --force'",
            )
        )

    def bands(self, criteria: list[dict[str, Any]]) -> None:
        if not criteria:  # every band row would name an "unknown criterion"
            self.rows(BANDS)  # still report a missing Bands tab or column
            return
        index = {fold(c.get(k)): i for i, c in enumerate(criteria) for k in ("label", "name")}
        index.pop("", None)
        current: Any = None
        for n, row in self.rows(BANDS):
            name, ref = row["criterion"]
            current = current if is_blank(name) else name  # blank: merged with the row above
            i = index.get(fold(current))
            if i is None:
                self.model.problems.append(
                    StatusLine(ref, f'unknown criterion "{current}": it is not in the Weights tab')
                )
                continue
            self._band(criteria[i], ("criteria", i), n, row)

    def _band(self, crit: dict[str, Any], path: Path, n: int, row: Mapping[str, Any]) -> None:
        (value, ref), (points, p_ref) = row["value"], row["points"]
        minimum = _number(value)
        if is_blank(value):
            self.model.problems.append(StatusLine(ref, "min value or category is blank"))
        elif minimum is _BAD or minimum is None:
            cats = crit.setdefault("categories", {})
            key = str(value)
            if key in cats:
                self.model.problems.append(StatusLine(ref, f'category "{key}" is listed twice'))
            self.put(cats, (*path, "categories"), key, points, _number(points), p_ref)
        else:
            bands = crit.setdefault("bands", [])
            bpath: Path = (*path, "bands", len(bands))
            band: dict[str, Any] = {}
            self.model.cells[bpath] = (ref, value)
            self.put(band, bpath, "min", value, minimum, ref)
            self.put(band, bpath, "points", points, _number(points), p_ref)
            bands.append(band)

    def tiers(self) -> list[dict[str, Any]]:
        tiers: list[dict[str, Any]] = []
        for _, row in self.rows(TIERS):
            path: Path = ("tiers", len(tiers))
            item: dict[str, Any] = {}
            name, ref = row["name"]
            self.model.cells[path] = (ref, name)
            self.put(item, path, "name", name, "" if name is None else str(name), ref)
            self.put(item, path, "min_score", *_num_at(row["min_score"], 1.0))
            self.put(item, path, "target_share", *_num_at(row["target_share"], 0.01))
            self.put(item, path, "accounts_per_rep", *_num_at(row["accounts_per_rep"], 1.0))
            playbook, p_ref = row["playbook"]
            self.put(
                item, path, "playbook", playbook, None if playbook is None else str(playbook), p_ref
            )
            tiers.append(item)
        return tiers

    def health(self) -> list[dict[str, Any]]:
        bands: list[dict[str, Any]] = []
        for _, row in self.rows(HEALTH):
            path: Path = ("health", len(bands))
            item: dict[str, Any] = {}
            status, ref = row["status"]
            self.model.cells[path] = (ref, status)
            self.put(item, path, "status", status, "" if status is None else str(status), ref)
            self.put(item, path, "min_engagement", *_num_at(row["min_engagement"], 1.0))
            bands.append(item)
        return bands

    def actions(self) -> list[dict[str, Any]]:
        rows = self.rows(ACTIONS)
        for _, row in rows:
            order, ref = row["order"]
            if _number(order) is _BAD:
                self.model.problems.append(
                    StatusLine(ref, f'order must be a number, got "{order}"')
                )
        # "Order" lets a manager re-rank rules without moving rows; ties keep the sheet's order
        rows.sort(key=lambda r: (_order(r[1]["order"][0]), r[0]))
        rules: list[dict[str, Any]] = []
        for _, row in rows:
            path: Path = ("next_actions", len(rules))
            rule: dict[str, Any] = {}
            (text, ref), (action, a_ref) = row["when"], row["action"]
            self.model.cells[path] = (ref, text)
            try:
                rule["when"] = parse_conditions(text)
            except ConditionError as exc:
                rule["when"] = str(text)
                self.model.notes[(*path, "when")] = str(exc)
            self.model.cells[(*path, "when")] = (ref, text)
            self.put(rule, path, "action", action, "" if action is None else str(action), a_ref)
            rules.append(rule)
        return rules


def _num_at(pair: tuple[Any, str], percent: float) -> tuple[Any, Any, str]:
    raw, ref = pair
    return raw, _number(raw, percent), ref


def _order(raw: Any) -> float:
    value = _number(raw)
    return float(value) if isinstance(value, (int, float)) else math.inf


def tabs_to_model(tables: Mapping[str, Table]) -> SheetModel:
    """Read the model tabs (keyed by their canonical names) into plain data for load_model."""
    reader = _Reader(tables)
    criteria = reader.weights()
    if not criteria:
        reader.no_criteria()
    reader.bands(criteria)
    data = reader.model.data
    data["criteria"] = criteria
    data["tiers"] = reader.tiers()
    data["health"] = reader.health()
    data["next_actions"] = reader.actions()
    if REASSESSMENT in tables:  # optional: sheets made before the tab keep the default rules
        read = ReassessmentReader(reader.put, reader.model.problems, _number)
        data["reassessment"] = read.read(reader.rows(REASSESSMENT))
    _locate_columns(reader.model, tables)
    return reader.model


def _locate_columns(model: SheetModel, tables: Mapping[str, Table]) -> None:
    # issues about a whole list (weights sum, target shares) point at the column that adds up
    for path, tab, key in ((("criteria",), WEIGHTS, "weight"), (("tiers",), TIERS, "target_share")):
        table = tables.get(tab)
        col = next((c for c in COLUMNS[tab] if c.key == key), None)
        index = table.find(*col.headers) if table and col else None
        if table and index is not None and table.rows:
            letter = column_letter(index)
            first, last = table.rows[0][0], table.rows[-1][0]
            model.cells[path] = (f"{cell_ref(table.tab, first, index)}:{letter}{last}", None)


def model_tables(grids: Mapping[str, tuple[str, list[list[Any]]]]) -> dict[str, Table]:
    """Map canonical tab name → Table from (actual title, values) pairs."""
    return {tab: read_table(title, values) for tab, (title, values) in grids.items()}


__all__ = ["MODEL_TABS", "SheetModel", "StatusLine", "model_tables", "tabs_to_model"]
