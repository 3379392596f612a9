"""A stateful Sheets API v4 fake on `responses`, answering with payloads shaped like the real API.

Only the calls tiersync (and gspread's update_cell, for the benchmark) make are served:
spreadsheet metadata, values:batchGet, values:batchUpdate, values.update and :batchUpdate
(addSheet, appendDimension, updateCells). The OAuth token exchange is answered too, so a real
gspread.Client with real service-account credentials is used, exactly as in production.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import gspread
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from connectors.sheets.api import load_credentials, make_client

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sheets"
KEY = "1TiersyncTestSheetKey0000000000000000000000"
BASE = "https://sheets.googleapis.com/v4/spreadsheets"
TOKEN_URL = "https://oauth2.googleapis.com/token"


def fixture(name: str) -> Any:
    """Load a JSON fixture of tests/fixtures/sheets."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def service_account_info() -> dict[str, str]:
    """Return a throwaway service-account key (a fresh RSA key, never a real account)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return {
        "type": "service_account",
        "project_id": "tiersync-test",
        "private_key_id": "0123456789abcdef",
        "private_key": pem,
        "client_email": "tiersync@tiersync-test.iam.gserviceaccount.com",
        "client_id": "123456789012345678901",
        "token_uri": TOKEN_URL,
    }


def real_client() -> gspread.Client:
    """Return a gspread client authorised as in production (the token call is mocked)."""
    env = {"TIERSYNC_GOOGLE_SERVICE_ACCOUNT": json.dumps(service_account_info())}
    return make_client(load_credentials(None, env=env))


def col_index(letters: str) -> int:
    """Return the 0-based index of A1 column letters."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


@dataclass
class Tab:
    """One sheet of the fake: a grid of stored values and its size."""

    sheet_id: int
    title: str
    rows: list[list[Any]]
    row_count: int = 1000
    col_count: int = 26
    percent: set[tuple[int, int]] = field(default_factory=set)

    def set(self, r: int, c: int, value: Any) -> None:
        while len(self.rows) <= r:
            self.rows.append([])
        row = self.rows[r]
        while len(row) <= c:
            row.append("")
        row[c] = "" if value is None else value


def _render(value: Any, pct: bool, formatted: bool) -> Any:
    if not formatted or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if pct:
        return f"{value * 100:g}%"
    return f"{value:.10g}" if isinstance(value, float) else str(value)


def _trim(rows: list[list[Any]]) -> list[list[Any]]:
    out = []
    for row in rows:
        row = list(row)
        while row and row[-1] in ("", None):
            row.pop()
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out


_A1 = re.compile(r"^(?:'((?:[^']|'')+)'|([^!]+))(?:!([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?)?$")


