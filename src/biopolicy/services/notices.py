"""公示: batches of approved items on public notice, objections, and what they mean for payment.

A reviewer of the responsible department (or an administrator) gathers approved applications into a
batch (``create_batch``) with an objection period in working days (default: the setting
``notice_working_days``, 5 as issue 10 says; the official calendar with make-up days,
engine/calendar.py). The period runs from the day after publication through its last working day
(``ends_on``), the day counted as ``applications.publish`` counts it. Each item's status becomes
"public_notice", due on ``ends_on``.

Anyone logged in may object to an item (``object_to``) with a reason, up to and including
``ends_on``; the day after, the objection is refused and the message names the end date. An open
objection pauses its item: it cannot be paid. A reviewer of the responsible department resolves it
(``resolve``):

- upheld: the item leaves the batch; the approval is undone (its award leaves the ledger, its
  budget claim is released and the queue moves up) and the application goes back to review
  ("in_review") or is rejected, as the reviewer decides; the item's other open objections close with it;
- dismissed: the item resumes. Decision: the period's end is unchanged (it was published for all the
  batch's items alike, and an objection raised in time has been heard); an item whose objection is
  dismissed after the end is payable at once.

Paying an item of a batch before the day after ``ends_on``, or while an objection is open, is refused
(``payment_block``, called by applications.pay). ``batch_rows`` gives the rows of a batch's notice list
for the exports (payweb builds the XLSX and CSV).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select

from biopolicy.domain.money import decimal_str
from biopolicy.services.accounts import Principal, Role
from biopolicy.services.applications import (
    MAX_MORE_DAYS,
    ApplicationError,
    ApplicationForbidden,
    ApplicationNotFound,
    _act,
    _get,
    _once,
    _reason,
    _reviewing,
    lock_organisation,
    working_calendar,
)
from biopolicy.services.calculator import Calculator
from biopolicy.settings import get_settings
from biopolicy.storage.fulfilment_models import NoticeBatch, NoticeItem, Objection
from biopolicy.storage.ledger_models import Application, Award
from biopolicy.storage.models import Organisation, utcnow
from biopolicy.storage.uow import UnitOfWork

MAX_ITEMS = 500
MAX_REASON = 2000
OBJECTION_WORDS = {"open": "异议待处理", "upheld": "异议成立，已撤下", "dismissed": "异议不成立"}


class BatchView(BaseModel):
    id: int
    title: str
    department: str
    working_days: int
    starts_on: dt.date
    ends_on: dt.date  # the last day an objection is accepted
    estimated: bool  # the period runs into a year whose official calendar is not yet published
    items: int
    open_objections: int


class NoticeRow(BaseModel):
    """One line of a 公示 list, as the exports show it."""

    batch_id: int
    batch_title: str
    application_id: int
    organisation: str
    credit_code: str
    measure_id: str
    measure_title: str
    subject: str
    amount: Decimal | None
    department: str
    starts_on: dt.date
    ends_on: dt.date
    objection: str  # 无 / 异议待处理 / 异议成立，已撤下 / 异议不成立


class ObjectionView(BaseModel):
    id: int
    application_id: int
    batch_id: int
    raised_on: dt.date
    reason: str
    status: str
    status_label: str
    resolution: str | None
    resolved_on: dt.date | None


def _objection_view(o: Objection, batch_id: int) -> ObjectionView:
    return ObjectionView(
        id=o.id,
        application_id=o.application_id,
        batch_id=batch_id,
        raised_on=o.raised_on,
        reason=o.reason,
        status=o.status,
        status_label=OBJECTION_WORDS[o.status],
        resolution=o.resolution,
        resolved_on=o.resolved_on,
    )


# -- the batch ------------------------------------------------------------------------------------


def create_batch(
    uow: UnitOfWork,
    principal: Principal,
    application_ids: list[int],
    key: str,
    title: str = "",
    working_days: int | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Publish approved applications as one 公示 batch; each must be the reviewer's department's."""
    is_admin = principal.has(Role.administrator)
    if not (is_admin or principal.has(Role.reviewer)):
        raise ApplicationForbidden("只有审核部门或管理员可以发布公示")
    today = today or dt.date.today()
    days = get_settings().notice_working_days if working_days is None else working_days
    ids = sorted(set(application_ids or []))
    request = {"ids": ids, "title": title, "working_days": days, "today": today}

    def work() -> dict[str, Any]:
        if not ids:
            raise ApplicationError(["application_ids：请至少选择一个已核定的申报"])
        if len(ids) > MAX_ITEMS:
            raise ApplicationError([f"application_ids：一批公示最多 {MAX_ITEMS} 项，收到 {len(ids)} 项"])
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_MORE_DAYS:
            raise ApplicationError([f"working_days：公示期应为 1–{MAX_MORE_DAYS} 个工作日，收到 {days!r}"])
        if len((title or "").strip()) > 200:
            raise ApplicationError(["title：公示标题最多 200 个字"])
        orgs = {}
        for app_id in ids:
            org_id = uow.session.scalar(select(Application.organisation_id).where(Application.id == app_id))
            if org_id is None:
                raise ApplicationError([f"application_ids：没有申报 {app_id}"])
            orgs[app_id] = org_id
        for org_id in sorted(set(orgs.values())):  # one order for every writer: no deadlock
            lock_organisation(uow, org_id)
        depts: set[str] = set()
        rows = []
        for app_id in ids:
            if not is_admin:
                try:
                    depts.add(_reviewing(uow, principal, app_id)[1])
                except ApplicationForbidden as exc:
                    raise ApplicationError([f"application_ids：申报 {app_id}：{exc}"]) from None
            row = _get(uow, app_id)
            if row.status != "approved":
                from biopolicy.services.applications import STATUS_WORDS

                raise ApplicationError(
                    [
                        f"application_ids：申报 {app_id} 当前状态为“{STATUS_WORDS[row.status]}”，"
                        "只有“已核定”（且不在预算排队中）的申报可以公示"
                    ]
                )
            rows.append(row)
        end = working_calendar().add_working_days(today, days)
        department = "、".join(sorted(depts))
        batch = NoticeBatch(
            department=department,
            title=(title or "").strip() or f"{today.isoformat()} 政策兑现公示",
            working_days=days,
            starts_on=today,
            ends_on=end.date,
            estimated=end.estimated,
            created_by=principal.user_id,
            created_at=utcnow(),
        )
        uow.session.add(batch)
        uow.session.flush()
        for row in rows:
            uow.session.add(
                NoticeItem(batch_id=batch.id, application_id=row.id, organisation_id=row.organisation_id)
            )
            row.status = "public_notice"
            row.due_on = end.date
            detail = {"batch_id": batch.id, "from": today.isoformat(), "until": end.date.isoformat()}
            _act(uow, row, principal, "publish", department=department, detail=detail)
        return {"batch_id": batch.id, "ends_on": end.date.isoformat(), "items": len(rows)}

    return _once(uow, key, "notice_batch", None, request, work)


