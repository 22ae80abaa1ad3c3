"""`biopolicy notify scan|contact` and `biopolicy outbox`: the shell around notifications."""

from __future__ import annotations

from click.testing import CliRunner
from tests.services.test_organisations import FACTS

from biopolicy.cli import cli
from biopolicy.services import accounts
from biopolicy.services import notifications as notes
from biopolicy.services import organisations as orgs
from biopolicy.services import subscriptions as subs
from biopolicy.services.calculator import get_calculator
from biopolicy.services.database import unit_of_work


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_scan_twice_tells_once_and_the_outbox_sends_once(database_url):
    url = database_url
    with unit_of_work("test", url=url) as uow:
        org = orgs.create(uow, FACTS).id
    with unit_of_work("test", url=url) as uow:
        accounts.create_user(
            uow, "staff", "王敏", password="correct-horse-42", organisation=org, roles=[("applicant", "")]
        )
        who = accounts.authenticate(uow, "staff", "correct-horse-42")
    with unit_of_work("test", url=url) as uow:
        subs.subscribe(uow, who, get_calculator(), "document", "xm-2023")
    bad = run("notify", "scan", "--as-of", "2026-13-01", "--database-url", url)
    assert bad.exit_code == 2 and "--as-of：应为 YYYY-MM-DD 格式的日期" in bad.output
    assert run("notify", "contact", "staff", "--mobile", "123", "--database-url", url).exit_code == 2
    assert run("notify", "contact", "staff", "--email", "wm@example.cn", "--database-url", url).exit_code == 0
    first = run("notify", "scan", "--as-of", "2026-12-01", "--database-url", url)
    assert first.exit_code == 0, first.output
    assert "首次扫描" in first.output and "通知 1 人次" in first.output  # xm-2023 ends 2026-12-31
    again = run("notify", "scan", "--as-of", "2026-12-01", "--database-url", url)
    assert "没有新的变化" in again.output
    listed = run("outbox", "--database-url", url)
    assert "邮件 wm@example.cn  政策即将到期  待发送" in listed.output and "共 1 条" in listed.output
    assert "未登记手机号" in run("outbox", "--status", "failed", "--database-url", url).output
    sent = run("outbox", "--send", "--database-url", url)
    assert "已发送 1 条，失败 0 条" in sent.output and "共 0 条" in sent.output
    assert "已发送 0 条" in run("outbox", "--send", "--database-url", url).output
    with unit_of_work("test", url=url) as uow:
        assert sorted(r.status for r in notes.outbox(uow, None)) == ["failed", "sent"]
