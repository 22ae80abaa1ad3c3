"""企业诉求 pages: the twins of /api/v1/requests (services/requests.py).

- GET  /requests                 the requests one may see, the statistics per department; an
                                 enterprise's staff also get the form to file one (with attachments)
- POST /requests                 file a request (multipart form), then its page
- GET  /requests/<id>            one request: status, deadline, answers, attachments; the forms to
                                 answer / close (the department) or rate (the enterprise)
- POST /requests/<id>/answer     the department answers (``close`` ticked: and closes)
- POST /requests/<id>/rating     the enterprise rates a closed request

Each form carries an idempotency key made when the page was drawn: sending it twice writes once.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from biopolicy.services import requests as rq
from biopolicy.web.pages.render import render
from biopolicy.web.routes.requests import guarded
from biopolicy.web.session import form_fields, settings_of, uow_for

router = APIRouter()
OnDay = Annotated[dt.date | None, Query()]


@router.get("/requests", response_class=HTMLResponse)
def requests_page(request: Request, on: OnDay = None) -> Response:
    day = on or dt.date.today()
    with uow_for(request) as uow:
        listing = guarded(request, lambda: rq.list_requests(uow, request.state.principal, day))
    if isinstance(listing, Response):
        return listing
    p = request.state.principal
    can_file = p.has("applicant") and p.organisation_id is not None
    return render(request, "requests.html", title="企业诉求", listing=listing, on=day, can_file=can_file,
                  key=secrets.token_urlsafe(16), limit=_upload_limit(request))  # fmt: skip


def _upload_limit(request: Request) -> str:
    """What one may attach, as the form says it: the per-file limit, and the request's at the door."""
    door = settings_of(request).max_body_bytes
    each = rq.MAX_ATTACHMENT_BYTES // 1048576
    if door >= rq.MAX_ATTACHMENT_BYTES:
        return f"单个不超过 {each} MB"
    return f"一次提交的附件合计不超过 {door // 1000} KB"


@router.post("/requests", response_class=HTMLResponse)
async def file_page(request: Request) -> Response:
    form = await request.form()
    uploads = []
    for item in form.getlist("attachments"):
        if hasattr(item, "read") and getattr(item, "filename", ""):
            uploads.append(rq.Upload(item.filename, await item.read(), item.content_type or ""))
    data = {k: form.get(k) for k in ("category", "title", "text", "department")}
    key = str(form.get("idempotency_key") or "")
    with uow_for(request) as uow:
        view = guarded(
            request,
            lambda: rq.file_request(uow, request.state.principal, data, dt.date.today(), key, uploads),
        )
    if isinstance(view, Response):
        return view
    return RedirectResponse(f"/requests/{view.id}", status_code=303)


@router.get("/requests/{request_id}", response_class=HTMLResponse)
def request_page(request: Request, request_id: int, on: OnDay = None) -> Response:
    day = on or dt.date.today()
    with uow_for(request) as uow:
        view = guarded(request, lambda: rq.request_detail(uow, request.state.principal, request_id, day))
    if isinstance(view, Response):
        return view
    return render(request, "request.html", title=view.title, r=view, on=day, key=secrets.token_urlsafe(16))


@router.post("/requests/{request_id}/answer", response_class=HTMLResponse)
async def answer_page(request: Request, request_id: int) -> Response:
    form = await form_fields(request)
    close = form.get("close") in ("1", "on", "true")
    with uow_for(request) as uow:
        view = guarded(
            request,
            lambda: rq.answer(uow, request.state.principal, request_id, form.get("text", ""), dt.date.today(),
                              form.get("idempotency_key", ""), close=close),
        )  # fmt: skip
    if isinstance(view, Response):
        return view
    return RedirectResponse(f"/requests/{request_id}", status_code=303)


@router.post("/requests/{request_id}/rating", response_class=HTMLResponse)
async def rating_page(request: Request, request_id: int) -> Response:
    form = await form_fields(request)
    with uow_for(request) as uow:
        view = guarded(
            request,
            lambda: rq.rate(uow, request.state.principal, request_id, form.get("rating", ""), form.get("note", ""),
                            dt.date.today(), form.get("idempotency_key", "")),
        )  # fmt: skip
    if isinstance(view, Response):
        return view
    return RedirectResponse(f"/requests/{request_id}", status_code=303)
