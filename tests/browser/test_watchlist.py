"""The regulator's watch list in a browser: log in as a 省药监局 reviewer, the overdue step first, the
timeline drawn without script errors, no sideways scroll on a phone. Screenshots go to bench/out/."""

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
def watch_server(tmp_path_factory, browser):
    import uvicorn
    from tests.browser.conftest import _free_port
    from tests.services.test_organisations import FACTS, code

    from biopolicy.settings import Settings
    from biopolicy.web.app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('watch') / 'watch.sqlite3'}"
    migrate.upgrade(url)
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
def test_the_regulator_sees_the_overdue_step_first_with_its_timeline(browser, watch_server, size):
    from tests.browser.conftest import DESKTOP, PHONE

    options = (
        {"viewport": DESKTOP}
        if size == "desktop"
        else {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
    )
    context = browser.new_context(base_url=watch_server, locale="zh-CN", **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/watchlist")
    assert "/login" in page.url  # not logged in: sent to log in first
    page.fill("#login", "regulator")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/watchlist")
    page.wait_for_selector("#watch-timeline[data-ready='1']")
    statuses = page.eval_on_selector_all("#watch-list tbody tr", "rows => rows.map(r => r.dataset.status)")
    assert statuses[0] == "overdue" and len(statuses) == 3
    assert page.inner_text("#watch-list tbody tr:first-child").startswith("甲单抗注射液")
    assert errors == []
    assert not page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"
    )  # the wide table scrolls in its own box
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"watchlist-{size}.png"), full_page=True)
    context.close()