class FakeSheets:
    """The spreadsheet's state plus the responses callbacks that read and change it."""

    def __init__(self, key: str = KEY) -> None:
        self.key = key
        self.tabs: dict[str, Tab] = {}
        self.calls: list[tuple[str, Any]] = []  # (kind, request detail), token excluded
        self.token_calls = 0
        self.before: dict[tuple[str, int], Callable[[FakeSheets], None]] = {}
        self.errors: dict[str, list[str]] = {}  # kind → fixture names answered before success

    # -- state -------------------------------------------------------------------------------
    def add_tab(self, title: str, rows: list[list[Any]], **size: int) -> Tab:
        """Add a tab holding rows (stored values, as a person typed them)."""
        sheet_id = max((t.sheet_id for t in self.tabs.values()), default=-1) + 1
        tab = Tab(sheet_id, title, [list(r) for r in rows], **size)
        self.tabs[title] = tab
        return tab

    def seed(self, name: str) -> FakeSheets:
        """Add the tabs of a values:batchGet fixture."""
        for vr in fixture(name)["valueRanges"]:
            title = _parse_range(vr["range"])[0]
            self.add_tab(title, vr.get("values", []))
        return self

    def values(self, title: str) -> list[list[Any]]:
        """Return a tab's rows as stored, trailing blanks trimmed."""
        return _trim(self.tabs[title].rows)

    def count(self, kind: str) -> int:
        """Return how many calls of a kind were made."""
        return sum(1 for k, _ in self.calls if k == kind)

    # -- wiring ------------------------------------------------------------------------------
    def install(self, rsps: responses.RequestsMock) -> FakeSheets:
        """Register the token endpoint and the Sheets endpoints on a RequestsMock."""
        root = re.escape(f"{BASE}/{self.key}")
        rsps.add_callback(responses.POST, TOKEN_URL, callback=self._token)
        routes = [
            (responses.GET, rf"{root}(\?.*)?$", "metadata", self._metadata),
            (responses.GET, rf"{root}/values:batchGet(\?.*)?$", "batchGet", self._batch_get),
            (responses.POST, rf"{root}/values:batchUpdate$", "valuesBatchUpdate", self._write),
            (responses.PUT, rf"{root}/values/[^:]+(\?.*)?$", "valuesUpdate", self._update),
            (responses.GET, rf"{root}/values/[^:]+(\?.*)?$", "valuesGet", self._get),
            (responses.POST, rf"{root}:batchUpdate$", "batchUpdate", self._structure),
        ]
        for method, pattern, kind, handler in routes:
            rsps.add_callback(method, re.compile(pattern), callback=self._wrap(kind, handler))
        return self

    def _token(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.token_calls += 1
        return 200, {}, json.dumps(fixture("token"))

    def _wrap(self, kind: str, handler: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def callback(request: Any) -> tuple[int, dict[str, str], str]:
            assert request.headers["Authorization"] == "Bearer ya29.c.test-access-token"
            self.calls.append((kind, request.url if request.body is None else request.body))
            hook = self.before.pop((kind, self.count(kind)), None)
            if hook:
                hook(self)
            pending = self.errors.get(kind)
            if pending:
                body = fixture(pending.pop(0))
                return body["error"]["code"], {}, json.dumps(body)
            try:
                return 200, {}, json.dumps(handler(request))
            except _ApiError as exc:
                return exc.code, {}, json.dumps(exc.body)

        return callback

    # -- endpoints ---------------------------------------------------------------------------
    def _metadata(self, request: Any) -> dict[str, Any]:
        meta = fixture("metadata")
        sheets = []
        for i, tab in enumerate(self.tabs.values()):
            grid = {"rowCount": tab.row_count, "columnCount": tab.col_count}
            props = {"sheetId": tab.sheet_id, "title": tab.title, "index": i}
            sheets.append({"properties": {**props, "sheetType": "GRID", "gridProperties": grid}})
        return {"spreadsheetId": self.key, "properties": meta["properties"], "sheets": sheets}

    def _tab(self, name: str, rng: str) -> Tab:
        if name not in self.tabs:
            raise _ApiError.from_fixture("error_400_range", range=rng)
        return self.tabs[name]

    def _batch_get(self, request: Any) -> dict[str, Any]:
        query = parse_qs(urlsplit(request.url).query)
        formatted = query.get("valueRenderOption", ["FORMATTED_VALUE"])[0] == "FORMATTED_VALUE"
        ranges = [self._value_range(rng, formatted) for rng in query["ranges"]]
        return {"spreadsheetId": self.key, "valueRanges": ranges}

    def _value_range(self, rng: str, formatted: bool) -> dict[str, Any]:
        tab = self._tab(_parse_range(rng)[0], rng)
        rows = [
            [_render(v, (r, c) in tab.percent, formatted) for c, v in enumerate(row)]
            for r, row in enumerate(tab.rows)
        ]
        vr: dict[str, Any] = {"range": f"{rng}!A1:Z{tab.row_count}", "majorDimension": "ROWS"}
        if _trim(rows):
            vr["values"] = _trim(rows)
        return vr

    def _get(self, request: Any) -> dict[str, Any]:
        parts = urlsplit(request.url)
        query = parse_qs(parts.query)
        formatted = query.get("valueRenderOption", ["FORMATTED_VALUE"])[0] == "FORMATTED_VALUE"
        return self._value_range(unquote(parts.path.split("/values/", 1)[1]), formatted)

    def _put(self, rng: str, values: list[list[Any]]) -> dict[str, Any]:
        title, col, row = _parse_range(rng)
        tab = self._tab(title, rng)
        last_col = col + max(len(r) for r in values) - 1
        if last_col >= tab.col_count or row + len(values) - 1 >= tab.row_count:
            raise _ApiError.from_fixture(
                "error_400_grid", range=rng, rows=tab.row_count, cols=tab.col_count
            )
        for i, vals in enumerate(values):
            for j, v in enumerate(vals):
                tab.set(row + i, col + j, v)
        cells = sum(len(r) for r in values)
        return {
            "spreadsheetId": self.key,
            "updatedRange": rng,
            "updatedRows": len(values),
            "updatedColumns": last_col - col + 1,
            "updatedCells": cells,
        }

    def _write(self, request: Any) -> dict[str, Any]:
        body = json.loads(request.body)
        assert body["valueInputOption"] == "RAW", "values must be written RAW"
        replies = [self._put(d["range"], d["values"]) for d in body["data"]]
        shape = fixture("values_batch_update")
        shape.update(
            spreadsheetId=self.key,
            totalUpdatedRows=sum(r["updatedRows"] for r in replies),
            totalUpdatedColumns=max((r["updatedColumns"] for r in replies), default=0),
            totalUpdatedCells=sum(r["updatedCells"] for r in replies),
            totalUpdatedSheets=len({_parse_range(d["range"])[0] for d in body["data"]}),
            responses=replies,
        )
        return dict(shape)

    def _update(self, request: Any) -> dict[str, Any]:
        path = urlsplit(request.url).path
        rng = unquote(path.split("/values/", 1)[1])
        return self._put(rng, json.loads(request.body)["values"])

    def _structure(self, request: Any) -> dict[str, Any]:
        replies: list[dict[str, Any]] = []
        staged = copy.deepcopy(self.tabs)  # a batchUpdate is atomic: all requests or none
        for req in json.loads(request.body)["requests"]:
            replies.append(_apply(staged, req))
        for title, tab in staged.items():  # keep Tab objects a test holds in step
            if title in self.tabs:
                self.tabs[title].__dict__.update(tab.__dict__)
            else:
                self.tabs[title] = tab
        for title in set(self.tabs) - set(staged):
            del self.tabs[title]
        return {"spreadsheetId": self.key, "replies": replies}


def _apply(tabs: dict[str, Tab], req: dict[str, Any]) -> dict[str, Any]:
    by_id = {t.sheet_id: t for t in tabs.values()}
    if "addSheet" in req:
        props = req["addSheet"]["properties"]
        if props["title"] in tabs:
            raise _ApiError.from_fixture("error_400_sheet_exists", title=props["title"])
        grid = props.get("gridProperties", {})
        tabs[props["title"]] = Tab(
            props["sheetId"],
            props["title"],
            [],
            grid.get("rowCount", 1000),
            grid.get("columnCount", 26),
        )
        return {"addSheet": {"properties": {**props, "index": len(tabs) - 1, "sheetType": "GRID"}}}
    if "appendDimension" in req:
        spec = req["appendDimension"]
        tab = by_id[spec["sheetId"]]
        if spec["dimension"] == "COLUMNS":
            tab.col_count += spec["length"]
        else:
            tab.row_count += spec["length"]
        return {}
    spec = req["updateCells"]
    if "rows" not in spec:
        tab = by_id[spec["range"]["sheetId"]]
        tab.rows, tab.percent = [], set()
        return {}
    tab = by_id[spec["start"]["sheetId"]]
    r0, c0 = spec["start"].get("rowIndex", 0), spec["start"].get("columnIndex", 0)
    for i, row in enumerate(spec["rows"]):
        for j, data in enumerate(row.get("values", [])):
            entered = data.get("userEnteredValue", {})
            assert "formulaValue" not in entered, "tiersync never writes formulas"
            value = next(iter(entered.values()), "")
            tab.set(r0 + i, c0 + j, value)
            if data.get("userEnteredFormat", {}).get("numberFormat", {}).get("type") == "PERCENT":
                tab.percent.add((r0 + i, c0 + j))
    return {}


def _parse_range(rng: str) -> tuple[str, int, int]:
    """Return (tab title, 0-based col, 0-based row) of an A1 range's top-left cell."""
    match = _A1.match(rng)
    assert match, rng
    title = match.group(1).replace("''", "'") if match.group(1) else match.group(2)
    col = col_index(match.group(3)) if match.group(3) else 0
    row = int(match.group(4)) - 1 if match.group(4) else 0
    return title, col, row


class _ApiError(Exception):
    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(body["error"]["message"])
        self.body, self.code = body, body["error"]["code"]

    @classmethod
    def from_fixture(cls, name: str, **fmt: Any) -> _ApiError:
        body = fixture(name)
        body["error"]["message"] = body["error"]["message"].format(**fmt)
        return cls(body)
