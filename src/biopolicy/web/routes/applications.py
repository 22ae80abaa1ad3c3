"""兑现 as JSON: the twins of /applications… (services/applications.py changes, services/fulfilment.py
reads).

Every state-changing request carries an ``Idempotency-Key`` header (1–100 characters; a retry sends
the same one): the same key with the same request answers the first answer again and writes
nothing (``replayed: true``), the same key with another request is refused (409). Refusals:
a service's Chinese message naming the field (422, nothing written), applying twice (409, with
the existing application's address), not one's to see or do (403), no such application (404).
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from biopolicy.services import applications as apps
from biopolicy.services import fulfilment as ff
from biopolicy.services.applications import STATUS_WORDS
from biopolicy.services.calculator import Calculator
from biopolicy.web.deps import CalculatorDep
from biopolicy.web.errors import ErrorBody, error_body, error_response, problem_items
from biopolicy.web.session import settings_of, uow_for

router = APIRouter(tags=["兑现"])
T = TypeVar("T")

_AUTH = {
    401: {"model": ErrorBody, "description": "未登录或会话已过期：请先登录"},
    403: {
        "model": ErrorBody,
        "description": "无权查看或办理（不是本机构、不是责任单位、角色不符，或缺少 X-CSRF-Token）",
    },
}
_LIST = _AUTH | {422: {"model": ErrorBody, "description": "查询条件有误（说明字段）"}}
_ONE = _AUTH | {404: {"model": ErrorBody, "description": "没有这个编号的申报"}}


class DuplicateBody(ErrorBody):
    """Applying twice for the same achievement and measure: the existing application."""

    existing_id: int = Field(description="已有申报的编号")
    existing_url: str = Field(description="已有申报的页面地址")


_ACT = _ONE | {
    409: {"model": ErrorBody, "description": "幂等键已用于内容不同的请求，未写入"},
    422: {"model": ErrorBody, "description": "输入有误或当前状态不能办理（说明字段），未写入"},
}
_START = _AUTH | {
    409: {
        "model": DuplicateBody,
        "description": "同一事项已就同一措施申报过（附已有申报的地址），或幂等键冲突；未写入",
    },
    422: {"model": ErrorBody, "description": "输入有误（说明字段），未写入"},
}

AppId = Annotated[int, Path(ge=1, le=2**31 - 1, description="申报编号")]
# Optional in the schema so that who may act is checked first (403 before 422); the service refuses a
# missing key with a 422 naming the header, and nothing is written.
IdemKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        max_length=100,
        description="幂等键（必填）：每个修改请求一个（如 UUID）；重试时用同一个，不会重复办理",
    ),
]

_MEASURE_ID = re.compile(r"[a-z][a-z0-9-]*/[A-Za-z0-9/_-]+")


def plain(text: str, calculator: Calculator) -> str:
    """A service's sentence with measure ids replaced by the measures' titles (users read titles)."""

    def title(m: re.Match[str]) -> str:
        measure = calculator.rules.measures.get(m.group(0))
        return f"“{measure.title}”" if measure is not None else m.group(0)

    return _MEASURE_ID.sub(title, text).replace("措施 “", "措施“")


def _items(problems: list[str], calculator: Calculator, place: str = "body") -> list[dict[str, Any]]:
    return problem_items(
        problems, place, headers=("Idempotency-Key",), word=lambda message: plain(message, calculator)
    )


def refusal_body(
    exc: Exception, calculator: Calculator, measure_id: str | None = None, place: str = "body"
) -> tuple[int, dict[str, Any]]:
    """A service's refusal as (status, ErrorBody): 409 applying twice or a reused key, 422 bad input,
    403 not one's to do, 404 no such application."""
    if isinstance(exc, apps.DuplicateApplication):
        measure = calculator.rules.measures.get(measure_id or "")
        url = f"/applications/{exc.existing_id}"
        detail = (
            f"该事项已就“{measure.title if measure else '该措施'}”提出过申报（申报编号 {exc.existing_id}），"
            f"不能重复申报；请查看已有申报：{url}"
        )
        body = error_body(detail, [{"loc": ["body", "measure_id"], "msg": detail, "type": "duplicate"}])
        return 409, {**body, "existing_id": exc.existing_id, "existing_url": url}
    if isinstance(exc, apps.IdempotencyConflict):
        return 409, error_body(plain(str(exc), calculator), _items(exc.problems, calculator))
    if isinstance(exc, apps.ApplicationError):
        return 422, error_body(plain(str(exc), calculator), _items(exc.problems, calculator, place))
    if isinstance(exc, apps.ApplicationForbidden):
        return 403, error_body(plain(str(exc), calculator))
    if isinstance(exc, apps.ApplicationNotFound):
        return 404, error_body(str(exc))
    raise exc


