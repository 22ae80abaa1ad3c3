"""Budgets: money per measure, fiscal year and paying level; approvals commit against them or queue.

Finance sets a budget (``set_budget``; CLI ``biopolicy budgets set``; ``POST /api/v1/budgets``) for a
measure, a fiscal year (the calendar year, as China's fiscal year) and the level that pays: the
measure's document names its payer (``funding`` in measures.yaml, e.g. fj-2023-7: 厦门市执行本措施所需财政资金由
厦门市人民政府负责解决; xm-2025-1: 所需资金由市、区按财政体制共担), else the level that issued it.

An approval (``claim``, called by services/applications.approve and confirm_override) draws on the
budget of its measure, of the year it is approved in, at the level that pays for that organisation.
When the budget's committed total plus the approved amount stays within the budget (exactly reached
included) it is committed; otherwise the application is queued — status "queued", never cut — with
its place in the queue. Queue order: by date of approval (none of the guides orders by review score;
if one does, the order is the one place to change: ``_queue``). An approval never jumps the queue:
while anything is queued on a budget, a new approval queues behind it even if it would fit.

When finance raises a budget (or an approval is withdrawn after an upheld objection), queued items are
released strictly in order: the first that does not fit stops the release (no overtaking).

Interpretations (noted here, shown nowhere as figures): no budget amount is in any policy text;
budgets are what finance enters. Where the city and the districts share (xm-2025-1: 按财政体制共担) the
shares are not in the text: the approval commits its whole amount against the city's budget, the
level that decides and pays first; a district budget may be set for the record but nothing draws on it
until a guide states the split. A measure without a budget set for that year and level is not held back.

Concurrency: the budget row is locked (PostgreSQL ``SELECT … FOR UPDATE``; SQLite's single writer)
before its totals are read, so concurrent approvals for different organisations against one budget
commit one after another and never over-commit. Lock order, always: the organisation's
(applications._once), the audit trail's (taken by the first flush; ``set_budget`` takes it
explicitly), the budget's.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select, text

from biopolicy.domain.money import decimal_str
from biopolicy.domain.places import covers
from biopolicy.rules.schema import Measure
from biopolicy.services.accounts import Principal, Role
from biopolicy.services.applications import (
    LEVEL_WORDS,
    ApplicationError,
    ApplicationForbidden,
    _act,
    _once,
    award_level,
)
from biopolicy.services.calculator import Calculator
from biopolicy.services.wording import yuan
from biopolicy.storage.audit import ADVISORY_LOCK_KEY
from biopolicy.storage.fulfilment_models import Budget, BudgetLine
from biopolicy.storage.ledger_models import Application, Payment
from biopolicy.storage.models import Organisation, utcnow
from biopolicy.storage.uow import UnitOfWork

CENT = Decimal("0.01")
FIRST_YEAR, LAST_YEAR = 2000, 2100


class QueuedItem(BaseModel):
    place: int  # 1 = next to be released
    application_id: int
    organisation: str
    amount: Decimal
    approved_at: dt.datetime


class BudgetView(BaseModel):
    id: int
    measure_id: str
    measure_title: str
    fiscal_year: int
    level: str
    level_label: str
    amount: Decimal
    committed: Decimal  # approvals committed against it (paid included)
    paid: Decimal  # of the committed, what has been paid
    remaining: Decimal  # amount − committed
    queued: Decimal  # approvals waiting for money
    queue: list[QueuedItem]
    note: str


# -- which budget ---------------------------------------------------------------------------------


def _levels_in(payer: str) -> list[str]:
    """The levels a payer sentence names, in order (省 → province, 市 → city, 区/县 → district)."""
    found = []
    for word, level in (("省", "province"), ("市", "city"), ("区", "district"), ("县", "district")):
        if word in payer and level not in found:
            found.append(level)
    return found


def paying_levels(calculator: Calculator, measure: Measure) -> list[str]:
    """Every level that may pay for ``measure`` (a budget may be set at any of them)."""
    levels = [award_level(measure)]
    for funding in calculator.rules.funding.get(measure.doc_id, []):
        levels += [lv for lv in _levels_in(funding.payer) if lv not in levels]
    return levels


def paying_level(calculator: Calculator, measure: Measure, org: Organisation) -> str:
    """The level whose budget an approval for ``org`` draws on: the document's payer for the
    organisation's place (the first level it names), else the level that issued the measure."""
    for funding in calculator.rules.funding.get(measure.doc_id, []):
        if not funding.places or any(covers(p, org.province, org.city, org.district) for p in funding.places):
            levels = _levels_in(funding.payer)
            if levels:
                return levels[0]
    return award_level(measure)


