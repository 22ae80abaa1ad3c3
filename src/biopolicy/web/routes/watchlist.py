"""The watch list as JSON: the twins of /watchlist, /watchlist/mine, /products and /products/<id>
(services/watchlist.py). Who sees what is checked by the service; refusals answer 403, a product not
on the list 404, bad input 422 naming the field (nothing written).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from biopolicy.services import watchlist as wl
from biopolicy.web.deps import CalculatorDep
from biopolicy.web.errors import ErrorBody, guard
from biopolicy.web.session import uow_for

router = APIRouter(tags=["在研在审清单"])
T = TypeVar("T")

_AUTH = {
    401: {"model": ErrorBody, "description": "未登录或会话已过期：请先登录"},
    403: {
        "model": ErrorBody,
        "description": "无权查看或修改（不是本机构或分配给您服务的产品，或缺少 X-CSRF-Token）",
    },
}
_ONE = _AUTH | {404: {"model": ErrorBody, "description": "清单中没有这个编号的产品"}}
_WRITE = _ONE | {422: {"model": ErrorBody, "description": "输入有误（逐项说明字段），未写入"}}
ProductId = Annotated[int, Path(ge=1, description="产品编号")]
IdemKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=100,
        description="幂等键（可选）：重试时用同一个，同一请求只写入一次；用于内容不同的请求会被拒绝（422）",
    ),
]
OnDay = Annotated[dt.date | None, Query(description="按哪一天计算状态（默认今天）")]


REFUSALS = ((wl.WatchlistForbidden, 403), (wl.ProductNotFound, 404), (wl.WatchlistError, 422))


def guarded(request: Request, call: Callable[[], T]) -> T | Response:
    """Run a service call; its refusals as the app answers them (a page or JSON)."""
    return guard(request, call, REFUSALS)


class NewMilestone(BaseModel):
    kind: str = Field(description="里程碑类型代码（见 GET /api/v1/watchlist/kinds）")
    planned_on: dt.date | None = None
    started_on: dt.date | None = Field(default=None, description="开始（受理、送检）日期")
    completed_on: dt.date | None = None
    procedure: str | None = Field(
        default=None, description="办理程序代码（监管环节；省略时按产品类别取默认）"
    )
    subject: str = Field(default="", max_length=200, description="对象，如进入的医院")
    clock_stops: list[dict[str, Any]] = Field(default_factory=list, description="补正停表：[{start, end}]")
    note: str = Field(default="", max_length=2000)


class Completion(BaseModel):
    completed_on: dt.date
    clock_stops: list[dict[str, Any]] | None = None


class NewNote(BaseModel):
    on: dt.date
    text: str = Field(min_length=1, max_length=4000)


class KindView(BaseModel):
    code: str
    label: str
    regulatory: bool
    after: list[str]
    procedures: dict[str, str]


@router.get("/watchlist", summary="全省在审清单：运行中的监管环节，超期在前、按到期日排序", responses=_AUTH)
def regulator_list(request: Request, on: OnDay = None) -> list[wl.WatchRow]:
    with uow_for(request) as uow:
        return guarded(
            request, lambda: wl.regulator_view(uow, request.state.principal, on or dt.date.today())
        )


@router.get("/watchlist/mine", summary="服务专员：我服务的产品", responses=_AUTH)
def officer_list(request: Request, on: OnDay = None) -> list[wl.ProductSummary]:
    with uow_for(request) as uow:
        return guarded(request, lambda: wl.officer_view(uow, request.state.principal, on or dt.date.today()))


@router.get("/watchlist/kinds", summary="里程碑类型目录", responses=_AUTH)
def kinds() -> list[KindView]:
    return [
        KindView(
            code=k.code,
            label=k.label,
            regulatory=k.regulatory,
            after=list(k.after),
            procedures=dict(k.procedures),
        )
        for k in wl.MILESTONE_KINDS.values()
    ]


@router.get(
    "/products", summary="可查看的产品：本机构的（企业）、服务的（服务专员）、全部（监管）", responses=_AUTH
)
def products(request: Request, on: OnDay = None) -> wl.EnterpriseView:
    with uow_for(request) as uow:
        return guarded(request, lambda: wl.products_view(uow, request.state.principal, on or dt.date.today()))


@router.get("/products/{product_id}", summary="一品一档：产品档案", responses=_ONE)
def product(
    request: Request, product_id: ProductId, calculator: CalculatorDep, on: OnDay = None
) -> wl.ProductFile:
    with uow_for(request) as uow:
        return guarded(
            request,
            lambda: wl.product_file(
                uow, request.state.principal, product_id, on or dt.date.today(), calculator=calculator
            ),
        )


@router.post("/products/{product_id}/milestones", status_code=201, summary="添加里程碑", responses=_WRITE)
def add_milestone(
    request: Request, product_id: ProductId, body: NewMilestone, key: IdemKey = None
) -> wl.MilestoneView:
    data = body.model_dump()
    today = dt.date.today()
    with uow_for(request) as uow:
        if key is None:
            return guarded(
                request, lambda: wl.add_milestone(uow, request.state.principal, product_id, data, today)
            )

        def once() -> wl.MilestoneView:
            done = wl.record_milestone(uow, request.state.principal, product_id, data, today, key)
            return wl.milestone_of(uow, product_id, done["milestone_id"], today)

        return guarded(request, once)


@router.post(
    "/products/{product_id}/milestones/{milestone_id}/complete",
    summary="记录里程碑完成日期",
    responses=_WRITE,
)
def complete(
    request: Request,
    product_id: ProductId,
    milestone_id: Annotated[int, Path(ge=1)],
    body: Completion,
    key: IdemKey = None,
) -> wl.MilestoneView:
    today = dt.date.today()
    with uow_for(request) as uow:
        if key is None:
            return guarded(
                request,
                lambda: wl.complete_milestone(
                    uow, request.state.principal, product_id, milestone_id, body.completed_on, today,
                    clock_stops=body.clock_stops,
                ),
            )  # fmt: skip

        def once() -> wl.MilestoneView:
            data = {"completed_on": body.completed_on, "clock_stops": body.clock_stops}
            wl.record_progress(uow, request.state.principal, product_id, milestone_id, data, today, key)
            return wl.milestone_of(uow, product_id, milestone_id, today)

        return guarded(request, once)


@router.post(
    "/products/{product_id}/notes", status_code=201, summary="服务专员记录服务情况", responses=_WRITE
)
def add_note(request: Request, product_id: ProductId, body: NewNote, key: IdemKey = None) -> wl.NoteView:
    today = dt.date.today()
    with uow_for(request) as uow:
        if key is None:
            return guarded(
                request,
                lambda: wl.add_note(uow, request.state.principal, product_id, body.on, body.text, today),
            )

        def once() -> wl.NoteView:
            wl.record_note(uow, request.state.principal, product_id, body.on, body.text, today, key)
            return wl.NoteView(
                on=body.on, text=body.text.strip(), author=request.state.principal.display_name
            )

        return guarded(request, once)
