"""Notifications: every status change of an application tells its people, in the same transaction
(a refused step writes neither a notification nor an outbox row); the outbox and its sender; reading
and marking read. Both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from tests.services.test_applications import (
    PASSWORD,
    approve,
    call,
    case_with,
    in_review,
    key,
    people,  # noqa: F401 - the fixture
    phase3,
    saved,
    talent_case,
)

from biopolicy.services import accounts
from biopolicy.services import applications as apps
from biopolicy.services import notifications as notes
from biopolicy.services.calculator import get_calculator
from biopolicy.storage.notification_models import Notification, OutboxMessage
from biopolicy.storage.uow import UnitOfWork


@pytest.fixture
def staff(database, people):  # noqa: F811
    """A second member of organisation A's staff: told of what the first one does."""
    with UnitOfWork(database, actor="test") as uow:
        accounts.create_user(
            uow, "u-a2", "A2", password=PASSWORD, organisation=people["org_a"], roles=[("applicant", "")]
        )
        people["a2"] = accounts.authenticate(uow, "u-a2", PASSWORD)
    return people


def told(database, who) -> list[tuple[str, str]]:
    with UnitOfWork(database) as uow:
        rows = uow.session.scalars(
            select(Notification).where(Notification.user_id == who.user_id).order_by(Notification.id)
        )
        return [(n.kind, n.body) for n in rows]


def counts(database) -> tuple[int, int]:
    with UnitOfWork(database) as uow:
        return (
            uow.session.scalar(select(func.count()).select_from(Notification)),
            uow.session.scalar(select(func.count()).select_from(OutboxMessage)),
        )


def test_submitting_tells_the_other_staff_and_the_responsible_departments_reviewers_only(database, staff):
    p = staff
    case_id = saved(database, p["a1"], case_with(phase3("e1", "p1")))
    app_id = call(
        database, p["a1"], apps.start, get_calculator(), case_id, "xm-2023/m1-clinical", "e1", key()
    )["application_id"]
    assert counts(database) == (0, 0)  # a draft tells nobody
    call(database, p["a1"], apps.submit, app_id, True, key())
    assert told(database, p["a1"]) == []  # not told of one's own step
    [(kind, body)] = told(database, p["a2"])
    assert kind == "application_submitted" and "已提交" in body and "xm-2023" not in body
    assert [k for k, _ in told(database, p["rev"])] == ["application_to_review"]
    assert [k for k, _ in told(database, p["rev2"])] == ["application_to_review"]  # both 责任单位
    assert (
        told(database, p["prov"]) == [] and told(database, p["b1"]) == [] and told(database, p["fin"]) == []
    )
    # one outbox row per person and channel; no address known: failed at once, never sent
    with UnitOfWork(database) as uow:
        rows = [
            (r.channel, r.status, r.address, r.last_error) for r in uow.session.scalars(select(OutboxMessage))
        ]
    assert len(rows) == 3 * 2 and {r[0] for r in rows} == {"sms", "email"}
    assert all(st == "failed" and addr is None and "未登记" in err for _, st, addr, err in rows)


def test_every_step_tells_the_applicant_until_the_item_closes(database, staff):
    p = staff
    case_id = saved(database, p["a1"], talent_case())
    app_id = in_review(database, p, case_id, "t1", measure="xm-2023/m20-talent")
    call(
        database, p["rev"], apps.request_more, app_id, "请补充劳动合同", 5, key(), today=dt.date(2026, 11, 27)
    )
    call(database, p["a1"], apps.submit, app_id, True, key())
    call(database, p["rev"], apps.accept, app_id, key())
    approve(database, p["rev"], app_id, "800000")
    call(database, p["rev"], apps.publish, app_id, key(), today=dt.date(2026, 11, 27))
    # xm-2023 （二十）: the instalments fall in 2026, 2027 and 2028
    for n, on in ((1, dt.date(2026, 12, 7)), (2, dt.date(2027, 1, 4)), (3, dt.date(2028, 1, 3))):
        call(database, p["fin"], apps.credit_check, app_id, key())
        call(database, p["fin"], apps.pay, get_calculator(), app_id, f"SJ-{n}", key(), paid_on=on, today=on)
    kinds = [k for k, _ in told(database, p["a2"])]
    assert kinds == [
        "application_submitted",
        "application_accepted",
        "application_more_requested",
        "application_submitted",
        "application_accepted",
        "application_approved",
        "application_public_notice",
        "application_paid",
        "application_paid",
        "application_closed",
    ]
    bodies = dict(zip(kinds, (b for _, b in told(database, p["a2"])), strict=False))
    assert "请补充劳动合同" in bodies["application_more_requested"]
    assert "2026-12-04 前补充材料" in bodies["application_more_requested"]  # 5 working days from Fri 11-27
    assert "核定金额 80万元（800,000元）" in bodies["application_approved"]
    assert "公示期至 2026-12-04" in bodies["application_public_notice"]
    assert "足额拨付" in bodies["application_closed"]
    assert "张三" not in bodies["application_closed"] and "m20" not in bodies["application_closed"]


def test_a_refused_step_writes_neither_notification_nor_outbox_and_a_replay_tells_nobody_again(
    database, staff
):
    p = staff
    case_id = saved(database, p["a1"], case_with(phase3("e1", "p1")))
    app_id = in_review(database, p, case_id, "e1")
    before = counts(database)
    with pytest.raises(apps.ApplicationError, match="超出台账测算"):
        approve(database, p["rev"], app_id, "30000000.01")  # above the engine's figure, no reason
    with pytest.raises(apps.ApplicationError, match="理由"):
        call(database, p["rev"], apps.reject, app_id, "", key())
    assert counts(database) == before
    k = key()
    call(database, p["rev"], apps.reject, app_id, "不符合条件", k)
    after = counts(database)
    assert after[0] == before[0] + 2  # a1 and a2
    assert call(database, p["rev"], apps.reject, app_id, "不符合条件", k)["replayed"] is True
    assert counts(database) == after


