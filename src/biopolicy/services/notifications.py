"""In-app notifications and their outbox (SMS, e-mail), as use cases.

``notify(uow, users=[…] | organisation_id=… | department=…, kind=, title=, body=, link=)`` writes, in
the caller's transaction (it flushes, never commits), one in-app notification per recipient and one
outbox row per recipient and channel. The caller commits with the change the message is about, so
a change rolled back tells nobody, and a change committed always has its messages. Recipients:
the users named, the active applicants (staff) of an organisation, the active reviewers of a
responsible department (责任单位); each person once.

The outbox is ready for a sender: each row has the address known for the user (``UserContact``;
none known: the row is ``failed`` at once, "未登记…", and no sender will try it), the payload
(title, body, link), status ``pending`` / ``sent`` / ``failed``, attempts and the time of the next
attempt. ``deliver(uow, sender)`` is the seam: it hands each due row to a ``Sender`` and marks it
sent, or schedules a retry (``RETRY_AFTER``, at most ``MAX_ATTEMPTS``), one row at a time under a
row lock (PostgreSQL: ``FOR UPDATE SKIP LOCKED``), so two deliverers never send a row twice and a
row once sent is never sent again. ``LoggingSender`` writes to the log: the sender until an SMS
gateway or a mail server is configured.

Application statuses: ``tell_application`` turns an application's step (the action its audit row
names) into the messages: the applicant organisation's staff for every step, and on submission the
reviewers of the responsible departments too.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

from pydantic import BaseModel
from sqlalchemy import func, select, update

from biopolicy.domain.money import decimal_str
from biopolicy.services.accounts import Principal
from biopolicy.services.wording import yuan
from biopolicy.storage.models import RoleAssignment, User, as_utc, utcnow
from biopolicy.storage.notification_models import CHANNELS, Notification, OutboxMessage, UserContact
from biopolicy.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

CHANNEL_WORDS = {"sms": "手机号", "email": "邮箱地址"}
MAX_ATTEMPTS = 5
RETRY_AFTER = dt.timedelta(minutes=10)  # doubled after each failed attempt
PAGE = 50


class NotificationError(ValueError):
    """Input refused (Chinese, naming the field); nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


class NotificationNotFound(LookupError):
    def __init__(self, notification_id: int) -> None:
        super().__init__(f"没有找到通知 {notification_id}")


# -- writing ------------------------------------------------------------------------------------


def recipients(
    uow: UnitOfWork,
    *,
    users: Iterable[int] = (),
    organisation_id: int | None = None,
    department: str | None = None,
) -> list[int]:
    """The ids of the active users meant, each once, in id order."""
    wanted = set(users)
    s = uow.session
    if organisation_id is not None:
        wanted |= set(
            s.scalars(
                select(User.id)
                .join(RoleAssignment, RoleAssignment.user_id == User.id)
                .where(User.organisation_id == organisation_id, RoleAssignment.role == "applicant")
            )
        )
    for dept in [d for d in (department or "").split("、") if d]:
        wanted |= set(
            s.scalars(
                select(RoleAssignment.user_id).where(
                    RoleAssignment.role == "reviewer", RoleAssignment.department == dept
                )
            )
        )
    if not wanted:
        return []
    return list(
        s.scalars(select(User.id).where(User.id.in_(wanted), User.active.is_(True)).order_by(User.id))
    )


def notify(
    uow: UnitOfWork,
    *,
    users: Iterable[int] = (),
    organisation_id: int | None = None,
    department: str | None = None,
    kind: str,
    title: str,
    body: str,
    link: str = "",
    exclude: Iterable[int] = (),
) -> int:
    """Tell people something, in the caller's transaction; returns how many were told.

    ``users``: user ids; ``organisation_id``: that organisation's staff (applicants);
    ``department``: the reviewers of that 责任单位 (several joined by "、"). They add up; each person
    is told once; ``exclude`` leaves some out (the person who did the thing). ``kind`` is a short
    code (``application_submitted``, ``rule_changed``…), ``title`` and ``body`` plain Chinese,
    ``link`` a path of this site. Writes one notification per person and one outbox row per person
    and channel, flushes, and does not commit: the caller's commit makes them real.
    """
    skip = set(exclude)
    people = [u for u in recipients(uow, users=users, organisation_id=organisation_id, department=department)]
    people = [u for u in people if u not in skip]
    if not people:
        return 0
    contacts = {
        (c.user_id, c.channel): c.address
        for c in uow.session.scalars(select(UserContact).where(UserContact.user_id.in_(people)))
    }
    now = utcnow()
    payload = {"title": title, "body": body, "link": link}
    for user_id in people:
        note = Notification(user_id=user_id, kind=kind, title=title, body=body, link=link, created_at=now)
        uow.session.add(note)
        uow.session.flush()
        for channel in CHANNELS:
            address = contacts.get((user_id, channel))
            uow.session.add(
                OutboxMessage(
                    notification_id=note.id,
                    user_id=user_id,
                    channel=channel,
                    address=address,
                    payload=payload,
                    status="pending" if address else "failed",
                    attempts=0,
                    next_attempt_at=now if address else None,
                    last_error=None if address else f"用户未登记{CHANNEL_WORDS[channel]}",
                    created_at=now,
                )
            )
    uow.session.flush()
    return len(people)


