"""免申即享 as JSON (services/proactive.py): an administrator imports records; an organisation's staff
see the proposed awards and confirm or correct them into review."""

from __future__ import annotations

from pathlib import PurePath
from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Request, UploadFile
from pydantic import BaseModel, Field

from biopolicy.services import proactive
from biopolicy.web.deps import CalculatorDep
from biopolicy.web.errors import ErrorBody
from biopolicy.web.routes.fulfilment import AUTH, WRITE, IdempotencyKey, guarded
from biopolicy.web.session import settings_of, uow_for

router = APIRouter(tags=["免申即享"])
Id = Annotated[int, Path(ge=1)]


class Confirmation(BaseModel):
    credit_commitment: bool = Field(description="已签署信用承诺书（须为 true）")


class Correction(Confirmation):
    facts: dict[str, Any] = Field(description="更正的数据（名称: 值）；须先上传证明材料到该建议")


class Entered(BaseModel):
    application_id: int
    status: str
    proposal_id: int
    replayed: bool


@router.post(
    "/proactive/imports",
    status_code=201,
    summary="导入政府已有数据（CSV 或 XLSX），生成免申即享建议（管理员）",
    responses=WRITE | {413: {"model": ErrorBody, "description": "文件过大"}},
)
def import_records(
    request: Request,
    calculator: CalculatorDep,
    key: IdempotencyKey,
    file: Annotated[UploadFile, File(description="CSV 或 XLSX 文件，列见 docs/proactive.md")],
) -> proactive.ProactiveReport:
    content = file.file.read(settings_of(request).evidence_max_bytes + 1)
    name = PurePath((file.filename or "records.csv").replace("\\", "/")).name
    with uow_for(request) as uow:
        return guarded(
            request,
            lambda: proactive.import_file(
                uow, request.state.principal, calculator, PurePath(name), content=content, key=key
            ),
        )


@router.get("/proposals", summary="免申即享建议（本机构的；管理员、审计人员看全部）", responses=AUTH)
def proposals(request: Request, calculator: CalculatorDep) -> list[proactive.ProposalView]:
    with uow_for(request) as uow:
        return guarded(request, lambda: proactive.proposals(uow, request.state.principal, calculator))


@router.post("/proposals/{proposal_id}/confirm", summary="确认建议：作为申报进入审核", responses=WRITE)
def confirm(
    request: Request, proposal_id: Id, body: Confirmation, key: IdempotencyKey, calculator: CalculatorDep
) -> Entered:
    with uow_for(request) as uow:
        return guarded(
            request,
            lambda: proactive.confirm(
                uow, request.state.principal, calculator, proposal_id, body.credit_commitment, key
            ),
        )


@router.post("/proposals/{proposal_id}/correct", summary="更正数据（附证明材料）后进入审核", responses=WRITE)
def correct(
    request: Request, proposal_id: Id, body: Correction, key: IdempotencyKey, calculator: CalculatorDep
) -> Entered:
    with uow_for(request) as uow:
        return guarded(
            request,
            lambda: proactive.correct(
                uow, request.state.principal, calculator, proposal_id, body.facts, body.credit_commitment, key
            ),
        )
