"""兑现: apply, review, approve on the ledger, pay; refusals write nothing; both databases.

The scenario rests on xm-2023 （一） (xm-2023/m1-clinical): a class-1 drug's phase III completed in
2026 brings 40% of its R&D, at most 30,000,000元, one product's phases together at most
60,000,000元, one enterprise's clinical awards in a year at most 100,000,000元 (xm-2023/interp/5).
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from tests.services.test_organisations import FACTS, code

from biopolicy.services import accounts, cases
from biopolicy.services import applications as apps
from biopolicy.services import organisations as orgs
from biopolicy.services.calculator import get_calculator
from biopolicy.storage.ledger_models import Application, Award, IdempotencyKey, Payment
from biopolicy.storage.models import AuditLog
from biopolicy.storage.uow import UnitOfWork

PASSWORD = "correct-horse-42"
TODAY = dt.date(2026, 12, 1)
_keys = itertools.count()


def key() -> str:
    return f"k-{next(_keys)}"


def phase3(event_id: str, product_id: str, date: str = "2026-06-01", rd: str = "90000000") -> dict:
    return {
        "id": event_id,
        "type": "clinical_stage_completed",
        "date": date,
        "product_id": product_id,
        "stage": "phase_3",
        "rd_investment": rd,
        "transferred_city": "厦门市",
    }


def case_with(*events: dict, products: int = 8) -> dict:
    return {
        "applicant": {"kind": "enterprise", "name": "厦门某生物科技有限公司", "city": "厦门市"},
        "products": [
            {"id": f"p{i}", "type": "chemical", "registration_class": "1"} for i in range(1, products + 1)
        ],
        "events": list(events),
        "as_of": "2026-12-01",
    }


@pytest.fixture
def people(database):
    with UnitOfWork(database, actor="test") as uow:
        a = orgs.create(uow, FACTS)
        b = orgs.create(uow, {**FACTS, "name": "乙公司", "credit_code": code(2)})
    specs = {
        "a1": (a.id, [("applicant", "")]),
        "b1": (b.id, [("applicant", "")]),
        "rev": (None, [("reviewer", "市科技局")]),
        "rev2": (None, [("reviewer", "市财政局")]),
        "prov": (None, [("reviewer", "省科技厅")]),
        "fin": (None, [("finance", "")]),
        "adm": (None, [("administrator", "")]),
    }
    out = {}
    for login, (org, roles) in specs.items():
        with UnitOfWork(database, actor="test") as uow:
            accounts.create_user(
                uow, f"u-{login}", login.upper(), password=PASSWORD, organisation=org, roles=roles
            )
            out[login] = accounts.authenticate(uow, f"u-{login}", PASSWORD)
    out["org_a"], out["org_b"] = a.id, b.id
    return out


def saved(database, who, case) -> str:
    with UnitOfWork(database, actor=who.actor) as uow:
        return cases.save_case(uow, who, get_calculator(), case, "申报用").id


def call(database, who, fn, *args, **kw):
    with UnitOfWork(database, actor=who.actor) as uow:
        return fn(uow, who, *args, **kw)


def in_review(database, people, case_id, event_id, measure="xm-2023/m1-clinical") -> int:
    a1, rev = people["a1"], people["rev"]
    app_id = call(database, a1, apps.start, get_calculator(), case_id, measure, event_id, key())[
        "application_id"
    ]
    call(database, a1, apps.submit, app_id, True, key())
    call(database, rev, apps.accept, app_id, key())
    return app_id


def pay_on(database, who, app_id, receipt, paid_on, today=None):
    """Record the next payment dated ``paid_on``, on ``today`` (the payment's own day unless given)."""
    today = paid_on if today is None else today
    return call(
        database, who, apps.pay, get_calculator(), app_id, receipt, key(), paid_on=paid_on, today=today
    )


def approve(database, who, app_id, amount, **kw):
    return call(database, who, apps.approve, get_calculator(), app_id, amount, key(), today=TODAY, **kw)


def prior(database, people, amount, date="2026-01-15", product="p8", measure="xm-2023/m1-clinical", **kw):
    award = {"measure_id": measure, "level": "city", "amount": amount, "date": date, "product_id": product}
    award |= {"evidence": "厦科〔2026〕1号", **kw}
    return call(
        database, people["adm"], apps.record_prior_award, get_calculator(), people["org_a"], award, key()
    )


def count(database, model) -> int:
    with UnitOfWork(database) as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def status(database, app_id) -> str:
    with UnitOfWork(database) as uow:
        return uow.session.get(Application, app_id).status


# -- the flow -----------------------------------------------------------------------------------


def test_start_prefills_from_the_case_and_names_the_responsible_departments(database, people):
    case_id = saved(database, people["a1"], case_with(phase3("e1", "p1")))
    got = call(
        database, people["a1"], apps.start, get_calculator(), case_id, "xm-2023/m1-clinical", "e1", key()
    )
    with UnitOfWork(database) as uow:
        row = uow.session.get(Application, got["application_id"])
        assert row.status == "draft" and row.product_id == "p1"
        assert row.submitted_facts["rd_investment"] == "90000000"
        assert set(row.department.split("、")) == {"市科技局", "市财政局"}


def test_applying_twice_for_the_same_event_and_measure_is_refused_with_the_existing_id(database, people):
    case_id = saved(database, people["a1"], case_with(phase3("e1", "p1")))
    first = call(
        database, people["a1"], apps.start, get_calculator(), case_id, "xm-2023/m1-clinical", "e1", key()
    )
    other_case = saved(database, people["a1"], case_with(phase3("x9", "p1")))  # same achievement, new case
    before = count(database, AuditLog)
    with pytest.raises(apps.DuplicateApplication) as exc:
        call(
            database,
            people["a1"],
            apps.start,
            get_calculator(),
            other_case,
            "xm-2023/m1-clinical",
            "x9",
            key(),
        )
    assert exc.value.existing_id == first["application_id"]
    assert str(first["application_id"]) in str(exc.value) and "不能重复申报" in str(exc.value)
    assert count(database, AuditLog) == before and count(database, Application) == 1


def test_submitting_needs_the_credit_commitment(database, people):
    case_id = saved(database, people["a1"], case_with(phase3("e1", "p1")))
    app_id = call(
        database, people["a1"], apps.start, get_calculator(), case_id, "xm-2023/m1-clinical", "e1", key()
    )["application_id"]
    with pytest.raises(apps.ApplicationError, match="信用承诺书"):
        call(database, people["a1"], apps.submit, app_id, False, key())
    assert call(database, people["a1"], apps.submit, app_id, True, key())["status"] == "submitted"


def test_a_department_not_responsible_cannot_review_and_nothing_is_written(database, people):
    case_id = saved(database, people["a1"], case_with(phase3("e1", "p1")))
    a1 = people["a1"]
    app_id = call(database, a1, apps.start, get_calculator(), case_id, "xm-2023/m1-clinical", "e1", key())[
        "application_id"
    ]
    call(database, a1, apps.submit, app_id, True, key())
    before = count(database, AuditLog)
    with pytest.raises(apps.ApplicationForbidden, match="省科技厅.*不负责此措施"):
        call(database, people["prov"], apps.accept, app_id, key())
    with pytest.raises(apps.ApplicationForbidden):
        call(database, people["a1"], apps.accept, app_id, key())
    assert count(database, AuditLog) == before and status(database, app_id) == "submitted"


def test_request_more_sets_a_deadline_in_working_days(database, people):
    case_id = saved(database, people["a1"], case_with(phase3("e1", "p1")))
    app_id = in_review(database, people, case_id, "e1")
    with pytest.raises(apps.ApplicationError, match="working_days"):
        call(database, people["rev"], apps.request_more, app_id, "再补充", 0, key())
    # 2026-09-30 + 5 working days: 10-01..10-07 are the National Day holiday; 10-08, 10-09, the
    # make-up Saturday 10-10, 10-12, 10-13 (without the make-up day it would be 10-14)
    got = call(
        database,
        people["rev"],
        apps.request_more,
        app_id,
        "请补充临床试验总结报告",
        5,
        key(),
        today=dt.date(2026, 9, 30),
    )
    assert got["status"] == "more_requested" and got["due_on"] == "2026-10-13"
    # the applicant answers and submits again
    assert (
        call(database, people["a1"], apps.submit, app_id, True, key(), facts={"rd_investment": "80000000"})[
            "status"
        ]
        == "submitted"
    )


def test_reject_needs_a_reason(database, people):
    case_id = saved(database, people["a1"], case_with(phase3("e1", "p1")))
    app_id = in_review(database, people, case_id, "e1")
    with pytest.raises(apps.ApplicationError, match="reason"):
        call(database, people["rev"], apps.reject, app_id, " ", key())
    assert (
        call(database, people["rev"], apps.reject, app_id, "研发投入凭证不实", key())["status"] == "rejected"
    )


# -- the ledger check ---------------------------------------------------------------------------


def test_approval_up_to_the_engine_figure_passes_and_one_cent_more_is_refused(database, people):
    case_id = saved(database, people["a1"], case_with(phase3("e1", "p1")))
    app_id = in_review(database, people, case_id, "e1")
    with UnitOfWork(database) as uow:
        v = apps.check(uow, people["rev"], get_calculator(), app_id, TODAY)
    assert v.allowed == Decimal("30000000") and v.steps and "30,000,000元" in v.explanation
    before = count(database, AuditLog)
    with pytest.raises(apps.ApplicationError, match="超出台账测算.*override_reason"):
        approve(database, people["rev"], app_id, "30000000.01")
    assert count(database, AuditLog) == before and count(database, Award) == 0
    got = approve(database, people["rev"], app_id, "30000000")
    assert got["status"] == "approved" and got["engine_amount"] == "30000000"
    with UnitOfWork(database) as uow:
        award = uow.session.scalars(select(Award)).one()
        assert award.amount == Decimal("30000000") and award.level == "city" and award.product_id == "p1"


def test_a_prior_award_paid_outside_counts_like_one_approved_here(database, people):
    prior(database, people, "30000000", date="2024-05-01", product="p1")  # phase I/II of p1, paid before
    case_id = saved(database, people["a1"], case_with(phase3("e1", "p1")))
    app_id = in_review(database, people, case_id, "e1")
    with UnitOfWork(database) as uow:
        assert apps.check(uow, people["rev"], get_calculator(), app_id, TODAY).allowed == Decimal("30000000")
    prior(database, people, "20000000", date="2025-05-01", product="p1")  # now 50,000,000 of 60,000,000 taken
    with UnitOfWork(database) as uow:
        assert apps.check(uow, people["rev"], get_calculator(), app_id, TODAY).allowed == Decimal("10000000")
    with pytest.raises(apps.ApplicationError):
        approve(database, people["rev"], app_id, "10000001")
    assert approve(database, people["rev"], app_id, "10000000")["status"] == "approved"


def test_the_department_verified_facts_override_the_applicants(database, people):
    case_id = saved(database, people["a1"], case_with(phase3("e1", "p1")))
    app_id = in_review(database, people, case_id, "e1")
    # the department finds 10,000,000元 of R&D, not the 90,000,000 applied for: 40% is 4,000,000
    with pytest.raises(apps.ApplicationError, match="超出台账测算"):
        approve(database, people["rev"], app_id, "4000000.01", verified_facts={"rd_investment": "10000000"})
    got = approve(database, people["rev"], app_id, "4000000", verified_facts={"rd_investment": "10000000"})
    assert got["engine_amount"] == "4000000"


def test_an_override_needs_a_reason_and_a_second_person(database, people):
    case_id = saved(database, people["a1"], case_with(phase3("e1", "p1")))
    app_id = in_review(database, people, case_id, "e1")
    got = approve(database, people["rev"], app_id, "31000000", override_reason="专家评审认定追加投入")
    assert got["status"] == "override_pending" and count(database, Award) == 0
    with pytest.raises(apps.ApplicationError, match="另一名审核人员"):
        call(database, people["rev"], apps.confirm_override, get_calculator(), app_id, key())
    with pytest.raises(apps.ApplicationForbidden):
        call(database, people["prov"], apps.confirm_override, get_calculator(), app_id, key())
    done = call(database, people["rev2"], apps.confirm_override, get_calculator(), app_id, key())
    assert done["status"] == "approved" and count(database, Award) == 1
    with UnitOfWork(database) as uow:
        actions = [
            r.after["action"]
            for r in uow.session.scalars(select(AuditLog).where(AuditLog.entity == "review_action"))
        ]
    assert actions[-2:] == ["override", "confirm_override"]


# -- exactly once -------------------------------------------------------------------------------


def test_replaying_a_request_returns_the_first_answer_and_writes_nothing(database, people):
    case_id = saved(database, people["a1"], case_with(phase3("e1", "p1")))
    app_id = in_review(database, people, case_id, "e1")
    k = key()
    first = call(database, people["rev"], apps.approve, get_calculator(), app_id, "1000000", k, today=TODAY)
    before = count(database, AuditLog)
    again = call(database, people["rev"], apps.approve, get_calculator(), app_id, "1000000", k, today=TODAY)
    assert again == {**first, "replayed": True} and count(database, AuditLog) == before
    with pytest.raises(apps.IdempotencyConflict, match="内容不同"):
        call(database, people["rev"], apps.approve, get_calculator(), app_id, "2000000", k, today=TODAY)
    assert count(database, Award) == 1 and count(database, IdempotencyKey) >= 1


# -- payments -----------------------------------------------------------------------------------


def talent_case() -> dict:
    return {
        "applicant": {"kind": "enterprise", "name": "厦门某生物科技有限公司", "city": "厦门市"},
        "events": [
            {
                "id": "t1",
                "type": "talent_recruited",
                "date": "2026-08-01",
                "subject": "张三",
                "recruited_on": "2025-08-01",
            }
        ],
        "as_of": "2026-12-01",
    }


def test_paying_an_unapproved_item_is_refused_in_chinese(database, people):
    case_id = saved(database, people["a1"], case_with(phase3("e1", "p1")))
    app_id = in_review(database, people, case_id, "e1")
    before = count(database, AuditLog)
    with pytest.raises(apps.ApplicationError, match="尚未核定.*不能支付"):
        call(database, people["fin"], apps.pay, get_calculator(), app_id, "SJ-1", key())
    assert count(database, AuditLog) == before and count(database, Payment) == 0


def test_instalments_40_30_30_each_after_a_credit_check_and_the_item_closes_when_paid(database, people):
    case_id = saved(database, people["a1"], talent_case())
    app_id = in_review(database, people, case_id, "t1", measure="xm-2023/m20-talent")
    assert approve(database, people["rev"], app_id, "800000")["status"] == "approved"
    fin = people["fin"]
    with pytest.raises(apps.ApplicationError, match="信用核查"):
        call(database, fin, apps.pay, get_calculator(), app_id, "SJ-1", key())
    paid = []
    for n, on in ((1, dt.date(2026, 12, 1)), (2, dt.date(2027, 1, 4)), (3, dt.date(2028, 1, 3))):
        assert call(database, fin, apps.credit_check, app_id, key())["passed"] is True
        got = pay_on(database, fin, app_id, f"SJ-{n}", on)
        paid.append(Decimal(got["amount"]))
        if n < 3:  # the next payment needs its own credit check
            with pytest.raises(apps.ApplicationError, match="信用核查"):
                pay_on(database, fin, app_id, "SJ-x", dt.date(2029, 1, 2))
    assert paid == [Decimal("320000"), Decimal("240000"), Decimal("240000")]
    assert status(database, app_id) == "paid"
    call_check = pytest.raises(apps.ApplicationError, match="已足额支付")
    with call_check:
        call(database, fin, apps.pay, get_calculator(), app_id, "SJ-4", key())


def test_an_instalment_is_not_paid_before_its_year_dec_31_refused_jan_1_allowed(database, people):
    """xm-2023 （二十） 按40%、30%、30%的比例分3年发放: the event is of 2026-08-01, so the second
    instalment (240,000元) falls in 2027 and the third in 2028."""
    case_id = saved(database, people["a1"], talent_case())
    app_id = in_review(database, people, case_id, "t1", measure="xm-2023/m20-talent")
    approve(database, people["rev"], app_id, "800000")
    fin = people["fin"]

    def pay(on: dt.date, receipt: str) -> dict:
        call(database, fin, apps.credit_check, app_id, key())
        return pay_on(database, fin, app_id, receipt, on)

    assert pay(dt.date(2026, 12, 31), "SJ-1")["instalment"] == 1  # the first in the event's year
    call(database, fin, apps.credit_check, app_id, key())
    before = (count(database, AuditLog), count(database, Payment), status(database, app_id))
    with pytest.raises(apps.ApplicationError) as refused:
        pay_on(database, fin, app_id, "SJ-2", dt.date(2026, 12, 31))
    assert refused.value.problems == [
        "paid_on：第 2 期（共 3 期，24万元（240,000元））按原文分年发放，在 2027 年发放，"
        "2027 年 1 月 1 日起方可支付（支付日期 2026-12-31）"
    ]
    assert (count(database, AuditLog), count(database, Payment), status(database, app_id)) == before
    # nor by dating the payment ahead: a payment is recorded once made
    with pytest.raises(apps.ApplicationError, match="支付日期 2027-01-01 晚于今天（2026-12-31）"):
        pay_on(database, fin, app_id, "SJ-2", dt.date(2027, 1, 1), today=dt.date(2026, 12, 31))
    assert (count(database, AuditLog), count(database, Payment), status(database, app_id)) == before
    got = pay_on(database, fin, app_id, "SJ-2", dt.date(2027, 1, 1))
    assert (got["instalment"], got["amount"], got["status"]) == (2, "240000", "paying")
    with pytest.raises(apps.ApplicationError, match="第 3 期.*在 2028 年发放"):
        pay(dt.date(2027, 12, 31), "SJ-3")
    assert pay(dt.date(2028, 1, 1), "SJ-3")["status"] == "paid"
    with UnitOfWork(database) as uow:
        rows = uow.session.scalars(select(Payment).order_by(Payment.instalment)).all()
        assert [(p.instalment, p.paid_on.year) for p in rows] == [(1, 2026), (2, 2027), (3, 2028)]


def test_an_instalment_year_follows_the_event_and_a_single_payment_has_none():
    event = {"date": "2026-08-01"}
    assert [apps.instalment_year(event, n, 3) for n in (1, 2, 3)] == [2026, 2027, 2028]
    assert apps.instalment_year(event, 1, 1) is None


def test_an_organisation_on_the_blacklist_is_not_paid(database, people):
    case_id = saved(database, people["a1"], talent_case())
    app_id = in_review(database, people, case_id, "t1", measure="xm-2023/m20-talent")
    approve(database, people["rev"], app_id, "800000")
    with UnitOfWork(database) as uow:
        apps.import_blacklist(uow, [{"credit_code": FACTS["credit_code"], "name": "甲"}], "信用中国 2026-11")
    assert call(database, people["fin"], apps.credit_check, app_id, key())["passed"] is False
    with pytest.raises(apps.ApplicationError, match="失信名单"):
        call(database, people["fin"], apps.pay, get_calculator(), app_id, "SJ-1", key())
    assert count(database, Payment) == 0


def test_the_instalment_plan_adds_up_to_the_cent():
    m = get_calculator().rules.measures["xm-2023/m20-talent"]
    plan = apps.instalment_plan(m, Decimal("100000.01"))
    assert plan == [Decimal("40000.00"), Decimal("30000.00"), Decimal("30000.01")] and sum(plan) == Decimal(
        "100000.01"
    )
    assert apps.instalment_plan(get_calculator().rules.measures["xm-2023/m1-clinical"], Decimal(5)) == [
        Decimal(5)
    ]


# -- 就高从优不重复 across province and city --------------------------------------------------------


def first_industrialisation() -> dict:
    return {
        "id": "e1",
        "type": "first_industrialisation",
        "date": "2025-06-01",
        "product_id": "p1",
        "cumulative_sales": "2000000",
        "has_production_licence": True,
    }


@pytest.mark.parametrize(
    ("province_paid", "city_allowed"),
    [(None, "10000000"), ("6000000", "4000000"), ("10000000", "0"), ("12000000", "0")],
)
def test_the_city_pays_only_the_difference_to_what_the_province_paid_for_the_same_achievement(
    database, people, province_paid, city_allowed
):
    """xm-2023 其他/p3 就高从优不重复: a class-1 drug's first industrialisation brings 10,000,000元 from
    Xiamen (xm-2023/m2-drug); what the province paid for it (fj-2023-7/m9-industrialisation) is netted."""
    if province_paid:
        prior(
            database,
            people,
            province_paid,
            date="2025-08-01",
            product="p1",
            measure="fj-2023-7/m9-industrialisation",
            level="province",
            event={"type": "first_industrialisation", "date": "2025-06-01", "product_id": "p1"},
        )
    case_id = saved(database, people["a1"], case_with(first_industrialisation()))
    app_id = in_review(database, people, case_id, "e1", measure="xm-2023/m2-drug")
    with UnitOfWork(database) as uow:
        v = apps.check(uow, people["rev"], get_calculator(), app_id, TODAY)
    assert v.allowed == Decimal(city_allowed), v
    if Decimal(city_allowed) > 0:
        with pytest.raises(apps.ApplicationError):
            approve(database, people["rev"], app_id, str(Decimal(city_allowed) + Decimal("0.01")))
        assert approve(database, people["rev"], app_id, city_allowed)["status"] == "approved"
    else:
        with pytest.raises(apps.ApplicationError, match="超出台账测算"):
            approve(database, people["rev"], app_id, "0.01")


def test_an_item_on_public_notice_is_paid_only_after_the_objection_period(database, people):
    case_id = saved(database, people["a1"], talent_case())
    app_id = in_review(database, people, case_id, "t1", measure="xm-2023/m20-talent")
    approve(database, people["rev"], app_id, "800000")
    # 5 working days from Friday 2026-11-27: 11-30 .. 12-04
    got = call(database, people["rev"], apps.publish, app_id, key(), today=dt.date(2026, 11, 27))
    assert got == {
        "application_id": app_id,
        "status": "public_notice",
        "until": "2026-12-04",
        "replayed": False,
    }
    fin = people["fin"]
    call(database, fin, apps.credit_check, app_id, key())
    with pytest.raises(apps.ApplicationError, match="公示期至 2026-12-04 结束"):
        pay_on(database, fin, app_id, "SJ-1", dt.date(2026, 12, 4))
    got = pay_on(database, fin, app_id, "SJ-1", dt.date(2026, 12, 7))
    assert got["instalment"] == 1 and got["amount"] == "320000"


def test_lists_per_role_the_reviewers_worklist_oldest_first_and_only_its_departments(database, people):
    case_id = saved(database, people["a1"], case_with(phase3("e1", "p1"), phase3("e2", "p2")))
    first = in_review(database, people, case_id, "e1")
    second = in_review(database, people, case_id, "e2")
    with UnitOfWork(database) as uow:
        assert [a.id for a in apps.worklist(uow, people["rev"])] == [first, second]
        assert apps.worklist(uow, people["prov"]) == []  # 省科技厅 is not responsible for xm-2023 （一）
        assert {a.id for a in apps.mine(uow, people["a1"])} == {first, second}
        assert apps.mine(uow, people["b1"]) == []
        with pytest.raises(apps.ApplicationForbidden):
            apps.worklist(uow, people["a1"])
    approve(database, people["rev"], first, "1000000")
    with UnitOfWork(database) as uow:
        assert [a.id for a in apps.payment_queue(uow, people["fin"])] == [first]
        assert [a.id for a in apps.worklist(uow, people["rev"])] == [second]
