"""兑现 as use cases: apply, review, approve on the ledger, pay; exactly once, whatever the concurrency.

The flow (issue 10): an applicant starts an application from an entitlement of a saved case
(``start``: the event's facts pre-filled), signs the credit commitment and submits (``submit``). A
reviewer of a department responsible for the measure (the 责任单位 its clauses name, read as
``accounts.departments`` reads them) accepts it (``accept``), asks for more with a deadline in
working days (``request_more``), approves an amount (``approve``) or rejects it with a reason
(``reject``). The department's verified facts and amount override the applicant's.

The ledger check (``verdict``): every approval runs the engine on the organisation's case built
from the ledger: the application's event with the verified facts, and every award the organisation
holds (approved here, or entered as a prior award paid outside biopolicy, ``record_prior_award``)
as prior awards. What the engine allows for that measure and event (ceilings per product, year and
applicant, 就高从优不重复 across province and city, 不重复享受, top-ups net of what was paid) is
the most a reviewer may approve. Above it, only an override with a written reason, confirmed by a
second person (``confirm_override``): both steps are in the trail.

Exactly once: every state-changing call first locks the organisation (PostgreSQL: ``SELECT … FOR
UPDATE`` on its row, so two approvals for one organisation run one after the other and the second
reads the first's award; SQLite: the unit of work's ``BEGIN IMMEDIATE``, one writer at a time), and
takes an idempotency key: the same key with the same request returns the first answer and writes
nothing; the same key with another request is refused. The lock is taken before anything is written
so it always comes before the audit trail's lock (no deadlock).

Payments (``credit_check``, ``pay``): finance checks the organisation against the imported 失信 list
(a recorded step, needed before each payment), then records an instalment as the measure states
them (xm-2023 （二十）: 40% / 30% / 30%; otherwise one payment), with its receipt number; the item
closes when paid in full. Every refusal is a Chinese sentence naming what is wrong, and writes
nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from biopolicy.domain.assessment import AmountKind, Eligibility, Entitlement
from biopolicy.domain.case import CaseError
from biopolicy.domain.corpus import Corpus
from biopolicy.domain.money import decimal_str, yuan
from biopolicy.engine.calendar import WorkingCalendar
from biopolicy.rules.calendar import load_schedules
from biopolicy.rules.schema import Measure
from biopolicy.services import notifications
from biopolicy.services.accounts import Principal, Role, departments
from biopolicy.services.calculator import Calculator
from biopolicy.storage.ledger_models import (
    LEVELS,
    Application,
    Award,
    CreditBlacklist,
    IdempotencyKey,
    Payment,
    ReviewAction,
)
from biopolicy.storage.models import Organisation, SavedCaseVersion, utcnow
from biopolicy.storage.uow import UnitOfWork

CENT = Decimal("0.01")
MAX_MORE_DAYS = 60
STATUS_WORDS = {
    "draft": "草稿（未提交）",
    "submitted": "已提交，待受理",
    "in_review": "审核中",
    "more_requested": "退回补充材料",
    "override_pending": "超出测算金额，待第二人复核",
    "approved": "已核定",
    "queued": "已核定，预算排队中",
    "public_notice": "公示中",
    "paying": "分期支付中",
    "paid": "已足额支付（办结）",
    "rejected": "不予支持",
}
LEVEL_WORDS = {"national": "国家级", "province": "省级", "city": "市级", "district": "区级"}
PAYABLE = ("approved", "public_notice", "paying")


# -- errors -------------------------------------------------------------------------------------


class ApplicationError(ValueError):
    """Input refused; ``problems`` are Chinese sentences naming the field. Nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


class DuplicateApplication(ApplicationError):
    def __init__(self, existing_id: int, measure_id: str) -> None:
        super().__init__(
            [
                f"同一事项已就措施 {measure_id} 提出过申报（申报编号 {existing_id}），不能重复申报；请查看 /applications/{existing_id}"
            ]
        )
        self.existing_id = existing_id


class IdempotencyConflict(ApplicationError):
    """The key was used for another request."""


class ApplicationForbidden(PermissionError):
    """The principal may not do this to this application (Chinese)."""


class ApplicationNotFound(LookupError):
    def __init__(self, application_id: int) -> None:
        super().__init__(f"没有找到申报 {application_id}")


# -- what the use cases return ------------------------------------------------------------------


class Verdict(BaseModel):
    """What the engine allows for the application, on the ledger as it stands."""

    measure_id: str
    eligibility: Eligibility
    kind: AmountKind | None
    allowed: Decimal | None  # the most that may be approved without an override; None: no figure
    explanation: str  # one Chinese sentence: the figure and why
    steps: list[str]
    prior_awards: int  # how many ledger lines the check counted
    rules_version: str


class ApplicationView(BaseModel):
    id: int
    organisation_id: int
    measure_id: str
    event: dict[str, Any]
    product_id: str | None
    subject: str | None
    department: str
    status: str
    status_label: str
    due_on: dt.date | None
    submitted_facts: dict[str, Any] | None
    verified_facts: dict[str, Any] | None
    credit_commitment: bool
    engine_amount: Decimal | None
    approved_amount: Decimal | None
    paid: Decimal
    reason: str | None
    created_at: dt.datetime


