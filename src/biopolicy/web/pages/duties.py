"""Hospitals' duties, catalogues and the ethics registry as pages: the twins of /api/v1/duties,
/api/v1/catalogues and /api/v1/ethics (services/duties.py, catalogues.py, ethics.py).

- GET  /duties                       a hospital's own duties (the commission: ``?organisation_id=``)
- POST /duties/records               record a meeting or reception day (a form with its file)
- POST /duties/profile               the hospital's grade, public or not, runs trials
- GET  /duties/records/<id>/file     the minutes or attendance uploaded
- GET  /duties/overview              the health commission: every hospital by duty and period, missed first
- GET  /catalogues, /catalogues/<code>; POST versions, import (CSV/XLSX), publish (administrators)
- GET  /ethics; POST an approval, a recognition

A form carries a hidden idempotency key made when the page was shown: sending it twice writes once.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from biopolicy.services import catalogues as cats
from biopolicy.services import duties, ethics
from biopolicy.web.deps import LibraryDep
from biopolicy.web.pages.render import render
from biopolicy.web.routes.duties import guarded
from biopolicy.web.session import form_fields, settings_of, uow_for

router = APIRouter()
OnDay = Annotated[dt.date | None, Query()]


def _key() -> str:
    return secrets.token_urlsafe(16)


def _refused(request: Request, status: int, message: str, back: tuple[str, str]) -> Response:
    return render(request, "error.html", status_code=status, title="未保存", message=message, back=back)


def _write(request: Request, call, back: tuple[str, str]) -> Any:
    """A form's service call; a refusal as a page saying why, with the way back."""
    try:
        return call()
    except (duties.DutyForbidden, cats.CatalogueForbidden) as exc:
        return _refused(request, 403, str(exc), back)
    except (duties.DutyNotFound, cats.CatalogueNotFound) as exc:
        return _refused(request, 404, str(exc), back)
    except (duties.DutyError, cats.CatalogueError) as exc:
        return _refused(request, 422, "未保存，请修改后重新提交：" + "；".join(exc.problems), back)


# -- duties --------------------------------------------------------------------------------------


@router.get("/duties", response_class=HTMLResponse)
def duties_page(
    request: Request,
    library: LibraryDep,
    organisation_id: Annotated[int | None, Query(ge=1)] = None,
    on: OnDay = None,
    since: OnDay = None,
    remind: Annotated[int | None, Query(ge=0, le=60)] = None,
) -> Response:
    p = request.state.principal
    if organisation_id is None and duties.sees_all(p):
        return RedirectResponse("/duties/overview", status_code=303)
    day = on or dt.date.today()
    with uow_for(request) as uow:
        view = guarded(
            request,
            lambda: duties.hospital_compliance(
                uow, p, library.corpus, organisation_id, on=day, since=since, remind=remind
            ),
        )
    if isinstance(view, Response):
        return view
    return render(
        request,
        "duties.html",
        title=f"{view.profile.name}：会议义务",
        view=view,
        key=_key(),
        grades=duties.GRADE_CHOICES,
        kinds=duties.RECORD_CHOICES,
        commission=duties.is_commission(p),
        can_write=duties.is_commission(p) or p.organisation_id == view.profile.organisation_id,
        saved=request.query_params.get("saved"),
        accepted=duties.ACCEPTED,
        max_size=duties.size_text(duties.file_limit(settings_of(request))),
    )


def _back_to_duties(organisation_id: Any) -> tuple[str, str]:
    url = "/duties" + (f"?{urlencode({'organisation_id': organisation_id})}" if organisation_id else "")
    return url, "返回会议义务"


