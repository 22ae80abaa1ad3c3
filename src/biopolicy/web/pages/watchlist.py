"""在研在审清单 pages: the twins of /api/v1/watchlist and /api/v1/products (services/watchlist.py).

- GET /watchlist            the regulator's list (省药监局 reviewers, administrators; auditors read)
- GET /watchlist/mine       the service officer's products
- GET /products             the products one may see (an enterprise: its own; what is due, what is late)
- GET /products/<id>        one file per product, with its timeline chart
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from biopolicy.services import watchlist as wl
from biopolicy.web.deps import CalculatorDep
from biopolicy.web.pages.render import render
from biopolicy.web.routes.watchlist import guarded
from biopolicy.web.session import uow_for

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


@router.get("/products/{product_id}", response_class=HTMLResponse)
def product_page(request: Request, product_id: int, calculator: CalculatorDep, on: OnDay = None) -> Response:
    day = on or dt.date.today()
    with uow_for(request) as uow:
        f = guarded(
            request,
            lambda: wl.product_file(uow, request.state.principal, product_id, day, calculator=calculator),
        )
    if isinstance(f, Response):
        return f
    chart = {"as_of": day.isoformat(), "rows": f.timeline}
    return _page(request, "product.html", f.product.name, f=f, on=day, chart=chart)
