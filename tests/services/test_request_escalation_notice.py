# ruff: noqa: F811 - the world fixture is imported and used as an argument
"""An escalated request is told to the coordinating department's reviewers, once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from tests.services.test_requests import DUE, file, world  # noqa: F401 - the fixture

from biopolicy.services import requests as rq
from biopolicy.storage.notification_models import Notification
from biopolicy.storage.uow import UnitOfWork


def kinds(database, who) -> list[str]:
    with UnitOfWork(database) as uow:
        return list(uow.session.scalars(select(Notification.kind).where(Notification.user_id == who.user_id)))


def test_the_coordinator_hears_of_an_escalation_once_and_not_before_it(world):
    database, _, who = world
    view = file(database, who["applicant-a"])
    with UnitOfWork(database, actor="cli:test") as uow:
        rq.escalate_due(uow, DUE)
        uow.commit()
    assert "request_escalated" not in kinds(database, who["coordinator"])  # due day: still on time
    with UnitOfWork(database, actor="cli:test") as uow:
        rq.escalate_due(uow, date(2025, 10, 15))
        uow.commit()
    with UnitOfWork(database, actor="cli:test") as uow:
        rq.escalate_due(uow, date(2025, 10, 16))
        uow.commit()
    assert kinds(database, who["coordinator"]).count("request_escalated") == 1
    assert "request_escalated" not in kinds(database, who["health"])  # the department that was late
    with UnitOfWork(database) as uow:
        link = uow.session.scalar(select(Notification.link).where(Notification.kind == "request_escalated"))
    assert link == f"/requests/{view.id}"
