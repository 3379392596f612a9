"""The Sheets connector against a responses-backed Sheets API v4, with a real gspread client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses

from connectors.errors import ConfigError, FatalError, RetriableError
from connectors.sheets.api import load_credentials
from connectors.sheets.connector import SheetsConfig, SheetsConnector
from connectors.sheets.spreadsheet import FRESH_SECONDS
from scoring import DEFAULT_MODEL, AccountRecord, Result, Scorer, load_model
from tests.connectors.sheets_helpers import KEY, FakeSheets, real_client, service_account_info

HEADER = 0  # index of the header row in FakeSheets.values()


@pytest.fixture
def fake() -> Iterator[FakeSheets]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeSheets().install(rsps)


def connector(
    fake: FakeSheets, sleeps: list[float] | None = None, fresh_for: float = 0.0, **settings: object
) -> SheetsConnector:
    """Return a connector; by default every read counts as old (a sync slower than the
    freshness window), so a write reads the tab again first. fresh_for: the window."""
    config = SheetsConfig.from_mapping({"spreadsheet_key": KEY, **settings}, {})
    sink = sleeps if sleeps is not None else []
    return SheetsConnector(config, client=real_client(), sleep=sink.append, fresh_for=fresh_for)


def result(
    key: str, tier: str = "Tier 1", action: str = "Schedule C-level meeting", **kw: object
) -> Result:
    values: dict[str, object] = {
        "score": 80.0,
        "health": "Healthy",
        "reason": "Revenue Potential 10/10",
    } | kw
    return Result(key, tier, values["score"], values["health"], action, values["reason"])  # type: ignore[arg-type]


def last_write(fake: FakeSheets) -> str:
    """Return the body of the last values:batchUpdate call."""
    return next(body for kind, body in reversed(fake.calls) if kind == "valuesBatchUpdate")


def column(fake: FakeSheets, header: str, tab: str = "Accounts") -> dict[str, object]:
    """Return {account key: value} of one column, reading the fake's cells by header."""
    rows = fake.values(tab)
    head = [str(h).strip().casefold() for h in rows[HEADER]]
    key_col, col = head.index("account id"), head.index(header.casefold())
    return {
        str(r[key_col]): (r[col] if col < len(r) else "")
        for r in rows[1:]
        if len(r) > key_col and r[key_col] != ""
    }


def test_headers_map_case_and_space_insensitively(fake: FakeSheets) -> None:
    fake.seed("accounts_small")
    records = {r.account_id: r for r in connector(fake).iter_accounts()}
    assert list(records) == ["001A", "001B", "001C", "1042"]  # blank row skipped; 1042 as text
    acme = records["001A"]
    assert acme.get("name") == "Acme Corp"
    assert acme.get("arr_potential") == 450000
    assert acme.get("current_arr") is None  # an empty cell is missing, not ""
    assert "Notes" not in acme.fields and acme.get("owner") is None
    assert records["001B"].current.tier == "Tier 3"
    assert records["001C"].get("arr_potential") == "$500,000"  # parsed leniently by the scorer
    assert fake.count("batchGet") == 1 and len(fake.calls) == 1


def test_a_missing_required_header_is_named(fake: FakeSheets) -> None:
    fake.add_tab("Accounts", [["Ref", "Account Name"], ["1", "Acme"]])
    with pytest.raises(
        ConfigError, match=r"no 'Account ID' column .*headers found: Ref, Account Name"
    ):
        list(connector(fake).iter_accounts())


def test_outputs_land_in_owned_columns_created_at_the_end(fake: FakeSheets) -> None:
    fake.seed("accounts_small")
    conn = connector(fake)
    conn.check()  # the sync checks first; the metadata it reads tells the grid's width
    records = list(conn.iter_accounts())
    report = conn.write_results([(r, result(r.account_id)) for r in records])
    rows = fake.values("Accounts")
    assert rows[HEADER][12:] == ["Tier", "Score", "Health Status", "Next Action", "Tier Reason"]
    assert column(fake, "Tier") == dict.fromkeys(["001A", "001B", "001C", "1042"], "Tier 1")
    assert column(fake, "Score")["001C"] == 80.0
    assert column(fake, "Notes")["001A"] == "call back Tuesday"  # other columns untouched
    assert rows[3] == []  # the blank row stays blank
    assert (report.written, report.unchanged, report.failures) == (4, 0, [])
    assert report.api_calls == 3  # re-read, one batch write, the read that confirms it
    assert "added column(s) Score, Health Status, Next Action, Tier Reason" in report.notes


