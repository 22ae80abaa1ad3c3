"""What each role reads of 兑现 (services/fulfilment.py) and the files it exports
(services/fulfilment_exports.py), on SQLite and PostgreSQL.

xm-2023 （二十） (xm-2023/m20-talent): at most 800,000元, paid 40% / 30% / 30% over three years (the
first in the event's year); its responsible units include 市科技局 and 市财政局, not 省科技厅.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from tests.services import test_applications
from tests.services.test_applications import approve, call, in_review, key, saved, talent_case
from tests.services.test_organisations import FACTS

from biopolicy.services import applications as apps
from biopolicy.services import fulfilment as ff
from biopolicy.services import fulfilment_exports as fx
from biopolicy.services.calculator import get_calculator
from biopolicy.storage.uow import UnitOfWork

people = test_applications.people  # the fixture: applicants of A and B, reviewers, finance, an administrator
TALENT = "xm-2023/m20-talent"
TODAY = dt.date(2026, 12, 1)


def read(database, who, fn, *args, **kw):
    with UnitOfWork(database) as uow:
        return fn(uow, who, get_calculator(), *args, **kw)


def paid_once(database, people) -> int:
    """Approved 800,000元, on notice from 2026-11-02 (until 2026-11-09), credit-checked, paid once."""
    case_id = saved(database, people["a1"], talent_case())
    app_id = in_review(database, people, case_id, "t1", measure=TALENT)
    approve(database, people["rev"], app_id, "800000")
    call(database, people["rev"], apps.publish, app_id, key(), today=dt.date(2026, 11, 2))
    call(database, people["fin"], apps.credit_check, app_id, key())
    call(
        database,
        people["fin"],
        apps.pay,
        get_calculator(),
        app_id,
        "SJ-2026-001",
        key(),
        paid_on=TODAY,
        today=TODAY,
    )
    return app_id


def test_the_detail_shows_the_history_the_instalments_with_their_years_and_nothing_to_do_for_the_applicant(
    database, people
):
    app_id = paid_once(database, people)
    d = read(database, people["a1"], ff.detail, app_id, TODAY)
    assert d.measure_title == "生物医药企业引进人才补贴" and "（二十）" in d.clauses
    assert d.organisation_name == FACTS["name"] and d.credit_code == FACTS["credit_code"]
    assert [h.action for h in d.history] == [
        "start",
        "submit",
        "accept",
        "approve",
        "publish",
        "credit_check",
        "pay",
    ]
    assert [(i.amount, i.year, i.paid) for i in d.instalments] == [
        (Decimal("320000"), 2026, True),
        (Decimal("240000"), 2027, False),
        (Decimal("240000"), 2028, False),
    ]
    assert d.notice_until == dt.date(2026, 11, 9) and d.payable_from == dt.date(2026, 11, 10)
    assert d.actions == [] and d.next_step == "分期拨付中，请按期提供收款收据"
    assert read(database, people["fin"], ff.detail, app_id, TODAY).actions == [
        "credit_check"
    ]  # before the next


def test_who_sees_an_application(database, people):
    case_id = saved(database, people["a1"], talent_case())
    got = call(database, people["a1"], apps.start, get_calculator(), case_id, TALENT, "t1", key())
    app_id = got["application_id"]

    def sees(who: str) -> bool:
        try:
            read(database, people[who], ff.detail, app_id, TODAY)
        except apps.ApplicationForbidden:
            return False
        return True

    assert [sees(w) for w in ("a1", "b1", "rev", "rev2", "prov", "fin", "adm")] == [
        True, False, False, False, False, False, True
    ]  # fmt: skip
    call(database, people["a1"], apps.submit, app_id, True, key())
    assert [sees(w) for w in ("rev", "rev2", "prov", "fin")] == [True, True, False, False]
    with pytest.raises(apps.ApplicationNotFound):
        read(database, people["adm"], ff.detail, 987654, TODAY)


def test_the_lists_of_each_role(database, people):
    app_id = paid_once(database, people)
    assert [r.id for r in read(database, people["a1"], ff.my_applications, TODAY).items] == [app_id]
    assert read(database, people["b1"], ff.my_applications, TODAY).items == []
    assert read(database, people["rev"], ff.department_worklist, TODAY).items == []  # nothing open
    (row,) = read(database, people["fin"], ff.finance_queue, TODAY).items
    assert row.next_amount == Decimal("240000") and row.next_year == 2027
    # the second instalment falls in 2027: not payable on 2026-12-31, payable from 2027-01-01
    (row,) = read(database, people["fin"], ff.finance_queue, dt.date(2026, 12, 31)).items
    assert (
        not row.payable and row.next_step == "本期按原文在 2027 年发放，2027 年 1 月 1 日起信用核查后登记支付"
    )
    (row,) = read(database, people["fin"], ff.finance_queue, dt.date(2027, 1, 1)).items
    assert row.payable and row.next_step == "信用核查后登记支付"
    (row,) = read(database, people["fin"], ff.finance_queue, TODAY).items
    assert row.instalments_label == "已付 1 期，共 3 期" and row.credit_label == "本期尚未进行信用核查"
    everything = read(database, people["adm"], ff.every_application, status="paying", today=TODAY)
    assert [r.id for r in everything.items] == [app_id] and everything.measures[
        0
    ].label == "生物医药企业引进人才补贴"
    assert read(database, people["adm"], ff.every_application, status="paid", today=TODAY).items == []
    with pytest.raises(apps.ApplicationError, match="status"):
        read(database, people["adm"], ff.every_application, status="done", today=TODAY)
    with pytest.raises(apps.ApplicationForbidden):
        read(database, people["fin"], ff.every_application, today=TODAY)


def test_the_payment_list_read_back_from_csv_and_xlsx(database, people):
    paid_once(database, people)
    with UnitOfWork(database) as uow:
        table = fx.payment_list(uow, people["fin"], get_calculator(), TODAY)
    rows = list(csv.DictReader(io.StringIO(fx.to_csv(table).decode("utf-8-sig"))))
    assert fx.to_csv(table).startswith(b"\xef\xbb\xbf")
    assert [(r["期次"], r["发放年度"], r["本期金额（元）"], r["状态"], r["收款收据编号"]) for r in rows] == [
        ("第 1 期／共 3 期", "2026", "320000.00", "已支付", "SJ-2026-001"),
        ("第 2 期／共 3 期", "2027", "240000.00", "待支付", ""),
    ]
    assert (
        rows[0]["统一社会信用代码"] == FACTS["credit_code"]
        and rows[0]["支持措施"] == "生物医药企业引进人才补贴"
    )
    ws = load_workbook(io.BytesIO(fx.to_xlsx(table))).active
    assert [c.value for c in ws[2]] == list(fx.PAYMENT_COLUMNS)
    assert Decimal(str(ws.cell(row=3, column=9).value)) == Decimal("320000")
    assert ws.cell(row=3, column=3).value == FACTS["credit_code"]  # text, not a number


def test_the_notice_list_holds_the_items_on_notice_for_their_department_only(database, people):
    case_id = saved(database, people["a1"], talent_case())
    app_id = in_review(database, people, case_id, "t1", measure=TALENT)
    approve(database, people["rev"], app_id, "800000")
    with UnitOfWork(database) as uow:
        assert fx.notice_list(uow, people["rev"], get_calculator()).rows == []  # approved, not yet on notice
    call(database, people["rev"], apps.publish, app_id, key(), today=dt.date(2026, 11, 2))
    with UnitOfWork(database) as uow:
        (line,) = fx.notice_list(uow, people["rev"], get_calculator()).rows
        assert fx.notice_list(uow, people["prov"], get_calculator()).rows == []  # not 省科技厅's
        with pytest.raises(apps.ApplicationForbidden):
            fx.notice_list(uow, people["a1"], get_calculator())
    got = dict(zip(fx.NOTICE_COLUMNS, line, strict=True))
    assert got["核定金额（元）"] == Decimal("800000") and (got["公示开始日期"], got["公示截止日期"]) == (
        "2026-11-02",
        "2026-11-09",
    )
