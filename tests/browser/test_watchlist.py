"""The regulator's watch list in a browser: log in as a 省药监局 reviewer, the overdue step first, the
timeline drawn without script errors, no sideways scroll on a phone. Screenshots go to bench/out/."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.browser.conftest import PASSWORD, SIZES, log_in, open_page, screenshot, scrolls_sideways, serve

from biopolicy.services import accounts
from biopolicy.services import organisations as orgs
from biopolicy.services import watchlist as wl
from biopolicy.services.database import unit_of_work


@pytest.fixture(scope="module")
def watch_server(new_database, browser):
    from tests.services.test_organisations import FACTS, code

    url = new_database("watch")
    with unit_of_work("test", url=url) as uow:
        a = orgs.create(uow, FACTS).id
    with unit_of_work("test", url=url) as uow:
        b = orgs.create(
            uow, {**FACTS, "name": "厦门乙医疗器械有限公司", "credit_code": code(2), "products": []}
        ).id
    with unit_of_work("test", url=url) as uow:
        accounts.create_user(
            uow, "regulator", "省局审评员", password=PASSWORD, roles=[("reviewer", "省药监局")]
        )
        regulator = accounts.authenticate(uow, "regulator", PASSWORD)
    today = dt.date.today()
    steps = [
        (a, "甲单抗注射液", "biologic", "technical_review", "drug_supplement_review_inspection", today - dt.timedelta(days=200)),
        (b, "乙型血糖监测系统", "device", "technical_review", None, today - dt.timedelta(days=10)),
        (a, "甲单抗注射液", "biologic", "registration_testing", "drug_supplement_registration_testing", today - dt.timedelta(days=35)),
    ]  # fmt: skip
    for org, name, kind_of, kind, procedure, started in steps:
        with unit_of_work("test", url=url) as uow:
            pid = wl.watch_product(uow, regulator, org, name, kind_of, "III" if kind_of == "device" else "1",
                                   key_product=kind_of == "biologic")  # fmt: skip
        with unit_of_work("test", url=url) as uow:
            wl.add_milestone(
                uow, regulator, pid, {"kind": kind, "procedure": procedure, "started_on": started}, today
            )
    with serve(url) as base_url:
        yield base_url


@pytest.mark.parametrize("size", SIZES)
def test_the_regulator_sees_the_overdue_step_first_with_its_timeline(browser, watch_server, size):
    context, page = open_page(browser, watch_server, size)
    log_in(page, "regulator", "/watchlist")
    page.wait_for_selector("#watch-timeline[data-ready='1']")
    statuses = page.eval_on_selector_all("#watch-list tbody tr", "rows => rows.map(r => r.dataset.status)")
    assert statuses[0] == "overdue" and len(statuses) == 3
    assert page.inner_text("#watch-list tbody tr:first-child").startswith("甲单抗注射液")
    assert page.js_errors == []
    assert not scrolls_sideways(page)  # the wide table scrolls in its own box
    screenshot(page, f"watchlist-{size}")
    context.close()