REFUSALS = (apps.ApplicationError, apps.ApplicationForbidden, apps.ApplicationNotFound)


def guarded(
    request: Request, calculator: Calculator, call: Callable[[], T], measure_id: str | None = None
) -> T | Response:
    try:
        return call()
    except REFUSALS as exc:  # a GET's fields are query parameters
        place = "query" if request.method == "GET" else "body"
        status, body = refusal_body(exc, calculator, measure_id, place)
        return error_response(request, status, body)


# -- bodies and answers -------------------------------------------------------------------------


class NewApplication(BaseModel):
    case_id: str = Field(min_length=1, max_length=32, description="保存的测算的编号")
    measure_id: str = Field(min_length=1, max_length=120, description="措施编号（测算结果中的一项）")
    event_id: str = Field(min_length=1, max_length=100, description="测算中的事项编号")


class Submission(BaseModel):
    credit_commitment: bool = Field(description="已签署信用承诺书（本单位承诺所填信息真实）；须为 true")
    facts: dict[str, Any] | None = Field(default=None, description="补充或更正的事实（事实名: 值）")


class MoreRequest(BaseModel):
    reason: str = Field(max_length=2000, description="需补充的材料或说明（至少 2 个字）")
    working_days: int = Field(description=f"补充期限，工作日（1–{apps.MAX_MORE_DAYS}）")


class Approval(BaseModel):
    amount: str | int = Field(description='核定金额，以元为单位，如 "1000000" 或 "1000000.50"')
    verified_facts: dict[str, Any] | None = Field(default=None, description="审核核实的事实，优先于申报值")
    override_reason: str | None = Field(
        default=None, max_length=2000, description="超出台账测算金额时的书面理由（另需第二名审核人员复核）"
    )


class Rejection(BaseModel):
    reason: str = Field(max_length=2000, description="不予支持的理由（至少 2 个字）")


class Publication(BaseModel):
    working_days: int | None = Field(
        default=None, description="公示期，工作日（默认按平台设置 BIOPOLICY_NOTICE_WORKING_DAYS，未设为 5）"
    )
    from_: dt.date | None = Field(default=None, alias="from", description="公示开始日期（默认今天）")


class PaymentEntry(BaseModel):
    receipt_no: str = Field(max_length=100, description="收款收据编号")
    paid_on: dt.date | None = Field(
        default=None, description="支付日期（默认今天；不得晚于今天，分期的不得早于该期所在年度）"
    )


class ActionResult(BaseModel):
    application_id: int
    url: str = Field(description="申报的页面地址")
    replayed: bool = Field(description="true：同一幂等键的重复请求，返回首次的结果，未重复办理")
    status: str | None = None
    status_label: str | None = None
    due_on: str | None = Field(default=None, description="退回补充材料的截止日期")
    until: str | None = Field(default=None, description="公示截止日期")
    approved_amount: str | None = None
    engine_amount: str | None = Field(default=None, description="台账测算可核定的最高金额")
    passed: bool | None = Field(default=None, description="信用核查是否通过")
    instalment: int | None = Field(default=None, description="本次支付是第几期")
    of: int | None = Field(default=None, description="共几期")
    amount: str | None = Field(default=None, description="本期支付金额（元）")


def result(answer: dict[str, Any]) -> ActionResult:
    status = answer.get("status")
    return ActionResult(
        **{k: v for k, v in answer.items() if k in ActionResult.model_fields},
        url=f"/applications/{answer['application_id']}",
        status_label=STATUS_WORDS.get(status) if status else None,
    )


def _do(
    request: Request,
    calculator: Calculator,
    work: Callable[[Any], dict[str, Any]],
    measure_id: str | None = None,
):  # noqa: ANN202
    with uow_for(request) as uow:
        answer = guarded(request, calculator, lambda: work(uow), measure_id)
    if isinstance(answer, Response):
        return answer
    return result(answer)


