# ruff: noqa: F811 - the people fixture is imported and used as an argument
"""公示 batches: the objection period in working days, objections pause an item, payment waits for both.

Published on Tuesday 2026-12-01 with the default 5 working days: the period's last day is Tuesday
2026-12-08 (12-05 and 12-06 are a weekend); an objection on 12-08 is heard, one on 12-09 is refused
naming the end date; payment is refused on 12-08 and accepted on 12-09.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from tests.services.test_applications import (
    TODAY,
    approve,
    call,
    key,
    people,  # noqa: F401 - the fixture
    status,
)
from tests.services.test_budgets import AWARD, set_budget, three_in_review

from biopolicy.services import applications as apps
from biopolicy.services import budgets, notices
from biopolicy.services.calculator import get_calculator
from biopolicy.storage.fulfilment_models import NoticeBatch, Objection
from biopolicy.storage.ledger_models import Award
from biopolicy.storage.uow import UnitOfWork

END = dt.date(2026, 12, 8)


def publish(database, people, ids, who="rev", **kw):  # noqa: F811
    return call(database, people[who], notices.create_batch, ids, key(), today=TODAY, **kw)


def object_to(database, who, app_id, on, reason="申报数据与公开信息不符"):
    return call(database, who, notices.object_to, app_id, reason, key(), today=on)


def resolve(database, who, objection_id, outcome, then="review"):
    return call(
        database,
        who,
        notices.resolve,
        get_calculator(),
        objection_id,
        outcome,
        "经核查处理",
        key(),
        then=then,
    )


def pay(database, people, app_id, on):  # noqa: F811
    call(database, people["fin"], apps.credit_check, app_id, key())
    return call(
        database, people["fin"], apps.pay, get_calculator(), app_id, "SJ-1", key(), paid_on=on, today=on
    )


@pytest.fixture
def published(database, people):  # noqa: F811
    a, b, c = three_in_review(database, people)
    for app_id in (a, b):
        approve(database, people["rev"], app_id, AWARD)
    got = publish(database, people, [a, b])
    return {"batch": got["batch_id"], "ids": (a, b), "in_review": c, "ends_on": got["ends_on"]}


def test_a_batch_has_five_working_days_by_default_and_its_items_are_on_notice(database, people, published):  # noqa: F811
    a, b = published["ids"]
    assert published["ends_on"] == END.isoformat()
    assert status(database, a) == status(database, b) == "public_notice"
    with UnitOfWork(database) as uow:
        [view] = notices.batches(uow, people["fin"])
        assert (view.items, view.working_days, view.ends_on, view.open_objections) == (2, 5, END, 0)
        rows = notices.batch_rows(uow, people["adm"], get_calculator(), published["batch"])
    assert [r.application_id for r in rows] == [a, b]
    assert rows[0].amount == AWARD and rows[0].objection == "无" and rows[0].credit_code


def test_only_approved_items_of_ones_own_department_can_be_published_and_nothing_is_written(
    database,
    people,  # noqa: F811
    published,
):
    c = published["in_review"]
    with pytest.raises(apps.ApplicationError, match="只有“已核定”"):
        publish(database, people, [c])
    with pytest.raises(apps.ApplicationError, match="不负责此措施"):
        publish(database, people, [published["ids"][0]], who="prov")
    with pytest.raises(apps.ApplicationError, match="working_days：公示期应为 1–60"):
        publish(database, people, [c], working_days=0)
    with UnitOfWork(database) as uow:
        assert uow.session.scalar(select(func.count()).select_from(NoticeBatch)) == 1
    assert status(database, c) == "in_review"


def test_an_objection_on_the_last_day_is_heard_and_the_day_after_is_refused_naming_the_end(
    database,
    people,  # noqa: F811
    published,
):
    a, b = published["ids"]
    got = object_to(database, people["b1"], a, END)
    assert got["status"] == "open"
    with pytest.raises(apps.ApplicationError, match="公示期已于 2026-12-08 结束"):
        object_to(database, people["b1"], b, END + dt.timedelta(days=1))
    with pytest.raises(apps.ApplicationError, match="reason：须写明理由"):
        object_to(database, people["b1"], b, END, reason=" ")
    with UnitOfWork(database) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Objection)) == 1


def test_payment_waits_for_the_day_after_the_period(database, people, published):  # noqa: F811
    a, _ = published["ids"]
    with pytest.raises(apps.ApplicationError, match="公示期至 2026-12-08 结束，期满后方可支付"):
        pay(database, people, a, END)
    assert pay(database, people, a, END + dt.timedelta(days=1))["instalment"] == 1


def test_an_open_objection_pauses_payment_and_a_dismissed_one_lets_it_resume(database, people, published):  # noqa: F811
    a, _ = published["ids"]
    objection = object_to(database, people["b1"], a, dt.date(2026, 12, 3))["objection_id"]
    with pytest.raises(apps.ApplicationError, match="有未处理的异议"):
        pay(database, people, a, dt.date(2026, 12, 20))
    with pytest.raises(apps.ApplicationForbidden):  # not a responsible department
        resolve(database, people["prov"], objection, "dismissed")
    assert resolve(database, people["rev"], objection, "dismissed")["application_status"] == "public_notice"
    with pytest.raises(apps.ApplicationError, match="已处理"):
        resolve(database, people["rev"], objection, "upheld")
    with UnitOfWork(database) as uow:
        rows = notices.batch_rows(uow, people["adm"], get_calculator(), published["batch"])
        assert rows[0].objection == "异议不成立"
    assert pay(database, people, a, dt.date(2026, 12, 20))["instalment"] == 1


def test_an_upheld_objection_takes_the_item_off_the_ledger_and_the_budget_and_back_to_review(
    database, people
):  # noqa: F811
    set_budget(database, people, "30000000")
    a, b, _ = three_in_review(database, people)
    approve(database, people["rev"], a, AWARD)
    assert approve(database, people["rev"], b, AWARD)["status"] == "queued"
    publish(database, people, [a])
    objection = object_to(database, people["b1"], a, dt.date(2026, 12, 2))["objection_id"]
    got = resolve(database, people["rev"], objection, "upheld")
    assert got["application_status"] == "in_review"
    with UnitOfWork(database) as uow:
        assert uow.session.scalar(select(Award.id).where(Award.application_id == a)) is None
        [view] = budgets.overview(uow, people["fin"], get_calculator())
    # the budget freed by the withdrawn approval goes to the first in the queue
    assert status(database, b) == "approved" and view.committed == AWARD and view.queue == []
    with pytest.raises(apps.ApplicationError, match="当前状态为“审核中”"):
        pay(database, people, a, dt.date(2026, 12, 20))
    # reviewed again: it queues behind nothing, but the budget is full now
    assert approve(database, people["rev"], a, AWARD)["status"] == "queued"


def test_an_upheld_objection_may_reject_the_item(database, people, published):  # noqa: F811
    a, _ = published["ids"]
    objection = object_to(database, people["b1"], a, dt.date(2026, 12, 2))["objection_id"]
    assert (
        resolve(database, people["rev"], objection, "upheld", then="reject")["application_status"]
        == "rejected"
    )
    with UnitOfWork(database) as uow:
        rows = notices.batch_rows(uow, people["adm"], get_calculator(), published["batch"])
        assert rows[0].objection == "异议成立，已撤下"
        assert uow.session.scalar(select(func.sum(Award.amount))) == Decimal(AWARD)  # b's only
