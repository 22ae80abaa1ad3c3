"""The auditor's trail in a browser: log in, filter by organisation, open a change, check the chain;
no script errors, no sideways scroll on a phone. Screenshots go to bench/out/."""

from __future__ import annotations

import copy

import pytest
from tests.browser.conftest import PASSWORD, SIZES, log_in, open_page, screenshot, scrolls_sideways, serve

from biopolicy.services import accounts, cases
from biopolicy.services import organisations as orgs
from biopolicy.services.calculator import get_calculator
from biopolicy.services.database import unit_of_work


@pytest.fixture(scope="module")
def audit_server(new_database, browser):
    from tests.services.test_cases import CASE
    from tests.services.test_organisations import FACTS, code

    url = new_database("audit")
    with unit_of_work("test", url=url) as uow:
        a = orgs.create(uow, FACTS).id
    with unit_of_work("test", url=url) as uow:
        orgs.create(uow, {**FACTS, "name": "厦门乙医疗器械有限公司", "credit_code": code(2), "products": []})
    with unit_of_work("test", url=url) as uow:
        accounts.create_user(uow, "auditor1", "审计员", password=PASSWORD, roles=[("auditor", "")])
        accounts.create_user(
            uow, "staff-a", "甲经办", password=PASSWORD, organisation=a, roles=[("applicant", "")]
        )
    with unit_of_work("test", url=url) as uow:
        staff = accounts.authenticate(uow, "staff-a", PASSWORD)
    with unit_of_work(staff.actor, url=url) as uow:
        cases.save_case(uow, staff, get_calculator(), copy.deepcopy(CASE), "海沧研发")
    with serve(url) as base_url:
        yield base_url, a


@pytest.mark.parametrize("size", SIZES)
def test_the_auditor_filters_the_trail_opens_a_change_and_checks_the_chain(browser, audit_server, size):
    base, org_a = audit_server
    context, page = open_page(browser, base, size)
    log_in(page, "auditor1", "/audit")
    page.fill("input[name=organisation_id]", str(org_a))
    page.click("#audit-filters button[type=submit]")
    page.wait_for_selector("#audit-list")
    rows = page.inner_text("#audit-list tbody")
    assert "新增保存的测算" in rows and "用户 staff-a" in rows
    assert "厦门乙医疗器械有限公司" not in rows
    page.locator("#audit-list details summary").first.click()
    page.click("#audit-verify")
    page.wait_for_selector("#chain-ok")
    assert "哈希链完好" in page.inner_text("#chain-ok")
    assert page.js_errors == []
    assert not scrolls_sideways(page)
    screenshot(page, f"audit-{size}")
    context.close()