@router.post("/duties/records")
async def record_form(request: Request) -> Response:
    from biopolicy.web.routes.duties import read_upload

    p = request.state.principal
    org_given = (await form_fields(request)).get("organisation_id") or None
    back = _back_to_duties(org_given)
    with uow_for(request) as uow:  # who may not is told so before what is wrong with the form
        refused = _write(request, lambda: duties.may_use(uow, p), back)
    if isinstance(refused, Response):
        return refused
    try:
        fields, upload = await read_upload(request)
    except duties.DutyError as exc:
        return _refused(request, 422, "；".join(exc.problems), back)
    org = int(org_given) if org_given and org_given.isdigit() else p.organisation_id
    settings = settings_of(request)
    with uow_for(request) as uow:
        done = _write(
            request,
            lambda: duties.add_record(
                uow, p, org or 0, fields, upload, today=dt.date.today(), data_dir=settings.data_dir,
                key=fields.get("idempotency_key"), max_file_bytes=duties.file_limit(settings),
            ),
            back,
        )  # fmt: skip
    if isinstance(done, Response):
        return done
    return RedirectResponse(back[0] + ("&" if "?" in back[0] else "?") + "saved=record", status_code=303)


@router.post("/duties/profile")
async def profile_form(request: Request) -> Response:
    p = request.state.principal
    form = await form_fields(request)
    org_given = form.get("organisation_id") or None
    back = _back_to_duties(org_given)
    org = int(org_given) if org_given and org_given.isdigit() else p.organisation_id
    data = {k: form.get(k) for k in ("grade", "public", "runs_trials")}
    with uow_for(request) as uow:
        done = _write(
            request, lambda: duties.set_profile(uow, p, org or 0, data, key=form.get("idempotency_key")), back
        )
    if isinstance(done, Response):
        return done
    return RedirectResponse(back[0] + ("&" if "?" in back[0] else "?") + "saved=profile", status_code=303)


@router.get("/duties/records/{record_id}/file")
def record_file(request: Request, record_id: int) -> Response:
    data_dir = settings_of(request).data_dir
    with uow_for(request) as uow:
        found = guarded(
            request, lambda: duties.record_file(uow, request.state.principal, record_id, data_dir)
        )
    if isinstance(found, Response):
        return found
    path, media, name = found
    return FileResponse(path, media_type=media, filename=name, content_disposition_type="attachment")