# -- application steps --------------------------------------------------------------------------

# action (as in review_action) -> kind, title, what happened; told to the applicant organisation's staff
APPLICATION_STEPS: dict[str, tuple[str, str, str]] = {
    "submit": ("application_submitted", "申报已提交", "已提交，等待主管部门受理"),
    "accept": ("application_accepted", "申报已受理", "已由主管部门受理，进入审核"),
    "request_more": ("application_more_requested", "申报退回补充材料", "被主管部门退回补充材料"),
    "approve": ("application_approved", "申报已核定", "已由主管部门核定金额"),
    "confirm_override": (
        "application_approved",
        "申报已核定",
        "已核定（超出测算的金额经第二名审核人员复核确认）",
    ),
    "reject": ("application_rejected", "申报不予支持", "经主管部门审核不予支持"),
    "publish": ("application_public_notice", "申报进入公示", "已进入公示"),
    "pay": ("application_paid", "申报资金已拨付一期", "已拨付一期资金"),
    "budget_queue": (
        "application_budget_queued",
        "申报已核定，预算排队中",
        "已核定，但该项预算已用完，按核定先后排队等待预算，核定金额不削减",
    ),
    "budget_release": ("application_budget_released", "申报预算已落实", "的预算已落实，将按程序公示、拨付"),
    "objection": (
        "application_objection",
        "公示中的申报收到异议",
        "在公示期内收到异议，暂停拨付，待主管部门核查",
    ),
    "objection_dismissed": (
        "application_objection_dismissed",
        "异议经核查不成立",
        "收到的异议经主管部门核查不成立，申报恢复办理",
    ),
    "objection_upheld": (
        "application_objection_upheld",
        "异议经核查成立",
        "收到的异议经主管部门核查成立，已撤出公示",
    ),
}
# action -> kind, title, body; told to the reviewers of the responsible departments
DEPARTMENT_STEPS: dict[str, tuple[str, str, str]] = {
    "submit": ("application_to_review", "有新的申报待受理", "“{m}”有一件新提交的申报，请在审核工作台受理。"),
    "override": (
        "override_to_confirm",
        "有超出测算的核定待复核",
        "“{m}”的一件申报核定金额超出测算，须由另一名审核人员复核。",
    ),
    "objection": (
        "objection_to_resolve",
        "公示中的申报收到异议",
        "“{m}”的一件公示中的申报收到异议，请核查处理。",
    ),
    "objection_dismissed": (
        "objection_resolved",
        "公示异议已处理",
        "“{m}”一件申报的异议已核查，异议不成立。",
    ),
    "objection_upheld": (
        "objection_resolved",
        "公示异议已处理",
        "“{m}”一件申报的异议已核查，异议成立，已撤出公示。",
    ),
}


def _yuan(v: Any) -> str:
    return yuan(Decimal(decimal_str(Decimal(str(v)))))


def measure_title(measure_id: str) -> str:
    """A measure as users name it (its title), from the process's rules."""
    from biopolicy.services.calculator import get_calculator

    try:
        return get_calculator().names.measure(measure_id).strip("“”")
    except Exception:  # noqa: BLE001 - a name is a courtesy: never fail a state change for it
        log.exception("no name for measure %s", measure_id)
        return "所申报的措施"


