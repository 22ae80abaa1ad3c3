"""费用测算: what the measures cost and what a reform would change. Twin: GET /api/v1/simulate.

- GET /simulate               the form; with a query string, the result below it (works without script)
- GET /simulate/stream        the same run as server-sent events: progress, then the result's HTML,
                              for the page's script (a run longer than a moment shows a progress bar)
- GET /simulate.xlsx          the result as a workbook (services/simulate_xlsx.py)

Bad input (unknown reform, years out of range or reversed, a rate outside 0–100): the form again with
a Chinese message at each field, 422, and no result. Policy makers only (web/access.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse

from biopolicy.domain.money import WAN, decimal_str
from biopolicy.services import simulate as sim
from biopolicy.services.calculator import Calculator
from biopolicy.services.simulate_xlsx import to_xlsx
from biopolicy.services.wording import yuan
from biopolicy.web.deps import CalculatorDep
from biopolicy.web.errors import INTERNAL_ERROR
from biopolicy.web.pages import templates
from biopolicy.web.pages.render import render
from biopolicy.web.routes.simulate import compute, params_of, problems_body
from biopolicy.web.work import Worker

router = APIRouter()
log = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEARTBEAT_SECONDS = 10


def wan_text(amount: Decimal | None, signed: bool = False) -> str:
    """Yuan as 万元 to two decimals, with thousands separators (a cost estimate, not a payment)."""
    if amount is None:
        return "—"
    value = (amount / WAN).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "+" if signed and value > 0 else ""
    return f"{sign}{value:,}万元"


def yuan_text(amount: Decimal | None) -> str:
    if amount is None:
        return "—"
    return yuan(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


templates.env.filters["sim_wan"] = wan_text
templates.env.filters["sim_yuan"] = yuan_text


def _form(params: dict[str, str]) -> dict[str, str]:
    """The form's values: what was sent, else the defaults."""
    defaults = sim.SimulationInput().query()
    defaults.setdefault("reform", "")
    return {**defaults, **params}


def chart_data(result: sim.Simulation) -> dict:
    """The charts' data (numbers in 万元 for the axes; the tables keep the yuan)."""

    def wan(v) -> float:  # a chart coordinate only; every figure shown as text is a Decimal
        return round(float(v) / 10_000, 2)

    top = result.by_measure[:12]
    return {
        "compared": result.reform_id is not None,
        "rate": decimal_str(result.grant_rate),
        "years": [x.label for x in result.by_year],
        "year_baseline": [wan(x.baseline) for x in result.by_year],
        "year_reform": [wan(x.reform) for x in result.by_year],
        "year_baseline_granted": [wan(x.baseline_granted) for x in result.by_year],
        "year_reform_granted": [wan(x.reform_granted) for x in result.by_year],
        "measures": [x.label for x in top],
        "measure_baseline": [wan(x.baseline) for x in top],
        "measure_reform": [wan(x.reform) for x in top],
    }


def _context(request: Request, calculator: Calculator, params: dict[str, str]) -> dict:
    return {
        "title": "费用测算",
        "choices": sim.reform_choices(calculator),
        "populations": sim.POPULATIONS,
        "form": _form(params),
        "labels": sim.FIELD_LABELS,
        "default_rate": decimal_str(sim.DEFAULT_GRANT_RATE),
        "year_min": sim.YEAR_MIN,
        "year_max": sim.YEAR_MAX,
        "problems": {},
        "result": None,
    }


def _result_context(result: sim.Simulation, params: dict[str, str]) -> dict:
    query = urlencode(sim.SimulationInput(**_typed(result)).query())
    return {"result": result, "chart": chart_data(result), "query": query}


def _typed(result: sim.Simulation) -> dict:
    return {
        "reform": result.reform_id,
        "first_year": result.years[0],
        "last_year": result.years[1],
        "population": result.population,
        "seed": result.seed,
        "grant_rate": result.grant_rate,
    }


@router.get("/simulate", response_class=HTMLResponse)
def simulate_page(request: Request, calculator: CalculatorDep) -> Response:
    params = params_of(request)
    context = _context(request, calculator, params)
    if not params:
        return render(request, "simulate.html", **context)
    try:
        result = compute(request, calculator, params)
    except sim.SimulationInputError as exc:
        context["problems"] = exc.problems
        return render(request, "simulate.html", status_code=422, **context)
    context.update(_result_context(result, params))
    return render(request, "simulate.html", **context)


@router.get("/simulate.xlsx")
def simulate_xlsx(request: Request, calculator: CalculatorDep) -> Response:
    try:
        result = compute(request, calculator, params_of(request))
    except sim.SimulationInputError as exc:
        return Response(str(exc), status_code=422, media_type="text/plain; charset=utf-8")
    name = f"simulation-{result.years[0]}-{result.years[1]}.xlsx"
    return Response(
        to_xlsx(result), media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def _event(name: str, data: dict) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.get("/simulate/stream")
async def simulate_stream(request: Request, calculator: CalculatorDep) -> Response:
    """Server-sent events: ``progress`` ({fraction, stage}) as the run goes, then ``done`` ({html, url})
    or ``problems`` ({html}); bad input is answered at once, 422 as the API's, before anything starts."""
    params = params_of(request)
    try:
        sim.parse_input(params, sim.reform_choices(calculator))
    except sim.SimulationInputError as exc:
        return JSONResponse(status_code=422, content=problems_body(exc))
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()

    def progress(fraction: float, stage: str) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is listening
            loop.call_soon_threadsafe(queue.put_nowait, ("progress", fraction, stage))

    def work() -> sim.Simulation:
        return compute(request, calculator, params, progress)

    worker = Worker(work, on_done=lambda: progress(1.0, ""))
    worker.start()

    async def events() -> AsyncIterator[str]:
        try:
            while not worker.done.is_set() or not queue.empty():
                try:
                    kind, fraction, stage = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield ": still working\n\n"
                    continue
                if stage:
                    yield _event(kind, {"fraction": fraction, "stage": stage})
            if isinstance(worker.error, sim.SimulationInputError):
                context = _context(request, calculator, params) | {"problems": worker.error.problems}
                html = templates.get_template("_simulate_problems.html").render(request=request, **context)
                yield _event("problems", {"html": html})
            elif worker.error is not None:
                log.error("simulation failed", exc_info=worker.error)
                yield _event("failed", {"message": INTERNAL_ERROR})
            else:
                context = _context(request, calculator, params) | _result_context(worker.result, params)
                html = templates.get_template("_simulate_result.html").render(request=request, **context)
                yield _event("done", {"html": html, "url": "/simulate?" + context["query"]})
        finally:
            worker.stop()  # the client left before the end: the run stops too

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)
