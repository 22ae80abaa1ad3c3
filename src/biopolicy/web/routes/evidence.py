"""Evidence files (services/evidence.py): upload (multipart), list, download.

The upload is the one route that takes a body larger than ``max_body_bytes``: up to
``evidence_max_bytes`` plus the form (web/security.py). The download answers the stored media type
with ``Content-Disposition: attachment`` and is never cached; a file that no longer matches its
checksum is refused (409) and never served.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel

from biopolicy.services import evidence as ev
from biopolicy.web.deps import CalculatorDep
from biopolicy.web.errors import ErrorBody
from biopolicy.web.routes.fulfilment import READ, WRITE, IdempotencyKey, guarded
from biopolicy.web.session import settings_of, uow_for

router = APIRouter(tags=["证明材料"])

OwnerId = Annotated[int | None, Query(ge=1)]


class Uploaded(BaseModel):
    evidence_id: int
    sha256: str
    media_type: str
    size: int
    title: str
    replayed: bool


@router.post(
    "/evidence",
    status_code=201,
    summary="上传证明材料（PDF、PNG、JPEG；按内容识别类型），用于申报、已获奖励或免申即享建议",
    responses=WRITE | {413: {"model": ErrorBody, "description": "文件超过证明材料大小上限"}},
)
def upload(
    request: Request,
    calculator: CalculatorDep,
    key: IdempotencyKey,
    file: Annotated[UploadFile, File(description="证明材料文件")],
    title: Annotated[str | None, Form(max_length=200, description="材料名称（默认取文件名）")] = None,
    application_id: Annotated[int | None, Form(ge=1)] = None,
    award_id: Annotated[int | None, Form(ge=1)] = None,
    proposal_id: Annotated[int | None, Form(ge=1)] = None,
) -> Uploaded:
    settings = settings_of(request)
    content = file.file.read(settings.evidence_max_bytes + 1)
    with uow_for(request) as uow:
        return guarded(
            request,
            lambda: ev.upload(
                uow,
                request.state.principal,
                calculator,
                content,
                title or file.filename,
                key,
                application_id=application_id,
                award_id=award_id,
                proposal_id=proposal_id,
                settings=settings,
            ),
        )


@router.get("/evidence", summary="证明材料清单：指明申报、已获奖励或免申即享建议之一", responses=READ)
def listing(
    request: Request,
    calculator: CalculatorDep,
    application_id: OwnerId = None,
    award_id: OwnerId = None,
    proposal_id: OwnerId = None,
) -> list[ev.EvidenceView]:
    with uow_for(request) as uow:
        return guarded(
            request,
            lambda: ev.listing(
                uow,
                request.state.principal,
                calculator,
                application_id=application_id,
                award_id=award_id,
                proposal_id=proposal_id,
            ),
        )


@router.get(
    "/evidence/{evidence_id}/file",
    summary="下载证明材料（读取时重新校验）",
    response_class=Response,
    responses=READ
    | {
        200: {"content": {t: {} for t in ev.EXTENSIONS}, "description": "文件本身"},
        409: {"model": ErrorBody, "description": "文件与上传时的校验值不符或已不在存储中：拒绝提供"},
    },
)
def download(
    request: Request, calculator: CalculatorDep, evidence_id: Annotated[int, Path(ge=1)]
) -> Response:
    with uow_for(request) as uow:
        got = guarded(
            request,
            lambda: ev.read(
                uow, request.state.principal, calculator, evidence_id, settings=settings_of(request)
            ),
        )
    if isinstance(got, Response):
        return got
    ascii_name = f"evidence-{evidence_id}{ev.EXTENSIONS[got.media_type]}"
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(got.filename)}"
    return Response(
        got.content,
        media_type=got.media_type,
        headers={"Content-Disposition": disposition, "Cache-Control": "private, no-store"},
    )