def _writers_first(uow: UnitOfWork) -> None:
    """Take the audit trail's lock before the budget's, the order every approval takes them in (its
    first flush appends to the trail before it claims the budget): no deadlock between the two."""
    if uow.backend == "postgresql":
        uow.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY})


def _locked(uow: UnitOfWork, budget_id: int) -> Budget:
    stmt = select(Budget).where(Budget.id == budget_id).execution_options(populate_existing=True)
    if uow.backend == "postgresql":
        stmt = stmt.with_for_update()
    return uow.session.scalars(stmt).one()


def _find(uow: UnitOfWork, measure_id: str, year: int, level: str) -> int | None:
    return uow.session.scalar(
        select(Budget.id).where(
            Budget.measure_id == measure_id, Budget.fiscal_year == year, Budget.level == level
        )
    )


def _committed(uow: UnitOfWork, budget_id: int) -> Decimal:
    total = uow.session.scalar(
        select(func.coalesce(func.sum(BudgetLine.amount), 0)).where(
            BudgetLine.budget_id == budget_id, BudgetLine.state == "committed"
        )
    )
    return Decimal(total or 0)


def _queue(uow: UnitOfWork, budget_id: int) -> list[BudgetLine]:
    return list(
        uow.session.scalars(
            select(BudgetLine)
            .where(BudgetLine.budget_id == budget_id, BudgetLine.state == "queued")
            .order_by(BudgetLine.approved_at, BudgetLine.id)
        ).all()
    )


# -- approvals ------------------------------------------------------------------------------------


def claim(
    uow: UnitOfWork, calculator: Calculator, row: Application, principal: Principal, today: dt.date
) -> None:
    """Commit ``row``'s approved amount against its budget, or queue it (status "queued")."""
    measure = calculator.rules.measures[row.measure_id]
    org = uow.session.get(Organisation, row.organisation_id)
    level = paying_level(calculator, measure, org)
    budget_id = _find(uow, row.measure_id, today.year, level)
    if budget_id is None:
        return  # no budget managed for this measure, year and level: not held back
    budget = _locked(uow, budget_id)
    amount = row.approved_amount or Decimal(0)
    waiting = _queue(uow, budget.id)
    fits = not waiting and _committed(uow, budget.id) + amount <= budget.amount
    now = utcnow()
    uow.session.add(
        BudgetLine(
            budget_id=budget.id,
            application_id=row.id,
            organisation_id=row.organisation_id,
            amount=amount,
            state="committed" if fits else "queued",
            approved_at=now,
            committed_at=now if fits else None,
        )
    )
    detail = {"budget_id": budget.id, "fiscal_year": budget.fiscal_year, "level": level}
    if fits:
        _act(uow, row, principal, "budget_commit", amount=amount, detail=detail)
        return
    row.status = "queued"
    _act(uow, row, principal, "budget_queue", amount=amount, detail={**detail, "place": len(waiting) + 1})


def _release_queue(uow: UnitOfWork, budget: Budget, principal: Principal) -> list[int]:
    """Commit queued lines in order while they fit; the first that does not fit stops the release."""
    released = []
    committed = _committed(uow, budget.id)
    for line in _queue(uow, budget.id):
        if committed + line.amount > budget.amount:
            break
        line.state = "committed"
        line.committed_at = utcnow()
        committed += line.amount
        app = uow.session.get(Application, line.application_id, populate_existing=True)
        if app is not None and app.status == "queued":
            app.status = "approved"
            _act(uow, app, principal, "budget_release", amount=line.amount, detail={"budget_id": budget.id})
        released.append(line.application_id)
    return released


