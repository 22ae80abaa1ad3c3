"""The policy library as pages: documents, one document's clause tree, a clause, search.

Each page calls the route function of its JSON twin (web/routes/documents.py, search.py) and
renders the model it returns; what a page adds (in-force status, the measures implementing a
clause) comes from the same services as /api/v1/overview and /api/v1/explanations.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from biopolicy.services.finding import search_clauses, sorted_documents
from biopolicy.services.library import DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY_LENGTH, NotFound, QueryError
from biopolicy.services.models import SearchResults
from biopolicy.services.status import document_in_force
from biopolicy.web.deps import CalculatorDep, LibraryDep
from biopolicy.web.pages.finding import choices, query_without_page, read_filters
from biopolicy.web.pages.notifications import subscription_of
from biopolicy.web.pages.render import not_found_page, render
from biopolicy.web.routes import documents

router = APIRouter()


@router.get("/documents", response_class=HTMLResponse)
def documents_page(request: Request, library: LibraryDep, calculator: CalculatorDep) -> HTMLResponse:
    listing = documents.list_documents(library, calculator)
    today = date.today()
    order = [d.id for d in sorted_documents(library.documents(), today)]  # in force first
    listing.documents.sort(key=lambda d: order.index(d.id))
    status = {d.id: document_in_force(library.document(d.id), today) for d in listing.documents}
    counts = {d.id: len(calculator.measures(d.id)) for d in listing.documents}
    return render(
        request,
        "documents.html",
        title="政策库",
        listing=listing,
        status=status,
        measure_counts=counts,
        as_of=today,
    )


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document_page(request: Request, library: LibraryDep, doc_id: str) -> HTMLResponse:
    try:
        doc = documents.get_document(library, doc_id)
    except NotFound:
        return not_found_page(request, f"未找到文件：{doc_id}", back=("/documents", "返回政策库"))
    found = library.document(doc_id)
    status = document_in_force(found, date.today())
    sub = subscription_of(request, "document", doc_id)
    short = found.short_name or found.title  # the crumb names the document as readers do, not by its id
    return render(request, "document.html", title=doc.title, doc=doc, status=status, sub=sub, short=short)


@router.get("/clauses/{clause_id:path}", response_class=HTMLResponse)
def clause_page(
    request: Request, library: LibraryDep, calculator: CalculatorDep, clause_id: str
) -> HTMLResponse:
    try:
        clause = documents.get_clause(library, clause_id)
    except NotFound:
        return not_found_page(request, f"未找到条款：{clause_id}", back=("/documents", "返回政策库"))
    doc = library.document(clause.doc_id)
    parent = library.clause(clause.parent_id) if clause.parent_id else None
    children = library.children(clause_id)
    citing = calculator.measures_citing(clause_id)
    return render(
        request,
        "clause.html",
        title=_clause_name(clause.label, clause.title, clause.id),
        clause=clause,
        doc=doc,
        parent=parent,
        children=children,
        measures=citing,
        show_raw=request.query_params.get("raw") == "1",
    )


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, library: LibraryDep, calculator: CalculatorDep) -> HTMLResponse:
    params = request.query_params
    q = params.get("q")
    doc = params.get("doc") or None
    filters, errors = read_filters(params, calculator)
    limit = DEFAULT_LIMIT
    page = 1
    for name, what in (("limit", "每页条数"), ("page", "页码")):
        raw = params.get(name)
        if not raw:
            continue
        top = MAX_LIMIT if name == "limit" else 10_000
        try:
            value = int(raw)
        except ValueError:
            errors[name] = f"{what}须为 1 到 {top} 之间的整数，收到 {raw[:20]}"
            continue
        if not 1 <= value <= top:
            errors[name] = f"{what}须在 1 到 {top} 之间，收到 {value}"
        elif name == "limit":
            limit = value
        else:
            page = value
    results = None
    if q is not None and not errors:
        try:
            found = search_clauses(library, calculator, q, filters, page=page, per_page=limit, doc_id=doc)
            results = SearchResults.of(
                q, doc, limit, found.items, library.clause, page=page, total=found.total
            )
        except NotFound:
            errors["doc"] = f"没有这份文件：{doc}"
        except QueryError as exc:
            errors[getattr(exc, "field", "q")] = str(exc)
    titles = {d.id: d.title for d in library.documents()}
    names = {h.clause_id: hit_name(library, h.clause_id) for h in (results.hits if results else [])}
    return render(
        request,
        "search.html",
        title=f"检索：{q}" if q else "检索",
        q=q or "",
        doc=doc,
        limit=limit,
        results=results,
        errors=errors,
        documents=library.documents(),
        titles=titles,
        names=names,
        filters=filters,
        choices=choices(calculator, filters.kind),
        base=f"/search?{query_without_page(params)}",
        api=f"/api/v1/search?{query_without_page(params)}",
        max_length=MAX_QUERY_LENGTH,
        status_code=422 if errors else 200,
    )


def hit_name(library, clause_id: str) -> str:
    """A clause as a reader names it: its label and title, a paragraph by its measure's
    (``（十五）支持临床试验 第1段``), never the clause id."""
    clause = library.clause(clause_id)
    own = f"{clause.label or ''}{clause.title or ''}"
    if own:
        return own
    parent = library.clause(clause.parent_id) if clause.parent_id else None
    if parent is not None:
        siblings = [c.id for c in library.children(parent.id)]
        where = f" 第{siblings.index(clause.id) + 1}段" if clause.id in siblings else ""
        return f"{parent.label or ''}{parent.title or ''}{where}" or clause.kind.value
    return clause.text[:30]


def _clause_name(label: str | None, title: str | None, ident: str) -> str:
    return f"{label or ''}{title or ''}" or ident
