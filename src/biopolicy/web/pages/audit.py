"""审计记录: the auditor's reading of the trail (services/audit.py), the twin of GET /api/v1/audit.

- GET /audit   newest first, filtered by organisation, user (login) and Beijing dates; 50 a page;
               ``verify=1`` also recomputes the hash chain and says whether it holds.
A filter that cannot be read is said above the form, next to the field, and the page still shows.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from biopolicy.services import audit
from biopolicy.web.pages.render import render
from biopolicy.web.session import uow_for

router = APIRouter()
PAGE = 50


def _date(raw: str | None, field: str, problems: list[str]) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        problems.append(f"{field}：应为 YYYY-MM-DD 格式的日期，收到“{raw[:20]}”")
        return None


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request) -> Response:
    q = request.query_params
    problems: list[str] = []
    org_raw = (q.get("organisation_id") or "").strip()
    organisation_id = None
    if org_raw:
        if org_raw.isdigit() and int(org_raw) >= 1:
            organisation_id = int(org_raw)
        else:
            problems.append(f"organisation_id：机构编号应为正整数，收到“{org_raw[:20]}”")
    since = _date(q.get("since"), "since", problems)
    until = _date(q.get("until"), "until", problems)
    offset_raw = q.get("offset") or "0"
    offset = int(offset_raw) if offset_raw.isdigit() else 0
    user = (q.get("user") or "").strip()[:64] or None
    page = None
    chain = None
    with uow_for(request) as uow:
        if not audit.can_read(request.state.principal):
            raise audit.AuditForbidden("审计记录只对审计人员和管理员开放")
        if not problems:
            try:
                page = audit.trail(
                    uow, request.state.principal, organisation_id=organisation_id, user=user,
                    since=since, until=until, offset=offset, limit=PAGE,
                )  # fmt: skip
            except audit.AuditQueryError as exc:
                problems = exc.problems
        if q.get("verify") == "1":
            chain = uow.audit.verify()
    labels = {"organisation_id": "机构编号", "user": "操作人", "since": "起始日期", "until": "截止日期"}
    errors = {}
    for p in problems:
        field, _, message = p.partition("：")
        errors[field] = f"{labels.get(field, field)}：{message}"
    filters = {
        "organisation_id": org_raw,
        "user": user or "",
        "since": q.get("since") or "",
        "until": q.get("until") or "",
    }
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    return render(
        request,
        "audit.html",
        status_code=422 if problems else 200,
        title="审计记录",
        page=page,
        errors=errors,
        filters=filters,
        chain=chain,
        query=query,
        next_offset=offset + PAGE if page and offset + PAGE < page.total else None,
        prev_offset=max(0, offset - PAGE) if offset else None,
    )
