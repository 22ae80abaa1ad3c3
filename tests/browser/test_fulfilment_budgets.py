"""免申即享 and budgets in a browser: the applicant sees the proposed awards and confirms one; finance
sees a budget with its queue; both pages fit a phone without sideways scroll. Screenshots go to bench/out/."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import pytest

from biopolicy.services import accounts, budgets, proactive
from biopolicy.services import applications as apps
from biopolicy.services import organisations as orgs
from biopolicy.services.calculator import get_calculator
from biopolicy.services.database import unit_of_work
from biopolicy.storage import migrate
from biopolicy.storage.db import Database

PASSWORD = "correct-horse-42"
OUT = Path(__file__).resolve().parents[2] / "bench" / "out"


@pytest.fixture(scope="module")
def fulfil_server(tmp_path_factory, browser):
    import uvicorn
    from tests.browser.conftest import _free_port
    from tests.services.test_budgets import _in_review_for
    from tests.services.test_organisations import FACTS, code

    from biopolicy.settings import Settings
    from biopolicy.web.app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('fulfil') / 'fulfil.sqlite3'}"
    migrate.upgrade(url)
    with unit_of_work("test", url=url) as uow:
        org = orgs.create(uow, FACTS).id
    people = {}
    for login, roles, org_id in (
        ("applicant", [("applicant", "")], org),
        ("finance", [("finance", "")], None),
        ("reviewer", [("reviewer", "市科技局")], None),
    ):
        with unit_of_work("test", url=url) as uow:
            accounts.create_user(uow, login, login, password=PASSWORD, organisation=org_id, roles=roles)
            people[login] = accounts.authenticate(uow, login, PASSWORD)
    rows = (
        "统一社会信用代码,记录类型,日期,产品,数据\n"
        f"{code(1)},clinical_stage_completed,2026-06-01,某单抗,stage=phase_3;rd_investment=90000000;transferred_city=厦门市\n"
    )
    with unit_of_work("test", url=url) as uow:
        proactive.import_file(uow, None, get_calculator(), Path("records.csv"), content=rows.encode())
    calc = get_calculator()
    with unit_of_work("test", url=url) as uow:
        budgets.set_budget(
            uow, people["finance"], calc, "xm-2023/m1-clinical", 2026, "city", "40000000", "b1"
        )
    database = Database(url)
    for i, app_id in enumerate(_in_review_for(database, 2)):
        with unit_of_work("test", url=url) as uow:
            apps.approve(
                uow,
                people["reviewer"],
                calc,
                app_id,
                "30000000",
                f"a{i}",
                today=dt.date(2026, 12, 1),
            )
    database.dispose()
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


def _page(browser, base, size):
    from tests.browser.conftest import DESKTOP, PHONE

    options = (
        {"viewport": DESKTOP}
        if size == "desktop"
        else {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
    )
    context = browser.new_context(base_url=base, locale="zh-CN", **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


def _login(page, login, target):
    page.goto(target)
    assert "/login" in page.url
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{target}*")


def _fits(page) -> bool:
    return not page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"
    )


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_applicant_sees_and_confirms_a_proposal(browser, fulfil_server, size):
    context, page, errors = _page(browser, fulfil_server, size)
    _login(page, "applicant", "/proposals")
    cards = page.locator("#proposal-list section.card")
    assert cards.count() >= 1
    assert "创新药、改良型新药分阶段研发奖励" in page.inner_text("#proposal-list")
    assert "阶段=Ⅲ期临床试验" in page.inner_text("#proposal-list")
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"proposals-{size}.png"), full_page=True)
    assert _fits(page) and errors == []
    if size == "desktop":
        card = page.locator("section.card", has_text="创新药、改良型新药分阶段研发奖励")
        card.locator("form.inline-form input[name=credit_commitment]").check()
        card.locator("form.inline-form button").click()
        page.wait_for_selector("#proposal-done")
        assert "已进入审核" in page.inner_text("#proposal-done")
        assert "已确认，进入审核" in page.inner_text("#proposal-list")
    context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_finance_sees_committed_remaining_and_the_queue(browser, fulfil_server, size):
    context, page, errors = _page(browser, fulfil_server, size)
    _login(page, "finance", "/budgets")
    text = page.inner_text("#budget-list")
    assert (
        "40,000,000元" in text and "30,000,000元" in text and "10,000,000元" in text
    )  # budget, committed, remaining
    assert "1 项" in text and "并发公司1" in text  # the second approval waits in the queue
    page.screenshot(path=str(OUT / f"budgets-{size}.png"), full_page=True)
    assert _fits(page) and errors == []
    context.close()
