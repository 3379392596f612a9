"""The dashboard in a real headless Chromium at desktop and phone widths: it renders offline,
never scrolls sideways, pages and sorts the Tier 1 table, shows names, durations and errors,
and approves and rejects demotions from the page. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from plugin.changes import inbox
from plugin.store import journal, reviews
from plugin.store.database import Store
from plugin.sync.run import run_sync
from tests.plugin.web_helpers import DASH_TOKEN, make_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FAILED = "ConfigError: salesforce: Tier__c picklist lacks Tier 4"
NO_SIDEWAYS = "document.scrollingElement.scrollWidth <= window.innerWidth"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="no Chromium installed (apt-get install -y chromium); browser test skipped",
    ),
]


@pytest.fixture
def base_url(tmp_path: Path, tmp_store: Store) -> Iterator[str]:
    """Serve an app whose store holds two syncs (demotions waiting) and one failed run."""
    from waitress import create_server

    app = make_app(tmp_path, tmp_store)
    config = app.extensions["tiersync"].config
    run_sync(config, store=tmp_store, today=date(2026, 11, 1))
    run_sync(config, store=tmp_store, today=date(2027, 1, 15))  # more accounts now idle
    failed = journal.start_run(tmp_store, "test")
    journal.finish_run(tmp_store, failed, "failed", error=FAILED)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[Any]:
    """Launch Debian's Chromium through playwright (ask for it after base_url: it closes first
    and the server's keep-alive connections with it)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


