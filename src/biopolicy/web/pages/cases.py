"""我的测算: saved calculator cases (services/cases.py), the twins of /api/v1/cases.

- GET  /cases                  the organisation's cases (auditors and administrators: all, ``?org=``)
- POST /cases                  save the case of a calculator result (the 保存测算 button) → /cases/<id>
- GET  /cases/new              a new case from the organisation's profile, opened in the calculator
- GET  /cases/<id>             the newest version, the history, what changed (``?before=&after=``)
- POST /cases/<id>/reassess    a new version: the newest case under today's rules
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from biopolicy.domain.case import CaseError
from biopolicy.services import cases
from biopolicy.services.cases import KIND_WORDS, STATUS_WORDS
from biopolicy.services.fulfilment import entitlements_to_apply
from biopolicy.web.deps import CalculatorDep
from biopolicy.web.pages.applications import new_key
from biopolicy.web.pages.calculator import ShareLinkError, decode_case, encode_case, money_text
from biopolicy.web.pages.render import render
from biopolicy.web.session import form_fields, uow_for

router = APIRouter()


def amount_words(amount: str | None) -> str:
    if amount is None:
        return "—"
    return money_text(amount) or "—"


def _words() -> dict:
    return {"kind_words": KIND_WORDS, "status_words": STATUS_WORDS, "amount": amount_words}


@router.get("/cases", response_class=HTMLResponse)
def cases_page(
    request: Request,
    org: Annotated[int | None, Query(description="机构编号（审计人员、管理员）")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    principal = request.state.principal
    with uow_for(request) as uow:
        page = cases.list_cases(uow, principal, organisation_id=org, offset=offset, limit=50)
    return render(
        request,
        "cases.html",
        title="我的测算",
        page=page,
        can_create=cases.can_write(principal, principal.organisation_id),
        principal=principal,
        next_offset=offset + 50 if offset + 50 < page.total else None,
        **_words(),
    )


@router.post("/cases")
async def save_from_calculator(request: Request, calculator: CalculatorDep) -> Response:
    form = await form_fields(request)
    token = str(form.get("c") or "")
    title = str(form.get("title") or "")
    try:
        case = decode_case(token)
    except ShareLinkError as exc:
        return render(
            request, "error.html", status_code=400, title="无法保存", message=str(exc),
            back=("/calculator", "返回政策计算器"),
        )  # fmt: skip
    try:
        with uow_for(request) as uow:
            saved = cases.save_case(uow, request.state.principal, calculator, case, title)
    except CaseError as exc:
        return render(
            request, "error.html", status_code=422, title="无法保存", message=str(exc),
            back=(f"/calculator?{urlencode({'c': token})}", "返回修改条件"),
        )  # fmt: skip
    return RedirectResponse(f"/cases/{saved.id}?saved=1", status_code=303)


@router.get("/cases/new")
def new_case(request: Request) -> Response:
    with uow_for(request) as uow:
        case = cases.case_for_new(uow, request.state.principal, date.today().isoformat())
    # the calculator form carries a product on an achievement row: one row per product, to fill in
    case["events"] = [{"id": f"e{k + 1}", "product_id": p["id"]} for k, p in enumerate(case["products"])]
    return RedirectResponse(f"/calculator?{urlencode({'c': encode_case(case)})}", status_code=303)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request,
    case_id: str,
    calculator: CalculatorDep,
    before: Annotated[int | None, Query(ge=1)] = None,
    after: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    principal = request.state.principal
    with uow_for(request) as uow:
        view = cases.get_case(uow, principal, case_id, calculator.rules.version)
        comparison = None
        if view.latest > 1 or before or after:
            comparison = cases.compare(uow, principal, case_id, before, after)
        apply_options = entitlements_to_apply(uow, principal, calculator, view.id) if view.can_write else []
    return render(
        request,
        "case.html",
        title=view.title,
        view=view,
        comparison=comparison,
        saved=request.query_params.get("saved"),
        edit_path=f"/calculator?{urlencode({'c': encode_case(view.case)})}",
        apply_options=apply_options,
        new_key=new_key,
        **_words(),
    )


@router.post("/cases/{case_id}/reassess")
async def reassess(request: Request, case_id: str, calculator: CalculatorDep) -> Response:
    form = await form_fields(request)
    base = str(form.get("base") or "")
    if not base.isdigit():
        return render(
            request, "error.html", status_code=422, title="无法重新测算",
            message=f"base：应为所依据的版本号（正整数），收到“{base[:20]}”", back=(f"/cases/{case_id}", "返回"),
        )  # fmt: skip
    with uow_for(request) as uow:
        view = cases.add_version(uow, request.state.principal, calculator, case_id, int(base))
    return RedirectResponse(f"/cases/{view.id}?saved={view.latest}", status_code=303)
