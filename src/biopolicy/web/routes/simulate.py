"""What the measures cost and what a reform would change, as JSON: the twin of the page /simulate.

GET /api/v1/simulate?reform=&first_year=&last_year=&population=&seed=&grant_rate= answers the
service's ``Simulation`` (services/simulate.py). Every parameter is read by the service, so a bad
one is a 422 naming the field in Chinese and nothing is computed. Policy makers only (web/access.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from biopolicy.services import simulate as sim
from biopolicy.services.calculator import Calculator
from biopolicy.services.database import unit_of_work
from biopolicy.web.deps import CalculatorDep
from biopolicy.web.errors import ErrorBody, error_body, problem_items
from biopolicy.web.session import client_ip, database_url_of

router = APIRouter(tags=["费用测算"])

RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "未登录或会话已过期：请先登录"},
    403: {"model": ErrorBody, "description": "无权使用费用测算（限审核部门、财政、审计和管理员）"},
    422: {
        "model": ErrorBody,
        "description": "参数有误（逐项说明字段：改革方案、年份、人口、随机种子、核定比例），未做测算",
    },
}
PARAMS = ("reform", "first_year", "last_year", "population", "seed", "grant_rate")


def problems_body(exc: sim.SimulationInputError) -> dict[str, Any]:
    return error_body(str(exc), problem_items(exc.problems, "query"))


def params_of(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items() if k in PARAMS}


def compute(
    request: Request,
    calculator: Calculator,
    params: Mapping[str, str],
    progress: sim.Progress | None = None,
) -> sim.Simulation:
    """Check ``params`` and run; SimulationInputError names the fields. The database is only read: the
    organisations (population "database") and, for every population, the budgets finance set."""
    inp = sim.parse_input(params, sim.reform_choices(calculator))
    kwargs = {"progress": progress} if progress is not None else {}
    principal = getattr(request.state, "principal", None)
    actor = principal.actor if principal is not None else "anonymous"
    with unit_of_work(actor, client_ip(request), database_url_of(request), read_only=True) as uow:
        return sim.run(inp, calculator, uow, **kwargs)


@router.get(
    "/simulate",
    summary="费用测算：各措施按年份、城市、出资层级的费用，现行规则与改革方案对比",
    responses=RESPONSES,
)
def simulate(
    request: Request,
    calculator: CalculatorDep,
    reform: Annotated[
        str | None,
        Query(max_length=100, description="改革方案编号（policies/_reforms 中的文件名）；不填则只看现行规则"),
    ] = None,
    first_year: Annotated[
        str | None, Query(max_length=8, description="起始年份（2020–2035），默认 2024")
    ] = None,
    last_year: Annotated[
        str | None, Query(max_length=8, description="截止年份（不早于起始年份，至 2035），默认 2027")
    ] = None,
    population: Annotated[
        str | None,
        Query(
            max_length=16, description="人口：seed（按公布数据校准的合成人口）或 database（数据库中的机构）"
        ),
    ] = None,
    seed: Annotated[
        str | None, Query(max_length=16, description="合成人口的随机种子（0 至 4294967295），默认 0")
    ] = None,
    grant_rate: Annotated[
        str | None,
        Query(
            max_length=16,
            description="核定比例（百分数 0–100）：第二个数中“最高不超过”的金额按上限的这一比例计入；本平台假设，默认 70",
        ),
    ] = None,
) -> sim.Simulation:
    """Baseline beside reform: cost by measure, year, city and paying level, the budget each measure
    needs per year against the budget set, and a second figure under the stated grant rate."""
    try:
        return compute(request, calculator, params_of(request))
    except sim.SimulationInputError as exc:
        return JSONResponse(status_code=422, content=problems_body(exc))  # type: ignore[return-value]