def test_only_changed_cells_are_written(fake: FakeSheets) -> None:
    fake.seed("accounts_small")
    conn = connector(fake)
    records = list(conn.iter_accounts())
    conn.write_results([(r, result(r.account_id)) for r in records])
    changed = [
        (r, result(r.account_id, "Tier 2" if r.account_id == "001C" else "Tier 1")) for r in records
    ]
    report = conn.write_results(changed)
    sent = json.loads(last_write(fake))["data"]
    assert sent == [{"range": "'Accounts'!M5:M5", "majorDimension": "ROWS", "values": [["Tier 2"]]}]
    assert (report.written, report.unchanged, report.written_ids) == (1, 3, ["001C"])
    again = conn.write_results(changed)
    assert (again.written, again.api_calls) == (0, 1)  # nothing changed: no write call at all


def test_a_sort_between_read_and_write_lands_every_value_on_its_row(fake: FakeSheets) -> None:
    fake.seed("accounts_small")
    conn = connector(fake)
    records = list(conn.iter_accounts())

    def people_sort_and_insert(sheets: FakeSheets) -> None:
        tab = sheets.tabs["Accounts"]
        body = [r for r in tab.rows[1:] if r]
        body.sort(key=lambda r: str(r[1]), reverse=True)  # by name, Z → A
        tab.rows = [tab.rows[0], ["NEW-1", "Inserted Ltd"], *body]

    fake.before[("batchGet", 2)] = people_sort_and_insert
    tiers = {"001A": "Tier 1", "001B": "Tier 2", "001C": "Tier 3", "1042": "Tier 4"}
    report = conn.write_results([(r, result(r.account_id, tiers[r.account_id])) for r in records])
    assert report.failures == []
    assert column(fake, "Tier") == {**tiers, "NEW-1": ""}
    names = column(fake, "Account  Name")
    assert names["001A"] == "Acme Corp" and names["1042"] == "Umbrella"


def test_vanished_and_duplicate_keys_are_reported_not_written(fake: FakeSheets) -> None:
    fake.seed("accounts_small")
    conn = connector(fake)
    records = list(conn.iter_accounts())

    def delete_and_duplicate(sheets: FakeSheets) -> None:
        rows = sheets.tabs["Accounts"].rows
        rows[1] = ["001C", "Initech copy"]  # 001A deleted; its row now holds a second 001C

    fake.before[("batchGet", 2)] = delete_and_duplicate
    report = conn.write_results([(r, result(r.account_id)) for r in records])
    assert {(f.account_id, f.code) for f in report.failures} == {
        ("001A", "vanished"),
        ("001C", "duplicate_key"),
    }
    assert "rows 2, 5" in next(f.message for f in report.failures if f.code == "duplicate_key")
    tiers = [r[12] if len(r) > 12 else "" for r in fake.values("Accounts")[1:]]
    assert tiers == ["", "Tier 1", "", "", "Tier 1"]  # only 001B and 1042 written


def test_formula_looking_text_stays_text(fake: FakeSheets) -> None:
    fake.add_tab("Accounts", [["Account ID"], ["A1"], ["A2"]])
    conn = connector(fake)
    records = list(conn.iter_accounts())
    texts = ['=HYPERLINK("http://evil")', "+1 upsell", "-2 pts", "@owner"]
    pairs = [(records[0], result("A1", action=texts[0], reason=texts[1]))]
    pairs.append((records[1], result("A2", action=texts[2], reason=texts[3])))
    conn.write_results(pairs)
    body = json.loads(last_write(fake))
    assert body["valueInputOption"] == "RAW"
    assert column(fake, "Next Action") == {"A1": texts[0], "A2": texts[2]}
    assert column(fake, "Tier Reason") == {"A1": texts[1], "A2": texts[3]}
    again = connector(fake)
    assert [r.current.next_action for r in again.iter_accounts()] == [texts[0], texts[2]]


def test_a_narrow_grid_is_widened_before_new_columns_are_written(fake: FakeSheets) -> None:
    fake.add_tab("Accounts", [["Account ID", "Name"], ["A1", "x"]], col_count=3)
    conn = connector(fake)
    conn.check()
    report = conn.write_results([(r, result(r.account_id)) for r in conn.iter_accounts()])
    assert fake.tabs["Accounts"].col_count == 7
    assert fake.values("Accounts")[0] == [
        "Account ID",
        "Name",
        "Tier",
        "Score",
        "Health Status",
        "Next Action",
        "Tier Reason",
    ]
    assert report.api_calls == 4  # re-read, appendDimension, write, confirm