def _current_item(uow: UnitOfWork, application_id: int) -> tuple[NoticeItem, NoticeBatch] | None:
    found = uow.session.execute(
        select(NoticeItem, NoticeBatch)
        .join(NoticeBatch, NoticeBatch.id == NoticeItem.batch_id)
        .where(NoticeItem.application_id == application_id, NoticeItem.withdrawn.is_(False))
        .order_by(NoticeItem.id.desc())
        .limit(1)
    ).first()
    return (found[0], found[1]) if found else None


def _open_objection(uow: UnitOfWork, item_id: int) -> Objection | None:
    return uow.session.scalar(
        select(Objection)
        .where(Objection.item_id == item_id, Objection.status == "open")
        .order_by(Objection.id)
    )


# -- objections ------------------------------------------------------------------------------------


def object_to(
    uow: UnitOfWork,
    principal: Principal,
    application_id: int,
    reason: str,
    key: str,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """An objection to an item on public notice, by anyone logged in, within the period."""
    if principal is None:
        raise ApplicationForbidden("请先登录再提出异议")
    today = today or dt.date.today()
    org_id = uow.session.scalar(select(Application.organisation_id).where(Application.id == application_id))
    if org_id is None:
        raise ApplicationNotFound(application_id)
    request = {"id": application_id, "reason": reason, "today": today}

    def work() -> dict[str, Any]:
        row = _get(uow, application_id)
        current = _current_item(uow, application_id)
        if current is None or row.status != "public_notice":
            raise ApplicationError([f"application_id：申报 {application_id} 不在公示中，不能提出异议"])
        item, batch = current
        if today > batch.ends_on:
            raise ApplicationError(
                [f"raised_on：公示期已于 {batch.ends_on.isoformat()} 结束，异议须在公示期内提出"]
            )
        why = _reason(reason)
        if len(why) > MAX_REASON:
            raise ApplicationError([f"reason：异议理由最多 {MAX_REASON} 个字"])
        objection = Objection(
            item_id=item.id,
            application_id=row.id,
            organisation_id=row.organisation_id,
            raised_by=principal.user_id,
            raised_on=today,
            reason=why,
            status="open",
        )
        uow.session.add(objection)
        uow.session.flush()
        _act(
            uow,
            row,
            principal,
            "objection",
            reason=why,
            detail={"objection_id": objection.id, "batch_id": batch.id},
        )
        return {"objection_id": objection.id, "application_id": row.id, "status": "open"}

    return _once(uow, key, "objection", org_id, request, work)


def resolve(
    uow: UnitOfWork,
    principal: Principal,
    calculator: Calculator,
    objection_id: int,
    outcome: str,
    resolution: str,
    key: str,
    then: str = "review",
    today: dt.date | None = None,
) -> dict[str, Any]:
    """A reviewer of the responsible department upholds or dismisses an open objection."""
    objection = uow.session.get(Objection, objection_id)
    if objection is None:
        raise ApplicationError([f"objection_id：没有异议 {objection_id}"])
    org_id, dept = _reviewing(uow, principal, objection.application_id)
    today = today or dt.date.today()
    request = {"id": objection_id, "outcome": outcome, "resolution": resolution, "then": then, "today": today}

    def work() -> dict[str, Any]:
        o = uow.session.get(Objection, objection_id, populate_existing=True)
        problems = []
        if outcome not in ("upheld", "dismissed"):
            problems.append(f"outcome：应为 upheld（异议成立）或 dismissed（异议不成立），收到 {outcome!r}")
        if outcome == "upheld" and then not in ("review", "reject"):
            problems.append(
                f"then：异议成立后应为 review（退回重新审核）或 reject（不予支持），收到 {then!r}"
            )
        try:
            why = _reason(resolution, "resolution")
        except ApplicationError as exc:
            problems += exc.problems
        if problems:
            raise ApplicationError(problems)
        if o.status != "open":
            raise ApplicationError(
                [f"objection_id：异议 {o.id} 已处理（{OBJECTION_WORDS[o.status]}），不能再次处理"]
            )
        row = _get(uow, o.application_id)
        o.status, o.resolution, o.resolved_by, o.resolved_on = outcome, why, principal.user_id, today
        if outcome == "dismissed":
            _act(
                uow,
                row,
                principal,
                "objection_dismissed",
                department=dept,
                reason=why,
                detail={"objection_id": o.id},
            )
            return {"objection_id": o.id, "status": o.status, "application_status": row.status}
        item = uow.session.get(NoticeItem, o.item_id)
        item.withdrawn = True
        for other in uow.session.scalars(
            select(Objection).where(
                Objection.item_id == item.id, Objection.status == "open", Objection.id != o.id
            )
        ):
            other.status, other.resolution, other.resolved_by, other.resolved_on = (
                "upheld",
                why,
                principal.user_id,
                today,
            )
        from biopolicy.services import budgets

        budgets.withdraw(uow, row, principal)
        for award in uow.session.scalars(select(Award).where(Award.application_id == row.id)).all():
            uow.session.delete(award)  # through the ORM, so the trail records it
        if then == "reject":
            row.status, row.reason = "rejected", why
        else:
            row.status = "in_review"
        row.due_on = None
        _act(
            uow,
            row,
            principal,
            "objection_upheld",
            department=dept,
            reason=why,
            detail={"objection_id": o.id, "then": then, "withdrawn_amount": decimal_str(row.approved_amount)}
            if row.approved_amount is not None
            else {"objection_id": o.id, "then": then},
        )
        return {"objection_id": o.id, "status": o.status, "application_status": row.status}

    return _once(uow, key, "resolve_objection", org_id, request, work)


def payment_block(uow: UnitOfWork, row: Application, paid_on: dt.date) -> str | None:
    """Why ``row`` cannot be paid on ``paid_on`` because of its 公示 batch (None: nothing in the way)."""
    current = _current_item(uow, row.id)
    if current is None:
        return None
    item, batch = current
    pending = _open_objection(uow, item.id)
    if pending is not None:
        return (
            f"application_id：申报 {row.id} 有未处理的异议（异议编号 {pending.id}），异议处理完毕前不能支付"
        )
    if paid_on <= batch.ends_on:
        return f"application_id：申报 {row.id} 公示期至 {batch.ends_on.isoformat()} 结束，期满后方可支付"
    return None


# -- reading ---------------------------------------------------------------------------------------

READERS = (Role.reviewer, Role.finance, Role.auditor, Role.administrator)


def _may_read(principal: Principal) -> None:
    if not principal.has(*READERS):
        raise ApplicationForbidden("只有审核部门、财务人员、审计人员和管理员可以查看公示批次")


def batches(uow: UnitOfWork, principal: Principal) -> list[BatchView]:
    _may_read(principal)
    out = []
    for b in uow.session.scalars(select(NoticeBatch).order_by(NoticeBatch.id.desc())).all():
        items = uow.session.scalars(select(NoticeItem).where(NoticeItem.batch_id == b.id)).all()
        open_count = len(
            uow.session.scalars(
                select(Objection.id).where(
                    Objection.item_id.in_([i.id for i in items]), Objection.status == "open"
                )
            ).all()
        )
        out.append(
            BatchView(
                id=b.id,
                title=b.title,
                department=b.department,
                working_days=b.working_days,
                starts_on=b.starts_on,
                ends_on=b.ends_on,
                estimated=b.estimated,
                items=len(items),
                open_objections=open_count,
            )
        )
    return out


def batch_rows(
    uow: UnitOfWork, principal: Principal, calculator: Calculator, batch_id: int
) -> list[NoticeRow]:
    """The rows of one batch's 公示 list, in application order (for the exports)."""
    _may_read(principal)
    batch = uow.session.get(NoticeBatch, batch_id)
    if batch is None:
        raise ApplicationError([f"batch_id：没有公示批次 {batch_id}"])
    found = uow.session.execute(
        select(NoticeItem, Application, Organisation)
        .join(Application, Application.id == NoticeItem.application_id)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .where(NoticeItem.batch_id == batch_id)
        .order_by(Application.id)
    ).all()
    rows = []
    for item, app, org in found:
        statuses = [
            o.status for o in uow.session.scalars(select(Objection).where(Objection.item_id == item.id))
        ]
        if "open" in statuses:
            word = OBJECTION_WORDS["open"]
        elif item.withdrawn:
            word = OBJECTION_WORDS["upheld"]
        elif statuses:
            word = OBJECTION_WORDS["dismissed"]
        else:
            word = "无"
        measure = calculator.rules.measures.get(app.measure_id)
        rows.append(
            NoticeRow(
                batch_id=batch.id,
                batch_title=batch.title,
                application_id=app.id,
                organisation=org.name,
                credit_code=org.credit_code,
                measure_id=app.measure_id,
                measure_title=measure.title if measure is not None else app.measure_id,
                subject=app.subject or "",
                amount=app.approved_amount,
                department=app.department,
                starts_on=batch.starts_on,
                ends_on=batch.ends_on,
                objection=word,
            )
        )
    return rows


def objections_of(uow: UnitOfWork, principal: Principal, application_id: int) -> list[ObjectionView]:
    """The objections to one application (reviewers, finance, auditors, administrators)."""
    _may_read(principal)
    found = uow.session.execute(
        select(Objection, NoticeItem.batch_id)
        .join(NoticeItem, NoticeItem.id == Objection.item_id)
        .where(Objection.application_id == application_id)
        .order_by(Objection.id)
    ).all()
    return [_objection_view(o, batch_id) for o, batch_id in found]
