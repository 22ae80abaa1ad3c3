"""Hospitals' duties, catalogues and the ethics-review registry as JSON: the twins of /duties,
/duties/overview, /catalogues and /ethics (services/duties.py, catalogues.py, ethics.py).

Who sees what is checked by the services: refusals answer 403, something unknown 404, bad input 422
naming the field (nothing written). Every state-changing request carries an ``Idempotency-Key``
header: the same key with the same request answers the first result again (``replayed``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from biopolicy.services import catalogues as cats
from biopolicy.services import duties, ethics
from biopolicy.web.deps import LibraryDep
from biopolicy.web.errors import ErrorBody, guard
from biopolicy.web.session import settings_of, uow_for

router = APIRouter(tags=["医疗机构义务与目录"])
T = TypeVar("T")

_AUTH = {
    401: {"model": ErrorBody, "description": "未登录或会话已过期：请先登录"},
    403: {"model": ErrorBody, "description": "无权查看或修改（不是本机构，或缺少 X-CSRF-Token）"},
}
_READ = _AUTH | {
    404: {"model": ErrorBody, "description": "没有这个编号的机构、目录或记录"},
    422: {"model": ErrorBody, "description": "查询参数有误（逐项说明字段）"},
}
_WRITE = _AUTH | {
    404: {"model": ErrorBody, "description": "没有这个编号的机构、目录版本或登记"},
    422: {"model": ErrorBody, "description": "输入有误（逐项说明字段），未写入"},
}
OnDay = Annotated[dt.date | None, Query(description="按哪一天计算（默认今天）")]
Since = Annotated[dt.date | None, Query(description="从哪一天起（默认今年1月1日）")]
Remind = Annotated[int | None, Query(ge=0, le=60, description="期末前多少个工作日内提醒（默认10）")]
IdemKey = Annotated[
    str, Header(alias="Idempotency-Key", min_length=1, max_length=100, description="幂等键：重试时用同一个")
]


REFUSALS = (
    ((duties.DutyForbidden, cats.CatalogueForbidden), 403),
    ((duties.DutyNotFound, cats.CatalogueNotFound), 404),
    ((duties.DutyError, cats.CatalogueError), 422),
)


def guarded(request: Request, call: Callable[[], T]) -> T | Response:
    """Run a service call; its refusals as the app answers them (a page or JSON)."""
    return guard(request, call, REFUSALS)


def _principal(request: Request) -> Any:
    return request.state.principal


# -- duties --------------------------------------------------------------------------------------


class ProfileBody(BaseModel):
    organisation_id: int | None = Field(
        default=None, description="机构编号（卫健委、管理员填写；医院工作人员省略）"
    )
    grade: Literal["ungraded", "primary", "secondary", "tertiary"] | None = Field(
        default=None, description="医院等级：ungraded 未定级、primary 一级、secondary 二级、tertiary 三级"
    )
    public: bool | None = Field(default=None, description="是否公立")
    runs_trials: bool | None = Field(default=None, description="是否承接药物或医疗器械临床试验")


class RecordReply(duties.RecordView):
    replayed: bool


class ProfileReply(duties.ProfileView):
    replayed: bool


@router.get(
    "/duties", summary="本机构的会议义务：逐项逐期是否完成、依据的条款与记录、即将截止的提醒", responses=_READ
)
def hospital(
    request: Request,
    library: LibraryDep,
    organisation_id: Annotated[
        int | None, Query(ge=1, description="机构编号（卫健委、审计、管理员）")
    ] = None,
    on: OnDay = None,
    since: Since = None,
    remind: Remind = None,
) -> duties.HospitalCompliance:
    with uow_for(request) as uow:
        return guarded(
            request,
            lambda: duties.hospital_compliance(
                uow, _principal(request), library.corpus, organisation_id,
                on=on or dt.date.today(), since=since, remind=remind,
            ),
        )  # fmt: skip


@router.get("/duties/overview", summary="卫健委总览：全部医疗机构逐项逐期，未完成在前", responses=_READ)
def overview(
    request: Request,
    library: LibraryDep,
    on: OnDay = None,
    since: Since = None,
    remind: Remind = None,
    status: Annotated[
        Literal["met", "missed", "due", "not_applicable", "unknown"] | None,
        Query(max_length=20, description="只看某一状态"),
    ] = None,
) -> duties.CommissionOverview:
    with uow_for(request) as uow:
        return guarded(
            request,
            lambda: duties.commission_overview(
                uow, _principal(request), library.corpus, on=on or dt.date.today(), since=since,
                remind=remind, status=status,
            ),
        )  # fmt: skip


def _organisation(request: Request, given: Any) -> int:
    p = _principal(request)
    if given not in (None, ""):
        try:
            return int(given)
        except (TypeError, ValueError):
            raise duties.DutyError([f"organisation_id：应为机构编号（正整数），收到“{given}”"]) from None
    if p.organisation_id is None:
        raise duties.DutyError(["organisation_id：请指定机构编号"])
    return p.organisation_id


@router.post("/duties/profile", summary="医疗机构档案：等级、是否公立、是否承接临床试验", responses=_WRITE)
def set_profile(request: Request, body: ProfileBody, key: IdemKey) -> ProfileReply:
    data = body.model_dump(exclude={"organisation_id"})
    p = _principal(request)
    with uow_for(request) as uow:

        def call() -> dict[str, Any]:
            duties.may_use(uow, p)  # refuse who may not before asking which hospital
            return duties.set_profile(uow, p, _organisation(request, body.organisation_id), data, key=key)

        return guarded(request, call)


async def read_upload(request: Request) -> tuple[dict[str, str], duties.Upload | None]:
    """The text fields and the file of a multipart form (an empty file field: no file)."""
    ctype = request.headers.get("content-type", "")
    if not ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        raise duties.DutyError(
            [
                "file：请以表单提交（multipart/form-data，带文件时必须），字段为 kind、held_on、notes 和可选的 file"
            ]
        )
    form = await request.form()
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    upload = None
    f = form.get("file")
    if f is not None and not isinstance(f, str) and f.filename:
        upload = duties.Upload(f.filename, await f.read())
    return fields, upload


@router.post(
    "/duties/records",
    status_code=201,
    summary="登记一次会议或接待日（multipart 表单：organisation_id、kind、held_on、notes、file）",
    responses=_WRITE
    | {
        413: {"model": ErrorBody, "description": "请求体超过上传文件的上限（设置 evidence_max_bytes 加表单）"}
    },
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["kind", "held_on"],
                        "properties": {
                            "organisation_id": {
                                "type": "integer",
                                "description": "机构编号（卫健委、管理员）",
                            },
                            "kind": {
                                "type": "string",
                                "enum": [
                                    "ethics_committee",
                                    "pharmacy_committee",
                                    "device_committee",
                                    "reception_day",
                                ],
                            },
                            "held_on": {"type": "string", "format": "date"},
                            "notes": {"type": "string", "maxLength": 2000},
                            "file": {
                                "type": "string",
                                "format": "binary",
                                "description": "纪要或签到表（PDF、PNG、JPEG；大小上限与证明材料相同，见设置 evidence_max_bytes）",
                            },
                        },
                    }
                }
            },
            "required": True,
        }
    },
)
async def add_record(request: Request, key: IdemKey) -> RecordReply:
    p = _principal(request)

    async def parse() -> Any:
        try:
            return await read_upload(request)
        except duties.DutyError as exc:
            return exc

    parsed = await parse()
    settings = settings_of(request)
    with uow_for(request) as uow:

        def call() -> dict[str, Any]:
            duties.may_use(uow, p)  # refuse who may not before saying what is wrong with the form
            if isinstance(parsed, duties.DutyError):
                raise parsed
            fields, upload = parsed
            org = _organisation(request, fields.get("organisation_id"))
            return duties.add_record(
                uow, p, org, fields, upload, today=dt.date.today(), data_dir=settings.data_dir, key=key,
                max_file_bytes=duties.file_limit(settings),
            )  # fmt: skip

        return guarded(request, call)


# -- catalogues ----------------------------------------------------------------------------------

Code = Annotated[str, Path(min_length=1, max_length=60, description="目录代码（见 GET /api/v1/catalogues）")]
VersionId = Annotated[int, Path(ge=1, description="目录版本编号")]


class NewVersion(BaseModel):
    label: str = Field(min_length=1, max_length=100, description="版本名称，如“2026年版”“第一批”")
    note: str = Field(default="", max_length=2000)


class NewEntry(BaseModel):
    product_id: int | None = Field(default=None, ge=1, description="产品编号（产品类目录）")
    name: str | None = Field(default=None, max_length=200, description="名称（名称类目录）")
    note: str = Field(default="", max_length=500)


class NewEntries(BaseModel):
    entries: list[NewEntry] = Field(min_length=1, max_length=5000)


class Publication(BaseModel):
    published_on: dt.date = Field(description="公布日期（不晚于今天）")


class VersionReply(cats.VersionView):
    replayed: bool


class PublishReply(cats.PublishResult):
    replayed: bool


@router.get("/catalogues", summary="目录：各目录的设立条款与版本", responses=_AUTH)
def catalogue_list(request: Request, library: LibraryDep) -> list[cats.CatalogueView]:
    with uow_for(request) as uow:
        return cats.catalogue_list(uow, library.corpus)


@router.get("/catalogues/{code}", summary="一个目录：设立条款、各版本及条目", responses=_READ)
def catalogue(request: Request, library: LibraryDep, code: Code) -> cats.CatalogueView:
    with uow_for(request) as uow:
        return guarded(request, lambda: cats.catalogue(uow, library.corpus, code))


@router.post("/catalogues/{code}/versions", status_code=201, summary="新建目录版本（草稿）", responses=_WRITE)
def create_version(
    request: Request, library: LibraryDep, code: Code, body: NewVersion, key: IdemKey
) -> VersionReply:
    with uow_for(request) as uow:
        return guarded(
            request,
            lambda: cats.create_version(
                uow, _principal(request), library.corpus, code, body.label, body.note, key=key
            ),
        )


@router.post(
    "/catalogue-versions/{version_id}/entries",
    summary="向草稿版本添加条目（全部成功或全部不写）",
    responses=_WRITE,
)
def add_entries(
    request: Request, library: LibraryDep, version_id: VersionId, body: NewEntries, key: IdemKey
) -> VersionReply:
    items = [e.model_dump(exclude_none=True) for e in body.entries]
    with uow_for(request) as uow:
        return guarded(
            request,
            lambda: cats.add_entries(uow, _principal(request), library.corpus, version_id, items, key=key),
        )


@router.post(
    "/catalogue-versions/{version_id}/publish",
    summary="公布目录版本：开启各医疗机构1个月内召开药事会的义务，返回产品新进入目录的企业",
    responses=_WRITE,
)
def publish(
    request: Request, library: LibraryDep, version_id: VersionId, body: Publication, key: IdemKey
) -> PublishReply:
    with uow_for(request) as uow:
        return guarded(
            request,
            lambda: cats.publish(
                uow, _principal(request), library.corpus, version_id, body.published_on,
                today=dt.date.today(), key=key,
            ),
        )  # fmt: skip


# -- the ethics-review registry ------------------------------------------------------------------


class NewApproval(BaseModel):
    lead_organisation_id: int | None = Field(default=None, ge=1, description="牵头单位（卫健委、管理员填写）")
    project: str = Field(min_length=1, max_length=300)
    approved_on: dt.date
    reference: str = Field(default="", max_length=100, description="伦理审查批件号")


class NewRecognition(BaseModel):
    organisation_id: int | None = Field(default=None, ge=1, description="互认单位（卫健委、管理员填写）")
    recognised_on: dt.date


class ApprovalReply(ethics.ApprovalView):
    replayed: bool


@router.get(
    "/ethics", summary="伦理审查结果互认登记：牵头单位的批准、互认单位及用时（工作日）", responses=_AUTH
)
def registry(request: Request, library: LibraryDep) -> ethics.Registry:
    with uow_for(request) as uow:
        return guarded(request, lambda: ethics.registry(uow, _principal(request), library.corpus))


@router.post("/ethics", status_code=201, summary="登记牵头单位的伦理审查批准", responses=_WRITE)
def add_approval(request: Request, body: NewApproval, key: IdemKey) -> ApprovalReply:
    with uow_for(request) as uow:
        return guarded(
            request,
            lambda: ethics.record_approval(
                uow, _principal(request), body.model_dump(), today=dt.date.today(), key=key
            ),
        )


@router.post(
    "/ethics/{approval_id}/recognitions",
    status_code=201,
    summary="登记本机构对该伦理审查结果的互认",
    responses=_WRITE,
)
def add_recognition(
    request: Request, approval_id: Annotated[int, Path(ge=1)], body: NewRecognition, key: IdemKey
) -> ApprovalReply:
    with uow_for(request) as uow:
        return guarded(
            request,
            lambda: ethics.record_recognition(
                uow, _principal(request), approval_id, body.model_dump(), today=dt.date.today(), key=key
            ),
        )
