"""Requests, targets and the evaluation in a browser, on a desktop and on a phone: an enterprise files a
request with a PDF, the department answers and closes it, the enterprise rates it; an overdue request
shows as escalated; the targets' trajectories are drawn; the evaluation prints. No script errors, no
sideways scroll. Screenshots go to bench/out/."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.browser.conftest import PASSWORD, SIZES, log_in, new_context, screenshot, scrolls_sideways, serve

from biopolicy.services import accounts
from biopolicy.services import organisations as orgs
from biopolicy.services import requests as rq
from biopolicy.services import targets as tg
from biopolicy.services.database import unit_of_work


@pytest.fixture(scope="module")
def request_server(new_database, tmp_path_factory, browser):
    from tests.services.test_organisations import FACTS

    from biopolicy.settings import get_settings

    environment = pytest.MonkeyPatch()  # attachments go to a folder of this module's, for the app
    environment.setenv("BIOPOLICY_DATA_DIR", str(tmp_path_factory.mktemp("requests") / "data"))
    get_settings.cache_clear()  # and for the services, which read the settings themselves
    url = new_database("requests")
    with unit_of_work("test", url=url) as uow:
        a = orgs.create(uow, FACTS).id
    people = {
        "enterprise": ("厦门甲生物", a, [("applicant", "")]),
        "health": ("市卫健委承办人", None, [("reviewer", "市卫健委")]),
        "auditor": ("审计", None, [("auditor", "")]),
    }
    who = {}
    for login, (name, org, roles) in people.items():
        with unit_of_work("test", url=url) as uow:
            accounts.create_user(uow, login, name, password=PASSWORD, organisation=org, roles=roles)
            who[login] = accounts.authenticate(uow, login, PASSWORD)
    today = dt.date.today()
    with unit_of_work("test", url=url) as uow:  # filed a month ago, never answered: escalated on read
        rq.file_request(uow, who["enterprise"], {"category": "挂网", "title": "挂网申请久未受理",
                        "text": "已提交挂网材料一个月"}, today - dt.timedelta(days=30), "k-old")  # fmt: skip
    for year, value in ((2022, "900"), (2023, "1000")):
        with unit_of_work("test", url=url) as uow:
            tg.add_actual(uow, accounts.Principal(user_id=0, login="admin", display_name="管理员",
                          organisation_id=None, organisation_name=None,
                          roles=[accounts.RoleView(role=accounts.Role.administrator, label="管理员")]),
                          {"target": "fj-2023-7/m1-revenue", "year": year, "value": value,
                           "source": "福建省统计公报"}, today)  # fmt: skip
    with serve(url) as base_url:
        yield base_url
    environment.undo()
    get_settings.cache_clear()


def _check(page, errors, name, size):
    assert errors == []
    assert not scrolls_sideways(page)
    screenshot(page, f"{name}-{size}")


@pytest.mark.parametrize("size", SIZES)
def test_a_request_is_filed_answered_closed_and_rated(browser, request_server, size, tmp_path):
    errors: list[str] = []
    ent = new_context(browser, request_server, size, timeout=20_000)
    page = ent.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, "enterprise", "/requests")
    assert "已提请市科技局统筹协调" in page.inner_text(
        "#request-list"
    )  # the month-old one, escalated on read
    pdf = tmp_path / "临床试验批件.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page.select_option("select[name=category]", "clinical_trial")
    page.fill("input[name=title]", f"伦理审查排期过长（{size}）")
    page.fill("textarea[name=text]", "伦理委员会排期超过两个月，请协调。")
    page.set_input_files("input[name=attachments]", str(pdf))
    page.click("#request-form button[type=submit]")
    page.wait_for_url("**/requests/*")
    address = page.url
    assert "市卫健委" in page.inner_text("#request-facts") and "待答复" in page.inner_text("#request-status")
    assert "临床试验批件.pdf" in page.inner_text("#request-attachments")
    _check(page, errors, "request-filed", size)
    _check_list = page.goto("/requests")
    assert _check_list.ok
    _check(page, errors, "requests", size)

    dept = new_context(browser, request_server, size, timeout=20_000)
    officer = dept.new_page()
    officer.on("pageerror", lambda exc: errors.append(str(exc)))
    path = "/" + address.split("/", 3)[3]
    log_in(officer, "health", path)
    officer.fill("#answer-form textarea[name=text]", "已协调伦理委员会本周加开会议。")
    officer.check("#answer-form input[name=close]")
    officer.click("#answer-form button[type=submit]")
    officer.wait_for_url(f"**{path}")
    assert "已办结" in officer.inner_text("#request-status") and "按期答复" in officer.inner_text(
        "#request-status"
    )
    _check(officer, errors, "request-answered", size)
    dept.close()

    page.goto(path)
    page.check("#rating-form input[value='5']")
    page.click("#rating-form button[type=submit]")
    page.wait_for_url(f"**{path}")
    assert "5 分" in page.inner_text("#request-facts")
    _check(page, errors, "request-rated", size)
    ent.close()


@pytest.mark.parametrize("size", SIZES)
def test_targets_draw_their_trajectory_and_the_evaluation_prints(browser, request_server, size):
    errors: list[str] = []
    context = new_context(browser, request_server, size, timeout=20_000)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, "auditor", "/targets")
    revenue = page.locator("section.target", has_text="1200亿元").first
    assert "按当前进度" in revenue.inner_text() or "已达成" in revenue.inner_text()
    page.wait_for_selector("section.target canvas")
    assert "尚无实际值" in page.inner_text("main")  # the other targets say so
    _check(page, errors, "targets", size)
    page.goto("/evaluation")
    assert "年度政策措施实施效果评估" in page.inner_text("h1")
    assert "企业诉求" in page.inner_text("main")
    _check(page, errors, "evaluation", size)
    page.emulate_media(media="print")
    assert not page.is_visible("header.site")
    context.close()
