"""Law beside logic: the encoded measures as pages. Twins: GET /api/v1/explanations and
GET /api/v1/explanations/{measure_id} (the same functions, the same models)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from biopolicy.services.finding import filter_measures
from biopolicy.services.library import NotFound
from biopolicy.web.deps import CalculatorDep, LibraryDep
from biopolicy.web.pages.finding import choices, read_filters
from biopolicy.web.pages.notifications import subscription_of
from biopolicy.web.pages.render import not_found_page, render
from biopolicy.web.routes import explanations

router = APIRouter()


@router.get("/measures", response_class=HTMLResponse)
def measures_page(request: Request, library: LibraryDep, calculator: CalculatorDep) -> HTMLResponse:
    doc = request.query_params.get("doc") or None
    filters, errors = read_filters(request.query_params, calculator)
    try:
        listing = explanations.list_explanations(library, calculator, doc=doc, as_of=filters.as_of)
    except NotFound:
        return not_found_page(request, f"未找到文件：{doc}", back=("/measures", "查看全部措施"))
    total = len(listing.measures)
    if filters.any and not errors:
        kept = {m.id for m in filter_measures(calculator, filters)}
        listing.measures = [e for e in listing.measures if e.description.id in kept]
    by_doc = {d.id: d for d in library.documents()}
    groups = []
    for doc_id in dict.fromkeys(e.description.doc_id for e in listing.measures):
        items = [e for e in listing.measures if e.description.doc_id == doc_id]
        groups.append((by_doc.get(doc_id), doc_id, items))
    return render(
        request,
        "measures.html",
        title="措施",
        listing=listing,
        groups=groups,
        doc=doc,
        filters=filters,
        errors=errors,
        choices=choices(calculator, filters.kind),
        total=total,
        status_code=422 if errors else 200,
    )


@router.get("/measures/{measure_id:path}", response_class=HTMLResponse)
def measure_page(
    request: Request, library: LibraryDep, calculator: CalculatorDep, measure_id: str
) -> HTMLResponse:
    try:
        item = explanations.get_explanation(library, calculator, measure_id=measure_id)
    except NotFound:
        return not_found_page(request, f"未找到措施：{measure_id}", back=("/measures", "查看全部措施"))
    doc = library.document(item.description.doc_id)
    event = calculator.measure(measure_id).event
    return render(
        request,
        "measure.html",
        title=item.description.title,
        item=item,
        doc=doc,
        sub=subscription_of(request, "measure", measure_id),
        sub_event=(event, subscription_of(request, "achievement", event)),
    )
