"""Fulfilment pages: the twins of /api/v1/budgets and /api/v1/proposals.

- GET /budgets                       finance (auditors and administrators read): per budget, committed,
                                     paid, remaining and the queue in order
- GET /proposals                     免申即享: the organisation's proposed awards, with 确认 and 更正
- POST /proposals/<id>/confirm       确认 (with the credit commitment): the item enters review
- POST /proposals/<id>/correct       更正: figures (名称=值 per line) and one evidence file, then review

Each form carries its own idempotency key (rendered into the page), so a double-clicked or resent form
writes once.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from biopolicy.domain.money import decimal_str
from biopolicy.services import budgets, proactive
from biopolicy.services import evidence as ev
from biopolicy.services.wording import yuan as money_text
from biopolicy.web.deps import CalculatorDep
from biopolicy.web.pages.render import render
from biopolicy.web.routes.fulfilment import guarded
from biopolicy.web.session import settings_of, uow_for

router = APIRouter()
Id = Annotated[int, Path(ge=1)]


def yuan(value: Decimal | None) -> str:
    return "—" if value is None else money_text(Decimal(decimal_str(value)))


@router.get("/budgets", response_class=HTMLResponse)
def budgets_page(request: Request, calculator: CalculatorDep) -> Response:
    with uow_for(request) as uow:
        rows = guarded(request, lambda: budgets.overview(uow, request.state.principal, calculator))
    if isinstance(rows, Response):
        return rows
    return render(request, "budgets.html", title="预算", rows=rows, yuan=yuan)


@router.get("/proposals", response_class=HTMLResponse)
def proposals_page(request: Request, calculator: CalculatorDep, done: int | None = None) -> Response:
    with uow_for(request) as uow:
        rows = guarded(request, lambda: proactive.proposals(uow, request.state.principal, calculator))
    if isinstance(rows, Response):
        return rows
    principal = request.state.principal
    can_act = principal.has("applicant") and principal.organisation_id is not None
    return render(
        request,
        "proposals.html",
        title="免申即享",
        rows=rows,
        yuan=yuan,
        can_act=can_act,
        done=done,
        new_key=lambda: uuid.uuid4().hex,
        max_mb=settings_of(request).evidence_max_bytes / 1_048_576,
    )


def _back(result: object) -> Response:
    if isinstance(result, Response):
        return result
    return RedirectResponse(f"/proposals?done={result['application_id']}", status_code=303)


@router.post("/proposals/{proposal_id}/confirm")
async def confirm_form(request: Request, proposal_id: Id, calculator: CalculatorDep) -> Response:
    form = await request.form()
    key = str(form.get("idempotency_key") or "")
    credit = form.get("credit_commitment") == "on"
    with uow_for(request) as uow:
        return _back(
            guarded(
                request,
                lambda: proactive.confirm(uow, request.state.principal, calculator, proposal_id, credit, key),
            )
        )


@router.post("/proposals/{proposal_id}/correct")
async def correct_form(request: Request, proposal_id: Id, calculator: CalculatorDep) -> Response:
    form = await request.form()
    key = str(form.get("idempotency_key") or "")
    credit = form.get("credit_commitment") == "on"
    facts = str(form.get("facts") or "")
    upload = form.get("file")
    settings = settings_of(request)
    principal = request.state.principal
    if isinstance(upload, UploadFile) and upload.filename:
        content = await upload.read(settings.evidence_max_bytes + 1)
        with uow_for(request) as uow:
            stored = guarded(
                request,
                lambda: ev.upload(
                    uow,
                    principal,
                    calculator,
                    content,
                    upload.filename,
                    f"{key}-file",
                    proposal_id=proposal_id,
                    settings=settings,
                ),
            )
        if isinstance(stored, Response):
            return stored
    with uow_for(request) as uow:
        return _back(
            guarded(
                request,
                lambda: proactive.correct(uow, principal, calculator, proposal_id, facts, credit, key),
            )
        )
