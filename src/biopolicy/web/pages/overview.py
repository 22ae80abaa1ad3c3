"""What is in force on a day, with a timeline of the in-force windows. Twin: GET /api/v1/overview."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from biopolicy.domain.dates import parse_iso_date
from biopolicy.services.overview import Overview, get_overview
from biopolicy.web.deps import CalculatorDep, LibraryDep
from biopolicy.web.pages.render import render

router = APIRouter()


@router.get("/overview", response_class=HTMLResponse)
def overview_page(request: Request, library: LibraryDep, calculator: CalculatorDep) -> HTMLResponse:
    raw = request.query_params.get("as_of", "").strip()
    error = None
    as_of = dt.date.today()
    if raw:
        try:
            as_of = parse_iso_date(raw)
        except ValueError:
            error = f"查询日须为日期，格式 YYYY-MM-DD（如 2025-06-30），收到 {raw[:20]}；下面按今天显示"
    overview = get_overview(library, calculator, as_of)
    return render(
        request,
        "overview.html",
        status_code=422 if error else 200,
        title="总览",
        overview=overview,
        timeline=timeline(overview),
        raw_as_of=raw if error else as_of.isoformat(),
        error=error,
    )


def timeline(overview: Overview) -> dict:
    """The chart's data: one row per document or measure with a window; open ends stay open."""
    rows = []
    for kind, items in (("文件", overview.documents), ("措施", overview.measures)):
        for item in items:
            if item.start is None and item.end is None:
                continue
            rows.append(
                {
                    "id": item.id,
                    "title": item.title,
                    "kind": kind,
                    "start": item.start.isoformat() if item.start else None,
                    "end": item.end.isoformat() if item.end else None,
                    "window": item.window,
                    "status": item.status.value,
                    "status_label": item.status_label,
                }
            )
    return {"as_of": overview.as_of.isoformat(), "rows": rows}
