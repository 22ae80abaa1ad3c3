"""Subscriptions end to end in a browser: an applicant subscribes to a measure on its page; the
measure's rule changes in a copy of the policies; ``biopolicy notify scan`` (the command, over that
copy) tells her; she sees the count in the header, reads the notification and follows its link; the
pages fit a phone. Screenshots go to bench/out/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.browser.conftest import (
    PASSWORD,
    SIZES,
    new_context,
    open_page,
    screenshot,
    scrolls_sideways,
    serve,
)

from biopolicy.corpus.loader import default_policies_dir
from biopolicy.services import accounts
from biopolicy.services import organisations as orgs
from biopolicy.services.database import unit_of_work

MEASURE = "xm-2023/m1-clinical"


@pytest.fixture(scope="module")
def notify_server(new_database, tmp_path_factory, browser):
    from sqlalchemy import select
    from tests.services.test_organisations import FACTS

    from biopolicy.services.calculator import Calculator
    from biopolicy.services.library import load_library
    from biopolicy.storage.notification_models import ScanMark

    base = tmp_path_factory.mktemp("notify")
    policies = base / "policies"
    shutil.copytree(default_policies_dir(), policies)
    url = new_database("notify")
    with unit_of_work("test", url=url) as uow:
        org = orgs.create(uow, FACTS).id
    with unit_of_work("test", url=url) as uow:
        accounts.create_user(
            uow, "staff", "王敏", password=PASSWORD, organisation=org, roles=[("applicant", "")]
        )
    library = load_library(policies, base / "cache")
    calculator = Calculator.load(library.corpus, policies)

    def scanned() -> bool:  # its start-up scan has recorded the rules as they are
        with unit_of_work("test", url=url) as uow:
            return uow.session.scalar(select(ScanMark.key).where(ScanMark.key == "scan:as_of")) is not None

    with serve(url, library=library, calculator=calculator, ready=scanned) as base_url:
        yield {"url": base_url, "database": url, "policies": policies}


def _log_in(page, target: str) -> None:
    page.goto(f"/login?next={target}")
    page.fill("#login", "staff")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"**{target}")


def test_subscribe_change_the_rule_scan_and_read_the_notification(browser, notify_server):
    context, page = open_page(browser, notify_server["url"], "desktop", timeout=90_000)
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
    screenshot(page, "notifications-unread-desktop")
    item.locator("button.open").click()
    page.wait_for_url(f"**/measures/{MEASURE}")
    assert page.locator("#unread-count").count() == 0
    assert page.js_errors == []
    context.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_pages_fit_desktop_and_phone(browser, notify_server, size):
    context = new_context(browser, notify_server["url"], size, timeout=90_000)
    page = context.new_page()
    _log_in(page, "/subscriptions")
    label = page.inner_text("#achievement option:first-child")  # one not followed yet
    page.select_option("#achievement", label=label)
    page.click("#subscribe-achievement button[type=submit]")
    page.wait_for_url("**/subscriptions?done=*")
    assert label in page.inner_text("#subscription-list")
    assert not scrolls_sideways(page)
    screenshot(page, f"subscriptions-{size}")
    page.goto("/notifications")
    assert not scrolls_sideways(page)
    screenshot(page, f"notifications-{size}")
    page.goto(f"/measures/{MEASURE}")
    assert page.locator("form.subscribe").count() == 2 and not scrolls_sideways(page)
    screenshot(page, f"measure-subscribe-{size}", full_page=False)
    context.close()
