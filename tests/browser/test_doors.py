"""Under the Content-Security-Policy every page still works in a real browser: no script, style,
image or worker is refused, the calculator and the chart run, and /docs and /redoc render the API
from the app's own assets (this machine has no internet)."""

from __future__ import annotations

import pytest

PAGES = ["/", "/documents", "/search?q=伦理", "/measures", "/overview", "/calculator"]


def csp_refusals(page, remote_ok: bool = False) -> list[str]:
    """Console messages of things the CSP refused. ``remote_ok``: a refused remote resource is the
    policy doing its work (ReDoc's footer links its logo from cdn.redoc.ly), not a broken page."""
    refused = [m for m in page.console_messages if "Content Security Policy" in m or "Refused to" in m]
    return [m for m in refused if not (remote_ok and "'https://" in m)]


@pytest.fixture
def watched(page):
    page.console_messages = []
    page.on("console", lambda m: page.console_messages.append(m.text))
    return page


@pytest.mark.parametrize("url", PAGES)
def test_pages_run_under_the_csp(watched, url):
    watched.goto(url)
    watched.wait_for_load_state("networkidle")
    assert csp_refusals(watched) == []
    assert watched.js_errors == []


def test_the_live_server_has_no_server_banner(page):
    response = page.goto("/")
    assert "server" not in response.headers and "content-security-policy" in response.headers


def test_the_overview_chart_draws_under_the_csp(watched):
    watched.goto("/overview")
    watched.wait_for_selector("#timeline canvas, #timeline svg", timeout=10_000)
    assert csp_refusals(watched) == []


def test_swagger_ui_renders_the_api_offline(watched):
    watched.goto("/docs")
    watched.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
    assert "biopolicy" in watched.locator(".swagger-ui .info .title").inner_text()
    assert watched.locator(".opblock").count() >= 10
    assert csp_refusals(watched) == [] and watched.js_errors == []


def test_redoc_renders_the_api_offline(watched):
    watched.goto("/redoc")
    watched.wait_for_selector("h1:has-text('biopolicy')", timeout=30_000)
    assert watched.locator("text=测算一个案例可享受的政策").count() >= 1
    assert csp_refusals(watched, remote_ok=True) == [] and watched.js_errors == []
