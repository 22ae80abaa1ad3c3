# ruff: noqa: F811 - the fixtures are imported and used as arguments
"""The applicant organisation hears when its approval queues for budget and when the budget is found;
the applicant and the responsible department hear when an objection is filed and when it is resolved."""

from __future__ import annotations

from sqlalchemy import select
from tests.services.test_applications import approve, people  # noqa: F401 - the fixture
from tests.services.test_budgets import AWARD, set_budget, three_in_review
from tests.services.test_notices import END, object_to, published, resolve  # noqa: F401 - the fixture

from biopolicy.storage.fulfilment_models import Objection
from biopolicy.storage.notification_models import Notification
from biopolicy.storage.uow import UnitOfWork


def told(database, who) -> list[tuple[str, str, str]]:
    with UnitOfWork(database) as uow:
        rows = uow.session.scalars(
            select(Notification).where(Notification.user_id == who.user_id).order_by(Notification.id)
        ).all()
        return [(n.kind, n.body, n.link) for n in rows]


def kinds(database, who) -> list[str]:
    return [k for k, _, _ in told(database, who)]


def test_a_queued_approval_and_its_release_are_told_to_the_applicant(database, people):
    set_budget(database, people, "30000000")
    a, b, _ = three_in_review(database, people)
    approve(database, people["rev"], a, AWARD)  # fits: no queue message
    assert "application_budget_queued" not in kinds(database, people["a1"])
    assert approve(database, people["rev"], b, AWARD)["status"] == "queued"
    queued = [t for t in told(database, people["a1"]) if t[0] == "application_budget_queued"]
    assert len(queued) == 1 and "排队时位列第 1 位" in queued[0][1] and queued[0][2] == f"/applications/{b}"
    assert "application_budget_queued" not in kinds(database, people["b1"])  # another organisation
    assert set_budget(database, people, "59999999.99")["released"] == []  # one cent short: no message
    assert "application_budget_released" not in kinds(database, people["a1"])
    set_budget(database, people, "60000000")
    released = [t for t in told(database, people["a1"]) if t[0] == "application_budget_released"]
    assert len(released) == 1 and released[0][2] == f"/applications/{b}"
    assert "application_budget_released" not in kinds(database, people["fin"])  # who acted


def test_an_objection_is_told_to_the_applicant_and_the_department_and_so_is_its_resolution(
    database, people, published
):
    a, _ = published["ids"]
    object_to(database, people["b1"], a, END)
    assert "application_objection" in kinds(database, people["a1"])
    assert "objection_to_resolve" in kinds(
        database, people["rev"]
    )  # 市科技局 and 市财政局 handle xm-2023 （一）
    assert "objection_to_resolve" not in kinds(database, people["prov"])  # not responsible for it
    assert kinds(database, people["b1"]) == []  # who objected is not told of their own objection
    body = next(b for k, b, _ in told(database, people["a1"]) if k == "application_objection")
    assert "申报数据与公开信息不符" not in body  # the objection's wording stays on the page
    with UnitOfWork(database) as uow:
        objection_id = uow.session.scalar(select(Objection.id))
    resolve(database, people["rev"], objection_id, "dismissed")
    dismissed = [b for k, b, _ in told(database, people["a1"]) if k == "application_objection_dismissed"]
    assert len(dismissed) == 1 and "经核查处理" in dismissed[0]
