"""The dashboard in a real headless Chromium: renders offline, sorts, and leaves a screenshot."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from plugin.store.database import Store
from plugin.sync.run import run_sync
from tests.plugin.web_helpers import DASH_TOKEN, make_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
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

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="no Chromium installed (apt-get install -y chromium); browser test skipped",
    ),
]


@pytest.fixture
def base_url(tmp_path: Path, tmp_store: Store) -> Iterator[str]:
    """Serve a synced app on waitress on a free loopback port."""
    from waitress import create_server

    app = make_app(tmp_path, tmp_store)
    run_sync(app.extensions["tiersync"].config, store=tmp_store)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=10)


def test_dashboard_renders_sorts_and_needs_no_network(base_url: str) -> None:
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1400})

            def guard(route) -> None:  # type: ignore[no-untyped-def]
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
            assert page.locator("#tier-chart rect.bar").count() == 4
            rows = page.locator("#tier1 tbody tr")
            assert rows.count() > 5
            header = page.locator("#tier1 th", has_text="ARR Potential")
            header.click()
            assert header.get_attribute("aria-sort") == "ascending"
            values = [
                float(v)
                for v in page.locator("#tier1 tbody tr td:nth-child(3)").evaluate_all(
                    "cells => cells.map(c => c.dataset.value || '-1')"
                )
            ]
            assert values == sorted(values)
            header.click()
            assert header.get_attribute("aria-sort") == "descending"
            page.locator("#tier1 th", has_text="Account").first.click()
            names = page.locator("#tier1 tbody tr td:nth-child(1)").all_inner_texts()
            assert names == sorted(names, key=str.lower)
            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / "dashboard.png"
            page.screenshot(path=str(shot))  # the first screen: chart and top of the table
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()
    assert outside == []
