"""兑现 end to end in a browser, as four people: the applicant saves a case, starts an application
from one of its entitlements and submits it; the reviewer of the measure's department (市科技局,
xm-2023 （二十） 人才引进补贴) accepts, approves the engine's figure and puts it on public notice (the
notice started weeks ago, so it is over today); finance checks credit and pays the first of three
instalments; the auditor reads it all and can change nothing. Each page is also opened on a phone
(360 px): no sideways scroll. Screenshots go to bench/out/ (fulfilment-*.png)."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.browser.conftest import PASSWORD, open_page, screenshot, scrolls_sideways, serve

from biopolicy.services import accounts
from biopolicy.services import organisations as orgs
from biopolicy.services.database import unit_of_work

PEOPLE = {
    "qiye": ("A", [("applicant", "")], "企业经办人"),
    "keji": (None, [("reviewer", "市科技局")], "科技局审核员"),
    "caizheng": (None, [("finance", "")], "财政局出纳"),
    "shenji": (None, [("auditor", "")], "审计人员"),
}


@pytest.fixture(scope="module")
def pay_server(new_database, browser):
    from tests.services.test_organisations import FACTS

    url = new_database("pay")
    with unit_of_work("test", url=url) as uow:
        org = orgs.create(uow, FACTS).id
    for login, (o, roles, name) in PEOPLE.items():
        with unit_of_work("test", url=url) as uow:
            accounts.create_user(
                uow, login, name, password=PASSWORD, organisation=org if o else None, roles=roles
            )
    with serve(url) as base_url:
        yield base_url


def session(browser, base: str, login: str, size: str = "desktop"):
    context, page = open_page(browser, base, size)
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page


def shot(page, name: str, size: str) -> None:
    assert not scrolls_sideways(page), f"{name} scrolls sideways at {size}"
    assert page.js_errors == []
    screenshot(page, f"fulfilment-{name}-{size}")


def test_the_life_cycle_as_four_people(browser, pay_server):
    from tests.services.test_applications import talent_case

    from biopolicy.services.calculator import get_calculator
    from biopolicy.web.forms.calculator import encode_case

    # -- the applicant: save the case, one click to apply, sign and submit
    ctx, page = session(browser, pay_server, "qiye")
    page.goto("/calculator/result?c=" + encode_case(talent_case(), get_calculator().rules.version))
    page.fill("#calc-save-title", "引进人才张三")
    page.click("#calc-save button[type=submit]")
    page.wait_for_url("**/cases/*")
    case_path = page.url.split("?")[0].replace(pay_server, "")
    row = page.locator("#case-apply tr", has_text="生物医药企业引进人才补贴")
    assert "800,000元" in row.inner_text()
    shot(page, "case", "desktop")
    row.get_by_role("button", name="申请兑现").click()
    page.wait_for_url("**/applications/*")
    assert "已创建申报" in page.inner_text("#application-done")
    app_path = page.url.split("?")[0].replace(pay_server, "")
    assert "草稿" in page.inner_text("#application-status")
    page.check("input[name=credit_commitment]")
    page.click("#action-submit button")
    page.wait_for_url("**done=submit")
    assert "已提交，待受理" in page.inner_text("#application-status")
    shot(page, "applicant", "desktop")
    page.goto("/applications/mine")
    assert "等待责任单位受理" in page.inner_text("#my-applications")
    shot(page, "mine", "desktop")
    ctx.close()

    # -- the reviewer of 市科技局: worklist, accept, approve the engine's figure, publish
    ctx, page = session(browser, pay_server, "keji")
    page.goto("/applications/worklist")
    assert "生物医药企业引进人才补贴" in page.inner_text("#worklist")
    shot(page, "worklist", "desktop")
    phone_ctx, phone = session(browser, pay_server, "keji", "phone")  # the list with its item, on a phone
    phone.goto("/applications/worklist")
    assert "生物医药企业引进人才补贴" in phone.inner_text("#worklist")
    shot(phone, "worklist", "phone")
    phone_ctx.close()
    page.click("#worklist a")
    page.click("#action-accept button")
    page.wait_for_url("**done=accept")
    assert "800,000元" in page.inner_text("#application-verdict")
    assert page.input_value("#action-approve input[name=amount]") == "800000"
    shot(page, "review", "desktop")
    page.click("#action-approve button")
    page.wait_for_url("**done=approve")
    assert "已核定" in page.inner_text("#application-status")
    started = dt.date.today() - dt.timedelta(days=30)  # the notice was posted a month ago: it is over
    page.fill("#action-publish input[name=from]", started.isoformat())
    page.click("#action-publish button")
    page.wait_for_url("**done=publish")
    assert "公示中" in page.inner_text("#application-status")
    ctx.close()

    # -- finance: the queue, the credit check, the first instalment (40%)
    ctx, page = session(browser, pay_server, "caizheng")
    page.goto("/applications/payments")
    queue = page.inner_text("#payment-queue")
    assert "已期满" in queue and "本期尚未进行信用核查" in queue and "320,000元" in queue
    shot(page, "payments", "desktop")
    page.click("#payment-queue a")
    page.click("#action-credit-check button")
    page.wait_for_url("**done=credit_check")
    page.fill("#action-pay input[name=receipt_no]", "SJ-2026-001")
    page.click("#action-pay button")
    page.wait_for_url("**done=pay")
    instalments = page.inner_text("#application-instalments")
    assert "SJ-2026-001" in instalments and "已支付" in instalments
    assert "分期支付中" in page.inner_text("#application-status")
    shot(page, "paid", "desktop")
    ctx.close()

    # -- the auditor: everything, read-only
    ctx, page = session(browser, pay_server, "shenji")
    page.goto("/applications")
    assert "分期支付中" in page.inner_text("#all-applications")
    shot(page, "audit", "desktop")
    page.goto(app_path)
    history = page.inner_text("#application-history")
    for step in ("创建申报", "提交申报", "受理", "核定金额", "列入公示", "支付前信用核查", "登记支付"):
        assert step in history
    assert page.locator("#application-actions").count() == 0
    ctx.close()

    # -- the same pages on a phone
    for login, paths in {
        "qiye": {"case": case_path, "applicant": app_path, "mine": "/applications/mine"},
        "keji": {"review": app_path},
        "caizheng": {"payments": "/applications/payments", "paid": app_path},
        "shenji": {"audit": "/applications"},
    }.items():
        ctx, page = session(browser, pay_server, login, "phone")
        for name, path in paths.items():
            page.goto(path)
            shot(page, name, "phone")
        ctx.close()
