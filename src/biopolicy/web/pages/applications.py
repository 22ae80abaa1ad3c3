"""兑现 pages: the twins of /api/v1/applications… (services/applications.py, services/fulfilment.py).

- POST /applications                    申请兑现 from a saved case's entitlement → /applications/<id>
- GET  /applications                    全部申报 (auditors, administrators; by organisation, status, measure)
- GET  /applications/mine               我的申报 (the applicant's organisation)
- GET  /applications/worklist           待审清单 (the reviewer's departments, oldest first)
- GET  /applications/payments           待支付 (finance)
- GET  /applications/notice.{fmt}       公示名单, as xlsx or csv
- GET  /applications/payments.{fmt}     资金拨付清单, as xlsx or csv
- GET  /applications/<id>               one application, with the actions the reader may take
- POST /applications/<id>/<action>      each action, a form with the CSRF token and an idempotency
                                        key drawn when the form was drawn (a double click or a
                                        reload changes nothing)
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from biopolicy.services import applications as apps
from biopolicy.services import evidence as ev
from biopolicy.services import fulfilment as ff
from biopolicy.services import fulfilment_exports as fx
from biopolicy.services import notices
from biopolicy.services.calculator import Calculator
from biopolicy.web.deps import CalculatorDep
from biopolicy.web.errors import error_body, error_response
from biopolicy.web.pages.render import render
from biopolicy.web.routes.applications import REFUSALS, guarded, refusal_body
from biopolicy.web.session import form_fields, settings_of, uow_for

router = APIRouter()
KEY_FIELD = "idempotency_key"
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def new_key() -> str:
    return uuid.uuid4().hex


def yuan(value: Decimal | str | None) -> str:
    return ff.yuan_text(None if value is None else Decimal(value))


def _page(request: Request, template: str, title: str, **context: Any) -> Response:
    return render(request, template, title=title, yuan=yuan, new_key=new_key, **context)


REFUSED_TITLES = {409: "未办理：重复的申报", 403: "无权办理", 404: "未找到", 422: "未办理：请检查填写内容"}


def _refused(
    request: Request,
    calculator: Calculator,
    exc: Exception,
    back: tuple[str, str],
    measure_id: str | None = None,
) -> Response:
    """A refusal as a page: the service's sentence, and the way back (nothing was written)."""
    status, body = refusal_body(exc, calculator, measure_id)
    title = REFUSED_TITLES.get(status, "未办理")
    if status == 409 and "existing_url" not in body:
        title = "未办理：重复提交"
    # a page names the field in words, not by its code (the API's "field：" prefix and loc keep it)
    said = "；".join(_in_words(e["loc"][-1], e["msg"]) for e in body.get("errors") or []) or body["detail"]
    message = said + ("。未做任何更改。" if status in (409, 422) else "")
    return render(request, "error.html", status_code=status, title=title, message=message, back=back)


# the forms' and the service's field names as the pages' labels say them
FIELD_WORDS = {
    "amount": "核定金额", "override_reason": "超出台账测算时的书面理由", "reason": "理由",
    "paid_on": "支付日期", "receipt_no": "收款收据编号", "working_days": "公示期", "from": "公示开始日期",
    "credit_commitment": "信用承诺", "facts": "核实的事实", "verified_facts": "核实的事实",
    "credit_check": "信用核查", "application_id": "申报", "application_ids": "申报", "measure_id": "支持措施",
    "case_id": "测算", "event_id": "成果", "event": "成果", "status": "状态", "title": "标题",
    "level": "出资层级", "evidence": "证明材料", "organisation_id": "申报单位", "credit_code": "统一社会信用代码",
    "raised_on": "异议提出日期", "objection_id": "异议", "proposal_id": "建议", "batch_id": "批次",
    "reviewer": "审核人员", "Idempotency-Key": "提交编号", KEY_FIELD: "提交编号",
}  # fmt: skip


def _in_words(field: object, message: str) -> str:
    """A refusal's sentence with its field named as the form labels it, unless the sentence does."""
    label = FIELD_WORDS.get(str(field))
    return message if label is None or message.startswith(label) else f"{label}：{message}"


# -- lists --------------------------------------------------------------------------------------


@router.get("/applications", response_class=HTMLResponse)
def every_page(
    request: Request,
    calculator: CalculatorDep,
    org: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    status: Annotated[str | None, Query(max_length=32)] = None,
    measure: Annotated[str | None, Query(max_length=120)] = None,
) -> Response:
    with uow_for(request) as uow:
        view = guarded(
            request,
            calculator,
            lambda: ff.every_application(
                uow, request.state.principal, calculator, org, status or None, measure or None
            ),
        )
    if isinstance(view, Response):
        return view
    chosen = {"org": str(org or ""), "status": status or "", "measure": measure or ""}
    return _page(request, "applications_all.html", "全部申报", view=view, chosen=chosen)