def withdraw(uow: UnitOfWork, row: Application, principal: Principal) -> None:
    """An approval undone (an objection upheld): its claim is released and the queue moves up."""
    line = uow.session.scalar(
        select(BudgetLine).where(BudgetLine.application_id == row.id, BudgetLine.state != "released")
    )
    if line is None:
        return
    budget = _locked(uow, line.budget_id)
    line.state = "released"
    uow.session.flush()
    _release_queue(uow, budget, principal)


def queue_place(uow: UnitOfWork, application_id: int) -> int | None:
    """The application's place in its budget's queue (1 = next), or None when it is not queued."""
    line = uow.session.scalar(
        select(BudgetLine).where(BudgetLine.application_id == application_id, BudgetLine.state == "queued")
    )
    if line is None:
        return None
    ids = [q.id for q in _queue(uow, line.budget_id)]
    return ids.index(line.id) + 1


def budget_for(uow: UnitOfWork, measure_id: str, year: int, level: str | None = None) -> Decimal | None:
    """The budget finance set for a measure and fiscal year at a paying level; None: 未设预算.

    Without ``level``: the budgets of every level set for that measure and year added up (the yearly
    evaluation's column), None when no level has one. Read only; the simulation and the evaluation
    call it through the unit of work they already hold (``lookup``)."""
    stmt = select(Budget.amount).where(Budget.measure_id == measure_id, Budget.fiscal_year == year)
    if level is not None:
        stmt = stmt.where(Budget.level == level)
    amounts = list(uow.session.scalars(stmt).all())
    return sum(amounts, Decimal(0)) if amounts else None


def lookup(uow: UnitOfWork) -> Callable[[str, int, str], Decimal | None]:
    """``budget_for`` bound to a unit of work: the simulation's ``(measure, year, level) -> budget``."""
    return functools.partial(budget_for, uow)


# -- finance --------------------------------------------------------------------------------------


def _amount(value: Any) -> Decimal:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError(
            [f"amount：应为以元为单位的金额，如 50000000 或 50000000.50，收到 {value!r}"]
        ) from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(CENT):
        raise ApplicationError([f"amount：应为不小于 0、最多两位小数的金额（元），收到 {value}"])
    return amount


def set_budget(
    uow: UnitOfWork,
    principal: Principal,
    calculator: Calculator,
    measure_id: str,
    fiscal_year: int,
    level: str,
    amount: Decimal | str,
    key: str,
    note: str = "",
) -> dict[str, Any]:
    """Set (or change) one budget; raising it releases queued approvals in order. Finance only.

    Lowering it below what is already committed is refused: an approval is never cut."""
    if not principal.has(Role.finance):
        raise ApplicationForbidden("只有财务人员可以设定预算")
    request = {
        "measure_id": measure_id,
        "fiscal_year": fiscal_year,
        "level": level,
        "amount": str(amount),
        "note": note,
    }

    def work() -> dict[str, Any]:
        problems = []
        measure = calculator.rules.measures.get(measure_id or "")
        if measure is None:
            problems.append(f"measure_id：没有措施 {measure_id}")
        if not isinstance(fiscal_year, int) or not FIRST_YEAR <= fiscal_year <= LAST_YEAR:
            problems.append(f"fiscal_year：应为 {FIRST_YEAR}–{LAST_YEAR} 之间的年度，收到 {fiscal_year!r}")
        if measure is not None:
            allowed = paying_levels(calculator, measure)
            if level not in allowed:
                words = "、".join(f"{lv}（{LEVEL_WORDS[lv]}）" for lv in allowed)
                problems.append(f"level：此措施由 {words} 出资，收到 {level!r}")
        try:
            value = _amount(amount)
        except ApplicationError as exc:
            problems += exc.problems
        if len(note or "") > 500:
            problems.append("note：说明最多 500 个字")
        if problems:
            raise ApplicationError(problems)
        budget_id = _find(uow, measure_id, fiscal_year, level)
        if budget_id is None:
            budget = Budget(
                measure_id=measure_id,
                fiscal_year=fiscal_year,
                level=level,
                amount=value,
                note=note or "",
                updated_by=principal.user_id or None,
                updated_at=utcnow(),
            )
            uow.session.add(budget)
            uow.session.flush()
            released: list[int] = []
        else:
            _writers_first(uow)
            budget = _locked(uow, budget_id)
            committed = _committed(uow, budget.id)
            if value < committed:
                raise ApplicationError(
                    [
                        f"amount：该预算已承诺 {yuan(Decimal(decimal_str(committed)))}，不能调低到 {yuan(Decimal(decimal_str(value)))}"
                        "（已核定的项目不削减）"
                    ]
                )
            budget.amount = value
            budget.note = note or budget.note
            budget.updated_by = principal.user_id or None
            budget.updated_at = utcnow()
            uow.session.flush()
            released = _release_queue(uow, budget, principal)
        return {"budget_id": budget.id, "amount": decimal_str(value), "released": released}

    return _once(uow, key, "set_budget", None, request, work)