def view(uow: UnitOfWork, row: Application) -> ApplicationView:
    paid = uow.session.scalar(
        select(func.coalesce(func.sum(Payment.amount), 0)).where(Payment.application_id == row.id)
    )
    return ApplicationView(
        id=row.id,
        organisation_id=row.organisation_id,
        measure_id=row.measure_id,
        event=row.event,
        product_id=row.product_id,
        subject=row.subject,
        department=row.department,
        status=row.status,
        status_label=STATUS_WORDS[row.status],
        due_on=row.due_on,
        submitted_facts=row.submitted_facts,
        verified_facts=row.verified_facts,
        credit_commitment=row.credit_commitment,
        engine_amount=row.engine_amount,
        approved_amount=row.approved_amount,
        paid=Decimal(paid or 0),
        reason=row.reason,
        created_at=row.created_at,
    )


# -- who is responsible -------------------------------------------------------------------------


def responsible_departments(corpus: Corpus, measure: Measure) -> list[str]:
    """The 责任单位 of the measure's clauses (or of the nearest clause above that names them), each
    with its level as ``accounts.departments`` reads it."""
    wanted: set[str] = set()
    for clause_id in measure.clauses:
        cid: str | None = clause_id
        while cid:
            clause = corpus.clause(cid)
            if clause is not None and clause.responsible_units:
                wanted.add(cid)
                break
            cid = clause.parent_id if clause is not None else None
    if not wanted:
        return []
    doc = corpus.documents[measure.doc_id]
    sub = Corpus.model_construct(
        documents={doc.id: doc.model_copy(update={"clauses": [c for c in doc.clauses if c.id in wanted]})}
    )
    return departments(sub)


def award_level(measure: Measure) -> str:
    """The level that pays: a Fujian provincial document's measures are provincial, Xiamen's and
    Fuzhou's the city's (interpretation: xm-2025-1 shares some with the districts, but the city
    decides and the ledger counts the award once, at the level that approved it)."""
    return "province" if measure.doc_id.startswith("fj-") else "city"


def _reviewer_of(principal: Principal, depts: list[str]) -> str | None:
    return next((d for d in principal.departments if d in depts), None)


# -- plumbing: lock, idempotency ----------------------------------------------------------------


def lock_organisation(uow: UnitOfWork, organisation_id: int) -> None:
    """Serialise every change to one organisation's ledger. Must run before anything is flushed."""
    if uow.backend == "postgresql":
        found = uow.session.execute(
            text("SELECT id FROM organisation WHERE id = :id FOR UPDATE"), {"id": organisation_id}
        ).first()
    else:  # SQLite: BEGIN IMMEDIATE already holds the one write lock; make the transaction start
        found = uow.session.execute(
            text("SELECT id FROM organisation WHERE id = :id"), {"id": organisation_id}
        ).first()
    if found is None:
        raise ApplicationError([f"organisation_id：没有编号为 {organisation_id} 的机构"])


def _request_hash(operation: str, request: dict[str, Any]) -> str:
    body = json.dumps({"op": operation, **request}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _once(
    uow: UnitOfWork,
    key: str,
    operation: str,
    organisation_id: int | None,
    request: dict[str, Any],
    work: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """Run ``work`` once for ``key``: lock the organisation, answer a replay from the record.

    ``organisation_id`` None: a change that is no one organisation's (a budget, a 公示 batch); ``work``
    then takes the locks it needs itself."""
    key = (key or "").strip()
    if not key or len(key) > 100:
        raise ApplicationError(["Idempotency-Key：每个修改请求须带 1–100 个字符的幂等键（重试时用同一个）"])
    if organisation_id is not None:
        lock_organisation(uow, organisation_id)
    digest = _request_hash(operation, request)
    seen = uow.session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == key))
    if seen is not None:
        if seen.request_hash != digest or seen.operation != operation:
            raise IdempotencyConflict(
                [
                    f"Idempotency-Key：幂等键 {key} 已用于另一个请求（{seen.operation}），不能用于内容不同的请求"
                ]
            )
        return {**seen.response, "replayed": True}
    response = work()
    uow.session.add(
        IdempotencyKey(
            key=key,
            organisation_id=organisation_id,
            operation=operation,
            request_hash=digest,
            response=response,
        )
    )
    try:
        uow.commit()
    except IntegrityError:
        uow.rollback()
        raise IdempotencyConflict([f"Idempotency-Key：幂等键 {key} 正被另一个请求使用，请稍后重试"]) from None
    return {**response, "replayed": False}


def _get(uow: UnitOfWork, application_id: int) -> Application:
    row = uow.session.get(Application, application_id, populate_existing=True)
    if row is None:
        raise ApplicationNotFound(application_id)
    return row


def _organisation_of(uow: UnitOfWork, application_id: int) -> int:
    org = uow.session.scalar(select(Application.organisation_id).where(Application.id == application_id))
    if org is None:
        raise ApplicationNotFound(application_id)
    return org