@router.post("/applications")
async def start_page(request: Request, calculator: CalculatorDep) -> Response:
    form = await form_fields(request)
    case_id, measure_id, event_id = (str(form.get(k) or "") for k in ("case_id", "measure_id", "event_id"))
    key = str(form.get(KEY_FIELD) or "")
    back = (f"/cases/{case_id}", "返回测算") if case_id.isalnum() else ("/cases", "返回我的测算")

    def work() -> dict[str, Any]:
        with uow_for(request) as uow:
            return apps.start(uow, request.state.principal, calculator, case_id, measure_id, event_id, key)

    try:
        got = await run_in_threadpool(work)
    except REFUSALS as exc:
        if isinstance(exc, apps.DuplicateApplication):
            back = (f"/applications/{exc.existing_id}", "查看已有申报")
        return _refused(request, calculator, exc, back, measure_id)
    return RedirectResponse(f"/applications/{got['application_id']}?done=start", status_code=303)


def _list(request: Request, calculator: Calculator, read: Callable, template: str, title: str) -> Response:
    with uow_for(request) as uow:
        view = guarded(request, calculator, lambda: read(uow, request.state.principal, calculator))
    if isinstance(view, Response):
        return view
    return _page(request, template, title, view=view)


@router.get("/applications/mine", response_class=HTMLResponse)
def mine_page(request: Request, calculator: CalculatorDep) -> Response:
    return _list(request, calculator, ff.my_applications, "applications_mine.html", "我的申报")


@router.get("/applications/worklist", response_class=HTMLResponse)
def worklist_page(request: Request, calculator: CalculatorDep) -> Response:
    return _list(request, calculator, ff.department_worklist, "applications_worklist.html", "待审清单")


@router.get("/applications/payments", response_class=HTMLResponse)
def payments_page(request: Request, calculator: CalculatorDep) -> Response:
    return _list(request, calculator, ff.finance_queue, "applications_payments.html", "待支付")


# -- exports ------------------------------------------------------------------------------------


def _file(request: Request, calculator: Calculator, make: Callable, fmt: str, name: str) -> Response:
    if fmt not in FORMATS:
        return error_response(request, 404, error_body(f"没有这种格式：{fmt[:20]}；可导出 xlsx 或 csv"))
    with uow_for(request) as uow:
        table = guarded(request, calculator, lambda: make(uow, request.state.principal, calculator))
    if isinstance(table, Response):
        return table
    content = fx.to_xlsx(table) if fmt == "xlsx" else fx.to_csv(table)
    filename = f"{name}-{table.made_on.isoformat()}.{fmt}"
    disposition = f"attachment; filename=\"{name}.{fmt}\"; filename*=UTF-8''{_quote(table.title)}-{table.made_on.isoformat()}.{fmt}"
    return Response(
        content, media_type=FORMATS[fmt], headers={"Content-Disposition": disposition, "X-Filename": filename}
    )


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


@router.get("/applications/notice.{fmt}")
def notice_file(request: Request, fmt: str, calculator: CalculatorDep) -> Response:
    return _file(request, calculator, fx.notice_list, fmt, "notice")


@router.get("/applications/payments.{fmt}")
def payments_file(request: Request, fmt: str, calculator: CalculatorDep) -> Response:
    return _file(request, calculator, fx.payment_list, fmt, "payments")


# -- one application ----------------------------------------------------------------------------

DONE_WORDS = {
    "start": "已创建申报，事实已按测算预填。请核对后签署信用承诺并提交。",
    "submit": "已提交，等待责任单位受理。",
    "accept": "已受理。",
    "request_more": "已退回申报单位补充材料。",
    "approve": "已办理核定。",
    "reject": "已作出不予支持的决定。",
    "confirm_override": "已复核同意，金额记入台账。",
    "publish": "已列入公示。",
    "credit_check": "已记录信用核查结果。",
    "pay": "已登记支付。",
    "object": "已提出异议，主管部门将核查处理；处理结果会通知申报单位。",
    "evidence": "证明材料已上传。",
}


@router.get("/applications/{application_id}", response_class=HTMLResponse)
def application_page(request: Request, application_id: int, calculator: CalculatorDep) -> Response:
    with uow_for(request) as uow:
        d = guarded(
            request, calculator, lambda: ff.detail(uow, request.state.principal, calculator, application_id)
        )
    if isinstance(d, Response):
        return d
    done = DONE_WORDS.get(request.query_params.get("done", ""))
    return _page(
        request, "application.html", d.measure_title, d=d, done=done, labels=ff.ACTION_LABELS,
        today=dt.date.today(), notice_days=settings_of(request).notice_working_days, max_days=apps.MAX_MORE_DAYS,
    )  # fmt: skip


def _int(form: dict[str, str], name: str, label: str) -> int:
    value = (form.get(name) or "").strip()
    if not value.isdigit():
        raise apps.ApplicationError([f"{name}：{label}应为正整数（工作日），收到“{value[:20]}”"])
    return int(value)


def _date(form: dict[str, str], name: str, label: str) -> dt.date:
    value = (form.get(name) or "").strip()
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise apps.ApplicationError(
            [f"{name}：{label}应为日期，格式 YYYY-MM-DD，收到“{value[:20]}”"]
        ) from None


