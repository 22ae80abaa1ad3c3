"""Notifications and subscriptions as JSON: the twins of /notifications and /subscriptions
(services/notifications.py, services/subscriptions.py). Everyone logged in has their own; another
person's notification or subscription answers 404, bad input 422 naming the field (nothing
written). The changes are idempotent by nature, so they need no idempotency key: marking read twice
changes nothing, subscribing again returns the existing subscription, removing one twice answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from biopolicy.services import notifications as notes
from biopolicy.services import subscriptions as subs
from biopolicy.web.deps import CalculatorDep
from biopolicy.web.errors import ErrorBody, guard
from biopolicy.web.session import uow_for

router = APIRouter(tags=["通知与订阅"])
T = TypeVar("T")

_AUTH = {
    401: {"model": ErrorBody, "description": "未登录或会话已过期：请先登录"},
    403: {"model": ErrorBody, "description": "缺少 X-CSRF-Token，未做任何更改"},
}
_ONE = _AUTH | {404: {"model": ErrorBody, "description": "没有这条通知或订阅（或不是您的）"}}
_BAD = _AUTH | {422: {"model": ErrorBody, "description": "输入有误（逐项说明字段），未写入"}}
ItemId = Annotated[int, Path(ge=1, description="编号")]


REFUSALS = (
    ((notes.NotificationNotFound, subs.SubscriptionNotFound), 404),
    ((notes.NotificationError, subs.SubscriptionError), 422),
)


def guarded(request: Request, call: Callable[[], T]) -> T | Response:
    """Run a service call; its refusals as the app answers them (a page or JSON)."""
    return guard(request, call, REFUSALS)


class Marked(BaseModel):
    marked: int = Field(description="本次标为已读的条数")


class NewSubscription(BaseModel):
    kind: str = Field(
        description="document（政策文件）、measure（措施）或 achievement（成果）", max_length=20
    )
    target: str = Field(description="文件编号、措施编号或成果类型", max_length=200)


@router.get("/notifications", summary="我的通知：未读在前，新的在前", responses=_AUTH | {422: _BAD[422]})
def my_notifications(
    request: Request,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = notes.PAGE,
) -> notes.NotificationPage:
    with uow_for(request) as uow:
        return guarded(request, lambda: notes.mine(uow, request.state.principal, offset, limit))


@router.post("/notifications/read-all", summary="全部标为已读", responses=_AUTH)
def read_all(request: Request) -> Marked:
    with uow_for(request) as uow:
        return Marked(marked=notes.mark_all_read(uow, request.state.principal))


@router.post("/notifications/{notification_id}/read", summary="标为已读", responses=_ONE)
def read_one(request: Request, notification_id: ItemId) -> notes.NotificationView:
    with uow_for(request) as uow:
        return guarded(request, lambda: notes.mark_read(uow, request.state.principal, notification_id))


@router.get("/subscriptions", summary="我的订阅", responses=_AUTH)
def my_subscriptions(request: Request, calculator: CalculatorDep) -> list[subs.SubscriptionView]:
    with uow_for(request) as uow:
        return subs.mine(uow, request.state.principal, calculator)


@router.post("/subscriptions", summary="订阅政策文件、措施或成果（已订阅的返回原订阅）", responses=_BAD)
def subscribe(request: Request, calculator: CalculatorDep, body: NewSubscription) -> subs.SubscriptionView:
    with uow_for(request) as uow:
        return guarded(
            request, lambda: subs.subscribe(uow, request.state.principal, calculator, body.kind, body.target)
        )


@router.delete("/subscriptions/{subscription_id}", status_code=204, summary="取消订阅", responses=_ONE)
def unsubscribe(request: Request, subscription_id: ItemId) -> Response:
    with uow_for(request) as uow:
        got = guarded(request, lambda: subs.unsubscribe(uow, request.state.principal, subscription_id))
    return got if isinstance(got, Response) else Response(status_code=204)
