"""Enterprise requests (诉求) as JSON: the twins of /requests and /requests/<id> (services/requests.py).

Who sees what is checked by the service: refusals answer 403, an unknown request 404, bad input 422
naming the field (nothing written). Every change carries an ``Idempotency-Key`` header: a retry with
the same key and body answers as the first time and writes nothing. Attachments come with the page's
filing form (/requests) or, here, one at a time (multipart ``file``) by the enterprise that filed the
request; they are listed and downloaded by whoever may see the request. The upload route lets a body
as large as an evidence file through the door (web/security.py); the service checks the file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, File, Header, Path, Query, Request, UploadFile
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from biopolicy.services import requests as rq
from biopolicy.web.errors import ErrorBody, error_body, error_response, guard
from biopolicy.web.session import uow_for

router = APIRouter(tags=["企业诉求"])
T = TypeVar("T")

_AUTH = {
    401: {"model": ErrorBody, "description": "未登录或会话已过期：请先登录"},
    403: {
        "model": ErrorBody,
        "description": "无权查看或办理（不是本机构的诉求或未交由本部门承办，或缺少 X-CSRF-Token）",
    },
}
_ONE = _AUTH | {404: {"model": ErrorBody, "description": "没有这个编号的诉求"}}
_WRITE = _ONE | {422: {"model": ErrorBody, "description": "输入有误（逐项说明字段），未写入"}}
RequestId = Annotated[int, Path(ge=1, description="诉求编号")]
OnDay = Annotated[dt.date | None, Query(description="按哪一天计算是否逾期（默认今天）")]
IdempotencyKey = Annotated[
    str, Header(alias="Idempotency-Key", min_length=1, max_length=100, description="幂等键：重试时用同一个")
]


REFUSALS = ((rq.RequestForbidden, 403), (rq.RequestNotFound, 404), (rq.RequestError, 422))


def guarded(request: Request, call: Callable[[], T]) -> T | Response:
    """Run a service call; its refusals as the app answers them (a page or JSON)."""
    return guard(request, call, REFUSALS)


class NewRequest(BaseModel):
    category: str = Field(description="诉求类别：临床试验、注册、挂网、进院、医保、通关、其他（或其代码）")
    title: str = Field(max_length=200)
    text: str = Field(max_length=5000)
    department: str = Field(default="", description="承办部门（不填则按类别分派）")


class AnswerBody(BaseModel):
    text: str = Field(max_length=5000)
    close: bool = Field(default=False, description="答复并办结")


class RatingBody(BaseModel):
    rating: int = Field(description="满意度 1–5（5 为非常满意）")
    note: str = Field(default="", max_length=1000)


@router.get("/requests", summary="可查看的企业诉求及各部门办理统计", responses=_AUTH)
def list_requests(request: Request, on: OnDay = None) -> rq.RequestList:
    with uow_for(request) as uow:
        return guarded(request, lambda: rq.list_requests(uow, request.state.principal, on or dt.date.today()))


@router.post("/requests", status_code=201, summary="企业提出诉求（按类别分派承办部门）", responses=_WRITE)
def file_request(request: Request, body: NewRequest, key: IdempotencyKey) -> rq.RequestView:
    with uow_for(request) as uow:
        return guarded(
            request,
            lambda: rq.file_request(uow, request.state.principal, body.model_dump(), dt.date.today(), key),
        )


@router.get("/requests/{request_id}", summary="一件诉求：状态、答复、附件", responses=_ONE)
def one_request(request: Request, request_id: RequestId, on: OnDay = None) -> rq.RequestView:
    with uow_for(request) as uow:
        return guarded(
            request,
            lambda: rq.request_detail(uow, request.state.principal, request_id, on or dt.date.today()),
        )


@router.post("/requests/{request_id}/answer", summary="承办部门答复（可同时办结）", responses=_WRITE)
def answer(request: Request, request_id: RequestId, body: AnswerBody, key: IdempotencyKey) -> rq.RequestView:
    with uow_for(request) as uow:
        return guarded(
            request,
            lambda: rq.answer(
                uow, request.state.principal, request_id, body.text, dt.date.today(), key, close=body.close
            ),
        )


@router.post("/requests/{request_id}/rating", summary="企业评价办理结果（办结后，1–5）", responses=_WRITE)
def rating(request: Request, request_id: RequestId, body: RatingBody, key: IdempotencyKey) -> rq.RequestView:
    with uow_for(request) as uow:
        return guarded(
            request,
            lambda: rq.rate(
                uow, request.state.principal, request_id, body.rating, body.note, dt.date.today(), key
            ),
        )


@router.post(
    "/requests/{request_id}/attachments",
    status_code=201,
    summary=f"企业为本机构的诉求添加一个附件（PDF、PNG、JPEG，按内容核对类型；办结前，每件最多 {rq.MAX_ATTACHMENTS} 个）",
    responses=_WRITE
    | {
        413: {"model": ErrorBody, "description": "请求体超过上传文件的上限（设置 evidence_max_bytes 加表单）"}
    },
)
def add_attachment(
    request: Request,
    request_id: RequestId,
    key: IdempotencyKey,
    file: Annotated[UploadFile | None, File(description="附件文件（PDF、PNG 或 JPEG；必填）")] = None,
) -> rq.AttachmentView:
    # optional in the schema so that who may is checked first (403 before 422); the service refuses
    # a missing file naming the field
    upload = None
    if file is not None:
        content = file.file.read(rq.MAX_ATTACHMENT_BYTES + 1)
        upload = rq.Upload(file.filename or "", content, file.content_type or "")
    with uow_for(request) as uow:
        return guarded(
            request, lambda: rq.add_attachment(uow, request.state.principal, request_id, upload, key)
        )


@router.get("/requests/{request_id}/attachments", summary="诉求的附件清单", responses=_ONE)
def attachments(request: Request, request_id: RequestId) -> list[rq.AttachmentView]:
    with uow_for(request) as uow:
        return guarded(request, lambda: rq.attachments_of(uow, request.state.principal, request_id))


@router.get(
    "/requests/{request_id}/attachments/{attachment_id}",
    summary="下载诉求的附件",
    responses=_ONE | {200: {"content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}}}},
    response_class=FileResponse,
)
def attachment(
    request: Request, request_id: RequestId, attachment_id: Annotated[int, Path(ge=1)]
) -> Response:
    with uow_for(request) as uow:
        found = guarded(
            request, lambda: rq.attachment_file(uow, request.state.principal, request_id, attachment_id)
        )
    if isinstance(found, Response):
        return found
    path, meta = found
    if not path.exists():
        return error_response(request, 404, error_body(f"附件“{meta.filename}”的文件已不在存储目录中"))
    return FileResponse(path, media_type=meta.content_type, filename=meta.filename)
