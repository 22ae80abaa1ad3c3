"""The yearly evaluation of the measures (fj-2023-7 17 定期开展政策措施实施效果评估总结; fj-yj-2025-30
（二十四） 建立年度分析评估机制): generated from what the platform holds, as a page and an XLSX file.

Per measure, for the year: applications filed (by the day they were submitted, else created),
approved, the amount approved and paid in the year, the budget (``budget_of``: the budgets finance
set for the year, every paying level added up; else 未设预算), and the days from application to first
payment (average and longest). For the year as a whole: the regulatory steps of the watch list completed in the year,
within their time limit or not; the enterprises' requests received, answered on time, late,
overdue; and the duties of institutions: every hospital's duty periods of the year by status, from
the records they keep (``services/duties.year_counts``).

Who: the departments (reviewers), finance, auditors and administrators.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select

from biopolicy.services.accounts import Principal, Role
from biopolicy.services.budgets import budget_for
from biopolicy.storage.ledger_models import Application, Payment, ReviewAction
from biopolicy.storage.request_models import EnterpriseRequest
from biopolicy.storage.uow import UnitOfWork
from biopolicy.storage.watch import Milestone

APPROVED = ("approved", "public_notice", "paying", "paid")
NO_BUDGET = "未设预算"


class EvaluationForbidden(PermissionError):
    pass


class EvaluationError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


class MeasureRow(BaseModel):
    measure_id: str
    title: str
    document: str
    applications: int
    approved: int
    rejected: int
    amount_approved: Decimal
    amount_paid: Decimal
    budget: str  # an amount in 元, or 未设预算
    paid_count: int
    days_to_payment_avg: Decimal | None
    days_to_payment_max: int | None


class LimitSummary(BaseModel):
    completed: int
    met: int
    missed: int
    unknown: int


class RequestSummary(BaseModel):
    received: int
    answered_on_time: int
    answered_late: int
    overdue: int
    satisfaction: str | None


class Evaluation(BaseModel):
    year: int
    as_of: dt.date
    basis: str
    measures: list[MeasureRow]
    quiet_measures: int  # measures with nothing in the year
    limits: LimitSummary
    requests: RequestSummary
    duties: str  # one sentence for the page
    duty_counts: dict[str, int]  # met, missed, due, unknown periods of the year
    totals: dict[str, Any]


def can_read(p: Principal) -> bool:
    return p.has(Role.reviewer, Role.finance, Role.auditor, Role.administrator)


def budget_of(uow: UnitOfWork, measure_id: str, year: int) -> Decimal | None:
    """The budgets finance set for a measure and year, every paying level added up (services/budgets.py)."""
    return budget_for(uow, measure_id, year)


DUTY_LABELS = {"met": "已完成", "missed": "未完成", "due": "进行中", "unknown": "无法判断"}


def duties_of(uow: UnitOfWork, year: int, today: dt.date) -> tuple[str, dict[str, int]]:
    """Duties met in the year: every hospital's duty periods of the year, by status (issue 12 §1)."""
    from biopolicy.services.duties import year_counts
    from biopolicy.services.library import get_library

    counts = year_counts(uow, get_library().corpus, year, today)
    counts = {k: counts.get(k, 0) for k in DUTY_LABELS}
    if not any(counts.values()):
        return f"{year} 年没有适用于已登记医疗机构的义务期间", counts
    words = "，".join(f"{label} {counts[k]}" for k, label in DUTY_LABELS.items())
    return f"{year} 年各医疗机构的义务期间共 {sum(counts.values())} 个：{words}", counts


def _submitted(uow: UnitOfWork) -> dict[int, dt.date]:
    out: dict[int, dt.date] = {}
    for a in uow.session.scalars(
        select(ReviewAction).where(ReviewAction.action == "submit").order_by(ReviewAction.id)
    ):
        out.setdefault(a.application_id, a.at.date())
    return out


def evaluate(uow: UnitOfWork, p: Principal, year: int, today: dt.date) -> Evaluation:
    if not can_read(p):
        raise EvaluationForbidden("只有各部门、财政、审计和管理员可以查看年度评估")
    if not 2000 <= year <= today.year:
        raise EvaluationError([f"year：评估年份应在 2000 到 {today.year} 之间，收到 {year}"])
    from biopolicy.services.calculator import get_calculator

    calc = get_calculator()
    names = calc.names
    submitted = _submitted(uow)
    apps = list(uow.session.scalars(select(Application).where(Application.status != "draft")))
    payments: dict[int, list[Payment]] = {}
    for pay in uow.session.scalars(select(Payment).order_by(Payment.paid_on)):
        payments.setdefault(pay.application_id, []).append(pay)
    rows: dict[str, MeasureRow] = {}

    def row(measure_id: str) -> MeasureRow:
        if measure_id not in rows:
            try:
                m = calc.measure(measure_id)
                title, doc = m.title, names.document(m.doc_id)
            except (KeyError, LookupError):
                title, doc = measure_id, names.document(measure_id.split("/", 1)[0])
            budget = budget_of(uow, measure_id, year)
            rows[measure_id] = MeasureRow(
                measure_id=measure_id, title=title, document=doc, applications=0, approved=0, rejected=0,
                amount_approved=Decimal(0), amount_paid=Decimal(0),
                budget=f"{budget}" if budget is not None else NO_BUDGET, paid_count=0,
                days_to_payment_avg=None, days_to_payment_max=None,
            )  # fmt: skip
        return rows[measure_id]

    waits: dict[str, list[int]] = {}
    for a in apps:
        filed = submitted.get(a.id) or a.created_at.date()
        paid = payments.get(a.id, [])
        paid_in_year = [x for x in paid if x.paid_on.year == year]
        if filed.year != year and not paid_in_year:
            continue
        r = row(a.measure_id)
        if filed.year == year:
            r.applications += 1
            if a.status in APPROVED:
                r.approved += 1
                r.amount_approved += a.approved_amount or Decimal(0)
            elif a.status == "rejected":
                r.rejected += 1
        r.amount_paid += sum((x.amount for x in paid_in_year), Decimal(0))
        if paid and paid[0].paid_on.year == year:
            r.paid_count += 1
            waits.setdefault(a.measure_id, []).append((paid[0].paid_on - filed).days)
    for mid, days in waits.items():
        rows[mid].days_to_payment_avg = (Decimal(sum(days)) / len(days)).quantize(Decimal("0.1"))
        rows[mid].days_to_payment_max = max(days)
    measures = sorted(rows.values(), key=lambda r: (r.document, r.measure_id))
    total_measures = len(calc.measures())
    duties, duty_counts = duties_of(uow, year, today)
    return Evaluation(
        year=year, as_of=today,
        basis="闽工信规〔2023〕7号 17（定期开展政策措施实施效果评估总结）；闽药监〔2025〕30号 （二十四）（建立年度分析评估机制）",
        measures=measures, quiet_measures=max(total_measures - len(measures), 0),
        limits=_limits(uow, year, today), requests=_requests(uow, year, today),
        duties=duties, duty_counts=duty_counts,
        totals={
            "applications": sum(r.applications for r in measures),
            "approved": sum(r.approved for r in measures),
            "amount_approved": sum((r.amount_approved for r in measures), Decimal(0)),
            "amount_paid": sum((r.amount_paid for r in measures), Decimal(0)),
        },
    )  # fmt: skip


