"""目标进度 and 年度评估 pages: the twins of /api/v1/targets and /api/v1/evaluation.

- GET  /targets          each target with its trajectory (ECharts: baseline → actuals → projection → target)
- POST /targets          enter an actual value (form), then the dashboard
- GET  /evaluation       the yearly evaluation, printable (?year=)
- GET  /evaluation.xlsx  the same as a workbook
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from biopolicy.services import evaluation as ev
from biopolicy.services import targets as tg
from biopolicy.services.organisations import OrganisationError
from biopolicy.web.errors import error_body, error_response
from biopolicy.web.pages.render import render
from biopolicy.web.routes.targets import Year, default_year, guarded
from biopolicy.web.session import form_fields, uow_for

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _chart(view: tg.TargetView) -> dict:
    return {
        "unit": view.unit or "",
        "target": {"year": view.year, "value": view.value},
        "points": [p.model_dump() for p in view.points],
    }


@router.get("/targets", response_class=HTMLResponse)
def targets_page(request: Request) -> Response:
    with uow_for(request) as uow:
        board = guarded(request, lambda: tg.dashboard(uow, request.state.principal))
    if isinstance(board, Response):
        return board
    charts = {t.id: _chart(t) for t in board.targets if t.value is not None}
    return render(request, "targets.html", title="目标进度", board=board, charts=charts,
                  this_year=dt.date.today().year)  # fmt: skip


@router.post("/targets", response_class=HTMLResponse)
async def add_actual_page(request: Request) -> Response:
    form = await form_fields(request)
    data = {k: form.get(k, "") for k in ("target", "year", "value", "source")}
    with uow_for(request) as uow:
        view = guarded(request, lambda: tg.add_actual(uow, request.state.principal, data, dt.date.today()))
    if isinstance(view, Response):
        return view
    return RedirectResponse("/targets", status_code=303)


@router.post("/targets/import", response_class=HTMLResponse)
async def import_page(request: Request) -> Response:
    """A CSV or XLSX of actual values (目标、年份、实际值、来源), one a line; the report by line."""
    form = await request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        return error_response(request, 422, error_body("file：请选择要导入的 CSV 或 XLSX 文件"))
    content = await upload.read()
    all_or_nothing = form.get("all_or_nothing") in ("1", "on")
    try:
        with uow_for(request) as uow:
            report = guarded(
                request,
                lambda: tg.import_actuals(uow, request.state.principal, Path(upload.filename), dt.date.today(),
                                          content=content, all_or_nothing=all_or_nothing),
            )  # fmt: skip
    except OrganisationError as exc:
        return error_response(request, 422, error_body(str(exc)))
    if isinstance(report, Response):
        return report
    with uow_for(request) as uow:
        board = tg.dashboard(uow, request.state.principal)
    charts = {t.id: _chart(t) for t in board.targets if t.value is not None}
    return render(request, "targets.html", title="目标进度", board=board, charts=charts,
                  this_year=dt.date.today().year, report=report)  # fmt: skip


@router.get("/evaluation", response_class=HTMLResponse)
def evaluation_page(request: Request, year: Year = None) -> Response:
    with uow_for(request) as uow:
        e = guarded(
            request, lambda: ev.evaluate(uow, request.state.principal, default_year(year), dt.date.today())
        )
    if isinstance(e, Response):
        return e
    return render(request, "evaluation.html", title=f"{e.year} 年度评估", e=e)


@router.get("/evaluation.xlsx")
def evaluation_xlsx(request: Request, year: Year = None) -> Response:
    with uow_for(request) as uow:
        e = guarded(
            request, lambda: ev.evaluate(uow, request.state.principal, default_year(year), dt.date.today())
        )
    if isinstance(e, Response):
        return e
    name = f"evaluation-{e.year}.xlsx"
    return Response(
        ev.to_xlsx(e), media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
