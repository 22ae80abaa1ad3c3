"""Saved cases and the account, as JSON: the twins of /cases and /account (services/cases.py).

State-changing requests carry the session's CSRF token in the ``X-CSRF-Token`` header; GET
/api/v1/account gives it, with who is logged in.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from biopolicy.services import cases
from biopolicy.services.accounts import Principal
from biopolicy.services.cases import CasePage, CaseView, Comparison
from biopolicy.web.deps import CalculatorDep
from biopolicy.web.errors import ErrorBody
from biopolicy.web.session import uow_for

router = APIRouter(tags=["测算"])

_AUTH = {
    401: {"model": ErrorBody, "description": "未登录或会话已过期：请先登录"},
    403: {"model": ErrorBody, "description": "无权查看或修改（不是本机构人员，或缺少 X-CSRF-Token）"},
}
_ONE = _AUTH | {404: {"model": ErrorBody, "description": "没有这个编号的测算"}}
_VERSION = _ONE | {409: {"model": ErrorBody, "description": "所依据的版本之后已有他人保存的新版本，未保存"}}
CaseId = Annotated[str, Path(max_length=32, description="测算的短编号")]


class AccountView(BaseModel):
    principal: Principal
    csrf_token: str = Field(description="状态变更请求须在 X-CSRF-Token 请求头中带上此令牌")


class NewCase(BaseModel):
    title: str | None = Field(default=None, max_length=200, description="标题；省略时用申请人名称和日期")
    case: dict[str, Any] = Field(description="测算案例，同 POST /api/v1/assess 的请求体")


class NewVersion(BaseModel):
    base_version: int = Field(ge=1, description="所依据的版本号；其后已有他人保存的版本时返回 409，不保存")
    case: dict[str, Any] | None = Field(
        default=None, description="新的案例；省略时按今日规则重新测算最新版本"
    )


@router.get("/account", summary="当前登录的用户与防伪令牌", responses=_AUTH)
def account(request: Request) -> AccountView:
    return AccountView(principal=request.state.principal, csrf_token=request.state.csrf)


@router.get("/cases", summary="本机构保存的测算（审计人员、管理员：全部）", responses=_AUTH)
def list_cases(
    request: Request,
    organisation_id: Annotated[int | None, Query()] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CasePage:
    with uow_for(request) as uow:
        return cases.list_cases(
            uow, request.state.principal, organisation_id=organisation_id, offset=offset, limit=limit
        )


@router.post("/cases", status_code=201, summary="保存测算（第 1 版）", responses=_AUTH)
def save_case(request: Request, body: NewCase, calculator: CalculatorDep) -> CaseView:
    with uow_for(request) as uow:
        return cases.save_case(uow, request.state.principal, calculator, body.case, body.title)


@router.get("/cases/{case_id}", summary="一个保存的测算：最新案例与全部版本", responses=_ONE)
def get_case(request: Request, case_id: CaseId, calculator: CalculatorDep) -> CaseView:
    with uow_for(request) as uow:
        return cases.get_case(uow, request.state.principal, case_id, calculator.rules.version)


@router.post(
    "/cases/{case_id}/versions", status_code=201, summary="保存新版本或按今日规则重新测算", responses=_VERSION
)
def add_version(request: Request, case_id: CaseId, body: NewVersion, calculator: CalculatorDep) -> CaseView:
    with uow_for(request) as uow:
        return cases.add_version(
            uow, request.state.principal, calculator, case_id, body.base_version, body.case
        )


@router.get("/cases/{case_id}/compare", summary="两个版本逐项对比（默认：最新版与上一版）", responses=_ONE)
def compare(
    request: Request,
    case_id: CaseId,
    before: Annotated[int | None, Query(ge=1)] = None,
    after: Annotated[int | None, Query(ge=1)] = None,
) -> Comparison:
    with uow_for(request) as uow:
        return cases.compare(uow, request.state.principal, case_id, before, after)
