"""在研在审清单 pages: the twins of /api/v1/watchlist and /api/v1/products (services/watchlist.py).

- GET /watchlist            the regulator's list (省药监局 reviewers, administrators; auditors read)
- GET /watchlist/mine       the service officer's products
- GET /products             the products one may see (an enterprise: its own; what is due, what is late)
- GET /products/<id>        one file per product, with its timeline chart
- POST /products/<id>/milestones              the form: a new milestone (planned / started / done)
- POST /products/<id>/milestones/<mid>        the form: a milestone started, done, 补正 stop / resume
- POST /products/<id>/notes                   the form: a service officer's dated note

The forms work without JavaScript: a hidden CSRF token and an idempotency key (a double click or a
resent form writes once); a refusal shows the page again (422) with each message beside its field
and what was typed, and nothing written; success redirects to the product file (303).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from biopolicy.services import watchlist as wl
from biopolicy.web.deps import CalculatorDep
from biopolicy.web.pages.render import render
from biopolicy.web.routes.watchlist import guarded
from biopolicy.web.session import form_fields, uow_for

router = APIRouter()
OnDay = Annotated[dt.date | None, Query()]


def _page(request: Request, template: str, title: str, **context) -> Response:
    return render(request, template, title=title, **context)


def _list_chart(rows: list[wl.WatchRow]) -> list[dict]:
    return [
        {
            "label": f"{r.product_name} · {r.step}",
            "start": r.started_on.isoformat(),
            "end": (r.clock.due or r.started_on).isoformat(),
            "status": r.clock.status,
            "status_label": r.clock.status_label,
        }
        for r in rows
    ]


@router.get("/watchlist", response_class=HTMLResponse)
def regulator_page(request: Request, on: OnDay = None) -> Response:
    day = on or dt.date.today()
    with uow_for(request) as uow:
        rows = guarded(request, lambda: wl.regulator_view(uow, request.state.principal, day))
    if isinstance(rows, Response):
        return rows
    chart = {"as_of": day.isoformat(), "rows": _list_chart(rows)}
    return _page(request, "watchlist.html", "在研在审清单", rows=rows, on=day, chart=chart)


@router.get("/watchlist/mine", response_class=HTMLResponse)
def officer_page(request: Request, on: OnDay = None) -> Response:
    day = on or dt.date.today()
    with uow_for(request) as uow:
        items = guarded(request, lambda: wl.officer_view(uow, request.state.principal, day))
    if isinstance(items, Response):
        return items
    return _page(request, "watchlist_mine.html", "我服务的产品", items=items, on=day)


@router.get("/products", response_class=HTMLResponse)
def products_page(request: Request, on: OnDay = None) -> Response:
    day = on or dt.date.today()
    with uow_for(request) as uow:
        view = guarded(request, lambda: wl.products_view(uow, request.state.principal, day))
    if isinstance(view, Response):
        return view
    return _page(request, "products.html", "产品与办理时限", view=view, on=day)


def _product(
    request: Request, product_id: int, calculator: Any, day: dt.date, *, status_code: int = 200,
    errors: dict[str, dict[str, str]] | None = None, values: dict[str, dict[str, str]] | None = None,
) -> Response:  # fmt: skip
    with uow_for(request) as uow:
        f = guarded(
            request,
            lambda: wl.product_file(uow, request.state.principal, product_id, day, calculator=calculator),
        )
    if isinstance(f, Response):
        return f
    chart = {"as_of": day.isoformat(), "rows": f.timeline}
    return render(
        request, "product.html", status_code=status_code, title=f.product.name, f=f, on=day, chart=chart,
        choices=wl.milestone_choices(f.product.type) if f.can_write else [],
        errors=errors or {}, values=values or {}, key=uuid.uuid4().hex, saved=request.query_params.get("saved"),
        can_note=f.can_write and wl.can_note(request.state.principal),
        type_label=wl.product_type_label(f.product.type),
    )  # fmt: skip


@router.get("/products/{product_id}", response_class=HTMLResponse)
def product_page(request: Request, product_id: int, calculator: CalculatorDep, on: OnDay = None) -> Response:
    return _product(request, product_id, calculator, on or dt.date.today())


def _by_field(exc: wl.WatchlistError) -> dict[str, str]:
    """``field：message`` problems → field → messages (a problem without a field goes under "")."""
    out: dict[str, str] = {}
    for problem in exc.problems:
        name, sep, message = problem.partition("：")
        if not sep or not name.replace("_", "").isalnum() or not name.isascii():
            name, message = "", problem
        if name == "clock_stops":
            name = "stop_on"
        out[name] = f"{out[name]}；{message}" if name in out else message
    return out


async def _submit(request: Request, product_id: int, calculator: Any, form_name: str, call: Any) -> Response:
    form = await form_fields(request)
    today = dt.date.today()
    key = str(form.get("idempotency_key") or "")
    try:
        with uow_for(request) as uow:
            call(uow, form, today, key)
    except wl.WatchlistError as exc:
        return _product(
            request, product_id, calculator, today, status_code=422,
            errors={form_name: _by_field(exc)}, values={form_name: dict(form)},
        )  # fmt: skip
    except (wl.WatchlistForbidden, wl.ProductNotFound) as exc:
        return guarded(request, _raiser(exc))
    return RedirectResponse(f"/products/{product_id}?saved={form_name}#{form_name}", status_code=303)


def _raiser(exc: Exception) -> Any:
    def call() -> None:
        raise exc

    return call


def _fields(form: dict[str, str], *names: str) -> dict[str, Any]:
    return {n: (form.get(n) or "").strip() or None for n in names}


@router.post("/products/{product_id}/milestones")
async def add_milestone_form(request: Request, product_id: int, calculator: CalculatorDep) -> Response:
    def call(uow, form, today, key):
        data = _fields(
            form, "kind", "procedure", "planned_on", "started_on", "completed_on", "subject", "note"
        )
        data["subject"], data["note"] = data["subject"] or "", data["note"] or ""
        stop_on, resume_on = (form.get("stop_on") or "").strip(), (form.get("resume_on") or "").strip()
        if stop_on or resume_on:
            data["clock_stops"] = [{"start": stop_on or None, "end": resume_on or None}]
        return wl.record_milestone(uow, request.state.principal, product_id, data, today, key)

    return await _submit(request, product_id, calculator, "new-milestone", call)


@router.post("/products/{product_id}/milestones/{milestone_id}")
async def progress_form(
    request: Request, product_id: int, milestone_id: int, calculator: CalculatorDep
) -> Response:
    def call(uow, form, today, key):
        data = _fields(form, "started_on", "completed_on", "stop_on", "resume_on")
        return wl.record_progress(uow, request.state.principal, product_id, milestone_id, data, today, key)

    return await _submit(request, product_id, calculator, f"m{milestone_id}", call)


@router.post("/products/{product_id}/notes")
async def note_form(request: Request, product_id: int, calculator: CalculatorDep) -> Response:
    def call(uow, form, today, key):
        return wl.record_note(
            uow, request.state.principal, product_id, form.get("on"), form.get("text") or "", today, key
        )

    return await _submit(request, product_id, calculator, "note", call)
