"""兑现 as people read it: one application with everything beside it, and the lists of each role.

Reads only; every change goes through ``services/applications.py`` (one transaction, a lock on the
organisation, an idempotency key). What this module adds is what the pages and the JSON API show:

- ``detail``: one application — the organisation, the measure's title and clauses, the facts as
  claimed and as verified side by side (with their Chinese names), the engine's verdict on the ledger
  and its steps, the history of review actions, the instalments, what the reader must do next, and
  the actions the reader may take now (the service still checks each one).
- the lists: ``my_applications`` (the applicant's organisation), ``department_worklist`` (the
  reviewer's departments, oldest first, with due dates and overdue marked), ``finance_queue``
  (items on their way to payment: past their 公示 period or not, the credit check, instalments),
  ``every_application`` (auditors and administrators, filtered by organisation, status, measure).
- ``entitlements_to_apply``: on a saved case, the entitlements one may apply for, and those already
  applied for (with their application).

Who sees an application (``can_see``): the organisation's own staff; a reviewer of a responsible
department once it is submitted (never a draft); finance once it is approved; auditors and
administrators always. Anyone else is refused (403, as saved cases are).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select

from biopolicy.domain.assessment import Eligibility
from biopolicy.domain.money import decimal_str, yuan
from biopolicy.services import applications as apps
from biopolicy.services import budgets, notices
from biopolicy.services import evidence as ev
from biopolicy.services.accounts import Principal, Role, beijing
from biopolicy.services.applications import (
    PAYABLE,
    STATUS_WORDS,
    ApplicationForbidden,
    ApplicationNotFound,
    ApplicationView,
    Verdict,
)
from biopolicy.services.calculator import Calculator
from biopolicy.storage.fulfilment_models import NoticeBatch, NoticeItem, Objection
from biopolicy.storage.ledger_models import Application, Payment, ReviewAction
from biopolicy.storage.models import Organisation, User
from biopolicy.storage.uow import UnitOfWork

ACTION_WORDS = {
    "start": "创建申报（据保存的测算预填）",
    "submit": "提交申报（已签署信用承诺书）",
    "accept": "受理",
    "request_more": "退回补充材料",
    "approve": "核定金额",
    "override": "超出测算金额核定，提请复核",
    "confirm_override": "复核同意超额核定",
    "reject": "不予支持",
    "publish": "列入公示",
    "credit_check": "支付前信用核查",
    "pay": "登记支付",
}
# the buttons, in the order a page shows them
ACTION_LABELS = {
    "submit": "签署信用承诺并提交",
    "accept": "受理",
    "request_more": "退回补充材料",
    "approve": "核定金额",
    "confirm_override": "复核同意超额核定",
    "reject": "不予支持",
    "publish": "列入公示",
    "credit_check": "进行信用核查",
    "pay": "登记支付",
}
REVIEWER_SEES = ("submitted", "in_review", "more_requested", "override_pending", "approved", "public_notice",
                 "paying", "paid", "rejected")  # fmt: skip
FINANCE_SEES = (*PAYABLE, "paid")
WORKLIST = ("submitted", "in_review", "more_requested", "override_pending", "approved")
OPEN_FOR_APPLICANT = {
    "draft": "请核对申报信息，勾选信用承诺后提交",
    "submitted": "等待责任单位受理，您无需操作",
    "in_review": "责任单位审核中，您无需操作",
    "more_requested": "请按退回意见补充后重新提交",
    "override_pending": "核定金额待第二名审核人员复核，您无需操作",
    "approved": "已核定，等待列入公示",
    "public_notice": "公示中，公示期满后由财政部门拨付",
    "paying": "分期拨付中，请按期提供收款收据",
    "paid": "已足额拨付，本申报办结",
    "rejected": "不予支持，理由见审核记录",
    "queued": "已核定，预算排队中，预算落实后依次放行，您无需操作",
}
FOR_REVIEWER = {
    "submitted": "待受理",
    "in_review": "待核定金额或退回、不予支持",
    "more_requested": "等待申报单位补充材料",
    "override_pending": "超出测算的核定，待另一名审核人员复核",
    "approved": "已核定，待列入公示",
}
DUE_WORDS = {"more_requested": "补充材料截止", "public_notice": "公示期至"}


# -- what is shown ------------------------------------------------------------------------------


class FactLine(BaseModel):
    name: str
    label: str
    claimed: str | None
    verified: str | None


class HistoryEntry(BaseModel):
    at: str
    actor: str | None
    department: str
    action: str
    action_label: str
    amount: Decimal | None
    reason: str | None
    note: str | None


class InstalmentLine(BaseModel):
    instalment: int
    of: int
    amount: Decimal
    # the calendar year it falls in (the engine's reading: the first in the event's year, each next
    # one in the following year; xm-2023 （二十） "分3年发放"); None when the measure pays once
    year: int | None
    paid: bool
    paid_on: dt.date | None = None
    receipt_no: str | None = None


class CreditStatus(BaseModel):
    checked: bool  # a credit check since the last payment
    passed: bool | None
    at: str | None
    label: str


class ApplicationDetail(BaseModel):
    application: ApplicationView
    organisation_name: str
    credit_code: str
    measure_title: str
    document_title: str
    clauses: str
    event_label: str
    event_date: str
    due_label: str | None
    next_step: str
    facts: list[FactLine]
    verdict: Verdict | None
    history: list[HistoryEntry]
    instalments: list[InstalmentLine]
    notice_until: dt.date | None
    payable_from: dt.date | None  # the first day finance may pay (the day after the notice ends)
    credit: CreditStatus
    actions: list[str]  # what the reader may do now (the service checks each one again)
    # evidence: None when the reader may not see it; the upload form shows when may_upload
    evidence: list[EvidenceLine] | None = None
    may_upload: bool = False
    notice: NoticeInfo | None = None  # the 公示 batch it is (or was last) in
    queue_place: int | None = None  # its place in its budget's queue (1 = next), when queued


class EvidenceLine(BaseModel):
    id: int
    title: str
    type_label: str  # PDF / PNG / JPEG
    size_label: str  # in KB or MB, as people read sizes
    checksum: str  # the first 12 hex digits of its SHA-256, for comparing copies
    uploaded_by: str
    uploaded_at: str  # Beijing time
    url: str  # the download


class ObjectionLine(BaseModel):
    raised_on: dt.date
    reason: str
    status_label: str
    resolution: str | None
    resolved_on: dt.date | None


class NoticeInfo(BaseModel):
    batch_title: str
    starts_on: dt.date
    ends_on: dt.date
    running: bool  # an objection may be raised today
    may_object: bool  # the reader may raise one now (any logged-in user while it runs)
    open_objections: int
    objections: list[ObjectionLine]


class ApplicationRow(BaseModel):
    id: int
    organisation_id: int
    organisation_name: str
    credit_code: str
    measure_id: str
    measure_title: str
    event_label: str
    department: str
    status: str
    status_label: str
    due_on: dt.date | None
    due_label: str | None
    overdue: bool
    next_step: str
    approved_amount: Decimal | None
    paid: Decimal
    created_at: str
    # finance
    notice_until: dt.date | None = None
    payable: bool = False  # finance may pay today: past its 公示, and the next instalment's year has come
    credit_label: str = ""
    instalments_label: str = ""
    next_amount: Decimal | None = None
    next_year: int | None = None  # the year the next instalment falls in (instalments only)
    queue_place: int | None = None  # queued for budget: its place (1 = next)
    # reviewer: the engine's explanation on the ledger as it stands (the application page's verdict)
    engine_label: str | None = None


class ApplicationList(BaseModel):
    today: dt.date
    items: list[ApplicationRow]


class Choice(BaseModel):
    value: str
    label: str


class Filtered(ApplicationList):
    organisations: list[Choice]
    statuses: list[Choice]
    measures: list[Choice]


class ApplyOption(BaseModel):
    """One entitlement of a saved case: apply for it, or see the application already made."""

    measure_id: str
    measure_title: str
    event_id: str
    event_label: str
    amount_text: str
    eligibility_label: str
    application_id: int | None


# -- who sees what ------------------------------------------------------------------------------


def reviews(principal: Principal, row: Application) -> bool:
    return bool(set(principal.departments) & {d for d in row.department.split("、") if d})


def can_see(principal: Principal, row: Application) -> bool:
    if principal.has(Role.auditor, Role.administrator):
        return True
    if principal.has(Role.applicant) and principal.organisation_id == row.organisation_id:
        return True
    if reviews(principal, row) and row.status in REVIEWER_SEES:
        return True
    return principal.has(Role.finance) and row.status in FINANCE_SEES


def _readable(uow: UnitOfWork, principal: Principal, application_id: int) -> Application:
    row = uow.session.get(Application, application_id)
    if row is None:
        raise ApplicationNotFound(application_id)
    if not can_see(principal, row):
        raise ApplicationForbidden(
            "无权查看此申报：申报只对本机构的工作人员、已提交后负责此措施的审核部门、"
            "核定后的财务人员、审计人员和管理员可见"
        )
    return row


# -- words --------------------------------------------------------------------------------------


def _fact_value(spec: Any, value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if spec is not None and spec.values and str(value) in spec.values:
        return spec.values[str(value)]
    if spec is not None and spec.type.value == "money":
        try:
            return yuan(Decimal(str(value)))
        except ArithmeticError:
            return str(value)
    return str(value)


def fact_lines(calculator: Calculator, row: Application) -> list[FactLine]:
    event_type = calculator.catalogue.events.get(row.event.get("type", ""))
    specs = event_type.attributes if event_type is not None else {}
    claimed, verified = row.submitted_facts or {}, row.verified_facts or {}
    lines = []
    for name in dict.fromkeys([*claimed, *verified]):
        if name.startswith("_"):
            continue
        spec = specs.get(name)
        lines.append(
            FactLine(
                name=name,
                label=spec.label if spec is not None else name,
                claimed=_fact_value(spec, claimed[name]) if name in claimed else None,
                verified=_fact_value(spec, verified[name]) if name in verified else None,
            )
        )
    return lines


def event_label(calculator: Calculator, event: dict[str, Any], products: dict[str, Any] | None = None) -> str:
    event_type = calculator.catalogue.events.get(event.get("type", ""))
    what = event_type.label if event_type is not None else "事项"
    product = (products or {}).get(event.get("product_id")) or {}
    about = product.get("name") or event.get("subject") or ""
    if not about and event.get("product_id"):
        about = "产品" + str(event["product_id"])
    return f"{what}（{about}，{event.get('date', '')}）" if about else f"{what}（{event.get('date', '')}）"


def _products(event: dict[str, Any]) -> dict[str, Any]:
    case = event.get("_case") or {}
    return {p.get("id"): p for p in case.get("products", [])}


def measure_words(calculator: Calculator, measure_id: str) -> tuple[str, str, str]:
    """(measure title, 《document》文号, the clauses' labels)."""
    measure = calculator.rules.measures.get(measure_id)
    if measure is None:
        return measure_id, "", ""
    corpus = calculator.corpus
    doc = corpus.documents.get(measure.doc_id)
    document = f"《{doc.title}》{doc.number or ''}" if doc is not None else ""
    labels = []
    for cid in measure.clauses:
        clause = corpus.clause(cid)
        while clause is not None and not (clause.label or clause.title) and clause.parent_id:
            clause = corpus.clause(clause.parent_id)
        if clause is not None:
            labels.append(f"{clause.label or ''}{clause.title or ''}".strip())
    return measure.title, document, "；".join(dict.fromkeys(x for x in labels if x))


def _due_label(row: Application) -> str | None:
    if row.due_on is None or row.status not in DUE_WORDS:
        return None
    return f"{DUE_WORDS[row.status]} {row.due_on.isoformat()}"


def _overdue(row: Application, today: dt.date) -> bool:
    return row.status == "more_requested" and row.due_on is not None and row.due_on < today


def next_step(principal: Principal, row: Application, today: dt.date, next_year: int | None = None) -> str:
    """What the reader must do next (or that nothing is needed), in one sentence; ``next_year`` is the
    year the next instalment falls in (None when the measure pays once)."""
    status = row.status
    if principal.has(Role.applicant) and principal.organisation_id == row.organisation_id:
        text = OPEN_FOR_APPLICANT[status]
        if status == "more_requested" and row.due_on is not None:
            text += f"（截止 {row.due_on.isoformat()}" + ("，已逾期）" if _overdue(row, today) else "）")
        return text
    if reviews(principal, row) and status in FOR_REVIEWER:
        return FOR_REVIEWER[status]
    if principal.has(Role.finance) and status == "queued":
        return "预算已用完，排队等待增加预算后依次放行"
    if principal.has(Role.finance) and status in PAYABLE:
        if status == "public_notice" and row.due_on is not None and today <= row.due_on:
            return f"公示期至 {row.due_on.isoformat()}，期满后方可支付"
        if next_year is not None and today.year < next_year:
            return f"本期按原文在 {next_year} 年发放，{next_year} 年 1 月 1 日起信用核查后登记支付"
        return "信用核查后登记支付"
    return STATUS_WORDS[status]


# -- one application ----------------------------------------------------------------------------


def _names(uow: UnitOfWork, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return dict(uow.session.execute(select(User.id, User.display_name).where(User.id.in_(wanted))).all())


def _note(action: ReviewAction) -> str | None:
    d = action.detail or {}
    if action.action == "request_more" and d.get("due_on"):
        return f"补充期限至 {d['due_on']}"
    if action.action == "publish":
        return f"公示 {d.get('from')} 至 {d.get('until')}" + (
            "（节假日安排未公布，为估算）" if d.get("estimated") else ""
        )
    if action.action == "credit_check":
        if d.get("passed"):
            return "未在失信名单上，通过"
        listed = d.get("listed") or {}
        return f"在失信名单上（{listed.get('source', '导入名单')}），不能支付"
    if action.action == "pay":
        return f"第 {d.get('instalment')} 期，共 {d.get('of')} 期；收款收据 {d.get('receipt_no')}"
    if action.action in ("approve", "override") and d.get("verdict"):
        allowed = d["verdict"].get("allowed")
        return "测算可核定至多 " + (yuan(Decimal(allowed)) if allowed is not None else "（无法给出）")
    return None


def _actions(uow: UnitOfWork, row: Application) -> list[ReviewAction]:
    return list(
        uow.session.scalars(
            select(ReviewAction).where(ReviewAction.application_id == row.id).order_by(ReviewAction.id)
        )
    )


def _credit(actions: list[ReviewAction]) -> CreditStatus:
    last = next((a for a in reversed(actions) if a.action in ("credit_check", "pay")), None)
    if last is None or last.action != "credit_check":
        return CreditStatus(checked=False, passed=None, at=None, label="本期尚未进行信用核查")
    passed = bool((last.detail or {}).get("passed"))
    label = "信用核查通过" if passed else "在失信名单上，不能支付"
    return CreditStatus(
        checked=True, passed=passed, at=beijing(last.at), label=f"{label}（{beijing(last.at)}）"
    )


def _next_year(plan: list[InstalmentLine]) -> int | None:
    return next((line.year for line in plan if not line.paid), None)


def instalments(uow: UnitOfWork, calculator: Calculator, row: Application) -> list[InstalmentLine]:
    if row.approved_amount is None or row.status not in (*PAYABLE, "paid"):
        return []
    measure = calculator.rules.measures.get(row.measure_id)
    plan = (
        apps.instalment_plan(measure, row.approved_amount) if measure is not None else [row.approved_amount]
    )
    paid = {
        p.instalment: p for p in uow.session.scalars(select(Payment).where(Payment.application_id == row.id))
    }
    return [
        InstalmentLine(
            instalment=n,
            of=len(plan),
            amount=paid[n].amount if n in paid else amount,
            year=apps.instalment_year(row.event, n, len(plan)),
            paid=n in paid,
            paid_on=paid[n].paid_on if n in paid else None,
            receipt_no=paid[n].receipt_no if n in paid else None,
        )
        for n, amount in enumerate(plan, start=1)
    ]


def notice_end(
    uow: UnitOfWork, row: Application, actions: list[ReviewAction] | None = None
) -> dt.date | None:
    """The last day of the item's 公示 (its latest publication), if it was published."""
    notice = next((a for a in reversed(actions or _actions(uow, row)) if a.action == "publish"), None)
    until = (notice.detail or {}).get("until") if notice is not None else None
    return dt.date.fromisoformat(until) if until else None


def _may(principal: Principal, row: Application, credit: CreditStatus, today: dt.date) -> list[str]:
    own = principal.has(Role.applicant) and principal.organisation_id == row.organisation_id
    status, out = row.status, []
    if own and status in ("draft", "more_requested"):
        out.append("submit")
    if reviews(principal, row):
        if status == "submitted":
            out.append("accept")
        if status in ("submitted", "in_review"):
            out.append("request_more")
        if status == "in_review":
            out.append("approve")
        if status == "override_pending" and row.override_by != principal.user_id:
            out.append("confirm_override")
        if status in ("submitted", "in_review", "more_requested", "override_pending"):
            out.append("reject")
        if status == "approved":
            out.append("publish")
    if principal.has(Role.finance) and status == "queued":
        return "预算已用完，排队等待增加预算后依次放行"
    if principal.has(Role.finance) and status in PAYABLE:
        noticed = status == "public_notice" and row.due_on is not None and today <= row.due_on
        if not noticed:
            if not credit.checked:
                out.append("credit_check")
            elif credit.passed:
                out.append("pay")
            else:
                out.append("credit_check")
    return out


def detail(
    uow: UnitOfWork,
    principal: Principal,
    calculator: Calculator,
    application_id: int,
    today: dt.date | None = None,
) -> ApplicationDetail:
    today = today or dt.date.today()
    row = _readable(uow, principal, application_id)
    org = uow.session.get(Organisation, row.organisation_id)
    title, document, clauses = measure_words(calculator, row.measure_id)
    actions = _actions(uow, row)
    names = _names(uow, {a.actor_id for a in actions})
    credit = _credit(actions)
    try:  # the engine on the ledger as it stands; a reader sees it beside the facts
        verdict = apps.verdict(uow, calculator, row, today)
    except apps.ApplicationError:
        verdict = None
    notice_until = notice_end(uow, row, actions)
    plan = instalments(uow, calculator, row)
    return ApplicationDetail(
        application=apps.view(uow, row),
        organisation_name=org.name,
        credit_code=org.credit_code,
        measure_title=title,
        document_title=document,
        clauses=clauses,
        event_label=event_label(calculator, row.event, _products(row.event)),
        event_date=str(row.event.get("date", "")),
        due_label=_due_label(row),
        next_step=next_step(principal, row, today, _next_year(plan)),
        facts=fact_lines(calculator, row),
        verdict=verdict,
        history=[
            HistoryEntry(
                at=beijing(a.at),
                actor=names.get(a.actor_id) if a.actor_id is not None else None,
                department=a.department,
                action=a.action,
                action_label=ACTION_WORDS.get(a.action, a.action),
                amount=a.amount,
                reason=a.reason,
                note=_note(a),
            )
            for a in actions
        ],
        instalments=plan,
        notice_until=notice_until,
        payable_from=notice_until + dt.timedelta(days=1) if notice_until else None,
        credit=credit,
        actions=_may(principal, row, credit, today),
        evidence=evidence_lines(uow, principal, calculator, row),
        may_upload=ev.may_attach_to_application(uow, principal, calculator, row.id),
        notice=notice_info(uow, principal, row, today),
        queue_place=budgets.queue_place(uow, row.id) if row.status == "queued" else None,
    )


TYPE_LABELS = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KB"


def evidence_lines(
    uow: UnitOfWork, principal: Principal, calculator: Calculator, row: Application
) -> list[EvidenceLine] | None:
    """The application's evidence as the page lists it; None when the reader may not see it."""
    try:
        found = ev.listing(uow, principal, calculator, application_id=row.id)
    except apps.ApplicationForbidden:
        return None
    names = _names(uow, {e.uploaded_by for e in found})
    return [
        EvidenceLine(
            id=e.id,
            title=e.title,
            type_label=TYPE_LABELS.get(e.media_type, e.media_type),
            size_label=_size(e.size),
            checksum=e.sha256[:12],
            uploaded_by=names.get(e.uploaded_by, "—") if e.uploaded_by else "—",
            uploaded_at=beijing(e.created_at),
            url=f"/api/v1/evidence/{e.id}/file",
        )
        for e in found
    ]


def notice_info(uow: UnitOfWork, principal: Principal, row: Application, today: dt.date) -> NoticeInfo | None:
    """The 公示 batch the application is in (else the last it was in) and its objections: their
    wording as the application's history already shows it to its readers, never who raised them."""
    found = uow.session.execute(
        select(NoticeItem, NoticeBatch)
        .join(NoticeBatch, NoticeBatch.id == NoticeItem.batch_id)
        .where(NoticeItem.application_id == row.id)
        .order_by(NoticeItem.withdrawn, NoticeItem.id.desc())
        .limit(1)
    ).first()
    if found is None:
        return None
    item, batch = found
    objections = uow.session.scalars(
        select(Objection).where(Objection.item_id == item.id).order_by(Objection.id)
    ).all()
    running = row.status == "public_notice" and not item.withdrawn and today <= batch.ends_on
    return NoticeInfo(
        batch_title=batch.title,
        starts_on=batch.starts_on,
        ends_on=batch.ends_on,
        running=running,
        may_object=running and principal.user_id > 0,
        open_objections=sum(1 for o in objections if o.status == "open"),
        objections=[
            ObjectionLine(
                raised_on=o.raised_on,
                reason=o.reason,
                status_label=notices.OBJECTION_WORDS[o.status],
                resolution=o.resolution,
                resolved_on=o.resolved_on,
            )
            for o in objections
        ],
    )


# -- the lists ----------------------------------------------------------------------------------


def _row(
    uow: UnitOfWork,
    principal: Principal,
    calculator: Calculator,
    row: Application,
    org: Organisation,
    today: dt.date,
    finance: bool = False,
) -> ApplicationRow:
    v = apps.view(uow, row)
    out = ApplicationRow(
        id=row.id,
        organisation_id=row.organisation_id,
        organisation_name=org.name,
        credit_code=org.credit_code,
        measure_id=row.measure_id,
        measure_title=measure_words(calculator, row.measure_id)[0],
        event_label=event_label(calculator, row.event, _products(row.event)),
        department=row.department,
        status=row.status,
        status_label=STATUS_WORDS[row.status],
        due_on=row.due_on,
        due_label=_due_label(row),
        overdue=_overdue(row, today),
        next_step=next_step(principal, row, today),
        approved_amount=row.approved_amount,
        paid=v.paid,
        created_at=beijing(row.created_at),
    )
    if finance:
        credit = _credit(_actions(uow, row))
        plan = instalments(uow, calculator, row)
        done = sum(1 for line in plan if line.paid)
        upcoming = next((line for line in plan if not line.paid), None)
        on_notice = row.status == "public_notice" and row.due_on is not None
        out.notice_until = notice_end(uow, row)
        # payable today: past its 公示 and the next instalment's year has come (pay() refuses otherwise)
        early = upcoming is not None and upcoming.year is not None and today.year < upcoming.year
        out.payable = not (on_notice and today <= row.due_on) and not early
        out.credit_label = credit.label
        out.instalments_label = f"已付 {done} 期，共 {len(plan)} 期" if plan else ""
        out.next_amount = upcoming.amount if upcoming else None
        out.next_year = upcoming.year if upcoming else None
        out.next_step = next_step(principal, row, today, out.next_year)
    return out


def _query(*statuses: str):  # noqa: ANN202 - a select
    q = select(Application, Organisation).join(Organisation, Organisation.id == Application.organisation_id)
    return q.where(Application.status.in_(statuses)) if statuses else q


def my_applications(
    uow: UnitOfWork, principal: Principal, calculator: Calculator, today: dt.date | None = None
) -> ApplicationList:
    today = today or dt.date.today()
    if principal.organisation_id is None or not principal.has(Role.applicant):
        raise ApplicationForbidden("只有申报单位工作人员有“我的申报”")
    rows = uow.session.execute(
        _query()
        .where(Application.organisation_id == principal.organisation_id)
        .order_by(Application.id.desc())
    ).all()
    return ApplicationList(
        today=today, items=[_row(uow, principal, calculator, a, o, today) for a, o in rows]
    )


def department_worklist(
    uow: UnitOfWork, principal: Principal, calculator: Calculator, today: dt.date | None = None
) -> ApplicationList:
    """Open items of the reviewer's departments, oldest first; waiting on the applicant too, so an
    overdue 补充材料 shows."""
    today = today or dt.date.today()
    if not principal.departments:
        raise ApplicationForbidden("只有审核人员有待审清单")
    rows = uow.session.execute(_query(*WORKLIST).order_by(Application.created_at, Application.id)).all()
    items = []
    for a, o in rows:
        if not reviews(principal, a):
            continue
        item = _row(uow, principal, calculator, a, o, today)
        try:
            item.engine_label = apps.verdict(uow, calculator, a, today).explanation
        except apps.ApplicationError as exc:
            item.engine_label = "；".join(exc.problems)
        items.append(item)
    return ApplicationList(today=today, items=items)


def finance_queue(
    uow: UnitOfWork, principal: Principal, calculator: Calculator, today: dt.date | None = None
) -> ApplicationList:
    """Items on their way to payment: payable now first, then those still on notice (by its end)."""
    today = today or dt.date.today()
    if not principal.has(Role.finance, Role.auditor, Role.administrator):
        raise ApplicationForbidden("只有财务人员可以查看待支付清单")
    rows = uow.session.execute(
        _query(*PAYABLE, "queued").order_by(Application.updated_at, Application.id)
    ).all()
    items = [_row(uow, principal, calculator, a, o, today, finance=True) for a, o in rows]
    for item in items:
        if item.status == "queued":
            item.payable = False
            item.queue_place = budgets.queue_place(uow, item.id)
    # payable first, then on notice (by its end), then queued for budget (by place)
    items.sort(
        key=lambda r: (r.status == "queued", not r.payable, r.notice_until or dt.date.min, r.queue_place or 0)
    )
    return ApplicationList(today=today, items=items)


def every_application(
    uow: UnitOfWork,
    principal: Principal,
    calculator: Calculator,
    organisation_id: int | None = None,
    status: str | None = None,
    measure_id: str | None = None,
    today: dt.date | None = None,
) -> Filtered:
    """Everything, read-only, for auditors and administrators; narrowed by organisation, status, measure."""
    today = today or dt.date.today()
    if not principal.has(Role.auditor, Role.administrator):
        raise ApplicationForbidden("只有审计人员和管理员可以查看全部申报")
    if status and status not in STATUS_WORDS:
        raise apps.ApplicationError(
            [
                f"status：应为 {'、'.join(f'{k}（{w}）' for k, w in STATUS_WORDS.items())} 之一，收到 {status!r}"
            ]
        )
    q = _query()
    if organisation_id is not None:
        q = q.where(Application.organisation_id == organisation_id)
    if status:
        q = q.where(Application.status == status)
    if measure_id:
        q = q.where(Application.measure_id == measure_id)
    rows = uow.session.execute(q.order_by(Application.id.desc())).all()
    orgs = uow.session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.id.in_(select(Application.organisation_id).distinct()))
        .order_by(Organisation.name)
    ).all()
    measures = uow.session.scalars(select(Application.measure_id).distinct()).all()
    return Filtered(
        today=today,
        items=[_row(uow, principal, calculator, a, o, today) for a, o in rows],
        organisations=[Choice(value=str(i), label=n) for i, n in orgs],
        statuses=[Choice(value=k, label=w) for k, w in STATUS_WORDS.items()],
        measures=sorted(
            (Choice(value=m, label=measure_words(calculator, m)[0]) for m in measures), key=lambda c: c.label
        ),
    )


