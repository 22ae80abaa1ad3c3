"""Domain and request errors as HTTP answers with a Chinese ``detail``.

Every error body is an ``ErrorBody``: ``detail``, one sentence a user can act on, and ``errors``:
one entry per field with its location (``["query", "limit"]``) so a client can point at the input
(empty when the error is not about one field). A browser asking for a page outside /api gets the
same sentence as an HTML page. Errors that are ours are logged with the request and answered with
a generic 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from biopolicy.domain.case import CaseError
from biopolicy.services.library import NotFound, QueryError
from biopolicy.web.work import ClientGone

log = logging.getLogger(__name__)
T = TypeVar("T")

INTERNAL_ERROR = "服务器内部错误，已记录在日志中；请稍后再试，如仍出错请联系维护人员。"

MAX_ECHO = 40


class FieldError(BaseModel):
    loc: list[str | int] = Field(
        description='出错的位置，如 ["query", "limit"] 或 ["body", "events[0].date"]'
    )
    msg: str = Field(description="中文说明：该字段应当是什么")
    type: str = Field(description="错误类别（机器可读），如 missing、date_format、case")


class ErrorBody(BaseModel):
    """Every error answer of the API (400, 404, 405, 413, 422, 500) has this shape."""

    detail: str = Field(description="给用户看的一句中文说明，指出字段及应填写的内容")
    errors: list[FieldError] = Field(description="逐个字段的错误；与某个字段无关的错误为空列表")


def error_body(detail: str, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"detail": detail, "errors": errors or []}


def problem_items(
    problems: Iterable[str] | Mapping[str, str],
    place: str = "body",
    *,
    headers: Sequence[str] = (),
    word: Callable[[str], str] | None = None,
) -> list[dict[str, Any]]:
    """A service's problems as ``ErrorBody.errors``: one item per problem, located at its field.

    The services word a problem ``"<field>：<what is expected>"`` (or give a field → message mapping);
    the field goes in ``loc`` under ``place`` (``body`` or ``query``; a field named in ``headers`` is a
    request header), the rest is ``msg`` (the whole sentence when it names no field). ``word`` rewrites
    each message for the reader (applications: measure ids as titles).
    """
    pairs = (
        list(problems.items())
        if isinstance(problems, Mapping)
        else [
            (field, message or problem)
            for problem in problems
            for field, _, message in [problem.partition("：")]
        ]
    )
    return [
        {
            "loc": ["header" if field in headers else place, field],
            "msg": word(message) if word is not None else message,
            "type": "value_error",
        }
        for field, message in pairs
    ]


def refusal(request: Request, status_code: int, exc: Exception, place: str = "body") -> Response:
    """A service's refusal as the app answers it (JSON, or a page for a browser): its sentence as
    ``detail`` and, when it lists problems, one item per field (``problem_items``)."""
    problems = getattr(exc, "problems", None)
    return error_response(
        request, status_code, error_body(str(exc), problem_items(problems, place) if problems else None)
    )


Refusals = Sequence[tuple[type[Exception] | tuple[type[Exception], ...], int]]


def guard(request: Request, call: Callable[[], T], refusals: Refusals, place: str = "body") -> T | Response:
    """Run a service call; the first of ``refusals`` (exception types → status) that matches what it
    raised is answered by ``refusal``; anything else goes on to the app's handlers."""
    try:
        return call()
    except Exception as exc:
        for kinds, status_code in refusals:
            if isinstance(exc, kinds):
                return refusal(request, status_code, exc, place)
        raise


_PLACES = {
    "query": "查询参数",
    "path": "路径参数",
    "body": "请求体字段",
    "header": "请求头",
    "cookie": "Cookie",
}

# pydantic error type -> what the field should be, in Chinese; {name} comes from the error's ctx.
_EXPECTED = {
    "missing": "为必填项",
    "json_invalid": "须为有效的 JSON（请检查引号、逗号和括号）",
    "dict_type": "须为 JSON 对象",
    "int_parsing": "须为整数",
    "int_type": "须为整数",
    "int_from_float": "须为整数",
    "float_parsing": "须为数字",
    "bool_parsing": "须为 true 或 false",
    "date_from_datetime_parsing": "须为日期，格式 YYYY-MM-DD",
    "date_parsing": "须为日期，格式 YYYY-MM-DD",
    "greater_than": "须大于 {gt}",
    "greater_than_equal": "须大于或等于 {ge}",
    "less_than": "须小于 {lt}",
    "less_than_equal": "须小于或等于 {le}",
    "string_too_short": "长度至少为 {min_length} 个字符",
    "string_too_long": "长度不能超过 {max_length} 个字符",
    "string_type": "须为字符串",
    "enum": "须为以下之一：{expected}",
    "literal_error": "须为以下之一：{expected}",
}

_HTTP_MESSAGES = {
    400: "请求无法解析：请求体须为 UTF-8 编码的有效 JSON，嵌套不超过数百层",
    404: "未找到该地址：{path}",
    405: "该地址不支持 {method} 请求",
    413: "请求体过大：最多 {limit} 字节",
}
_TITLES = {
    400: "请求有误",
    401: "请先登录",
    403: "无权访问",
    404: "未找到",
    405: "请求方式有误",
    413: "内容过大",
    422: "请求有误",
    500: "服务器错误",
}