@router.get("/duties/overview", response_class=HTMLResponse)
def overview_page(
    request: Request,
    library: LibraryDep,
    on: OnDay = None,
    since: OnDay = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    day = on or dt.date.today()
    with uow_for(request) as uow:
        view = guarded(
            request,
            lambda: duties.commission_overview(
                uow, request.state.principal, library.corpus, on=day, since=since, status=status or None
            ),
        )
    if isinstance(view, Response):
        return view
    return render(
        request, "duties_overview.html", title="医疗机构会议义务总览", view=view, status=status or ""
    )


# -- catalogues ----------------------------------------------------------------------------------


@router.get("/catalogues", response_class=HTMLResponse)
def catalogues_page(request: Request, library: LibraryDep) -> Response:
    with uow_for(request) as uow:
        items = cats.catalogue_list(uow, library.corpus)
    return render(request, "catalogues.html", title="目录", items=items)


@router.get("/catalogues/{code}", response_class=HTMLResponse)
def catalogue_page(request: Request, library: LibraryDep, code: str) -> Response:
    with uow_for(request) as uow:
        c = guarded(request, lambda: cats.catalogue(uow, library.corpus, code))
    if isinstance(c, Response):
        return c
    admin = request.state.principal.has("administrator")
    return render(
        request, "catalogue.html", title=c.label, c=c, admin=admin, key=_key, today=dt.date.today(),
        saved=request.query_params.get("saved"),
    )  # fmt: skip


@router.post("/catalogues/{code}/versions")
async def version_form(request: Request, library: LibraryDep, code: str) -> Response:
    form = await form_fields(request)
    back = (f"/catalogues/{code}", "返回目录")
    with uow_for(request) as uow:
        done = _write(
            request,
            lambda: cats.create_version(
                uow, request.state.principal, library.corpus, code, form.get("label", ""), form.get("note", ""),
                key=form.get("idempotency_key"),
            ),
            back,
        )  # fmt: skip
    if isinstance(done, Response):
        return done
    return RedirectResponse(f"/catalogues/{code}?saved=version", status_code=303)


async def _catalogue_of(request: Request, version_id: int) -> str:
    with uow_for(request) as uow:
        return cats.code_of_version(uow, version_id) or ""


@router.post("/catalogue-versions/{version_id}/import")
async def import_form(request: Request, library: LibraryDep, version_id: int) -> Response:
    fields = await form_fields(request)
    code = await _catalogue_of(request, version_id)
    back = (f"/catalogues/{code}" if code else "/catalogues", "返回目录")
    form = await request.form() if request.headers.get("content-type", "").startswith("multipart/") else {}
    f = form.get("file") if form else None
    if f is None or isinstance(f, str) or not f.filename:
        return _refused(request, 422, "file：请选择要导入的 CSV 或 XLSX 文件", back)
    content = await f.read()
    with uow_for(request) as uow:
        done = _write(
            request,
            lambda: cats.import_entries(
                uow, request.state.principal, library.corpus, version_id, f.filename, content,
                key=fields.get("idempotency_key"),
            ),
            back,
        )  # fmt: skip
    if isinstance(done, Response):
        return done
    return RedirectResponse(f"{back[0]}?saved=import", status_code=303)


@router.post("/catalogue-versions/{version_id}/publish")
async def publish_form(request: Request, library: LibraryDep, version_id: int) -> Response:
    form = await form_fields(request)
    code = await _catalogue_of(request, version_id)
    back = (f"/catalogues/{code}" if code else "/catalogues", "返回目录")
    try:
        on = dt.date.fromisoformat(form.get("published_on", "").strip())
    except ValueError:
        return _refused(request, 422, "published_on：公布日期应为 YYYY-MM-DD 格式", back)
    with uow_for(request) as uow:
        done = _write(
            request,
            lambda: cats.publish(
                uow, request.state.principal, library.corpus, version_id, on, today=dt.date.today(),
                key=form.get("idempotency_key"),
            ),
            back,
        )  # fmt: skip
    if isinstance(done, Response):
        return done
    return RedirectResponse(f"{back[0]}?saved=publish", status_code=303)


# -- ethics registry -----------------------------------------------------------------------------


@router.get("/ethics", response_class=HTMLResponse)
def ethics_page(request: Request, library: LibraryDep) -> Response:
    p = request.state.principal
    with uow_for(request) as uow:
        reg = guarded(request, lambda: ethics.registry(uow, p, library.corpus))
    if isinstance(reg, Response):
        return reg
    can_write = duties.is_commission(p) or p.has("applicant")
    return render(
        request, "ethics.html", title="伦理审查结果互认", reg=reg, key=_key, can_write=can_write,
        commission=duties.is_commission(p), saved=request.query_params.get("saved"), own=p.organisation_id,
    )  # fmt: skip


@router.post("/ethics")
async def approval_form(request: Request) -> Response:
    form = await form_fields(request)
    with uow_for(request) as uow:
        done = _write(
            request,
            lambda: ethics.record_approval(
                uow,
                request.state.principal,
                dict(form),
                today=dt.date.today(),
                key=form.get("idempotency_key"),
            ),
            ("/ethics", "返回伦理审查互认"),
        )
    if isinstance(done, Response):
        return done
    return RedirectResponse("/ethics?saved=approval", status_code=303)


@router.post("/ethics/{approval_id}/recognitions")
async def recognition_form(request: Request, approval_id: int) -> Response:
    form = await form_fields(request)
    with uow_for(request) as uow:
        done = _write(
            request,
            lambda: ethics.record_recognition(
                uow, request.state.principal, approval_id, dict(form), today=dt.date.today(),
                key=form.get("idempotency_key"),
            ),
            ("/ethics", "返回伦理审查互认"),
        )  # fmt: skip
    if isinstance(done, Response):
        return done
    return RedirectResponse("/ethics?saved=recognition", status_code=303)
