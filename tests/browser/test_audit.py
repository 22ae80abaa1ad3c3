"""The auditor's trail in a browser: log in, filter by organisation, open a change, check the chain;
no script errors, no sideways scroll on a phone. Screenshots go to bench/out/."""

from __future__ import annotations

import copy
import threading
import time
from pathlib import Path

import pytest

from biopolicy.services import accounts, cases
from biopolicy.services import organisations as orgs
from biopolicy.services.calculator import get_calculator
from biopolicy.services.database import unit_of_work
from biopolicy.storage import migrate

PASSWORD = "correct-horse-42"
OUT = Path(__file__).resolve().parents[2] / "bench" / "out"


@pytest.fixture(scope="module")
def audit_server(tmp_path_factory, browser):
    import uvicorn
    from tests.browser.conftest import _free_port
    from tests.services.test_cases import CASE
    from tests.services.test_organisations import FACTS, code

    from biopolicy.settings import Settings
    from biopolicy.web.app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('audit') / 'audit.sqlite3'}"
    migrate.upgrade(url)
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
    port = _free_port()
    app = create_app(settings=Settings(base_url=f"http://127.0.0.1:{port}"), database_url=url)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("测试服务器未能启动")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", a
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_auditor_filters_the_trail_opens_a_change_and_checks_the_chain(browser, audit_server, size):
    from tests.browser.conftest import DESKTOP, PHONE

    base, org_a = audit_server
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
    page.goto("/audit")
    assert "/login" in page.url
    page.fill("#login", "auditor1")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/audit")
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
    assert errors == []
    assert not page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"
    )
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"audit-{size}.png"), full_page=True)
    context.close()
