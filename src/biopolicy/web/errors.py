"""Domain and request errors as HTTP answers with a Chinese ``detail``.

Every error body has ``detail``, one sentence a user can act on. A 422 also has ``errors``: one
entry per field with its location (``["query", "limit"]``) so a client can point at the input.
Errors that are ours are logged with the request and answered with a generic 500.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from biopolicy.domain.case import CaseError
from biopolicy.services.library import NotFound, QueryError

log = logging.getLogger(__name__)

INTERNAL_ERROR = "服务器内部错误，已记录在日志中；请稍后再试，如仍出错请联系维护人员。"

MAX_ECHO = 40

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
    "json_invalid": "须为有效的 JSON（{error}）",
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

_HTTP_MESSAGES = {404: "未找到该地址：{path}", 405: "该地址不支持 {method} 请求"}


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
    template = _EXPECTED.get(error.get("type", ""))
    if template is None:
        return f"取值无效（{error.get('msg', '')}）"
    try:
        return template.format(**error.get("ctx", {}))
    except (KeyError, IndexError):
        return template.split("{", 1)[0].rstrip("：") or "取值无效"


def _received(error: dict[str, Any]) -> str:
    if error.get("type") == "missing" or "input" not in error:
        return ""
    shown = repr(error["input"])
    # Echo enough to recognise the input, not a whole pasted document.
    return f"，收到 {shown[:MAX_ECHO] + '…' if len(shown) > MAX_ECHO else shown}"


def validation_body(errors: list[dict[str, Any]]) -> dict[str, Any]:
    items = []
    for e in errors:
        loc = list(e.get("loc", ()))
        items.append({"loc": loc, "msg": expectation(e) + _received(e), "type": e.get("type", "value_error")})
    detail = "；".join(f"{field_name(i['loc'])} {i['msg']}" for i in items) or "请求有误"
    return {"detail": detail, "errors": items}


async def _not_found(request: Request, exc: NotFound) -> JSONResponse:
    return JSONResponse(status_code=404, content={"detail": str(exc)})


async def _bad_query(request: Request, exc: QueryError) -> JSONResponse:
    field = getattr(exc, "field", "q")  # the service names the field; the index's own errors are about q
    loc = ["query", field]
    detail = f"{field_name(loc)} 有误：{exc}"
    return JSONResponse(
        status_code=422,
        content={"detail": detail, "errors": [{"loc": loc, "msg": str(exc), "type": "query"}]},
    )


async def _bad_case(request: Request, exc: CaseError) -> JSONResponse:
    # each problem reads "<field>：<what is expected>"; the field becomes the error's location
    items = []
    for problem in exc.problems:
        field, _, message = problem.partition("：")
        items.append({"loc": ["body", field], "msg": message or problem, "type": "case"})
    return JSONResponse(status_code=422, content={"detail": "；".join(exc.problems), "errors": items})


async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse(status_code=422, content=validation_body(list(exc.errors())))


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    template = _HTTP_MESSAGES.get(exc.status_code)
    detail = template.format(path=request.url.path, method=request.method) if template else exc.detail
    return JSONResponse(status_code=exc.status_code, content={"detail": detail}, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s (query: %s)", request.method, request.url.path, request.url.query)
    return JSONResponse(status_code=500, content={"detail": INTERNAL_ERROR})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(QueryError, _bad_query)
    app.add_exception_handler(CaseError, _bad_case)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
