"""Subscriptions end to end in a browser: an applicant subscribes to a measure on its page; the
measure's rule changes in a copy of the policies; ``biopolicy notify scan`` (the command, over that
copy) tells her; she sees the count in the header, reads the notification and follows its link; the
pages fit a phone. Screenshots go to bench/out/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from biopolicy.corpus.loader import default_policies_dir
from biopolicy.services import accounts
from biopolicy.services import organisations as orgs
from biopolicy.services.database import unit_of_work
from biopolicy.storage import migrate

PASSWORD = "correct-horse-42"
OUT = Path(__file__).resolve().parents[2] / "bench" / "out"
MEASURE = "xm-2023/m1-clinical"


@pytest.fixture(scope="module")
def notify_server(tmp_path_factory, browser):
    import uvicorn
    from sqlalchemy import select
    from tests.browser.conftest import _free_port
    from tests.services.test_organisations import FACTS

    from biopolicy.services.calculator import Calculator
    from biopolicy.services.library import load_library
    from biopolicy.settings import Settings
    from biopolicy.storage.notification_models import ScanMark
    from biopolicy.web.app import create_app

    base = tmp_path_factory.mktemp("notify")
    policies = base / "policies"
    shutil.copytree(default_policies_dir(), policies)
    url = f"sqlite:///{base / 'notify.sqlite3'}"
    migrate.upgrade(url)
    with unit_of_work("test", url=url) as uow:
        org = orgs.create(uow, FACTS).id
    with unit_of_work("test", url=url) as uow:
        accounts.create_user(
            uow, "staff", "王敏", password=PASSWORD, organisation=org, roles=[("applicant", "")]
        )
    library = load_library(policies, base / "cache")
    calculator = Calculator.load(library.corpus, policies)
    port = _free_port()
    app = create_app(library, calculator, Settings(base_url=f"http://127.0.0.1:{port}"), database_url=url)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while True:  # started, and its start-up scan has recorded the rules as they are
        with unit_of_work("test", url=url) as uow:
            scanned = uow.session.scalar(select(ScanMark.key).where(ScanMark.key == "scan:as_of"))
        if server.started and scanned:
            break
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("测试服务器未能启动，或启动时的订阅扫描未完成")
        time.sleep(0.1)
    yield {"url": f"http://127.0.0.1:{port}", "database": url, "policies": policies}
    server.should_exit = True
    thread.join(timeout=10)


def _context(browser, base_url: str, size: str):
    from tests.browser.conftest import DESKTOP, PHONE

    options = (
        {"viewport": DESKTOP}
        if size == "desktop"
        else {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
    )
    context = browser.new_context(base_url=base_url, locale="zh-CN", **options)
    context.set_default_timeout(90_000)
    return context


def _overflows(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")


def _log_in(page, target: str) -> None:
    page.goto(f"/login?next={target}")
    page.fill("#login", "staff")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"**{target}")


def test_subscribe_change_the_rule_scan_and_read_the_notification(browser, notify_server):
    context = _context(browser, notify_server["url"], "desktop")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"/measures/{MEASURE}")
    assert "登录后可订阅此措施" in page.inner_text("main")
    _log_in(page, f"/measures/{MEASURE}")
    page.click("button[data-action=subscribe][data-kind=measure]")
    page.wait_for_url(f"**/measures/{MEASURE}?done=subscribed")
    assert "已订阅此措施" in page.inner_text("main")
    assert page.locator("#unread-count").count() == 0

    # the rule changes in the policies the scan reads; the command tells her, once
    path = notify_server["policies"] / "xm-2023" / "measures.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("“在本市进行转化”", "“在本市转化”", 1), encoding="utf-8")
    env = {**os.environ, "BIOPOLICY_POLICIES": str(notify_server["policies"])}
    command = [
        str(Path(sys.executable).parent / "biopolicy"),
        "notify",
        "scan",
        "--database-url",
        notify_server["database"],
    ]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=True)
    assert "发现 2 项变化，通知 1 人次" in first.stdout
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=True)
    assert "没有新的变化" in again.stdout

    page.goto("/subscriptions")
    assert page.inner_text("#unread-count") == "1"
    page.click("#nav-notifications")
    page.wait_for_url("**/notifications")
    item = page.locator("li.notification.unread")
    assert item.count() == 1 and "措施规则已更新" in item.inner_text()
    assert MEASURE not in page.inner_text("main")  # the measure by its title, not its code
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / "notifications-unread-desktop.png"), full_page=True)
    item.locator("button.open").click()
    page.wait_for_url(f"**/measures/{MEASURE}")
    assert page.locator("#unread-count").count() == 0
    assert errors == []
    context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_pages_fit_desktop_and_phone(browser, notify_server, size):
    context = _context(browser, notify_server["url"], size)
    page = context.new_page()
    _log_in(page, "/subscriptions")
    label = page.inner_text("#achievement option:first-child")  # one not followed yet
    page.select_option("#achievement", label=label)
    page.click("#subscribe-achievement button[type=submit]")
    page.wait_for_url("**/subscriptions?done=*")
    assert label in page.inner_text("#subscription-list")
    assert not _overflows(page)
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"subscriptions-{size}.png"), full_page=True)
    page.goto("/notifications")
    assert not _overflows(page)
    page.screenshot(path=str(OUT / f"notifications-{size}.png"), full_page=True)
    page.goto(f"/measures/{MEASURE}")
    assert page.locator("form.subscribe").count() == 2 and not _overflows(page)
    page.screenshot(path=str(OUT / f"measure-subscribe-{size}.png"))
    context.close()