def _limits(uow: UnitOfWork, year: int, today: dt.date) -> LimitSummary:
    from biopolicy.services.watchlist import get_clock, stops_of

    clock = get_clock()
    done = list(
        uow.session.scalars(
            select(Milestone).where(
                Milestone.procedure.is_not(None),
                Milestone.completed_on.is_not(None),
                Milestone.started_on.is_not(None),
            )
        )
    )
    met = missed = unknown = completed = 0
    for m in done:
        if m.completed_on.year != year:
            continue
        completed += 1
        d = clock.due(m.procedure, m.started_on, on=today, completed=m.completed_on, stops=stops_of(m))
        if d.status.value == "met":
            met += 1
        elif d.status.value == "missed":
            missed += 1
        else:
            unknown += 1
    return LimitSummary(completed=completed, met=met, missed=missed, unknown=unknown)


def _requests(uow: UnitOfWork, year: int, today: dt.date) -> RequestSummary:
    from biopolicy.services.requests import is_overdue

    rows = [r for r in uow.session.scalars(select(EnterpriseRequest)) if r.filed_on.year == year]
    ratings = [r.rating for r in rows if r.rating is not None]
    avg = str((Decimal(sum(ratings)) / len(ratings)).quantize(Decimal("0.1"))) if ratings else None
    return RequestSummary(
        received=len(rows),
        answered_on_time=sum(1 for r in rows if r.answered_on is not None and r.answered_on <= r.due_on),
        answered_late=sum(1 for r in rows if r.answered_on is not None and r.answered_on > r.due_on),
        overdue=sum(1 for r in rows if is_overdue(r, today)),
        satisfaction=avg,
    )


HEADER = [
    "文件", "措施", "申报（件）", "批准（件）", "不予支持（件）", "批准金额（元）", "本年拨付（元）",
    "预算（元）", "已拨付（件）", "申报至首次拨付平均天数", "申报至首次拨付最长天数",
]  # fmt: skip


def to_xlsx(e: Evaluation) -> bytes:
    """The evaluation as a workbook: the measures (Chinese headers, titles not ids), then the summary."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = f"{e.year}年措施评估"
    sheet.append([f"{e.year} 年度政策措施实施效果评估（截至 {e.as_of.isoformat()}）"])
    sheet.append([f"依据：{e.basis}"])
    sheet.append(HEADER)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for r in e.measures:
        sheet.append([
            r.document, r.title, r.applications, r.approved, r.rejected, r.amount_approved, r.amount_paid,
            r.budget, r.paid_count, r.days_to_payment_avg, r.days_to_payment_max,
        ])  # fmt: skip
    sheet.append(["合计", "", e.totals["applications"], e.totals["approved"], "", e.totals["amount_approved"],
                  e.totals["amount_paid"], "", "", "", ""])  # fmt: skip
    for row in sheet.iter_rows(min_row=4, min_col=6, max_col=7):
        for cell in row:
            cell.number_format = "#,##0.00"
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 48
    other = book.create_sheet("时限、诉求与义务")
    other.append(["项目", "数量"])
    for label, value in [
        ("本年办结的监管环节", e.limits.completed), ("其中按期办结", e.limits.met),
        ("其中超期办结", e.limits.missed), ("其中无法计算时限", e.limits.unknown),
        ("本年收到的企业诉求", e.requests.received), ("按期答复", e.requests.answered_on_time),
        ("逾期答复", e.requests.answered_late), ("逾期未答复", e.requests.overdue),
        ("平均满意度（1–5 分）", e.requests.satisfaction or "尚无评价"), ("义务履行", e.duties),
        *((f"义务期间：{label}", e.duty_counts.get(k, 0)) for k, label in DUTY_LABELS.items()),
        ("本年无申报的措施（项）", e.quiet_measures),
    ]:  # fmt: skip
        other.append([label, value])
    other.column_dimensions["A"].width = 30
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