def open_page(browser: Any, base_url: str, width: int, outside: list[str]) -> Any:
    """Open the signed-in dashboard at a width; requests leaving loopback are refused."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.set_default_timeout(10_000)

    def guard(route: Any) -> None:
        if route.request.url.startswith(base_url):
            route.continue_()
        else:  # the page must work offline: nothing may leave loopback
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.goto(f"{base_url}/")
    page.fill("input[name=token]", DASH_TOKEN)
    page.click("button[type=submit]")  # signs in by POST: no token in any address
    assert page.url == f"{base_url}/"
    return page


def column(page: Any, n: int) -> list[str]:
    """Return the data-value (else the text) of column n of the Tier 1 table."""
    return page.locator(f"#tier1 tbody tr.account td:nth-child({n})").evaluate_all(
        "cells => cells.map(c => c.dataset.value ?? c.textContent.trim())"
    )


def test_desktop_pages_sorts_and_shows_names_durations_and_errors(
    base_url: str, browser: Any
) -> None:
    outside: list[str] = []
    page = open_page(browser, base_url, 1280, outside)
    assert page.evaluate(NO_SIDEWAYS)
    assert page.locator("#tier-chart .bar").count() == 4
    assert page.locator("#tier-chart .target").count() == 4
    assert page.locator("#tier1 tbody tr.account").count() == 25
    reasons = page.locator("#tier1 tr.reason-row").all_inner_texts()
    assert len(reasons) == 25 and all(r.startswith("Reason: Tier") for r in reasons)
    pager = page.locator("#tier1-card .pager span").inner_text()
    assert pager.startswith("page 1 of ")
    headers = page.locator("#tier1 th").all_inner_texts()
    for name in ("Account", "Score", "Owner", "Health Status", "Next Action", "ARR Potential"):
        assert any(h.startswith(name) for h in headers)
    scores = [float(v) for v in column(page, 2)]
    assert scores == sorted(scores, reverse=True) and len(scores) == 25
    assert page.locator("#tier1 th[aria-sort]").get_attribute("data-key") == "score"

    page.locator("#tier1 th a", has_text="ARR Potential").click()
    assert "sort=arr_potential" in page.url and "dir=desc" in page.url
    values = [float(v) for v in column(page, 7)]
    assert values == sorted(values, reverse=True)
    page.locator("#tier1 th a", has_text="ARR Potential").click()
    assert [float(v) for v in column(page, 7)] == sorted(float(v) for v in column(page, 7))
    page.locator("#tier1 th a", has_text="Account").click()
    first = column(page, 1)
    assert first == sorted(first, key=str.casefold)
    page.locator("#tier1-card .pager a[rel=next]").click()
    assert page.locator("#tier1-card .pager span").inner_text().startswith("page 2 of ")
    second = column(page, 1)
    assert first[-1].casefold() <= second[0].casefold()  # sorted across pages, not per page

    moves = page.locator("#movements tbody tr td:nth-child(2)").all_inner_texts()
    assert moves and all(not m.startswith("ACC-") for m in moves)  # names, not ids
    run_row = page.locator("#runs tbody tr:not(.run-error)").nth(1)  # the newest sync
    assert run_row.locator("td").nth(4).inner_text().endswith("s")
    assert len(run_row.locator("td code").inner_text()) == 12
    error = page.locator("#runs tr.run-error", has_text=FAILED)
    assert error.is_visible()  # no hover needed
    favicon = page.request.get(f"{base_url}/favicon.ico")
    assert favicon.ok and favicon.headers["content-type"] in ("image/vnd.microsoft.icon",
                                                              "image/x-icon")  # fmt: skip
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{base_url}/")
    page.screenshot(path=str(ARTIFACTS / "dashboard-1280.png"), full_page=True)
    assert (ARTIFACTS / "dashboard-1280.png").stat().st_size > 20_000
    assert outside == []


def test_phone_width_never_scrolls_sideways_and_keeps_text_readable(
    base_url: str, browser: Any
) -> None:
    outside: list[str] = []
    page = open_page(browser, base_url, 390, outside)
    assert page.evaluate("window.innerWidth") == 390
    assert page.evaluate(NO_SIDEWAYS), page.evaluate("document.scrollingElement.scrollWidth")
    sizes = page.locator(".chart-label, .chart-value").evaluate_all(
        "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert len(sizes) == 8 and min(sizes) >= 12
    for table in ("#tier1", "#runs", "#movements"):
        holder = page.locator(f".scroll:has({table})")
        inner, outer = holder.evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert inner > outer and outer <= 390  # the table scrolls inside its card
        box = page.locator(table).evaluate("e => e.closest('.card').getBoundingClientRect().right")
        assert box <= 390
    approve = page.locator("#review-queue li").first.locator("button.approve").bounding_box()
    assert approve is not None and approve["x"] + approve["width"] <= 390  # no scrolling to act
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-390.png"), full_page=True)
    assert (ARTIFACTS / "dashboard-390.png").stat().st_size > 20_000
    assert outside == []


def test_approve_and_reject_from_the_page(base_url: str, browser: Any, tmp_store: Store) -> None:
    outside: list[str] = []
    page = open_page(browser, base_url, 390, outside)
    items = reviews.open_items(tmp_store)
    assert len(items) >= 2
    first, second = items[0], items[1]

    row = page.locator(f"#review-{first.id}")
    row.locator("button.approve").click()
    assert "Approved:" in page.locator("#notice").inner_text()
    assert page.locator(f"#review-{first.id} .status").inner_text() == "approved"
    assert first.account_id in inbox.pending_ids(tmp_store)  # a running worker applies it now

    row = page.locator(f"#review-{second.id}")
    row.locator("button.reject").click()  # no note: the browser refuses to send the form
    assert page.locator(f"#review-{second.id} .status").inner_text() == "pending"
    row.locator("input[name=note]").fill("renewal talks in Q1")
    row.locator("button.reject").click()
    assert "stays" in page.locator("#notice").inner_text()
    decided = {i.id: i for i in reviews.open_items(tmp_store)}
    assert decided[first.id].status == "approved" and decided[first.id].decided_by == "dashboard"
    assert (decided[second.id].status, decided[second.id].note) == (
        "rejected",
        "renewal talks in Q1",
    )
    assert page.evaluate(NO_SIDEWAYS)
    page.locator("#review").screenshot(path=str(ARTIFACTS / "dashboard-review-390.png"))
    assert outside == []