def test_an_override_asks_the_other_reviewers_and_its_confirmation_tells_the_applicant(database, staff):
    p = staff
    with UnitOfWork(database, actor="test") as uow:
        accounts.create_user(uow, "u-rev3", "REV3", password=PASSWORD, roles=[("reviewer", "市科技局")])
        p["rev3"] = accounts.authenticate(uow, "u-rev3", PASSWORD)
    case_id = saved(database, p["a1"], case_with(phase3("e1", "p1")))
    app_id = in_review(database, p, case_id, "e1")
    approve(database, p["rev"], app_id, "30000001", override_reason="专家评审认定")
    assert [k for k, _ in told(database, p["rev3"])][-1] == "override_to_confirm"
    assert "override_to_confirm" not in [k for k, _ in told(database, p["rev"])]
    call(database, p["rev3"], apps.confirm_override, get_calculator(), app_id, key())
    assert [k for k, _ in told(database, p["a1"])][-1] == "application_approved"


def test_the_outbox_is_sent_once_and_retried_with_a_limit(database, staff):
    p = staff
    with UnitOfWork(database, actor="test") as uow:
        notes.set_contact(uow, "u-a2", "email", "a2@example.cn")
    with (
        UnitOfWork(database, actor="test") as uow,
        pytest.raises(notes.NotificationError, match="11 位手机号"),
    ):
        notes.set_contact(uow, "u-a2", "sms", "12345")
    with UnitOfWork(database, actor="test") as uow:
        assert notes.notify(uow, users=[p["a2"].user_id], kind="test", title="标题", body="正文") == 1
        uow.commit()
    with UnitOfWork(database) as uow:
        [pending] = notes.outbox(uow)
        assert pending.channel == "email" and pending.address == "a2@example.cn"
        assert [r.channel for r in notes.outbox(uow, "failed")] == ["sms"]
    sender = notes.LoggingSender()
    with UnitOfWork(database) as uow:
        assert notes.deliver(uow, sender).sent == 1
    with UnitOfWork(database) as uow:
        assert notes.deliver(uow, sender).sent == 0  # sent once, never again
        assert notes.outbox(uow) == [] and len(notes.outbox(uow, "sent")) == 1
    assert sender.sent == [("email", "a2@example.cn", {"title": "标题", "body": "正文", "link": ""})]

    class Down:
        def send(self, channel, address, payload):
            raise ConnectionError("邮件服务器无响应")

    with UnitOfWork(database, actor="test") as uow:
        notes.notify(uow, users=[p["a2"].user_id], kind="test", title="再次", body="正文")
        uow.commit()
    now = dt.datetime.now(dt.UTC)
    for attempt in range(1, notes.MAX_ATTEMPTS + 1):
        with UnitOfWork(database) as uow:
            got = notes.deliver(uow, Down(), now=now + dt.timedelta(days=attempt))
        assert got.failed == 1
        with UnitOfWork(database) as uow:
            [row] = [r for r in notes.outbox(uow, None) if r.title == "再次" and r.channel == "email"]
        assert row.attempts == attempt and row.last_error == "邮件服务器无响应"
        assert row.status == ("failed" if attempt == notes.MAX_ATTEMPTS else "pending")
    with UnitOfWork(database) as uow:  # not yet due: a retry waits
        notes.notify(uow, users=[p["a2"].user_id], kind="test", title="三", body="正文")
        uow.commit()
    with UnitOfWork(database) as uow:
        notes.deliver(uow, Down(), now=now + dt.timedelta(days=30))
    with UnitOfWork(database) as uow:
        assert notes.deliver(uow, sender, now=now + dt.timedelta(days=30)).sent == 0
        assert notes.deliver(uow, sender, now=now + dt.timedelta(days=31)).sent == 1


def test_my_notifications_unread_first_and_marked_read_only_by_their_owner(database, staff):
    p = staff
    with UnitOfWork(database, actor="test") as uow:
        for n in range(3):
            notes.notify(
                uow, users=[p["a1"].user_id], kind="test", title=f"第{n}条", body="正文", link="/cases"
            )
        uow.commit()
    with UnitOfWork(database) as uow:
        page = notes.mine(uow, p["a1"])
    assert page.unread == 3 and [i.title for i in page.items] == ["第2条", "第1条", "第0条"]
    oldest = page.items[-1].id
    with UnitOfWork(database) as uow:
        with pytest.raises(notes.NotificationNotFound):
            notes.mark_read(uow, p["a2"], oldest)
        assert notes.mark_read(uow, p["a1"], oldest).read is True
    with UnitOfWork(database) as uow:
        page = notes.mine(uow, p["a1"])
    assert page.unread == 2 and [i.title for i in page.items] == ["第2条", "第1条", "第0条"]
    with UnitOfWork(database) as uow:
        notes.mark_read(uow, p["a1"], page.items[0].id)
    with UnitOfWork(database) as uow:
        assert [i.title for i in notes.mine(uow, p["a1"]).items] == ["第1条", "第2条", "第0条"]
        assert notes.mark_all_read(uow, p["a1"]) == 1
    with UnitOfWork(database) as uow:
        assert notes.unread_count(uow, p["a1"].user_id) == 0