# -- from a saved case --------------------------------------------------------------------------


def entitlements_to_apply(
    uow: UnitOfWork, principal: Principal, calculator: Calculator, case_id: str
) -> list[ApplyOption]:
    """The entitlements of a saved case's newest version that may be applied for (applies, or may:
    facts missing), each with the application already made for it, if any. Only the organisation's
    own staff get any (nobody else may apply)."""
    saved = uow.saved_cases.get((case_id or "").strip().lower())
    if saved is None or not (
        principal.has(Role.applicant) and principal.organisation_id == saved.organisation_id
    ):
        return []
    version = next(v for v in saved.versions if v.n == saved.latest)
    case = version.case
    events = {ev.get("id"): ev for ev in case.get("events", [])}
    products = {p.get("id"): p for p in case.get("products", [])}
    existing = {
        (a.measure_id, a.event_key): a.id
        for a in uow.session.scalars(
            select(Application).where(Application.organisation_id == saved.organisation_id)
        )
    }
    out = []
    for e in calculator.assess(case).entitlements:
        if e.eligibility == Eligibility.no or e.event_id not in events:
            continue
        if e.overlap is not None and e.overlap.outcome in ("lost", "excluded"):
            continue
        a = e.amount
        if a.value is not None:
            amount_text = ("最高 " if a.kind.value == "at_most" else "") + yuan(a.value)
        elif a.ceiling is not None:
            amount_text = f"按有关规定确定，原文上限 {yuan(a.ceiling)}"
        else:
            amount_text = "金额按有关规定确定"
        event = events[e.event_id]
        out.append(
            ApplyOption(
                measure_id=e.measure_id,
                measure_title=e.measure_title,
                event_id=e.event_id,
                event_label=event_label(calculator, event, products),
                amount_text=amount_text,
                eligibility_label="符合" if e.eligibility == Eligibility.yes else "待补充信息",
                application_id=existing.get((e.measure_id, apps._event_key(event))),
            )
        )
    return out


def yuan_text(value: Decimal | None) -> str:
    return "—" if value is None else yuan(Decimal(decimal_str(value)))