def test_429_then_success_backs_off_and_counts_the_calls(fake: FakeSheets) -> None:
    fake.seed("accounts_small")
    sleeps: list[float] = []
    conn = connector(fake, sleeps)
    conn.check()
    records = list(conn.iter_accounts())
    fake.errors["valuesBatchUpdate"] = ["error_429"]
    report = conn.write_results([(r, result(r.account_id)) for r in records])
    assert report.written == 4 and column(fake, "Tier")["001A"] == "Tier 1"
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 30
    assert report.api_calls == 5  # read, refused write, re-read after the back-off, write, confirm
    assert "1 Sheets API call(s) retried after back-off" in report.notes


def test_5xx_on_read_is_retried_and_403_is_fatal(fake: FakeSheets) -> None:
    fake.seed("accounts_small")
    sleeps: list[float] = []
    fake.errors["batchGet"] = ["error_503", "error_503"]
    assert len(list(connector(fake, sleeps).iter_accounts())) == 4
    assert len(sleeps) == 2
    fake.errors["metadata"] = ["error_403"]
    with pytest.raises(FatalError, match=r"share spreadsheet .* with the service account"):
        connector(fake).check()


def test_check_names_a_missing_accounts_tab(fake: FakeSheets) -> None:
    fake.add_tab("Leads", [["Account ID"]])
    with pytest.raises(ConfigError, match="has no 'Accounts' tab \\(tabs: Leads\\)"):
        connector(fake).check()


def test_a_10k_row_sync_takes_five_calls(fake: FakeSheets) -> None:
    industries = ["Banking", "Retail", "Software", "Media", "Mining"]
    rows = [["Account ID", "Account Name", "Industry", "Employees", "ARR Potential", "Tier"]]
    rows += [
        [f"ACC{i:05}", f"Account {i}", industries[i % 5], i * 3, i * 50, ""] for i in range(10_000)
    ]
    fake.add_tab("Accounts", rows, row_count=10_001)
    scorer = Scorer(load_model(DEFAULT_MODEL))
    conn = connector(fake)
    conn.check()
    pairs = [(r, scorer.score(r)) for r in conn.iter_accounts()]
    report = conn.write_results(pairs)
    assert report.written == 10_000
    assert conn.api_calls == 5 and [k for k, _ in fake.calls] == [
        "metadata",
        "batchGet",
        "batchGet",
        "valuesBatchUpdate",
        "batchGet",  # the read that confirms every value is on its account's row
    ]
    assert len(json.loads(last_write(fake))["data"]) == 5  # one range per output column
    assert column(fake, "Tier")["ACC09999"] == pairs[-1][1].tier


def test_credentials_come_from_a_file_or_the_environment(tmp_path: Path) -> None:
    info = service_account_info()
    path = tmp_path / "sa.json"
    path.write_text(json.dumps(info), encoding="utf-8")
    assert load_credentials(str(path), env={}).service_account_email == info["client_email"]
    env = {"TIERSYNC_GOOGLE_SERVICE_ACCOUNT": json.dumps(info)}
    assert load_credentials(None, env=env).service_account_email == info["client_email"]
    with pytest.raises(
        ConfigError,
        match=r"set TIERSYNC_GOOGLE_SERVICE_ACCOUNT .* or TIERSYNC_GOOGLE_SERVICE_ACCOUNT_FILE",
    ):
        load_credentials(None, env={})
    with pytest.raises(ConfigError, match="not a valid key"):
        load_credentials(None, env={"TIERSYNC_GOOGLE_SERVICE_ACCOUNT": "{oops"})


def test_records_carry_their_key_for_the_write(fake: FakeSheets) -> None:
    fake.add_tab("Accounts", [["Account ID", "Tier Override"], [" 7 ", "Tier 2"]])
    (record,) = connector(fake).iter_accounts()
    assert record == AccountRecord("7", {"account_id": "7"}, record.current, "Tier 2")


