"""The 公示 list and the payment list as files: XLSX (openpyxl) and CSV (UTF-8 with a BOM, so Excel
opens it as Chinese).

Both name the organisation and its 统一社会信用代码, the measure by its title (never an id), the
clauses it rests on, the approved amount in 元 and the dates. The 公示 list holds the items now on
public notice (the reviewer's own departments' for a reviewer); the payment list one line per
instalment of every item on its way to payment or paid: paid ones with their date and receipt,
the next one to pay with its amount (and whether its notice period is over).

Amounts are written exactly: a number cell (two decimals) in XLSX, a plain decimal in CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from biopolicy.services.accounts import Principal, Role
from biopolicy.services.applications import PAYABLE, ApplicationForbidden
from biopolicy.services.calculator import Calculator
from biopolicy.services.fulfilment import instalments, measure_words, reviews
from biopolicy.storage.ledger_models import Application, ReviewAction
from biopolicy.storage.models import Organisation
from biopolicy.storage.uow import UnitOfWork

NOTICE_COLUMNS = ("序号", "单位名称", "统一社会信用代码", "支持措施", "政策文件", "政策条款", "核定金额（元）",
                  "公示开始日期", "公示截止日期", "责任单位")  # fmt: skip
PAYMENT_COLUMNS = ("序号", "单位名称", "统一社会信用代码", "支持措施", "政策条款", "核定金额（元）", "期次",
                   "发放年度", "本期金额（元）", "状态", "支付日期", "收款收据编号", "公示截止日期")  # fmt: skip
MONEY_COLUMNS = {"核定金额（元）", "本期金额（元）"}


@dataclass
class Table:
    title: str
    columns: tuple[str, ...]
    rows: list[list[Any]] = field(default_factory=list)
    made_on: dt.date = field(default_factory=dt.date.today)


def _publish_dates(uow: UnitOfWork, application_id: int) -> tuple[str, str]:
    action = uow.session.scalar(
        select(ReviewAction)
        .where(ReviewAction.application_id == application_id, ReviewAction.action == "publish")
        .order_by(ReviewAction.id.desc())
        .limit(1)
    )
    d = (action.detail or {}) if action is not None else {}
    return d.get("from", ""), d.get("until", "")


def notice_list(uow: UnitOfWork, principal: Principal, calculator: Calculator) -> Table:
    """The items now on public notice (公示名单)."""
    everyone = principal.has(Role.finance, Role.auditor, Role.administrator)
    if not (everyone or principal.departments):
        raise ApplicationForbidden("只有审核人员、财务人员、审计人员和管理员可以导出公示名单")
    rows = uow.session.execute(
        select(Application, Organisation)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .where(Application.status == "public_notice")
        .order_by(Application.due_on, Application.id)
    ).all()
    table = Table("资金兑现公示名单", NOTICE_COLUMNS)
    for app, org in rows:
        if not everyone and not reviews(principal, app):
            continue
        title, document, clauses = measure_words(calculator, app.measure_id)
        start, until = _publish_dates(uow, app.id)
        table.rows.append(
            [len(table.rows) + 1, org.name, org.credit_code, title, document, clauses, app.approved_amount,
             start, until, app.department]
        )  # fmt: skip
    return table


def payment_list(
    uow: UnitOfWork, principal: Principal, calculator: Calculator, today: dt.date | None = None
) -> Table:
    """One line per instalment: paid (date, receipt) or the next to pay (资金拨付清单)."""
    today = today or dt.date.today()
    if not principal.has(Role.finance, Role.auditor, Role.administrator):
        raise ApplicationForbidden("只有财务人员、审计人员和管理员可以导出支付清单")
    rows = uow.session.execute(
        select(Application, Organisation)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .where(Application.status.in_((*PAYABLE, "paid")))
        .order_by(Application.id)
    ).all()
    table = Table("资金拨付清单", PAYMENT_COLUMNS, made_on=today)
    for app, org in rows:
        title, _document, clauses = measure_words(calculator, app.measure_id)
        until = _publish_dates(uow, app.id)[1]
        plan = instalments(uow, calculator, app)
        upcoming = next((x.instalment for x in plan if not x.paid), None)
        for line in plan:
            if line.paid:
                state = "已支付"
            elif line.instalment != upcoming:
                continue  # only the next instalment is due; later ones follow it
            elif app.status == "public_notice" and app.due_on is not None and today <= app.due_on:
                state = "公示期内，期满后支付"
            else:
                state = "待支付"
            table.rows.append(
                [len(table.rows) + 1, org.name, org.credit_code, title, clauses, app.approved_amount,
                 f"第 {line.instalment} 期／共 {line.of} 期", line.year or "", line.amount, state,
                 line.paid_on.isoformat() if line.paid_on else "", line.receipt_no or "", until]
            )  # fmt: skip
    return table


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.quantize(Decimal("0.01")), "f")
    return "" if value is None else value


def to_csv(table: Table) -> bytes:
    """UTF-8 with a BOM (Excel reads it as UTF-8); amounts as plain decimals with two places."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook  # loaded when a workbook is asked for, not at start-up
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = table.title[:31]
    ws.append([f"{table.title}（{table.made_on.isoformat()} 导出）"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(list(table.columns))
    for cell in ws[2]:
        cell.font = Font(bold=True)
    money = {i for i, c in enumerate(table.columns) if c in MONEY_COLUMNS}
    for row in table.rows:
        ws.append([(v.quantize(Decimal("0.01")) if isinstance(v, Decimal) else v) for v in row])
        for i in money:
            ws.cell(row=ws.max_row, column=i + 1).number_format = "#,##0.00"
    for i, name in enumerate(table.columns, start=1):  # readable widths; the credit code whole
        width = (
            22
            if name in ("统一社会信用代码", "单位名称")
            else 30
            if name in ("支持措施", "政策条款", "政策文件")
            else 14
        )
        ws.column_dimensions[ws.cell(row=2, column=i).column_letter].width = width
    ws.freeze_panes = "A3"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