def tell_application(
    uow: UnitOfWork,
    row: Any,
    action: str,
    actor_id: int | None,
    amount: Any = None,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
) -> int:
    """The messages of one step of an application ``row`` (a storage Application whose status is
    already the new one; ``action`` as its review_action row names it). Call it in the step's
    transaction; steps that tell nobody (start, credit check) return 0. The person who acted is not
    told of their own step."""
    exclude = [actor_id] if actor_id is not None else []
    link = f"/applications/{row.id}"
    told = 0
    if action in APPLICATION_STEPS or action in DEPARTMENT_STEPS:
        title_of_measure = measure_title(row.measure_id)
    if action in APPLICATION_STEPS:
        kind, title, what = APPLICATION_STEPS[action]
        if action == "pay" and row.status == "paid":
            kind, title, what = "application_closed", "申报已办结", "的资金已足额拨付，申报办结"
        parts = [f"您单位就“{title_of_measure}”提出的申报{what}"]
        if amount is not None and action in (
            "approve",
            "confirm_override",
            "pay",
            "budget_queue",
            "budget_release",
        ):
            parts.append(("本期拨付" if action == "pay" else "核定金额") + f" {_yuan(amount)}")
        if detail and action == "budget_queue" and detail.get("place"):
            parts.append(f"排队时位列第 {detail['place']} 位")
        if action == "objection_upheld":
            parts.append("退回重新审核" if row.status == "in_review" else "不予支持")
        if detail and action == "pay" and detail.get("of", 1) > 1:
            parts.append(f"第 {detail.get('instalment')} 期，共 {detail.get('of')} 期")
        if reason and action in ("request_more", "reject", "objection_dismissed", "objection_upheld"):
            parts.append(f"理由：{reason}")
        if action == "request_more" and row.due_on is not None:
            parts.append(f"请于 {row.due_on.isoformat()} 前补充材料并重新提交")
        if action == "publish" and row.due_on is not None:
            parts.append(f"公示期至 {row.due_on.isoformat()}")
        told += notify(
            uow,
            organisation_id=row.organisation_id,
            kind=kind,
            title=title,
            body="；".join(parts) + "。",
            link=link,
            exclude=exclude,
        )
    if action in DEPARTMENT_STEPS:
        kind, title, body = DEPARTMENT_STEPS[action]
        told += notify(
            uow,
            department=row.department,
            kind=kind,
            title=title,
            body=body.format(m=title_of_measure),
            link=link,
            exclude=exclude,
        )
    return told


# -- reading ------------------------------------------------------------------------------------


class NotificationView(BaseModel):
    id: int
    kind: str
    title: str
    body: str
    link: str
    created_at: dt.datetime
    read: bool


class NotificationPage(BaseModel):
    unread: int
    total: int
    offset: int
    items: list[NotificationView]  # unread first, newest first within each


def _view(n: Notification) -> NotificationView:
    return NotificationView(
        id=n.id,
        kind=n.kind,
        title=n.title,
        body=n.body,
        link=n.link,
        created_at=as_utc(n.created_at),
        read=n.read_at is not None,
    )


def unread_count(uow: UnitOfWork, user_id: int) -> int:
    return uow.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