def command_line_principal(actor: str) -> Principal:
    """The command line acts as finance (whoever can run it can reach the database)."""
    from biopolicy.services.accounts import ROLE_LABELS, RoleView

    return Principal(
        user_id=0,
        login=actor,
        display_name="命令行",
        organisation_id=None,
        organisation_name=None,
        roles=[RoleView(role=Role.finance, label=ROLE_LABELS[Role.finance])],
    )


def overview(uow: UnitOfWork, principal: Principal, calculator: Calculator) -> list[BudgetView]:
    """Every budget with committed, paid, remaining and queued (finance, auditors, administrators)."""
    if not principal.has(Role.finance, Role.auditor, Role.administrator):
        raise ApplicationForbidden("只有财务人员、审计人员和管理员可以查看预算")
    budgets = uow.session.scalars(
        select(Budget).order_by(Budget.fiscal_year.desc(), Budget.measure_id, Budget.level)
    ).all()
    out = []
    for b in budgets:
        lines = uow.session.scalars(select(BudgetLine).where(BudgetLine.budget_id == b.id)).all()
        committed_ids = [ln.application_id for ln in lines if ln.state == "committed"]
        paid = Decimal(0)
        if committed_ids:
            paid = Decimal(
                uow.session.scalar(
                    select(func.coalesce(func.sum(Payment.amount), 0)).where(
                        Payment.application_id.in_(committed_ids)
                    )
                )
                or 0
            )
        committed = sum((ln.amount for ln in lines if ln.state == "committed"), Decimal(0))
        waiting = sorted((ln for ln in lines if ln.state == "queued"), key=lambda ln: (ln.approved_at, ln.id))
        names = dict(
            uow.session.execute(
                select(Organisation.id, Organisation.name).where(
                    Organisation.id.in_({ln.organisation_id for ln in waiting})
                )
            ).all()
        )
        measure = calculator.rules.measures.get(b.measure_id)
        out.append(
            BudgetView(
                id=b.id,
                measure_id=b.measure_id,
                measure_title=measure.title if measure is not None else b.measure_id,
                fiscal_year=b.fiscal_year,
                level=b.level,
                level_label=LEVEL_WORDS[b.level],
                amount=b.amount,
                committed=committed,
                paid=paid,
                remaining=b.amount - committed,
                queued=sum((ln.amount for ln in waiting), Decimal(0)),
                queue=[
                    QueuedItem(
                        place=i,
                        application_id=ln.application_id,
                        organisation=names.get(ln.organisation_id, ""),
                        amount=ln.amount,
                        approved_at=ln.approved_at,
                    )
                    for i, ln in enumerate(waiting, start=1)
                ],
                note=b.note,
            )
        )
    return out


__all__ = [
    "BudgetView",
    "QueuedItem",
    "budget_for",
    "claim",
    "lookup",
    "overview",
    "queue_place",
    "set_budget",
    "withdraw",
]
