"""费用测算 in a browser: a reviewer logs in, runs a reform, sees both charts drawn and the difference,
and downloads the workbook; no script errors, no sideways scroll on a phone. Screenshots go to bench/out/."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from biopolicy.services import accounts
from biopolicy.services.database import unit_of_work
from biopolicy.storage import migrate

PASSWORD = "correct-horse-42"
OUT = Path(__file__).resolve().parents[2] / "bench" / "out"


@pytest.fixture(scope="module")
def sim_server(tmp_path_factory, browser):
    import uvicorn
    from tests.browser.conftest import _free_port

    from biopolicy.settings import Settings
    from biopolicy.web.app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('sim') / 'sim.sqlite3'}"
    migrate.upgrade(url)
    with unit_of_work("test", url=url) as uow:
        accounts.create_user(
            uow, "planner", "市科技局审核员", password=PASSWORD, roles=[("reviewer", "市科技局")]
        )
    port = _free_port()
    app = create_app(settings=Settings(base_url=f"http://127.0.0.1:{port}"), database_url=url)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("测试服务器未能启动")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_reviewer_runs_a_reform_sees_the_charts_and_the_difference_and_downloads_it(
    browser, sim_server, size
):
    from tests.browser.conftest import DESKTOP, PHONE

    options = (
        {"viewport": DESKTOP}
        if size == "desktop"
        else {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
    )
    context = browser.new_context(base_url=sim_server, locale="zh-CN", accept_downloads=True, **options)
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/simulate")
    assert "/login" in page.url  # not logged in: sent to log in first
    page.fill("#login", "planner")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/simulate")
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
    assert errors == []
    assert not page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"
    )
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"simulate-{size}.png"), full_page=True)
    # bad input: the message at the field, no result
    page.fill("#grant_rate", "120")
    page.click("#sim-form button[type=submit]")
    page.wait_for_selector("#grant_rate-error")
    assert "核定比例：应为 0 到 100 之间的百分数" in page.inner_text("#grant_rate-error")
    assert page.query_selector(".sim-result") is None
    context.close()