# (unit of work, principal, calculator, Idempotency-Key) -> the service's answer
Work = Callable[[Any, Any, Calculator, str], dict[str, Any]]
_KW = inspect.Parameter.KEYWORD_ONLY


def action(name: str, summary: str) -> Callable[[Callable[..., Work]], Callable[..., Any]]:
    """Declare ``POST /applications/{application_id}/<name>``, one action on an application.

    The handler takes the path and the action's body and says which service call to make (a
    ``Work``). What every action shares is done here: the calculator and the ``Idempotency-Key``
    header are taken (web/access.py has checked the role and the CSRF token before), the call runs in
    one unit of work, its refusals are answered (``refusal_body``: 409, 422, 403, 404, nothing
    written), and its answer is an ``ActionResult``. The route keeps the handler's name (operationId).
    """

    def declare(handler: Callable[..., Work]) -> Callable[..., Any]:
        def endpoint(request: Request, calculator: Calculator, key: str = "", **given: Any) -> Any:
            work = handler(**given)
            return _do(request, calculator, lambda uow: work(uow, request.state.principal, calculator, key))

        own = inspect.signature(handler, eval_str=True).parameters.values()
        endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [
                inspect.Parameter("request", _KW, annotation=Request),
                *(param.replace(kind=_KW) for param in own),
                inspect.Parameter("calculator", _KW, annotation=CalculatorDep),
                inspect.Parameter("key", _KW, default="", annotation=IdemKey),
            ],
            return_annotation=ActionResult,
        )
        endpoint.__name__ = endpoint.__qualname__ = handler.__name__
        router.post(f"/applications/{{application_id}}/{name}", summary=summary, responses=_ACT)(endpoint)
        return endpoint

    return declare


# -- lists (declared before /applications/{id}) -------------------------------------------------


@router.get("/applications", summary="全部申报（审计人员、管理员；按机构、状态、措施筛选）", responses=_LIST)
def every(
    request: Request,
    calculator: CalculatorDep,
    organisation_id: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="机构编号")] = None,
    status: Annotated[str | None, Query(max_length=32, description="状态代码")] = None,
    measure_id: Annotated[str | None, Query(max_length=120, description="措施编号")] = None,
) -> ff.Filtered:
    with uow_for(request) as uow:
        return guarded(
            request,
            calculator,
            lambda: ff.every_application(
                uow, request.state.principal, calculator, organisation_id, status, measure_id
            ),
        )


@router.post(
    "/applications", status_code=201, summary="据保存的测算中的一项申请兑现（预填）", responses=_START
)
def start(
    request: Request, body: NewApplication, calculator: CalculatorDep, key: IdemKey = ""
) -> ActionResult:
    p = request.state.principal
    return _do(
        request,
        calculator,
        lambda uow: apps.start(uow, p, calculator, body.case_id, body.measure_id, body.event_id, key),
        body.measure_id,
    )


@router.get("/applications/mine", summary="我的申报：状态、到期日、下一步", responses=_AUTH)
def mine(request: Request, calculator: CalculatorDep) -> ff.ApplicationList:
    with uow_for(request) as uow:
        return guarded(
            request, calculator, lambda: ff.my_applications(uow, request.state.principal, calculator)
        )


@router.get("/applications/worklist", summary="待审清单：本部门负责的申报，先到先审", responses=_AUTH)
def worklist(request: Request, calculator: CalculatorDep) -> ff.ApplicationList:
    with uow_for(request) as uow:
        return guarded(
            request, calculator, lambda: ff.department_worklist(uow, request.state.principal, calculator)
        )


@router.get("/applications/payments", summary="待支付：公示期满的在前，信用核查与分期情况", responses=_AUTH)
def payments(request: Request, calculator: CalculatorDep) -> ff.ApplicationList:
    with uow_for(request) as uow:
        return guarded(
            request, calculator, lambda: ff.finance_queue(uow, request.state.principal, calculator)
        )


