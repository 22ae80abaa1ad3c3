"""我的通知 and 我的订阅: the twins of /api/v1/notifications and /api/v1/subscriptions.

- GET  /notifications                   mine, unread first, each with a link to what it is about
- POST /notifications/{id}/read         mark read; with ``go=1`` then open what it is about
- POST /notifications/read-all          mark all read
- GET  /subscriptions                   what I follow; add an achievement, remove any
- POST /subscriptions                   follow (kind, target) → back to ``next``
- POST /subscriptions/{id}/delete       stop following → back to ``next``

The 订阅 buttons on the document and measure pages post here (``subscribe_button`` in
templates/_subscribe.html); ``subscription_of`` tells those pages whether the user already follows.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from biopolicy.services import notifications as notes
from biopolicy.services import subscriptions as subs
from biopolicy.services.database import unit_of_work
from biopolicy.web.deps import CalculatorDep
from biopolicy.web.pages.accounts import safe_next
from biopolicy.web.pages.render import render
from biopolicy.web.routes.notifications import guarded
from biopolicy.web.session import client_ip, database_url_of, form_fields, uow_for

router = APIRouter()


def _reader(request: Request):  # noqa: ANN202 - a read-only UnitOfWork: never waits for a writer
    return unit_of_work("anonymous", client_ip(request), database_url_of(request), read_only=True)


def subscription_of(request: Request, kind: str, target: str) -> int | None:
    """The logged-in user's subscription to this (its id), if any; None for anonymous visitors."""
    principal = getattr(request.state, "principal", None)
    if principal is None:
        return None
    with _reader(request) as uow:
        return subs.find(uow, principal, kind, target)


def unread_count(request: Request) -> int:
    """For the account nav: how many of the user's notifications are unread (0 when logged out)."""
    principal = getattr(request.state, "principal", None)
    if principal is None:
        return 0
    cached = getattr(request.state, "unread", None)
    if cached is None:
        with _reader(request) as uow:
            cached = notes.unread_count(uow, principal.user_id)
        request.state.unread = cached
    return cached


@router.get("/notifications", response_class=HTMLResponse)
def notifications_page(request: Request, offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    with _reader(request) as uow:
        page = notes.mine(uow, request.state.principal, offset)
    request.state.unread = page.unread
    return render(
        request,
        "notifications.html",
        title="我的通知",
        page=page,
        next_offset=offset + notes.PAGE if offset + notes.PAGE < page.total else None,
    )


@router.post("/notifications/read-all")
def read_all(request: Request) -> Response:
    with uow_for(request) as uow:
        notes.mark_all_read(uow, request.state.principal)
    return RedirectResponse("/notifications", status_code=303)


@router.post("/notifications/{notification_id}/read")
async def read_one(request: Request, notification_id: int) -> Response:
    form = await form_fields(request)
    with uow_for(request) as uow:
        got = guarded(request, lambda: notes.mark_read(uow, request.state.principal, notification_id))
    if isinstance(got, Response):
        return got
    target = safe_next(got.link, "/notifications") if form.get("go") else "/notifications"
    return RedirectResponse(target, status_code=303)


@router.get("/subscriptions", response_class=HTMLResponse)
def subscriptions_page(request: Request, calculator: CalculatorDep) -> Response:
    with _reader(request) as uow:
        items = subs.mine(uow, request.state.principal, calculator)
    events = sorted(((name, e.label) for name, e in calculator.catalogue.events.items()), key=lambda x: x[1])
    return render(
        request,
        "subscriptions.html",
        title="我的订阅",
        items=items,
        events=events,
        followed={(s.kind, s.target) for s in items},
        done=request.query_params.get("done"),
    )


@router.post("/subscriptions")
async def subscribe(request: Request, calculator: CalculatorDep) -> Response:
    form = await form_fields(request)
    back = safe_next(str(form.get("next") or ""), "/subscriptions")
    with uow_for(request) as uow:
        got = guarded(
            request,
            lambda: subs.subscribe(
                uow,
                request.state.principal,
                calculator,
                str(form.get("kind") or ""),
                str(form.get("target") or ""),
            ),
        )
    if isinstance(got, Response):
        return got
    return RedirectResponse(back + ("&" if "?" in back else "?") + "done=subscribed", status_code=303)


@router.post("/subscriptions/{subscription_id}/delete")
async def unsubscribe(request: Request, subscription_id: int) -> Response:
    form = await form_fields(request)
    back = safe_next(str(form.get("next") or ""), "/subscriptions")
    with uow_for(request) as uow:
        got = guarded(request, lambda: subs.unsubscribe(uow, request.state.principal, subscription_id))
    if isinstance(got, Response):
        return got
    return RedirectResponse(back + ("&" if "?" in back else "?") + "done=removed", status_code=303)
