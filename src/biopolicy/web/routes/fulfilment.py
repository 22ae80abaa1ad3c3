"""What the fulfilment routes share (evidence, 公示, budgets, 免申即享): the idempotency key header and
the answers to the services' refusals, each a Chinese sentence, nothing written.

- refused for this person → 403; no such record → 404;
- the same Idempotency-Key with another request, applying twice, a stored file that no longer matches
  its checksum → 409;
- bad input → 422, one entry per field (``"<field>：<what is expected>"`` as the services word them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Header, Request
from fastapi.responses import Response

from biopolicy.services import applications as apps
from biopolicy.services import evidence as ev
from biopolicy.web.errors import ErrorBody, guard

T = TypeVar("T")

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=100,
        description="幂等键：每个修改请求一个（1–100 个字符）；重试时用同一个，结果不变、不重复写入",
    ),
]

AUTH: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "未登录或会话已过期：请先登录"},
    403: {"model": ErrorBody, "description": "无权查看或办理（或缺少 X-CSRF-Token）"},
}
READ = AUTH | {
    404: {"model": ErrorBody, "description": "没有这个编号的记录"},
    422: {"model": ErrorBody, "description": "输入有误（逐项说明字段）"},
}
WRITE = READ | {
    409: {"model": ErrorBody, "description": "幂等键已用于另一个请求，或同一事项已申报：未写入"},
    422: {"model": ErrorBody, "description": "输入有误（逐项说明字段），未写入"},
}


REFUSALS = (
    ((apps.ApplicationForbidden, PermissionError), 403),
    ((apps.ApplicationNotFound, ev.EvidenceNotFound), 404),
    (ev.EvidenceTampered, 409),
    ((apps.IdempotencyConflict, apps.DuplicateApplication), 409),
    (apps.ApplicationError, 422),
)


def guarded(request: Request, call: Callable[[], T]) -> T | Response:
    """Run a service call; its refusals as the app answers them (JSON, or a page for a browser)."""
    return guard(request, call, REFUSALS)
