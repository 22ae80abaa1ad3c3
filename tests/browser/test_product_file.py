"""One file per product in a browser, as the enterprise: the milestone form refuses a date before its
predecessor beside the field (nothing written), then records the milestone; the timeline draws
without script errors; no sideways scroll on a phone. Screenshots go to bench/out/."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.browser.conftest import PASSWORD, SIZES, log_in, open_page, screenshot, scrolls_sideways, serve

from biopolicy.services import accounts
from biopolicy.services import organisations as orgs
from biopolicy.services import watchlist as wl
from biopolicy.services.database import unit_of_work


@pytest.fixture(scope="module")
def product_server(new_database, browser):
    from tests.services.test_organisations import FACTS

    url = new_database("product")
    with unit_of_work("test", url=url) as uow:
        a = orgs.create(uow, FACTS).id
    with unit_of_work("test", url=url) as uow:
        accounts.create_user(
            uow, "regulator", "省局审评员", password=PASSWORD, roles=[("reviewer", "省药监局")]
        )
        regulator = accounts.authenticate(uow, "regulator", PASSWORD)
    with unit_of_work("test", url=url) as uow:
        accounts.create_user(
            uow, "staff", "甲公司申报专员", password=PASSWORD, organisation=a, roles=[("applicant", "")]
        )
    today = dt.date.today()
    with unit_of_work("test", url=url) as uow:
        pid = wl.watch_product(uow, regulator, a, "甲单抗注射液", "biologic", "1", key_product=True)
    milestones = [
        {"kind": "preclinical_done", "completed_on": "2024-03-01"},
        {"kind": "ind_filed", "started_on": "2024-04-01", "completed_on": "2024-05-20"},
        {"kind": "ind_approved", "completed_on": "2024-05-20"},
        {"kind": "phase_1_started", "started_on": "2024-07-01"},
        {"kind": "phase_1_completed", "completed_on": "2025-03-01"},
        {"kind": "phase_2_started", "started_on": "2025-04-01"},
        {"kind": "phase_2_completed", "completed_on": "2025-10-01"},
        {"kind": "phase_3_completed", "planned_on": (today + dt.timedelta(days=400)).isoformat()},
        {"kind": "registration_testing", "procedure": "drug_supplement_registration_testing",
         "started_on": (today - dt.timedelta(days=20)).isoformat()},
    ]  # fmt: skip
    for m in milestones:
        with unit_of_work("test", url=url) as uow:
            wl.add_milestone(uow, regulator, pid, m, today)
    with serve(url) as base_url:
        yield base_url, pid


@pytest.mark.parametrize("size", SIZES)
def test_the_enterprise_records_a_milestone_on_its_product_file(browser, product_server, size):
    base, pid = product_server
    context, page = open_page(browser, base, size)
    log_in(page, "staff", f"/products/{pid}")
    page.wait_for_selector("#watch-timeline[data-ready='1']")
    assert "Ⅱ期临床试验完成" in page.inner_text("#unlocks")  # what the completed phase unlocks
    assert "Ⅲ期临床试验完成" in page.inner_text("#what-if")  # and the planned one, as what-if
    assert "本产品尚未列入任何目录" in page.inner_text("#catalogue-memberships + p")
    screenshot(page, f"product-{size}")

    # a Phase III start before Phase II started: refused beside the field, nothing written
    rows = page.locator("#milestones tbody tr").count()
    form = page.locator("#new-milestone")
    form.locator("select[name=kind]").select_option("phase_3_started")
    form.locator("input[name=started_on]").fill("2025-03-01")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#new-milestone-started_on-error")
    assert "早于前一环节" in page.inner_text("#new-milestone-started_on-error")
    assert page.input_value("#new-milestone-started_on") == "2025-03-01"
    assert page.locator("#milestones tbody tr").count() == rows
    page.locator("#new-milestone-started_on-error").scroll_into_view_if_needed()
    screenshot(page, f"product-form-error-{size}", full_page=False)

    # corrected (only the desktop run writes, so both runs see the same file)
    if size == "desktop":
        form.locator("input[name=started_on]").fill("2025-10-15")
        form.locator("button[type=submit]").click()
        page.wait_for_url(f"**/products/{pid}?saved=*")
        assert page.locator("#milestones tbody tr").count() == rows + 1
        assert "Ⅲ期临床试验启动" in page.inner_text("#milestones")
    assert page.js_errors == []
    assert not scrolls_sideways(page)
    context.close()