class PriorAward(BaseModel):
    organisation_id: int = Field(ge=1, le=2**31 - 1, description="获奖机构的编号")
    measure_id: str | None = Field(
        default=None, max_length=120, description="已编码的措施编号（或填 programme）"
    )
    programme: str | None = Field(default=None, max_length=200, description="未编码的外部项目名称")
    level: str = Field(max_length=16, description="出资层级：national、province、city 或 district")
    amount: str | int = Field(description='已获金额，以元为单位，如 "30000000"')
    date: str = Field(max_length=10, description="所奖励成果的日期 YYYY-MM-DD（计入该年度）")
    product_id: str | None = Field(default=None, max_length=100, description="产品编号")
    subject: str | None = Field(default=None, max_length=200, description="对象（人才等）")
    evidence: str = Field(max_length=2000, description="证明材料：拨付文件文号或凭证")
    event: dict[str, Any] | None = Field(default=None, description="所奖励的成果 {type, date, product_id}")


class PriorAwardResult(BaseModel):
    award_id: int
    replayed: bool = Field(description="true：同一幂等键的重复请求，未重复录入")


@router.post(
    "/prior-awards", status_code=201, summary="录入平台外已获奖励（计入台账，与平台内核定的同样计算）",
    responses=_AUTH | {409: _ACT[409], 422: _ACT[422]},
)  # fmt: skip
def prior_award(
    request: Request, body: PriorAward, calculator: CalculatorDep, key: IdemKey = ""
) -> PriorAwardResult:
    award = body.model_dump(exclude={"organisation_id"}, exclude_none=True)
    with uow_for(request) as uow:
        got = guarded(
            request,
            calculator,
            lambda: apps.record_prior_award(
                uow, request.state.principal, calculator, body.organisation_id, award, key
            ),
        )
    return got if isinstance(got, Response) else PriorAwardResult(**got)


# -- one application ----------------------------------------------------------------------------


@router.get(
    "/applications/{application_id}",
    summary="一份申报：事实、测算结论、审核记录、可办理的操作",
    responses=_ONE,
)
def one(request: Request, application_id: AppId, calculator: CalculatorDep) -> ff.ApplicationDetail:
    with uow_for(request) as uow:
        return guarded(
            request, calculator, lambda: ff.detail(uow, request.state.principal, calculator, application_id)
        )


@action("submit", "签署信用承诺并提交")
def submit(application_id: AppId, body: Submission) -> Work:
    return lambda uow, p, c, key: apps.submit(uow, p, application_id, body.credit_commitment, key, body.facts)


@action("accept", "受理（责任单位）")
def accept(application_id: AppId) -> Work:
    return lambda uow, p, c, key: apps.accept(uow, p, application_id, key)


@action("request-more", "退回补充材料，附期限（工作日）")
def request_more(application_id: AppId, body: MoreRequest) -> Work:
    return lambda uow, p, c, key: apps.request_more(
        uow, p, application_id, body.reason, body.working_days, key
    )


@action("approve", "核定金额（超出台账测算须写明理由并由他人复核）")
def approve(application_id: AppId, body: Approval) -> Work:
    return lambda uow, p, c, key: apps.approve(
        uow, p, c, application_id, str(body.amount), key, body.verified_facts, body.override_reason
    )


@action("reject", "不予支持，写明理由")
def reject(application_id: AppId, body: Rejection) -> Work:
    return lambda uow, p, c, key: apps.reject(uow, p, application_id, body.reason, key)


@action("confirm-override", "第二名审核人员复核超额核定")
def confirm_override(application_id: AppId) -> Work:
    return lambda uow, p, c, key: apps.confirm_override(uow, p, c, application_id, key)


def _notice_days(request: Request) -> int:
    """The platform's 公示 period (setting notice_working_days) when a request does not give one."""
    return settings_of(request).notice_working_days


@action("publish", "列入公示（公示期按工作日计）")
def publish(
    application_id: AppId, body: Publication, default_days: Annotated[int, Depends(_notice_days)]
) -> Work:
    days = body.working_days if body.working_days is not None else default_days
    return lambda uow, p, c, key: apps.publish(
        uow, p, application_id, key, days, body.from_ or dt.date.today()
    )


@action("credit-check", "支付前信用核查（失信名单）")
def credit_check(application_id: AppId) -> Work:
    return lambda uow, p, c, key: apps.credit_check(uow, p, application_id, key)


@action("pay", "登记支付下一期，附收款收据编号")
def pay(application_id: AppId, body: PaymentEntry) -> Work:
    return lambda uow, p, c, key: apps.pay(
        uow, p, c, application_id, body.receipt_no, key, body.paid_on or dt.date.today()
    )