def field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    """``("query", "limit")`` -> ``查询参数 limit``."""
    if not loc:
        return "请求"
    place, *rest = loc
    name = ".".join(str(part) for part in rest)
    if place in _PLACES:
        return f"{_PLACES[place]} {name}".strip()
    return ".".join(str(part) for part in loc)


def expectation(error: dict[str, Any]) -> str:
    """What the field should have been, in Chinese, from one pydantic error."""
    kind = error.get("type", "")
    if kind == "value_error" and "error" in error.get("ctx", {}):  # our validators word it in Chinese
        return str(error["ctx"]["error"]).partition("：")[2] or str(error["ctx"]["error"])
    template = _EXPECTED.get(kind)
    if template is None:
        msg = str(error.get("msg", ""))
        # our own PydanticCustomError types carry a Chinese message; pydantic's own are English
        return msg if _is_chinese(msg) else f"取值无效（{kind}）"
    try:
        return template.format(**error.get("ctx", {}))
    except (KeyError, IndexError):
        return template.split("{", 1)[0].rstrip("：") or "取值无效"


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _received(error: dict[str, Any]) -> str:
    if error.get("type") in ("missing", "json_invalid") or "input" not in error:
        return ""
    shown = repr(error["input"])
    # Echo enough to recognise the input, not a whole pasted document.
    return f"，收到 {shown[:MAX_ECHO] + '…' if len(shown) > MAX_ECHO else shown}"


def _sentence(item: dict[str, Any]) -> str:
    loc = item["loc"]
    if item["type"] == "json_invalid" and len(loc) == 2 and isinstance(loc[1], int):
        return f"请求体第 {loc[1] + 1} 个字符处 {item['msg']}"
    return f"{field_name(loc)} {item['msg']}"


def validation_body(errors: list[dict[str, Any]]) -> dict[str, Any]:
    items = []
    for e in errors:
        loc = list(e.get("loc", ()))
        items.append({"loc": loc, "msg": expectation(e) + _received(e), "type": e.get("type", "value_error")})
    detail = "；".join(_sentence(i) for i in items) or "请求有误"
    return error_body(detail, items)


def wants_page(request: Request) -> bool:
    """A browser asking for a page (not the API, not the OpenAPI document)."""
    path = request.url.path
    if path.startswith("/api/") or path == "/openapi.json":
        return False
    return "text/html" in request.headers.get("accept", "")


def error_response(
    request: Request, status_code: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response:
    if wants_page(request):
        from biopolicy.web.pages.render import render  # pages import this module's neighbours

        page = render(
            request,
            "error.html",
            status_code=status_code,
            title=_TITLES.get(status_code, "请求有误"),
            message=body["detail"],
            back=("/", "返回首页"),
        )
        if headers:
            page.headers.update(headers)
        return page
    return JSONResponse(status_code=status_code, content=body, headers=headers)


async def _not_found(request: Request, exc: NotFound) -> Response:
    return error_response(request, 404, error_body(str(exc)))


async def _bad_query(request: Request, exc: QueryError) -> JSONResponse:
    field = getattr(exc, "field", "q")  # the service names the field; the index's own errors are about q
    loc = ["query", field]
    detail = f"{field_name(loc)} 有误：{exc}"
    return JSONResponse(
        status_code=422, content=error_body(detail, [{"loc": loc, "msg": str(exc), "type": "query"}])
    )


async def _bad_case(request: Request, exc: CaseError) -> JSONResponse:
    # each problem names its field; the field becomes the error's location
    items = [{"loc": ["body", p.path], "msg": p.message, "type": "case"} for p in exc.problems]
    return JSONResponse(status_code=422, content=error_body("；".join(exc.messages), items))


async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
    return error_response(request, 422, validation_body(list(exc.errors())))


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    template = _HTTP_MESSAGES.get(exc.status_code)
    if template is not None:
        limit = getattr(request.app.state, "settings", None)
        detail = template.format(
            path=request.url.path[:200],
            method=request.method[:20],
            limit=limit.max_body_bytes if limit is not None else "",
        )
    else:
        detail = exc.detail if _is_chinese(str(exc.detail)) else f"请求有误（HTTP {exc.status_code}）"
    headers = exc.headers
    if exc.status_code == 405:
        headers = {**(headers or {}), "Allow": _allowed(request)}
    return error_response(request, exc.status_code, error_body(detail), headers=headers)


def _allowed(request: Request) -> str:
    """Every method the path answers to: Starlette's 405 names only the first route that matched
    the path, though GET and POST on one path are two routes."""
    path = request.url.path
    methods: set[str] = set()
    for route in request.app.routes:
        contexts = getattr(route, "effective_route_contexts", None)  # an included router (FastAPI ≥ 0.16x)
        pairs = (
            [(c.path, c.methods) for c in contexts()]
            if contexts is not None
            else [(getattr(route, "path", ""), getattr(route, "methods", None))]
        )
        for template, answered in pairs:
            if answered and compile_path(template)[0].match(path):
                methods |= set(answered)
    return ", ".join(sorted(methods))


async def _client_gone(request: Request, exc: ClientGone) -> Response:
    # nobody is listening; 499 (nginx's "client closed request") keeps the access log honest
    return Response(status_code=499)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s (query: %s)", request.method, request.url.path, request.url.query)
    return error_response(request, 500, error_body(INTERNAL_ERROR))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(QueryError, _bad_query)
    app.add_exception_handler(CaseError, _bad_case)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(ClientGone, _client_gone)
    app.add_exception_handler(Exception, _unexpected)
