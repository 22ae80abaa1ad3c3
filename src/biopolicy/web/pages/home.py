"""The home page: what the platform holds and where to start. Twin: GET /api/v1/ (``app.home``)
for the service facts, GET /api/v1/overview for the counts."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from biopolicy.services.finding import expiring_documents
from biopolicy.services.overview import get_overview
from biopolicy.web.deps import CalculatorDep, LibraryDep
from biopolicy.web.pages.render import render

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home_page(request: Request, library: LibraryDep, calculator: CalculatorDep) -> HTMLResponse:
    today = date.today()
    overview = get_overview(library, calculator, as_of=today)
    expiring = expiring_documents(library, today)
    return render(request, "home.html", title="首页", overview=overview, expiring=expiring)
