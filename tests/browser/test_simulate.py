"""费用测算 in a browser: a reviewer logs in, runs a reform, sees both charts drawn and the difference,
and downloads the workbook; no script errors, no sideways scroll on a phone. Screenshots go to bench/out/."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from tests.browser.conftest import PASSWORD, SIZES, log_in, open_page, screenshot, scrolls_sideways, serve

from biopolicy.services import accounts
from biopolicy.services.database import unit_of_work


@pytest.fixture(scope="module")
def sim_server(new_database, browser):
    url = new_database("sim")
    with unit_of_work("test", url=url) as uow:
        accounts.create_user(
            uow, "planner", "市科技局审核员", password=PASSWORD, roles=[("reviewer", "市科技局")]
        )
    with serve(url) as base_url:
        yield base_url


@pytest.mark.parametrize("size", SIZES)
def test_a_reviewer_runs_a_reform_sees_the_charts_and_the_difference_and_downloads_it(
    browser, sim_server, size
):
    context, page = open_page(browser, sim_server, size, timeout=30_000, accept_downloads=True)
    log_in(page, "planner", "/simulate")
    page.select_option("#reform", label="闽工信规〔2023〕7号延长至2027年底")
    page.fill("#first_year", "2025")
    page.fill("#last_year", "2027")
    page.fill("#grant_rate", "60")
    page.click("#sim-form button[type=submit]")
    page.wait_for_selector("#sim-years[data-ready='1']")
    page.wait_for_selector("#sim-measures[data-ready='1']")
    assert page.is_hidden("#sim-progress")  # the bar goes once the result is in
    assert "reform=fj-2023-7-extended-2027" in page.url  # the address is the result's link
    assert page.inner_text("#total-difference").startswith("+")  # the extension costs more
    assert "按核定比例 60%" in page.inner_text("#grant-note") and "本平台假设" in page.inner_text(
        "#grant-note"
    )
    rows = page.eval_on_selector_all("#by-year tbody tr", "rows => rows.map(r => r.cells[0].innerText)")
    assert rows[:3] == ["2025年", "2026年", "2027年"] and rows[-1] == "合计"
    with page.expect_download() as caught:
        page.click("#sim-xlsx")
    data = Path(caught.value.path()).read_bytes()
    wb = load_workbook(io.BytesIO(data))
    assert "按措施" in wb.sheetnames and wb["按年份"]["A1"].value == "年份"
    assert page.js_errors == []
    assert not scrolls_sideways(page)
    screenshot(page, f"simulate-{size}")
    # bad input: the message at the field, no result
    page.fill("#grant_rate", "120")
    page.click("#sim-form button[type=submit]")
    page.wait_for_selector("#grant_rate-error")
    assert "核定比例：应为 0 到 100 之间的百分数" in page.inner_text("#grant_rate-error")
    assert page.query_selector(".sim-result") is None
    context.close()