def _verified(form: dict[str, str]) -> dict[str, Any] | None:
    """The facts the reviewer filled in (``fact.<name>``); empty fields change nothing."""
    out: dict[str, Any] = {}
    for name, value in form.items():
        if name.startswith("fact.") and value.strip():
            text = value.strip()
            out[name[5:]] = {"是": True, "否": False}.get(text, text)
    return out or None


ACTIONS: dict[str, Callable[..., dict[str, Any]]] = {
    "submit": lambda uow, p, c, i, f, k: apps.submit(
        uow, p, i, f.get("credit_commitment") in ("on", "true", "1"), k
    ),
    "accept": lambda uow, p, c, i, f, k: apps.accept(uow, p, i, k),
    "request-more": lambda uow, p, c, i, f, k: apps.request_more(
        uow, p, i, f.get("reason", ""), _int(f, "working_days", "补充期限"), k
    ),
    "approve": lambda uow, p, c, i, f, k: apps.approve(
        uow,
        p,
        c,
        i,
        f.get("amount", "").replace(",", "").strip(),
        k,
        _verified(f),
        f.get("override_reason") or None,
    ),  # fmt: skip
    "reject": lambda uow, p, c, i, f, k: apps.reject(uow, p, i, f.get("reason", ""), k),
    "confirm-override": lambda uow, p, c, i, f, k: apps.confirm_override(uow, p, c, i, k),
    "publish": lambda uow, p, c, i, f, k: apps.publish(
        uow, p, i, k, _int(f, "working_days", "公示期"), _date(f, "from", "公示开始日期")
    ),
    "credit-check": lambda uow, p, c, i, f, k: apps.credit_check(uow, p, i, k),
    "pay": lambda uow, p, c, i, f, k: apps.pay(
        uow, p, c, i, f.get("receipt_no", ""), k, _date(f, "paid_on", "支付日期")
    ),
}


def _action_route(action: str) -> Callable:
    async def act(request: Request, application_id: int, calculator: CalculatorDep) -> Response:
        form = await form_fields(request)
        key = str(form.get(KEY_FIELD) or "")
        back = (f"/applications/{application_id}", "返回申报")

        def work() -> None:
            with uow_for(request) as uow:
                ACTIONS[action](uow, request.state.principal, calculator, application_id, form, key)

        try:
            await run_in_threadpool(work)
        except REFUSALS as exc:
            return _refused(request, calculator, exc, back)
        done = action.replace("-", "_")
        return RedirectResponse(f"/applications/{application_id}?done={done}", status_code=303)

    act.__name__ = f"{action.replace('-', '_')}_page"
    return act


@router.post("/applications/{application_id}/object", response_class=HTMLResponse)
async def object_page(request: Request, application_id: int, calculator: CalculatorDep) -> Response:
    """公示异议 as a form (anyone logged in who may open the application, while the period runs)."""
    form = await form_fields(request)
    key = str(form.get(KEY_FIELD) or "")
    back = (f"/applications/{application_id}", "返回申报")

    def work() -> None:
        with uow_for(request) as uow:
            notices.object_to(uow, request.state.principal, application_id, form.get("reason", ""), key)

    try:
        await run_in_threadpool(work)
    except REFUSALS as exc:
        return _refused(request, calculator, exc, back)
    return RedirectResponse(f"/applications/{application_id}?done=object", status_code=303)


@router.post("/evidence/upload", response_class=HTMLResponse)
async def evidence_page(request: Request, calculator: CalculatorDep) -> Response:
    """证明材料 upload as a form on the application's page (multipart: application_id, title, file)."""
    form = await request.form() if request.headers.get("content-type", "").startswith("multipart/") else {}
    raw_id = str(form.get("application_id") or "")
    application_id = int(raw_id) if raw_id.isdigit() and int(raw_id) > 0 else None
    back = (
        (f"/applications/{application_id}", "返回申报")
        if application_id
        else ("/applications/mine", "返回我的申报")
    )
    upload = form.get("file")
    settings = settings_of(request)
    content = b""
    if upload is not None and not isinstance(upload, str):
        content = await upload.read(settings.evidence_max_bytes + 1)
    if application_id is None:
        exc: Exception = apps.ApplicationError(["application_id：请从申报页面上传证明材料"])
        return _refused(request, calculator, exc, back)
    title = str(form.get("title") or "").strip() or (getattr(upload, "filename", None) or None)

    def work() -> None:
        with uow_for(request) as uow:
            ev.upload(uow, request.state.principal, calculator, content, title, str(form.get(KEY_FIELD) or ""),
                      application_id=application_id, settings=settings)  # fmt: skip

    try:
        await run_in_threadpool(work)
    except REFUSALS as exc:
        return _refused(request, calculator, exc, back)
    return RedirectResponse(
        f"/applications/{application_id}?done=evidence#application-evidence", status_code=303
    )


for _action in ACTIONS:
    router.add_api_route(
        f"/applications/{{application_id}}/{_action}",
        _action_route(_action),
        methods=["POST"],
        response_class=HTMLResponse,
    )
