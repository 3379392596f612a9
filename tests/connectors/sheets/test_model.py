"""The scoring model in sheet tabs: read through the same schema, errors located by cell."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from connectors.sheets.connector import SheetsConfig, SheetsConnector
from connectors.sheets.grid import read_table
from connectors.sheets.layout import model_to_tabs
from connectors.sheets.tabs import tabs_to_model
from scoring import DEFAULT_MODEL, AccountRecord, Scorer, ScoringModel, model_hash
from tests.connectors.sheets_helpers import KEY, FakeSheets, real_client

NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
TYPO_LINES = [
    'Weights!C4: weight must be a number, got "thirty"',
    "Weights!D7: unknown source field 'Competitve Position'",
    "Bands!C5: points must be between 0 and 10, got 12",
    'Bands!C11: points must be a number, got "ten"',
    'Bands!A19: unknown criterion "market_fit": it is not in the Weights tab',
    'Tiers!D4: accounts per rep must be a whole number, got "many"',
    "'Next Actions'!B3: write 'tier = A, B' with a single '='",
    "'Next Actions'!B5: penetration takes '>=' or '<' (a range includes its lower bound)",
]
# checks across rows (thresholds, tier names) run once every value reads, as for a JSON file
CROSS_LINES = [
    "Tiers!B3: tier thresholds must strictly descend",
    "'Next Actions'!B4: unknown tier 'Tier 5' (tiers: Tier 1, Tier 2, Tier 3, Tier 4)",
]


@pytest.fixture
def fake() -> Iterator[FakeSheets]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeSheets().install(rsps)


def connector(fake: FakeSheets) -> SheetsConnector:
    config = SheetsConfig.from_mapping({"spreadsheet_key": KEY}, {})
    return SheetsConnector(config, client=real_client(), sleep=lambda _: None, clock=lambda: NOW)


def publish(
    conn: SheetsConnector, kept: str | None = None
) -> tuple[ScoringModel | None, list[str]]:
    """Read the model tabs, validate them and say so in the Status tab, as a sync does.

    kept: the version the sync keeps running when the sheet's model is refused.
    """
    sheet = conn.model.read_model_sheet()
    model, lines = sheet.validate()
    conn.status.write_status(lines, model_hash(sheet.data), kept_version=kept)
    return model, [str(line) for line in lines]


def default_sheet(fake: FakeSheets) -> SheetsConnector:
    fake.add_tab("Accounts", [["Account ID"]])
    conn = connector(fake)
    conn.init_tabs()
    return conn


def test_the_default_scorecard_round_trips_through_the_tabs(fake: FakeSheets) -> None:
    conn = default_sheet(fake)
    data = conn.model.read_model()
    expected = copy.deepcopy(DEFAULT_MODEL)
    for rule in expected["next_actions"]:  # numbers come back as the sheet shows them
        rule["when"] = {k: float(v) if type(v) is int else v for k, v in rule["when"].items()}
    assert data == expected
    assert fake.values("Tiers")[1][:3] == ["Tier 1", 75, 0.1]  # share stored as a % number


def test_every_typo_reaches_the_status_tab_with_its_cell(fake: FakeSheets) -> None:
    fake.seed("model_with_typos")
    conn = connector(fake)
    model, lines = publish(conn, kept="abc123")
    assert model is None  # refused: the sync keeps running version abc123
    assert lines == TYPO_LINES
    status = fake.values("Status")
    assert status[0] == ["Status", "Cell", "Message", "Checked At", "Model Version"]
    assert status[-1] == [
        "Kept",
        "",
        "still running the last good model",
        NOW.isoformat(),
        "abc123",
    ]
    rows = status[1:-1]
    assert [(r[1], r[2]) for r in rows] == [tuple(x.split(": ", 1)) for x in TYPO_LINES]
    assert {r[0] for r in rows} == {"Error"}
    assert {r[3] for r in rows} == {"2024-05-06T07:08:09+00:00"}
    assert {r[4] for r in rows} == {model_hash(conn.model.read_model())}


def test_cross_row_errors_follow_once_each_value_reads(fake: FakeSheets) -> None:
    fake.seed("model_with_typos")
    fixes = {
        "Weights": [(3, 2, "15%"), (6, 3, "Competitive Position")],
        "Bands": [(4, 2, 10), (10, 2, 5), (18, 0, "tech_fit"), (18, 1, "Unknown")],
        "Tiers": [(3, 3, 90)],
        "Next Actions": [(2, 1, "tier = Tier 1"), (4, 1, "penetration < 50%")],
    }
    for tab, cells in fixes.items():
        for r, c, v in cells:
            fake.tabs[tab].set(r, c, v)
    _, lines = publish(connector(fake), kept="abc123")
    assert lines == CROSS_LINES


def test_a_typo_keeps_results_and_a_valid_edit_changes_the_next_run(fake: FakeSheets) -> None:
    conn = default_sheet(fake)
    record = AccountRecord(
        "A1",
        {"arr_potential": 450_000, "employees": 5_000, "industry": "Retail", "tech_fit": "Strong"},
    )
    first, errors = publish(conn)
    assert errors == [] and first is not None
    assert fake.values("Status")[1][:3] == ["OK", "", "the model is valid and in use"]
    before = Scorer(first).score(record)
    weights = fake.tabs["Weights"]
    weights.set(1, 2, "3O%")  # a letter O typed for a zero
    kept, errors = publish(conn, kept=model_hash(DEFAULT_MODEL))
    assert errors == ['Weights!C2: weight must be a number, got "3O%"']
    assert kept is None  # refused: the sync keeps scoring with the first model
    weights.set(1, 2, "30%")
    fake.tabs["Tiers"].set(1, 1, "65")  # Tier 1 from 75 down to 65: 68.5 now qualifies
    edited, errors = publish(conn)
    assert errors == [] and edited is not None
    after = Scorer(edited).score(record)
    assert (before.score, before.tier, after.tier) == (68.5, "Tier 2", "Tier 1")
    assert fake.values("Status")[1][0] == "OK"


def test_blank_rows_spaces_reordered_and_merged_cells_are_tolerated() -> None:
    tabs = model_to_tabs()
    weights = [[" Source  field ", "weight %", "CRITERION", "label", "missing points"]]
    weights += [[r[3], f"{r[2]}% ", f" {r[0]} ", r[1], r[4]] for r in tabs["Weights"][1:]]
    weights.insert(3, ["", "", "", ""])
    bands, last = [tabs["Bands"][0]], None
    for name, value, points in tabs["Bands"][1:]:
        # a criterion merged over its rows reads as blank below its first row
        bands.append(
            ["" if name == last else name, f"{value:,}" if type(value) is int else value, points]
        )
        last = name
    tables = {"Weights": read_table("Weights", weights), "Bands": read_table("Bands", bands)}
    for tab in ("Tiers", "Health", "Next Actions"):
        rows = [["" if v is None else v for v in r] for r in tabs[tab]]
        tables[tab] = read_table(tab, rows)
    tiers = tables["Tiers"]
    tables["Tiers"] = read_table(
        "Tiers", [list(tiers.headers)] + [[r[0], r[1], "", r[3], r[4]] for _, r in tiers.rows]
    )
    sheet = tabs_to_model(tables)
    model, lines = sheet.validate()
    assert lines == []
    assert model is not None
    assert [c.weight for c in model.criteria] == [30, 20, 15, 15, 10, 10]
    assert model.criteria[0].bands[1].min == 100_000
    assert model.criteria[0].label == "Revenue Potential"
    assert sheet.cell_for(("criteria", 2, "weight")) == "Weights!B5"  # row 4 is blank


def test_missing_tab_and_missing_column_are_reported_with_their_place(fake: FakeSheets) -> None:
    tabs = model_to_tabs()
    fake.add_tab("Weights", [[h for h in r[:2]] + r[3:] for r in tabs["Weights"]])
    for tab in ("Bands", "Tiers", "Health"):
        fake.add_tab(
            tab, [["" if v is None else getattr(v, "value", v) for v in r] for r in tabs[tab]]
        )
    model, _ = publish(connector(fake))
    assert model is None
    status = [tuple(r[1:3]) for r in fake.values("Status")[1:]]
    assert len(status) == 2  # not one "weight is blank" per row
    assert (
        "Weights!F1",
        "the Weights tab has no 'Weight %' column (headers are found by name)",
    ) in status
    assert (
        "Next Actions",
        "the Next Actions tab is missing: run 'tiersync sheets init' to add it",
    ) in status


def test_weights_that_do_not_add_up_point_at_the_weight_column(fake: FakeSheets) -> None:
    conn = default_sheet(fake)
    fake.tabs["Weights"].set(1, 2, 35)
    _, lines = publish(conn, kept="abc123")
    assert lines == ["Weights!C2:C7: weights must sum to 100, they sum to 105"]
    assert conn.model.cell_for(("criteria",)) == "Weights!C2:C7"


def test_an_empty_weights_tab_is_one_clear_line(fake: FakeSheets) -> None:
    conn = default_sheet(fake)
    fake.tabs["Weights"].rows = fake.tabs["Weights"].rows[:1]  # the header only
    kept, lines = publish(conn, kept=model_hash(DEFAULT_MODEL))
    assert lines == [
        "Weights!A2: the Weights tab lists no criteria: add one row per criterion "
        "(name, weight, source field), or run 'tiersync sheets init --force'"
    ]  # not one "unknown criterion" line per Bands row before the cause
    assert kept is None
    assert [r[0] for r in fake.values("Status")[1:]] == ["Error", "Kept"]


def test_the_accounts_tab_comes_in_the_model_tabs_call_and_is_not_read_again(
    fake: FakeSheets,
) -> None:
    conn = default_sheet(fake)
    fake.tabs["Accounts"].rows += [["A1"], ["B2"]]
    fake.calls.clear()
    conn.model.read_model(with_accounts=True)
    conn.check()
    records = list(conn.iter_accounts())
    assert [r.account_id for r in records] == ["A1", "B2"]
    assert [k for k, _ in fake.calls] == ["batchGet"]  # metadata kept since init, one read
    ranges = parse_qs(urlsplit(fake.calls[0][1]).query)["ranges"]
    assert ranges == [
        "'Weights'", "'Bands'", "'Tiers'", "'Health'", "'Next Actions'", "'Reassessment'",
        "'Accounts'",
    ]  # fmt: skip


def test_a_percent_formatted_weight_reads_as_the_percent_it_shows(fake: FakeSheets) -> None:
    conn = default_sheet(fake)
    weights = fake.tabs["Weights"]
    weights.set(1, 2, 0.3)  # typed as 30% in a sheet: stored 0.3, shown "30%"
    weights.percent.add((1, 2))
    fake.calls.clear()
    data = conn.model.read_model()
    assert data["criteria"][0]["weight"] == 30
    formatted = [parse_qs(urlsplit(u).query).get("valueRenderOption") for _, u in fake.calls]
    assert formatted == [["UNFORMATTED_VALUE"], ["FORMATTED_VALUE"]]  # read again as shown
