"""免申即享 and budgets in a browser: the applicant sees the proposed awards and confirms one; finance
sees a budget with its queue; both pages fit a phone without sideways scroll. Screenshots go to bench/out/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tests.browser.conftest import PASSWORD, SIZES, log_in, open_page, screenshot, scrolls_sideways, serve

from biopolicy.services import accounts, budgets, proactive
from biopolicy.services import applications as apps
from biopolicy.services import organisations as orgs
from biopolicy.services.calculator import get_calculator
from biopolicy.services.database import unit_of_work
from biopolicy.storage.db import Database


@pytest.fixture(scope="module")
def fulfil_server(new_database, browser):
    from tests.services.test_budgets import _in_review_for
    from tests.services.test_organisations import FACTS, code

    url = new_database("fulfil")
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
    with serve(url) as base_url:
        yield base_url


@pytest.mark.parametrize("size", SIZES)
def test_the_applicant_sees_and_confirms_a_proposal(browser, fulfil_server, size):
    context, page = open_page(browser, fulfil_server, size)
    log_in(page, "applicant", "/proposals", until="**/proposals*")
    cards = page.locator("#proposal-list section.card")
    assert cards.count() >= 1
    assert "创新药、改良型新药分阶段研发奖励" in page.inner_text("#proposal-list")
    assert "阶段=Ⅲ期临床试验" in page.inner_text("#proposal-list")
    screenshot(page, f"proposals-{size}")
    assert not scrolls_sideways(page) and page.js_errors == []
    if size == "desktop":
        card = page.locator("section.card", has_text="创新药、改良型新药分阶段研发奖励")
        card.locator("form.inline-form input[name=credit_commitment]").check()
        card.locator("form.inline-form button").click()
        page.wait_for_selector("#proposal-done")
        assert "已进入审核" in page.inner_text("#proposal-done")
        assert "已确认，进入审核" in page.inner_text("#proposal-list")
    context.close()


@pytest.mark.parametrize("size", SIZES)
def test_finance_sees_committed_remaining_and_the_queue(browser, fulfil_server, size):
    context, page = open_page(browser, fulfil_server, size)
    log_in(page, "finance", "/budgets", until="**/budgets*")
    text = page.inner_text("#budget-list")
    assert (
        "40,000,000元" in text and "30,000,000元" in text and "10,000,000元" in text
    )  # budget, committed, remaining
    assert "1 项" in text and "并发公司1" in text  # the second approval waits in the queue
    screenshot(page, f"budgets-{size}")
    assert not scrolls_sideways(page) and page.js_errors == []
    context.close()
