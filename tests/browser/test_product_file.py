"""One file per product in a browser, as the enterprise: the milestone form refuses a date before its
predecessor beside the field (nothing written), then records the milestone; the timeline draws
without script errors; no sideways scroll on a phone. Screenshots go to bench/out/."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import pytest

from biopolicy.services import accounts
from biopolicy.services import organisations as orgs
from biopolicy.services import watchlist as wl
from biopolicy.services.database import unit_of_work
from biopolicy.storage import migrate

PASSWORD = "correct-horse-42"
OUT = Path(__file__).resolve().parents[2] / "bench" / "out"


@pytest.fixture(scope="module")
def product_server(tmp_path_factory, browser):
    import uvicorn
    from tests.browser.conftest import _free_port
    from tests.services.test_organisations import FACTS

    from biopolicy.settings import Settings
    from biopolicy.web.app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('product') / 'product.sqlite3'}"
    migrate.upgrade(url)
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
    yield f"http://127.0.0.1:{port}", pid
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_enterprise_records_a_milestone_on_its_product_file(browser, product_server, size):
    from tests.browser.conftest import DESKTOP, PHONE

    base, pid = product_server
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
    page.goto(f"/products/{pid}")
    assert "/login" in page.url
    page.fill("#login", "staff")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/products/{pid}")
    page.wait_for_selector("#watch-timeline[data-ready='1']")
    assert "Ⅱ期临床试验完成" in page.inner_text("#unlocks")  # what the completed phase unlocks
    assert "Ⅲ期临床试验完成" in page.inner_text("#what-if")  # and the planned one, as what-if
    assert "本产品尚未列入任何目录" in page.inner_text("#catalogue-memberships + p")
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"product-{size}.png"), full_page=True)

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
    page.screenshot(path=str(OUT / f"product-form-error-{size}.png"), full_page=False)

    # corrected (only the desktop run writes, so both runs see the same file)
    if size == "desktop":
        form.locator("input[name=started_on]").fill("2025-10-15")
        form.locator("button[type=submit]").click()
        page.wait_for_url(f"**/products/{pid}?saved=*")
        assert page.locator("#milestones tbody tr").count() == rows + 1
        assert "Ⅲ期临床试验启动" in page.inner_text("#milestones")
    assert errors == []
    assert not page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"
    )
    context.close()
