"""The audit trail as JSON: the twin of /audit (services/audit.py). Auditors and administrators only;
filters by organisation, user (login) and Beijing dates; a filter that cannot be read answers 422
naming it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from biopolicy.services import audit
from biopolicy.web.errors import ErrorBody, guard
from biopolicy.web.session import uow_for

router = APIRouter(tags=["审计"])

_RESPONSES = {
    401: {"model": ErrorBody, "description": "未登录或会话已过期：请先登录"},
    403: {"model": ErrorBody, "description": "审计记录只对审计人员和管理员开放"},
    422: {"model": ErrorBody, "description": "筛选条件有误（逐项说明字段）"},
}


REFUSALS = ((audit.AuditForbidden, 403), (audit.AuditQueryError, 422))


def read_trail(request: Request, **filters) -> audit.AuditPage | Response:  # noqa: ANN003
    def read() -> audit.AuditPage:
        with uow_for(request) as uow:
            return audit.trail(uow, request.state.principal, **filters)

    return guard(request, read, REFUSALS, place="query")  # the filters are query parameters


@router.get("/audit", summary="审计记录（最新在前），可按机构、用户、日期筛选", responses=_RESPONSES)
def audit_trail(
    request: Request,
    organisation_id: Annotated[int | None, Query(ge=1, description="机构编号")] = None,
    user: Annotated[str | None, Query(max_length=64, description="操作人的登录名")] = None,
    since: Annotated[dt.date | None, Query(description="起始日期（北京时间，含当日）")] = None,
    until: Annotated[dt.date | None, Query(description="截止日期（北京时间，含当日）")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=audit.MAX_PAGE)] = 50,
) -> audit.AuditPage:
    return read_trail(
        request, organisation_id=organisation_id, user=user or None, since=since, until=until,
        offset=offset, limit=limit,
    )  # fmt: skip
