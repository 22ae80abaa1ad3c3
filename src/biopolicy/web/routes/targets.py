"""Targets and the yearly evaluation as JSON: the twins of /targets and /evaluation
(services/targets.py, services/evaluation.py). Refusals answer 403, bad input 422 naming the field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from biopolicy.services import evaluation as ev
from biopolicy.services import targets as tg
from biopolicy.web.errors import ErrorBody, guard
from biopolicy.web.session import uow_for

router = APIRouter(tags=["目标与评估"])
T = TypeVar("T")

_AUTH = {
    401: {"model": ErrorBody, "description": "未登录或会话已过期：请先登录"},
    403: {"model": ErrorBody, "description": "无权查看或录入（或缺少 X-CSRF-Token）"},
}
_WRITE = _AUTH | {422: {"model": ErrorBody, "description": "输入有误（逐项说明字段），未写入"}}
Year = Annotated[int | None, Query(ge=2000, le=2100, description="评估年份（默认上一年）")]


REFUSALS = (((tg.TargetForbidden, ev.EvaluationForbidden), 403), ((tg.TargetError, ev.EvaluationError), 422))


def guarded(request: Request, call: Callable[[], T]) -> T | Response:
    """Run a service call; its refusals as the app answers them (a page or JSON)."""
    return guard(request, call, REFUSALS)


class NewActual(BaseModel):
    target: str = Field(description="目标编号或标题")
    year: int
    value: str = Field(description="实际值（目标的单位，如 亿元、个），十进制数字字符串")
    source: str = Field(max_length=300, description="数据来源")


def default_year(year: int | None) -> int:
    return year or dt.date.today().year - 1


@router.get("/targets", summary="各项目标的实际值、进度轨迹与能否按期达成", responses=_AUTH)
def targets(request: Request) -> tg.Dashboard:
    with uow_for(request) as uow:
        return guarded(request, lambda: tg.dashboard(uow, request.state.principal))


@router.post("/targets/actuals", status_code=201, summary="录入一个目标的年度实际值", responses=_WRITE)
def add_actual(request: Request, body: NewActual) -> tg.TargetView:
    with uow_for(request) as uow:
        return guarded(
            request, lambda: tg.add_actual(uow, request.state.principal, body.model_dump(), dt.date.today())
        )


@router.get("/evaluation", summary="年度政策措施实施效果评估", responses=_WRITE)
def evaluation(request: Request, year: Year = None) -> ev.Evaluation:
    with uow_for(request) as uow:
        return guarded(
            request, lambda: ev.evaluate(uow, request.state.principal, default_year(year), dt.date.today())
        )
