"""``biopolicy notify …`` and ``biopolicy outbox``: subscriptions' scan, contacts, the outbox.

- ``notify scan [--as-of DATE]``: tell subscribers what changed since the last scan (a rule, a
  document ending within 90 days, a new document, a window opening); running it twice tells nobody
  twice (services/subscriptions.py). The web app runs one at start-up; run it daily from cron.
- ``notify contact LOGIN [--email ADDR] [--mobile NUMBER]``: where a user's messages are sent.
- ``outbox [--status pending|sent|failed] [--send]``: list the outbox; ``--send`` hands the due
  rows to the logging sender (the seam where an SMS gateway or mail server plugs in) and marks them
  sent, once.
"""

from __future__ import annotations

import datetime as dt
import json

import click

from biopolicy.cli.admin import actor, url_option
from biopolicy.cli.common import ChoiceZh, CliError, current_calculator, out
from biopolicy.services import notifications as notes
from biopolicy.services import subscriptions as subs
from biopolicy.services.database import unit_of_work

STATUS_WORDS = {"pending": "待发送", "sent": "已发送", "failed": "发送失败"}
CHANNEL_WORDS = {"sms": "短信", "email": "邮件"}


def _day(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CliError(
            f"--as-of：应为 YYYY-MM-DD 格式的日期，如 2026-12-01，收到 {value!r}", exit_code=2
        ) from None


@click.group()
def notify() -> None:
    """通知：订阅扫描、用户联系方式。"""


@notify.command("scan")
@click.option("--as-of", "as_of", default=None, metavar="DATE", help="按哪一天扫描（默认今天），YYYY-MM-DD")
@url_option
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
def scan(as_of: str | None, url: str | None, as_json: bool) -> None:
    """扫描规则变化、即将到期、新增文件和开始施行，通知订阅的用户；重复运行不会重复通知。"""
    day = _day(as_of)
    calculator = current_calculator()
    with unit_of_work(actor=actor(), url=url) as uow:
        report = subs.scan(uow, calculator, day)
    if as_json:
        click.echo(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        out().print(f"{report.as_of.isoformat()}：{report.summary}")


@notify.command("contact")
@click.argument("login")
@click.option("--email", default=None, help="邮箱地址（空字符串表示删除）")
@click.option("--mobile", default=None, help="手机号（11 位；空字符串表示删除）")
@url_option
def contact(login: str, email: str | None, mobile: str | None, url: str | None) -> None:
    """登记用户接收通知的邮箱和手机号。"""
    if email is None and mobile is None:
        raise CliError("请至少给出 --email 或 --mobile 之一", exit_code=2)
    try:
        for channel, address in (("email", email), ("sms", mobile)):
            if address is not None:
                with unit_of_work(actor=actor(), url=url) as uow:
                    notes.set_contact(uow, login, channel, address)
    except notes.NotificationError as exc:
        raise CliError(str(exc), exit_code=2) from None
    out().print(f"已更新用户 {login} 的联系方式")


@click.command("outbox")
@click.option(
    "--status",
    type=ChoiceZh({**STATUS_WORDS, "all": "全部"}),
    default="pending",
    show_default=True,
    help="列出哪种状态的消息：pending（待发送）、sent（已发送）、failed（发送失败）或 all（全部）",
)
@click.option("--send", is_flag=True, help="把到期的待发送消息交给发送器（目前写入日志）并标记为已发送")
@click.option("--limit", type=int, default=100, show_default=True, help="最多列出几条")
@url_option
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
def outbox(status: str, send: bool, limit: int, url: str | None, as_json: bool) -> None:
    """短信和邮件的发件箱：列出待发送（或已发送、失败）的消息；--send 发送到期的消息。"""
    if send:
        with unit_of_work(actor=actor(), url=url) as uow:
            done = notes.deliver(uow, notes.LoggingSender())
        if not as_json:
            out().print(f"已发送 {done.sent} 条，失败 {done.failed} 条")
    with unit_of_work(url=url, read_only=True) as uow:
        rows = notes.outbox(uow, None if status == "all" else status, limit)
    if as_json:
        click.echo(json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False, indent=2))
        return
    for r in rows:
        to = r.address or "（未登记）"
        error = f"，{r.last_error}" if r.last_error else ""
        out().print(
            f"{r.id:>6}  {CHANNEL_WORDS[r.channel]} {to}  {r.title}  {STATUS_WORDS[r.status]}"
            f"（已尝试 {r.attempts} 次{error}）"
        )
    out().print(f"共 {len(rows)} 条")
