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
    """The chart's data: one row per document with a window, titled, with the titles of its
    measures; a measure whose own window differs from its document's gets a row of its own under
    it. Open ends stay open. Documents without a window are left out (the table lists them)."""
    measures: dict[str, list] = {}
    for m in overview.measures:
        measures.setdefault(m.doc_id, []).append(m)
    rows = []
    for doc in overview.documents:
        if doc.start is None and doc.end is None:
            continue
        own = measures.get(doc.id, [])
        rows.append(_row(doc, "文件", doc.id, [m.title for m in own]))
        for m in own:
            if (m.start, m.end) != (doc.start, doc.end) and (m.start or m.end):
                rows.append(_row(m, "措施", doc.id, []))
    return {"as_of": overview.as_of.isoformat(), "rows": rows}


def _row(item, kind: str, doc_id: str, measures: list[str]) -> dict:
    return {
        "id": item.id,
        "doc_id": doc_id,
        "title": item.title,
        "kind": kind,
        "start": item.start.isoformat() if item.start else None,
        "end": item.end.isoformat() if item.end else None,
        "window": item.window,
        "status": item.status.value,
        "status_label": item.status_label,
        "measures": measures,
    }
