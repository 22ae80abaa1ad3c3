"""公示 batches and objections as JSON (services/notices.py).

A reviewer of the responsible department (or an administrator) publishes approved applications as a
batch; anyone logged in may object within the period; a reviewer of the responsible department
resolves the objection. The batch's rows are what the 公示 exports list.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from biopolicy.services import notices
from biopolicy.web.deps import CalculatorDep
from biopolicy.web.routes.fulfilment import READ, WRITE, IdempotencyKey, guarded
from biopolicy.web.session import settings_of, uow_for

router = APIRouter(tags=["公示与异议"])
Id = Annotated[int, Path(ge=1)]


class NewBatch(BaseModel):
    application_ids: list[int] = Field(
        min_length=1, max_length=notices.MAX_ITEMS, description="已核定的申报编号"
    )
    title: str = Field(default="", max_length=200, description="公示标题（默认：日期 + 政策兑现公示）")
    working_days: int | None = Field(default=None, ge=1, le=60, description="异议期（工作日），默认见设置")


class NewObjection(BaseModel):
    reason: str = Field(min_length=2, max_length=notices.MAX_REASON, description="异议理由")


class Resolution(BaseModel):
    outcome: Literal["upheld", "dismissed"] = Field(description="upheld：异议成立；dismissed：异议不成立")
    resolution: str = Field(min_length=2, max_length=2000, description="处理意见")
    then: Literal["review", "reject"] = Field(
        default="review", description="异议成立后：review 退回重新审核，reject 不予支持"
    )


class Published(BaseModel):
    batch_id: int
    ends_on: dt.date
    items: int
    replayed: bool


class Objected(BaseModel):
    objection_id: int
    application_id: int
    status: str
    replayed: bool


class Resolved(BaseModel):
    objection_id: int
    status: str
    application_status: str
    replayed: bool


@router.get("/notices", summary="公示批次（新的在前）", responses=READ)
def batches(request: Request) -> list[notices.BatchView]:
    with uow_for(
        request,
    ) as uow:
        return guarded(request, lambda: notices.batches(uow, request.state.principal))


@router.post("/notices", status_code=201, summary="发布公示批次（已核定的申报）", responses=WRITE)
def publish(request: Request, body: NewBatch, key: IdempotencyKey) -> Published:
    days = body.working_days if body.working_days is not None else settings_of(request).notice_working_days
    with uow_for(request) as uow:
        return guarded(
            request,
            lambda: notices.create_batch(
                uow, request.state.principal, body.application_ids, key, title=body.title, working_days=days
            ),
        )


@router.get("/notices/{batch_id}", summary="一批公示的名单（导出用的行）", responses=READ)
def batch_rows(request: Request, batch_id: Id, calculator: CalculatorDep) -> list[notices.NoticeRow]:
    with uow_for(request) as uow:
        return guarded(
            request, lambda: notices.batch_rows(uow, request.state.principal, calculator, batch_id)
        )


@router.post(
    "/applications/{application_id}/objections",
    status_code=201,
    summary="对公示中的项目提出异议（公示期内，登录即可）",
    responses=WRITE,
)
def object_to(request: Request, application_id: Id, body: NewObjection, key: IdempotencyKey) -> Objected:
    with uow_for(request) as uow:
        return guarded(
            request, lambda: notices.object_to(uow, request.state.principal, application_id, body.reason, key)
        )


@router.get("/applications/{application_id}/objections", summary="一个申报收到的异议", responses=READ)
def objections(request: Request, application_id: Id) -> list[notices.ObjectionView]:
    with uow_for(request) as uow:
        return guarded(request, lambda: notices.objections_of(uow, request.state.principal, application_id))


@router.post("/objections/{objection_id}/resolve", summary="处理异议（责任单位审核人员）", responses=WRITE)
def resolve(
    request: Request, objection_id: Id, body: Resolution, key: IdempotencyKey, calculator: CalculatorDep
) -> Resolved:
    with uow_for(request) as uow:
        return guarded(
            request,
            lambda: notices.resolve(
                uow,
                request.state.principal,
                calculator,
                objection_id,
                body.outcome,
                body.resolution,
                key,
                then=body.then,
            ),
        )