def mine(uow: UnitOfWork, principal: Principal, offset: int = 0, limit: int = PAGE) -> NotificationPage:
    """The principal's notifications: unread first, then newest first."""
    if offset < 0 or not 1 <= limit <= 200:
        raise NotificationError(["offset / limit：offset 不能为负数，limit 应为 1–200"])
    mine_ = Notification.user_id == principal.user_id
    total = uow.session.scalar(select(func.count()).select_from(Notification).where(mine_))
    rows = uow.session.scalars(
        select(Notification)
        .where(mine_)
        .order_by(Notification.read_at.is_not(None), Notification.created_at.desc(), Notification.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return NotificationPage(
        unread=unread_count(uow, principal.user_id),
        total=total,
        offset=offset,
        items=[_view(n) for n in rows],
    )


def mark_read(uow: UnitOfWork, principal: Principal, notification_id: int) -> NotificationView:
    """Mark one of the principal's notifications read (again: nothing changes)."""
    row = uow.session.get(Notification, notification_id)
    if row is None or row.user_id != principal.user_id:
        raise NotificationNotFound(notification_id)  # another's is "not found", not "forbidden"
    if row.read_at is None:
        row.read_at = utcnow()
        uow.commit()
    return _view(row)


def mark_all_read(uow: UnitOfWork, principal: Principal) -> int:
    """Mark all the principal's notifications read; returns how many were unread."""
    result = uow.session.execute(
        update(Notification)
        .where(Notification.user_id == principal.user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    uow.commit()
    return result.rowcount or 0


# -- contacts -----------------------------------------------------------------------------------


def set_contact(uow: UnitOfWork, login: str, channel: str, address: str) -> None:
    """Record a user's mobile number (sms) or e-mail address; an empty address removes it."""
    user = uow.users.by_login(login)
    if user is None:
        raise NotificationError([f"login：没有用户 {login}"])
    if channel not in CHANNELS:
        raise NotificationError([f"channel：应为 sms（短信）或 email（邮件），收到 {channel!r}"])
    address = (address or "").strip()
    if address and channel == "email" and ("@" not in address or len(address) > 200):
        raise NotificationError([f"email：应为邮箱地址，如 name@example.cn，收到 {address!r}"])
    if address and channel == "sms" and not (address.isdigit() and len(address) == 11):
        raise NotificationError([f"mobile：应为 11 位手机号，如 13800000000，收到 {address!r}"])
    row = uow.session.scalar(
        select(UserContact).where(UserContact.user_id == user.id, UserContact.channel == channel)
    )
    if row is not None and not address:
        uow.session.delete(row)
    elif row is not None:
        row.address = address
    elif address:
        uow.session.add(UserContact(user_id=user.id, channel=channel, address=address))
    uow.commit()


# -- the outbox ---------------------------------------------------------------------------------


class OutboxView(BaseModel):
    id: int
    channel: str
    address: str | None
    title: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str | None
    created_at: dt.datetime


def outbox(uow: UnitOfWork, status: str | None = "pending", limit: int = 100) -> list[OutboxView]:
    """Rows of the outbox (pending ones by default), oldest first."""
    if status is not None and status not in ("pending", "sent", "failed"):
        raise NotificationError(
            [f"status：应为 pending（待发送）、sent（已发送）或 failed（失败），收到 {status!r}"]
        )
    q = select(OutboxMessage).order_by(OutboxMessage.id).limit(limit)
    if status is not None:
        q = q.where(OutboxMessage.status == status)
    return [
        OutboxView(
            id=r.id,
            channel=r.channel,
            address=r.address,
            title=r.payload.get("title", ""),
            status=r.status,
            attempts=r.attempts,
            next_attempt_at=as_utc(r.next_attempt_at) if r.next_attempt_at else None,
            last_error=r.last_error,
            created_at=as_utc(r.created_at),
        )
        for r in uow.session.scalars(q)
    ]


class Sender(Protocol):
    """Sends one message; raises to say it failed (the row is retried later)."""

    def send(self, channel: str, address: str, payload: dict[str, Any]) -> None: ...


class LoggingSender:
    """A sender that writes each message to the log: the default until a gateway is configured."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    def send(self, channel: str, address: str, payload: dict[str, Any]) -> None:
        log.info("outbox %s to %s: %s", channel, address, payload.get("title"))
        self.sent.append((channel, address, payload))


class Delivery(BaseModel):
    sent: int
    failed: int  # tried and failed this time (retried later, or given up after MAX_ATTEMPTS)


def deliver(uow: UnitOfWork, sender: Sender, now: dt.datetime | None = None, limit: int = 100) -> Delivery:
    """Send the due pending rows, one transaction per row: a row is marked sent in the transaction
    that holds its lock, so a row is sent at most once by this code however many run it (a crash
    between the send and the commit is the one case a message may go twice: at least once)."""
    now = now or utcnow()
    sent = failed = 0
    for _ in range(limit):
        q = (
            select(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(1)
        )
        if uow.backend == "postgresql":
            q = q.with_for_update(skip_locked=True)
        row = uow.session.scalar(q)
        if row is None:
            uow.rollback()
            break
        row.attempts += 1
        try:
            sender.send(row.channel, row.address or "", dict(row.payload))
        except Exception as exc:  # noqa: BLE001 - any failure of a sender is recorded, and retried
            failed += 1
            row.last_error = str(exc)[:400] or type(exc).__name__
            if row.attempts >= MAX_ATTEMPTS:
                row.status, row.next_attempt_at = "failed", None
            else:
                row.next_attempt_at = now + RETRY_AFTER * (2 ** (row.attempts - 1))
        else:
            sent += 1
            row.status, row.sent_at, row.next_attempt_at, row.last_error = "sent", utcnow(), None, None
        uow.commit()
    return Delivery(sent=sent, failed=failed)