def _act(
    uow: UnitOfWork,
    row: Application,
    principal: Principal,
    action: str,
    department: str = "",
    amount: Decimal | None = None,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    uow.session.add(
        ReviewAction(
            application_id=row.id,
            organisation_id=row.organisation_id,
            action=action,
            actor_id=principal.user_id or None,  # 0: the command line, no user row
            department=department,
            amount=amount,
            reason=reason,
            detail=detail,
            at=utcnow(),
        )
    )
    row.updated_at = utcnow()
    # the applicant's staff (and on submission the department's reviewers) are told, in this transaction
    notifications.tell_application(uow, row, action, principal.user_id, amount, reason, detail)


def _refuse_status(row: Application, allowed: tuple[str, ...], doing: str) -> None:
    if row.status not in allowed:
        wanted = "、".join(STATUS_WORDS[s] for s in allowed)
        raise ApplicationError(
            [f"status：申报 {row.id} 当前状态为“{STATUS_WORDS[row.status]}”，{doing}须处于“{wanted}”"]
        )


def _money(value: Any, field: str) -> Decimal:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError(
            [f"{field}：应为以元为单位的金额，如 1000000 或 1000000.50，收到 {value!r}"]
        ) from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
        raise ApplicationError([f"{field}：应为大于 0、最多两位小数的金额（元），收到 {value}"])
    return amount


def _reason(reason: str | None, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ApplicationError([f"{field}：须写明理由（至少 2 个字）"])
    return reason


# -- the case behind an application -------------------------------------------------------------


def _event_key(event: dict[str, Any]) -> str:
    """The same achievement: type, date, product and subject (an event's id is local to its case)."""
    parts = [event.get("type"), event.get("date"), event.get("product_id"), event.get("subject")]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:32]


def _facts(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k not in ("id", "type", "date", "product_id", "subject")}


def _base_case(uow: UnitOfWork, row: Application) -> dict[str, Any]:
    snapshot = row.event.get("_case")
    if snapshot:
        return snapshot
    version = uow.session.scalar(
        select(SavedCaseVersion).where(
            SavedCaseVersion.case_id == row.case_id, SavedCaseVersion.n == row.case_version
        )
    )
    if version is None:
        raise ApplicationError([f"case_id：申报 {row.id} 所依据的测算已不存在"])
    return version.case


def ledger_case(uow: UnitOfWork, row: Application, today: dt.date) -> tuple[dict[str, Any], int]:
    """The organisation's case on the ledger: this event with the facts that count (the department's
    over the applicant's over the case's), and every other award of the organisation as a prior award."""
    base = _base_case(uow, row)
    event = {k: v for k, v in row.event.items() if k != "_case"}
    event.update(row.submitted_facts or {})
    event.update(row.verified_facts or {})
    awards = uow.session.scalars(
        select(Award)
        .where(Award.organisation_id == row.organisation_id)
        .where((Award.application_id.is_(None)) | (Award.application_id != row.id))
        .order_by(Award.awarded_on, Award.id)
    ).all()
    prior = [
        {
            k: v
            for k, v in {
                "measure_id": a.measure_id,
                "programme": a.programme,
                "level": {"province": "provincial"}.get(a.level, a.level),
                "amount": decimal_str(a.amount),
                "date": a.awarded_on.isoformat(),
                "product_id": a.product_id,
                "subject": a.subject,
                # an award for this very achievement (another level's measure): the engine nets it
                "event_id": event["id"] if a.event_key == row.event_key else None,
            }.items()
            if v is not None
        }
        for a in awards
    ]
    dates = [today, dt.date.fromisoformat(event["date"]), *(a.awarded_on for a in awards)]
    case = {
        "applicant": base["applicant"],
        "products": base.get("products", []),
        "events": [event],
        "prior_awards": prior,
        "as_of": max(dates).isoformat(),
    }
    return case, len(prior)


def _find(entitlements: list[Entitlement], measure_id: str, event_id: str) -> Entitlement | None:
    return next((e for e in entitlements if e.measure_id == measure_id and e.event_id == event_id), None)


def _yuan(v: Decimal) -> str:
    return yuan(Decimal(decimal_str(v)))


def verdict(
    uow: UnitOfWork, calculator: Calculator, row: Application, today: dt.date | None = None
) -> Verdict:
    """What the engine allows for ``row`` on the ledger as it stands (read under the lock to act on it)."""
    case, n_prior = ledger_case(uow, row, today or dt.date.today())
    try:
        assessment = calculator.assess(case)
    except CaseError as exc:
        raise ApplicationError([f"核验事实有误：{p}" for p in exc.problems]) from None
    e = _find(assessment.entitlements, row.measure_id, row.event["id"])
    version = assessment.rules_version
    if e is None or e.eligibility == Eligibility.no:
        why = e.reason if e is not None else "该事项不适用此措施"
        return Verdict(
            measure_id=row.measure_id,
            eligibility=Eligibility.no,
            kind=None,
            allowed=Decimal(0),
            explanation=f"测算结论：不符合条件（{why}），可核定金额为 0",
            steps=[s.text for s in e.steps] if e else [],
            prior_awards=n_prior,
            rules_version=version,
        )
    steps = [s.text for s in e.steps]
    if e.overlap is not None and e.overlap.outcome in ("lost", "excluded"):
        allowed: Decimal | None = Decimal(0)
        why = f"{e.overlap.reason}，可核定金额为 0"
    elif e.eligibility == Eligibility.unknown:
        allowed = None
        why = f"尚缺事实（{'、'.join(e.missing)}），测算无法给出金额；请补充核验事实"
    elif e.amount.kind in (AmountKind.exact, AmountKind.at_most) and e.amount.value is not None:
        allowed = e.amount.value
        word = "确定金额" if e.amount.kind == AmountKind.exact else "最高可得"
        why = f"按台账（已计 {n_prior} 笔奖励）测算{word} {_yuan(allowed)}"
    elif e.amount.kind == AmountKind.unknown and e.amount.ceiling is not None:
        allowed = e.amount.ceiling
        why = f"金额按有关规定确定，原文所载上限 {_yuan(allowed)}"
    elif e.amount.kind == AmountKind.waiver:
        allowed = Decimal(0)
        why = "此措施为免收费用，不发放资金"
    else:
        allowed = None
        why = "测算无法给出金额上限"
    return Verdict(
        measure_id=row.measure_id,
        eligibility=e.eligibility,
        kind=e.amount.kind,
        allowed=allowed,
        explanation=f"测算结论：{why}",
        steps=steps,
        prior_awards=n_prior,
        rules_version=version,
    )


# -- the applicant ------------------------------------------------------------------------------


def start(
    uow: UnitOfWork,
    principal: Principal,
    calculator: Calculator,
    case_id: str,
    measure_id: str,
    event_id: str,
    key: str,
) -> dict[str, Any]:
    """An application for one entitlement of a saved case, pre-filled with the event's facts."""
    saved = uow.saved_cases.get((case_id or "").strip().lower())
    if saved is None:
        raise ApplicationError([f"case_id：没有找到测算 {case_id}"])
    if not (principal.has(Role.applicant) and principal.organisation_id == saved.organisation_id):
        raise ApplicationForbidden("只有本机构的工作人员（申报单位工作人员）可以据此测算提出申报")
    org_id = saved.organisation_id
    request = {"case_id": saved.id, "measure_id": measure_id, "event_id": event_id}

    def work() -> dict[str, Any]:
        version = next(v for v in saved.versions if v.n == saved.latest)
        case = version.case
        event = next((ev for ev in case.get("events", []) if ev.get("id") == event_id), None)
        if event is None:
            raise ApplicationError([f"event_id：测算 {saved.id} 中没有事项 {event_id}"])
        measure = calculator.rules.measures.get(measure_id)
        if measure is None:
            raise ApplicationError([f"measure_id：没有措施 {measure_id}"])
        assessment = calculator.assess(case)
        e = _find(assessment.entitlements, measure_id, event_id)
        if e is None or e.eligibility == Eligibility.no:
            raise ApplicationError(
                [
                    f"measure_id：按测算，事项 {event_id} 不适用措施 {measure_id}"
                    + (f"（{e.reason}）" if e else "")
                ]
            )
        event_key = _event_key(event)
        existing = uow.session.scalar(
            select(Application.id).where(
                Application.organisation_id == org_id,
                Application.measure_id == measure_id,
                Application.event_key == event_key,
            )
        )
        if existing is not None:
            raise DuplicateApplication(existing, measure_id)
        depts = responsible_departments(calculator.corpus, measure)
        products = {p.get("id"): p for p in case.get("products", [])}
        row = Application(
            organisation_id=org_id,
            case_id=saved.id,
            case_version=version.n,
            measure_id=measure_id,
            event=dict(event),
            event_key=event_key,
            product_id=event.get("product_id") if event.get("product_id") in products else None,
            subject=event.get("subject") or event.get("product_id") or event.get("id"),
            department="、".join(depts),
            status="draft",
            submitted_facts=_facts(event),
            created_by=principal.user_id,
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        uow.session.add(row)
        uow.session.flush()
        _act(uow, row, principal, "start", detail={"case_id": saved.id, "case_version": version.n})
        return {"application_id": row.id, "status": row.status}

    return _once(uow, key, "start", org_id, request, work)


def submit(
    uow: UnitOfWork,
    principal: Principal,
    application_id: int,
    credit_commitment: bool,
    key: str,
    facts: dict[str, Any] | None = None,
) -> dict[str, Any]:
    org_id = _organisation_of(uow, application_id)
    if not (principal.has(Role.applicant) and principal.organisation_id == org_id):
        raise ApplicationForbidden("只有本机构的工作人员可以提交本机构的申报")
    request = {"id": application_id, "credit_commitment": credit_commitment, "facts": facts}

    def work() -> dict[str, Any]:
        row = _get(uow, application_id)
        _refuse_status(row, ("draft", "more_requested"), "提交")
        if credit_commitment is not True:
            raise ApplicationError(
                ["credit_commitment：提交前须签署信用承诺书（勾选“本单位承诺所填信息真实”）"]
            )
        if facts is not None:
            if not isinstance(facts, dict):
                raise ApplicationError(["facts：应为“事实名: 值”的对象"])
            row.submitted_facts = {**(row.submitted_facts or {}), **facts}
        row.credit_commitment = True
        row.status = "submitted"
        row.due_on = None
        _act(uow, row, principal, "submit")
        return {"application_id": row.id, "status": row.status}

    return _once(uow, key, "submit", org_id, request, work)


# -- the department -----------------------------------------------------------------------------


def _reviewing(uow: UnitOfWork, principal: Principal, application_id: int) -> tuple[int, str]:
    """The organisation and the reviewer's responsible department; refused for anyone else."""
    row = uow.session.get(Application, application_id)
    if row is None:
        raise ApplicationNotFound(application_id)
    depts = [d for d in row.department.split("、") if d]
    dept = _reviewer_of(principal, depts)
    if dept is None:
        mine = "、".join(principal.departments) or "无"
        raise ApplicationForbidden(
            f"措施 {row.measure_id} 的责任单位是 {row.department or '（原文未载明）'}；"
            f"您所在的审核部门（{mine}）不负责此措施，不能审核本申报"
        )
    return row.organisation_id, dept


def accept(uow: UnitOfWork, principal: Principal, application_id: int, key: str) -> dict[str, Any]:
    org_id, dept = _reviewing(uow, principal, application_id)

    def work() -> dict[str, Any]:
        row = _get(uow, application_id)
        _refuse_status(row, ("submitted",), "受理")
        row.status = "in_review"
        _act(uow, row, principal, "accept", department=dept)
        return {"application_id": row.id, "status": row.status}

    return _once(uow, key, "accept", org_id, {"id": application_id}, work)


@cache
def working_calendar() -> WorkingCalendar:
    return WorkingCalendar(load_schedules())


def request_more(
    uow: UnitOfWork,
    principal: Principal,
    application_id: int,
    reason: str,
    working_days: int,
    key: str,
    today: dt.date | None = None,
) -> dict[str, Any]:
    org_id, dept = _reviewing(uow, principal, application_id)
    today = today or dt.date.today()
    request = {"id": application_id, "reason": reason, "working_days": working_days, "today": today}

    def work() -> dict[str, Any]:
        row = _get(uow, application_id)
        _refuse_status(row, ("submitted", "in_review"), "退回补充材料")
        why = _reason(reason)
        if not isinstance(working_days, int) or not 1 <= working_days <= MAX_MORE_DAYS:
            raise ApplicationError(
                [f"working_days：补充期限应为 1–{MAX_MORE_DAYS} 个工作日，收到 {working_days}"]
            )
        due = working_calendar().add_working_days(today, working_days)
        row.status = "more_requested"
        row.reason = why
        row.due_on = due.date
        _act(
            uow,
            row,
            principal,
            "request_more",
            department=dept,
            reason=why,
            detail={"due_on": due.date.isoformat()},
        )
        return {"application_id": row.id, "status": row.status, "due_on": due.date.isoformat()}

    return _once(uow, key, "request_more", org_id, request, work)


def reject(
    uow: UnitOfWork, principal: Principal, application_id: int, reason: str, key: str
) -> dict[str, Any]:
    org_id, dept = _reviewing(uow, principal, application_id)

    def work() -> dict[str, Any]:
        row = _get(uow, application_id)
        _refuse_status(row, ("submitted", "in_review", "more_requested", "override_pending"), "不予支持")
        row.reason = _reason(reason)
        row.status = "rejected"
        _act(uow, row, principal, "reject", department=dept, reason=row.reason)
        return {"application_id": row.id, "status": row.status}

    return _once(uow, key, "reject", org_id, {"id": application_id, "reason": reason}, work)


def check(
    uow: UnitOfWork,
    principal: Principal,
    calculator: Calculator,
    application_id: int,
    today: dt.date | None = None,
) -> Verdict:
    """The engine's verdict and steps, for the reviewer beside the application (reads only)."""
    if not principal.has(Role.auditor, Role.administrator):
        _reviewing(uow, principal, application_id)
    return verdict(uow, calculator, _get(uow, application_id), today)


def _award(uow: UnitOfWork, row: Application, calculator: Calculator, principal: Principal) -> None:
    measure = calculator.rules.measures[row.measure_id]
    uow.session.add(
        Award(
            organisation_id=row.organisation_id,
            product_id=row.product_id,
            subject=row.subject,
            measure_id=row.measure_id,
            level=award_level(measure),
            amount=row.approved_amount,
            awarded_on=dt.date.fromisoformat(row.event["date"]),
            event_key=row.event_key,
            application_id=row.id,
            created_by=principal.user_id,
            created_at=utcnow(),
        )
    )


def approve(
    uow: UnitOfWork,
    principal: Principal,
    calculator: Calculator,
    application_id: int,
    amount: Decimal | str,
    key: str,
    verified_facts: dict[str, Any] | None = None,
    override_reason: str | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Approve ``amount`` (the department's figure); above the engine's, only with an override reason,
    and then it waits for a second person (``confirm_override``)."""
    org_id, dept = _reviewing(uow, principal, application_id)
    request = {
        "id": application_id,
        "amount": str(amount),
        "verified_facts": verified_facts,
        "override_reason": override_reason,
    }

    def work() -> dict[str, Any]:
        row = _get(uow, application_id)
        _refuse_status(row, ("in_review",), "核定金额")
        value = _money(amount, "amount")
        if verified_facts is not None:
            if not isinstance(verified_facts, dict):
                raise ApplicationError(["verified_facts：应为“事实名: 值”的对象"])
            row.verified_facts = {**(row.verified_facts or {}), **verified_facts}
        v = verdict(uow, calculator, row, today)
        detail = {"verdict": v.model_dump(mode="json")}
        row.engine_amount = v.allowed
        row.rules_version = v.rules_version
        row.approved_amount = value
        if v.allowed is not None and value <= v.allowed:
            row.status = "approved"
            row.reason = None
            _act(uow, row, principal, "approve", department=dept, amount=value, detail=detail)
            uow.session.flush()
            _award(uow, row, calculator, principal)
            _commit_budget(uow, calculator, row, principal, today)
        else:
            limit = "测算无法给出上限" if v.allowed is None else f"测算可核定至多 {_yuan(v.allowed)}"
            if not (override_reason or "").strip():
                raise ApplicationError(
                    [
                        f"amount：核定金额 {_yuan(value)} 超出台账测算（{limit}；{v.explanation}）；"
                        "如确需超出，须填写 override_reason 写明理由，并由另一名审核人员复核"
                    ]
                )
            row.reason = _reason(override_reason, "override_reason")
            row.status = "override_pending"
            row.override_by = principal.user_id
            _act(
                uow,
                row,
                principal,
                "override",
                department=dept,
                amount=value,
                reason=row.reason,
                detail=detail,
            )
        return {
            "application_id": row.id,
            "status": row.status,
            "approved_amount": decimal_str(value),
            "engine_amount": None if v.allowed is None else decimal_str(v.allowed),
        }

    return _once(uow, key, "approve", org_id, request, work)


def confirm_override(
    uow: UnitOfWork, principal: Principal, calculator: Calculator, application_id: int, key: str
) -> dict[str, Any]:
    """The second person: another reviewer of a responsible department confirms the override."""
    org_id, dept = _reviewing(uow, principal, application_id)

    def work() -> dict[str, Any]:
        row = _get(uow, application_id)
        _refuse_status(row, ("override_pending",), "复核超额核定")
        if row.override_by == principal.user_id:
            raise ApplicationError(["reviewer：超出测算的核定须由另一名审核人员复核，提出者本人不能复核"])
        row.status = "approved"
        _act(
            uow,
            row,
            principal,
            "confirm_override",
            department=dept,
            amount=row.approved_amount,
            reason=row.reason,
        )
        uow.session.flush()
        _award(uow, row, calculator, principal)
        _commit_budget(uow, calculator, row, principal, None)
        return {
            "application_id": row.id,
            "status": row.status,
            "approved_amount": decimal_str(row.approved_amount),
        }

    return _once(uow, key, "confirm_override", org_id, {"id": application_id}, work)


def _commit_budget(
    uow: UnitOfWork, calculator: Calculator, row: Application, principal: Principal, today: dt.date | None
) -> None:
    """The approval claims its budget (services/budgets.py): committed, or queued when it would exceed it."""
    from biopolicy.services import budgets

    budgets.claim(uow, calculator, row, principal, today or dt.date.today())


NOTICE_DAYS = 5  # the default; what applies is the setting notice_working_days (per call too)


def publish(
    uow: UnitOfWork,
    principal: Principal,
    application_id: int,
    key: str,
    working_days: int | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Put one approved item on public notice (公示): a batch of one (services/notices.py, where
    objections are raised and resolved); payable once the objection period has passed. The period
    is ``working_days``, else the platform setting ``notice_working_days`` (default 5)."""
    from biopolicy.services import notices

    _reviewing(uow, principal, application_id)
    got = notices.create_batch(
        uow, principal, [application_id], key, working_days=working_days, today=today or dt.date.today()
    )
    return {
        "application_id": application_id,
        "status": "public_notice",
        "until": got["ends_on"],
        "replayed": got["replayed"],
    }


def record_prior_award(
    uow: UnitOfWork,
    principal: Principal,
    calculator: Calculator,
    organisation_id: int,
    award: dict[str, Any],
    key: str,
) -> dict[str, Any]:
    """An award paid outside biopolicy, entered with its evidence: it counts in every check the same.

    ``award``: measure_id or programme, level (national / province / city / district), amount, date,
    product_id, subject, evidence, and ``event`` (type, date, product_id, subject) when it rewarded an
    achievement another level's measure also rewards: 就高从优 then nets it (the city pays the difference)."""
    if not principal.has(Role.reviewer, Role.administrator):
        raise ApplicationForbidden("只有审核人员或管理员可以录入平台外已获奖励")

    def work() -> dict[str, Any]:
        if uow.session.get(Organisation, organisation_id) is None:
            raise ApplicationError([f"organisation_id：没有编号为 {organisation_id} 的机构"])
        problems = []
        measure_id, programme = award.get("measure_id"), award.get("programme")
        if not measure_id and not programme:
            problems.append("measure_id / programme：应写明已编码的措施或外部项目名称之一")
        if measure_id and measure_id not in calculator.rules.measures:
            problems.append(f"measure_id：没有措施 {measure_id}")
        level = award.get("level")
        if level not in LEVELS:
            problems.append(
                f"level：应为 {'、'.join(f'{k}（{w}）' for k, w in LEVEL_WORDS.items())} 之一，收到 {level!r}"
            )
        try:
            on = dt.date.fromisoformat(str(award.get("date")))
        except ValueError:
            problems.append(f"date：应为 YYYY-MM-DD 格式的日期，收到 {award.get('date')!r}")
        evidence = (award.get("evidence") or "").strip()
        if not evidence:
            problems.append("evidence：须注明证明材料（拨付文件文号或凭证）")
        try:
            value = _money(award.get("amount"), "amount")
        except ApplicationError as exc:
            problems.extend(exc.problems)
        if problems:
            raise ApplicationError(problems)
        event = award.get("event")
        if event is not None and not (isinstance(event, dict) and event.get("type") and event.get("date")):
            raise ApplicationError(["event：所奖励的事项应写明 type（事项类型）和 date（日期）"])
        row = Award(
            organisation_id=organisation_id,
            event_key=_event_key(event) if event else None,
            product_id=award.get("product_id"),
            subject=award.get("subject") or award.get("product_id"),
            measure_id=measure_id,
            programme=programme,
            level=level,
            amount=value,
            awarded_on=on,
            evidence=evidence,
            created_by=principal.user_id,
            created_at=utcnow(),
        )
        uow.session.add(row)
        uow.session.flush()
        return {"award_id": row.id}

    return _once(uow, key, "prior_award", organisation_id, {"org": organisation_id, **award}, work)


# -- finance ------------------------------------------------------------------------------------


def instalment_plan(measure: Measure, approved: Decimal) -> list[Decimal]:
    """The instalments the measure states (shares of the approved amount, to the cent; the last takes
    what rounding left), or one payment."""
    if measure.instalments is None:
        return [approved]
    shares = list(measure.instalments.shares)
    parts = [(approved * Decimal(s)).quantize(CENT, rounding=ROUND_DOWN) for s in shares[:-1]]
    return [*parts, approved - sum(parts, Decimal(0))]


def instalment_year(event: dict[str, Any], instalment: int, of: int) -> int | None:
    """The calendar year instalment ``instalment`` (1-based) of ``of`` falls in, or None when the measure
    pays once. xm-2023 （二十） “按40%、30%、30%的比例分3年发放”: the first in the event's year, each next
    one in the following year (the measure's note; the engine spreads them the same way)."""
    if of <= 1:
        return None
    text = str(event.get("date") or "")[:4]
    return int(text) + instalment - 1 if text.isdigit() else None


def credit_check(uow: UnitOfWork, principal: Principal, application_id: int, key: str) -> dict[str, Any]:
    """Check the organisation against the imported 失信 list; the outcome is recorded either way."""
    if not principal.has(Role.finance):
        raise ApplicationForbidden("只有财务人员可以进行支付前信用核查")
    org_id = _organisation_of(uow, application_id)

    def work() -> dict[str, Any]:
        row = _get(uow, application_id)
        _refuse_status(row, PAYABLE, "信用核查")
        org = uow.session.get(Organisation, org_id)
        listed = uow.session.scalar(
            select(CreditBlacklist).where(CreditBlacklist.credit_code == org.credit_code)
        )
        passed = listed is None
        detail = {"credit_code": org.credit_code, "passed": passed}
        if listed is not None:
            detail["listed"] = {"name": listed.name, "source": listed.source}
        _act(uow, row, principal, "credit_check", detail=detail)
        return {"application_id": row.id, "passed": passed}

    return _once(uow, key, "credit_check", org_id, {"id": application_id}, work)


def pay(
    uow: UnitOfWork,
    principal: Principal,
    calculator: Calculator,
    application_id: int,
    receipt_no: str,
    key: str,
    paid_on: dt.date | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Record the next instalment, paid; refused unless approved, credit-checked since the last payment,
    in its instalment's year or later, and dated no later than today (a payment is recorded once made)."""
    if not principal.has(Role.finance):
        raise ApplicationForbidden("只有财务人员可以登记支付")
    org_id = _organisation_of(uow, application_id)
    today = today or dt.date.today()
    paid_on = paid_on or today
    request = {"id": application_id, "receipt_no": receipt_no, "paid_on": paid_on}

    def work() -> dict[str, Any]:
        row = _get(uow, application_id)
        if row.status not in PAYABLE:
            raise ApplicationError(
                [f"application_id：申报 {row.id} 尚未核定（当前状态：{STATUS_WORDS[row.status]}），不能支付"]
                if row.status != "paid"
                else [f"application_id：申报 {row.id} 已足额支付并办结，不能再次支付"]
            )
        if row.status == "public_notice" and row.due_on is not None and paid_on <= row.due_on:
            raise ApplicationError(
                [f"application_id：申报 {row.id} 公示期至 {row.due_on.isoformat()} 结束，期满后方可支付"]
            )
        from biopolicy.services import notices

        blocked = notices.payment_block(uow, row, paid_on)
        if blocked:
            raise ApplicationError([blocked])
        receipt = (receipt_no or "").strip()
        if not receipt or len(receipt) > 100:
            raise ApplicationError(["receipt_no：须填写收款收据编号（1–100 个字符）"])
        if paid_on > today:  # a later date would let an instalment through before its year
            raise ApplicationError(
                [
                    f"paid_on：支付日期 {paid_on.isoformat()} 晚于今天（{today.isoformat()}），只能登记已经支付的款项"
                ]
            )
        payments = uow.session.scalars(
            select(Payment).where(Payment.application_id == row.id).order_by(Payment.instalment)
        ).all()
        last_check = uow.session.scalar(
            select(ReviewAction)
            .where(ReviewAction.application_id == row.id, ReviewAction.action.in_(("credit_check", "pay")))
            .order_by(ReviewAction.id.desc())
            .limit(1)
        )
        if last_check is None or last_check.action != "credit_check":
            raise ApplicationError(["credit_check：每次支付前须先进行信用核查（失信名单）"])
        if not (last_check.detail or {}).get("passed"):
            raise ApplicationError(["credit_check：该单位在失信名单上，不能支付"])
        plan = instalment_plan(calculator.rules.measures[row.measure_id], row.approved_amount)
        n = len(payments) + 1
        amount = plan[n - 1]
        year = instalment_year(row.event, n, len(plan))
        if year is not None and paid_on.year < year:
            raise ApplicationError(
                [
                    f"paid_on：第 {n} 期（共 {len(plan)} 期，{yuan(amount)}）按原文分年发放，在 {year} 年发放，"
                    f"{year} 年 1 月 1 日起方可支付（支付日期 {paid_on.isoformat()}）"
                ]
            )
        uow.session.add(
            Payment(
                application_id=row.id,
                organisation_id=row.organisation_id,
                instalment=n,
                amount=amount,
                paid_on=paid_on,
                receipt_no=receipt,
                paid_by=principal.user_id,
                created_at=utcnow(),
            )
        )
        row.status = "paid" if n == len(plan) else "paying"
        _act(
            uow,
            row,
            principal,
            "pay",
            amount=amount,
            detail={"instalment": n, "of": len(plan), "receipt_no": receipt},
        )
        return {
            "application_id": row.id,
            "instalment": n,
            "of": len(plan),
            "amount": decimal_str(amount),
            "status": row.status,
        }

    return _once(uow, key, "pay", org_id, request, work)


# -- lists --------------------------------------------------------------------------------------


def mine(uow: UnitOfWork, principal: Principal) -> list[ApplicationView]:
    if principal.organisation_id is None or not principal.has(Role.applicant):
        raise ApplicationForbidden("只有申报单位工作人员有“我的申报”")
    rows = uow.session.scalars(
        select(Application)
        .where(Application.organisation_id == principal.organisation_id)
        .order_by(Application.id.desc())
    ).all()
    return [view(uow, r) for r in rows]


def worklist(uow: UnitOfWork, principal: Principal) -> list[ApplicationView]:
    """The reviewer's departments' open applications, oldest first."""
    depts = principal.departments
    if not depts:
        raise ApplicationForbidden("只有审核人员有审核工作台")
    rows = uow.session.scalars(
        select(Application)
        .where(Application.status.in_(("submitted", "in_review", "override_pending")))
        .order_by(Application.created_at, Application.id)
    ).all()
    return [view(uow, r) for r in rows if set(r.department.split("、")) & set(depts)]


def payment_queue(uow: UnitOfWork, principal: Principal) -> list[ApplicationView]:
    if not principal.has(Role.finance, Role.auditor):
        raise ApplicationForbidden("只有财务人员可以查看支付队列")
    rows = uow.session.scalars(
        select(Application)
        .where(Application.status.in_(PAYABLE))
        .order_by(Application.updated_at, Application.id)
    ).all()
    return [view(uow, r) for r in rows]


BLACKLIST_HEADERS = {"统一社会信用代码": "credit_code", "名称": "name", "列入日期": "listed_on"}


def read_blacklist(path: Path) -> list[dict[str, Any]]:
    """The rows of a 失信 list file (CSV/XLSX: 统一社会信用代码, 名称, 列入日期 YYYY-MM-DD optional);
    every bad line is named at once (ApplicationError) so that nothing is stored from a bad file."""
    from biopolicy.domain.credit_code import credit_code_problem, normalise
    from biopolicy.services.organisations import OrganisationError, read_table

    try:
        table = list(read_table(path))
    except OrganisationError as exc:
        raise ApplicationError(exc.problems) from None
    header = [BLACKLIST_HEADERS.get(c.strip()) for c in (table[0][1] if table else [])]
    if "credit_code" not in header:
        raise ApplicationError([f"{path.name}：缺少列：统一社会信用代码（可选列：名称、列入日期）"])
    rows, problems = [], []
    for line, cells in table[1:]:
        r = {f: (c or "").strip() for f, c in zip(header, cells, strict=False) if f}
        if not any(r.values()):
            continue
        r["credit_code"] = normalise(r.get("credit_code", ""))
        if problem := credit_code_problem(r["credit_code"]):
            problems.append(f"第{line}行：{problem}")
        try:
            dt.date.fromisoformat(r["listed_on"]) if r.get("listed_on") else None
        except ValueError:
            problems.append(f"第{line}行：列入日期应为 YYYY-MM-DD，收到“{r['listed_on']}”")
        rows.append(r)
    if problems:
        raise ApplicationError(problems)
    return rows


def import_blacklist(uow: UnitOfWork, rows: list[dict[str, Any]], source: str) -> int:
    """Add the entities of an imported 失信 list (credit code, name, listed date); known codes are kept."""
    added = 0
    for r in rows:
        code = (r.get("credit_code") or "").strip().upper()
        if len(code) != 18:
            raise ApplicationError([f"credit_code：统一社会信用代码应为 18 位，收到 {code!r}"])
        if uow.session.scalar(select(CreditBlacklist.id).where(CreditBlacklist.credit_code == code)):
            continue
        listed = r.get("listed_on")
        uow.session.add(
            CreditBlacklist(
                credit_code=code,
                name=r.get("name") or code,
                source=source,
                listed_on=dt.date.fromisoformat(listed) if listed else None,
                created_at=utcnow(),
            )
        )
        added += 1
    uow.commit()
    return added


__all__ = [
    "ApplicationError",
    "ApplicationForbidden",
    "ApplicationNotFound",
    "ApplicationView",
    "DuplicateApplication",
    "IdempotencyConflict",
    "Verdict",
]