def test_a_sheet_reads_the_same_header_aliases_as_a_csv(fake: FakeSheets) -> None:
    fake.add_tab(
        "Accounts",
        [
            ["Record ID", "Company name", "Engagement", "Last Activity Date", "Notes"],
            ["A1", "Acme", 82, "2026-03-07", "vip"],
            ["", "Keyless Ltd", 40, "", ""],
            ["A2", "Initech", 12, "", ""],
        ],
    )
    conn = connector(fake)
    records = list(conn.iter_accounts())
    assert [r.account_id for r in records] == ["A1", "A2"]
    assert records[0].fields == {
        "account_id": "A1",
        "name": "Acme",
        "engagement_score": 82,
        "last_activity_date": "2026-03-07",
    }
    assert conn.notes == [
        "Accounts columns not used for scoring (kept as they are): 'Notes'",
        "Accounts rows with no Account ID, not scored: 3",
    ]
    report = conn.write_results([(r, result(r.account_id)) for r in records])
    assert report.notes[:2] == conn.notes  # said once, with the run's report


def test_rows_moved_between_the_re_read_and_the_write_are_put_right(fake: FakeSheets) -> None:
    rows = [["Account ID", "Account Name", "Notes"]]
    rows += [[f"K{i:03}", f"Account {i}", f"note {i}"] for i in range(60)]
    fake.add_tab("Accounts", rows)
    conn = connector(fake)
    conn.check()
    records = list(conn.iter_accounts())
    tiers = {r.account_id: f"Tier {1 + int(r.account_id[1:]) % 4}" for r in records}
    pairs = [(r, result(r.account_id, tiers[r.account_id], score=float(r.account_id[1:])))
             for r in records]  # fmt: skip

    def a_person_sorts_the_tab(sheets: FakeSheets) -> None:
        tab = sheets.tabs["Accounts"]
        tab.rows = [tab.rows[0], *sorted(tab.rows[1:], key=lambda r: str(r[2]), reverse=True)]

    fake.before[("valuesBatchUpdate", 1)] = a_person_sorts_the_tab  # after the key re-read
    report = conn.write_results(pairs)
    assert column(fake, "Tier") == tiers  # every value on its own account's row at the end
    assert column(fake, "Score") == {k: float(k[1:]) for k in tiers}
    assert column(fake, "Notes") == {k: f"note {int(k[1:])}" for k in tiers}
    assert report.failures == [] and report.written == 60
    assert any(n.startswith("rows moved in Accounts while writing: ") for n in report.notes)
    kinds = [k for k, _ in fake.calls][-5:]
    assert kinds == ["batchGet", "valuesBatchUpdate", "batchGet", "valuesBatchUpdate", "batchGet"]


def test_values_that_land_on_another_accounts_row_are_put_back(fake: FakeSheets) -> None:
    fake.add_tab(
        "Accounts",
        [["Account ID", "Tier"], ["A1", "Tier 4"], ["B2", "Tier 3"], ["C3", "Tier 2"]],
    )
    conn = connector(fake)
    a1 = next(r for r in conn.iter_accounts() if r.account_id == "A1")

    def b2_moves_to_the_top(sheets: FakeSheets) -> None:
        tab = sheets.tabs["Accounts"]
        tab.rows = [tab.rows[0], tab.rows[2], tab.rows[1], tab.rows[3]]

    fake.before[("valuesBatchUpdate", 1)] = b2_moves_to_the_top
    report = conn.write_results([(a1, result("A1", "Tier 1"))])  # an incremental run: A1 only
    assert column(fake, "Tier") == {"A1": "Tier 1", "B2": "Tier 3", "C3": "Tier 2"}
    assert report.failures == []


def test_rows_that_keep_moving_are_reported_not_claimed(fake: FakeSheets) -> None:
    fake.add_tab("Accounts", [["Account ID"], ["A1"], ["B2"]])
    conn = connector(fake)
    records = list(conn.iter_accounts())

    def swap(sheets: FakeSheets) -> None:
        tab = sheets.tabs["Accounts"]
        tab.rows = [tab.rows[0], tab.rows[2], tab.rows[1]]

    for n in (1, 2, 3):
        fake.before[("valuesBatchUpdate", n)] = swap  # someone keeps sorting
    report = conn.write_results(
        [(records[0], result("A1", "Tier 1")), (records[1], result("B2", "Tier 2"))]
    )
    assert {(f.account_id, f.code) for f in report.failures} == {("A1", "moved"), ("B2", "moved")}
    assert fake.count("valuesBatchUpdate") == 3  # the write and two repairs, no more


def test_a_used_up_read_quota_is_waited_out_within_its_minute(fake: FakeSheets) -> None:
    fake.seed("accounts_small")
    sleeps: list[float] = []
    fake.errors["batchGet"] = ["error_429_read"] * 3
    records = list(connector(fake, sleeps).iter_accounts())
    assert len(records) == 4
    assert len(sleeps) == 3 and 4 <= sleeps[0] <= 5 and 28 <= sum(sleeps) <= 31


def test_a_quota_still_used_up_after_its_minute_says_retry_in_a_minute(fake: FakeSheets) -> None:
    fake.seed("accounts_small")
    sleeps: list[float] = []
    fake.errors["batchGet"] = ["error_429_read"] * 5
    with pytest.raises(RetriableError) as caught:
        list(connector(fake, sleeps).iter_accounts())
    assert str(caught.value).startswith("Sheets API quota used up: ")
    assert "retry in a minute" in str(caught.value)
    assert 58 <= sum(sleeps) <= 62 and max(sleeps) <= 30  # the window, not ~10 s
    assert fake.count("batchGet") == 5


def test_other_passing_faults_keep_the_short_backoff(fake: FakeSheets) -> None:
    fake.seed("accounts_small")
    sleeps: list[float] = []
    fake.errors["batchGet"] = ["error_503"]
    assert len(list(connector(fake, sleeps).iter_accounts())) == 4
    assert len(sleeps) == 1 and sleeps[0] <= 1.5


def ten_thousand_rows(fake: FakeSheets) -> None:
    industries = ["Banking", "Retail", "Software", "Media", "Mining"]
    rows = [["Account ID", "Account Name", "Industry", "Employees", "ARR Potential", "Tier"]]
    rows += [
        [f"ACC{i:05}", f"Account {i}", industries[i % 5], i * 3, i * 50, ""] for i in range(10_000)
    ]
    fake.add_tab("Accounts", rows, row_count=10_001)


def test_a_sync_writes_from_its_own_fresh_read_in_four_calls(fake: FakeSheets) -> None:
    ten_thousand_rows(fake)
    scorer = Scorer(load_model(DEFAULT_MODEL))
    conn = connector(fake, fresh_for=FRESH_SECONDS)
    conn.check()
    conn.check()  # the metadata read a moment ago is still fresh: no second call
    pairs = [(r, scorer.score(r)) for r in conn.iter_accounts()]
    report = conn.write_results(pairs)
    assert report.written == 10_000
    assert [k for k, _ in fake.calls] == [
        "metadata",
        "batchGet",
        "valuesBatchUpdate",
        "batchGet",  # the read that confirms every value is on its account's row
    ]
    assert column(fake, "Tier")["ACC09999"] == pairs[-1][1].tier
    again = connector(fake, fresh_for=FRESH_SECONDS)
    unchanged = again.write_results([(r, scorer.score(r)) for r in again.iter_accounts()])
    assert (unchanged.written, unchanged.api_calls) == (0, 0)  # its read was the last call


def test_a_sort_after_the_syncs_read_is_put_right_by_the_read_back(fake: FakeSheets) -> None:
    fake.seed("accounts_small")
    conn = connector(fake, fresh_for=FRESH_SECONDS)
    records = list(conn.iter_accounts())

    def people_sort_and_insert(sheets: FakeSheets) -> None:
        tab = sheets.tabs["Accounts"]
        body = [r for r in tab.rows[1:] if r]
        body.sort(key=lambda r: str(r[1]), reverse=True)  # by name, Z → A
        tab.rows = [tab.rows[0], ["NEW-1", "Inserted Ltd"], *body]

    fake.before[("valuesBatchUpdate", 1)] = people_sort_and_insert  # after the read
    tiers = {"001A": "Tier 1", "001B": "Tier 2", "001C": "Tier 3", "1042": "Tier 4"}
    report = conn.write_results([(r, result(r.account_id, tiers[r.account_id])) for r in records])
    assert report.failures == []
    assert {k: v for k, v in column(fake, "Tier").items() if k != "NEW-1"} == tiers
    names = column(fake, "Account  Name")
    assert names["001A"] == "Acme Corp" and names["1042"] == "Umbrella"
    assert any(n.startswith("rows moved in Accounts while writing: ") for n in report.notes)


def test_a_write_long_after_the_read_reads_the_tab_again_first(fake: FakeSheets) -> None:
    fake.seed("accounts_small")
    now = [0.0]
    conn = connector(fake, fresh_for=FRESH_SECONDS)
    conn.sheet.monotonic = lambda: now[0]
    conn.check()
    records = list(conn.iter_accounts())
    now[0] += FRESH_SECONDS + 1  # a slow scoring pass
    conn.write_results([(r, result(r.account_id)) for r in records])
    kinds = [k for k, _ in fake.calls]
    assert kinds == ["metadata", "batchGet", "batchGet", "valuesBatchUpdate", "batchGet"]
