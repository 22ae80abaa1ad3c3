"""Enterprise requests (诉求): file, route, answer, close, rate; overdue ones escalate (issue 12 §3).

xm-2025-1 二十 asks for a fast-response mechanism for enterprises' requests and tracking of the whole
service; fj-2023-7 12 for staff assigned to key enterprises; fj-yj-2025-30 （三） for feeding back
enterprises' requests promptly. policies/_requests/routing.yaml says, with its clauses and notes,
which department answers each category, within how many working days (default 5), and who
coordinates (the department an overdue request escalates to).

Who may:
* an enterprise's staff (applicant role) file requests for their organisation, see its requests
  with their answers, and rate a closed one (1–5, once);
* a department's reviewers see the requests routed to it, answer and close them;
* the coordinating department sees every request and may answer an escalated one; auditors and
  administrators see every request (and change nothing here).

Deadline: the ``respond_days``-th working day after the day of filing (engine/calendar.py; holidays
and make-up working days per the official schedule). A request not answered by then is overdue from
the next day and escalates to the coordinating department: ``escalate_due`` (the command
``biopolicy requests escalate``) records it for every overdue request, and every read records it for
the requests it shows; either way once (the row is locked, a recorded escalation is never repeated),
audited, with a message on the request. ``notify_escalation`` is the one place a notification goes.

Every change takes an idempotency key (the same key and request: the first answer, nothing written
again) and locks the organisation's row first, as services/applications.py does. Refusals are Chinese
sentences naming the field; nothing is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from biopolicy.engine.calendar import WorkingCalendar
from biopolicy.rules.calendar import load_schedules
from biopolicy.rules.loader import RulesError
from biopolicy.rules.request_routing import Routing, load_routing
from biopolicy.services import notifications
from biopolicy.services.accounts import Principal, Role, departments
from biopolicy.services.applications import lock_organisation
from biopolicy.settings import get_settings
from biopolicy.storage.ledger_models import IdempotencyKey
from biopolicy.storage.models import Organisation, User, utcnow
from biopolicy.storage.request_models import EnterpriseRequest, RequestAttachment, RequestMessage
from biopolicy.storage.uow import UnitOfWork

MAX_TITLE = 200
MAX_TEXT = 5000
MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # a technical limit of the platform, not a policy figure
# what a file's first bytes must be for the type it claims: PDF and the common image formats
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
EXTENSIONS = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
STATUS_WORDS = {"open": "待答复", "answered": "已答复", "closed": "已办结"}
KIND_WORDS = {
    "answer": "答复",
    "note": "说明",
    "escalation": "提请统筹协调",
    "close": "办结",
    "rating": "评价",
}


# -- errors --------------------------------------------------------------------------------------


class RequestError(ValueError):
    """Input refused; ``problems`` are Chinese sentences naming the field. Nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


class RequestForbidden(PermissionError):
    """The principal may not see or do this (Chinese)."""


class RequestNotFound(LookupError):
    def __init__(self, request_id: int) -> None:
        super().__init__(f"没有编号为 {request_id} 的诉求")


# -- content: routing and the calendar --------------------------------------------------------------


@cache
def get_routing() -> Routing:
    """routing.yaml, checked: clauses and excerpts (rules), departments named by some clause (here)."""
    from biopolicy.services.library import get_library

    corpus = get_library().corpus
    return check_departments(load_routing(corpus), corpus)


def check_departments(routing: Routing, corpus: Any) -> Routing:
    """Every department of the routing is a 责任单位 some clause names, or RulesError."""
    known = set(departments(corpus))
    unknown = [d for d in routing.departments if d not in known]
    if unknown:
        raise RulesError(
            [f"policies/_requests/routing.yaml：部门“{d}”不是任何条款写明的责任单位" for d in unknown]
        )
    return routing


@cache
def get_calendar() -> WorkingCalendar:
    return WorkingCalendar(load_schedules())


def due_date(filed_on: dt.date, days: int, calendar: WorkingCalendar | None = None) -> dt.date:
    """The ``days``-th working day after the day of filing: the last day an answer is on time."""
    return (calendar or get_calendar()).add_working_days(filed_on, days).date


# -- who may -------------------------------------------------------------------------------------


def is_coordinator(p: Principal, routing: Routing | None = None) -> bool:
    return (routing or get_routing()).coordinator.department in p.departments


def sees_all(p: Principal) -> bool:
    return is_coordinator(p) or p.has(Role.auditor, Role.administrator)


def can_read(p: Principal, row: EnterpriseRequest) -> bool:
    if sees_all(p):
        return True
    if p.has(Role.applicant) and p.organisation_id == row.organisation_id:
        return True
    return row.department in p.departments


def _answering_department(p: Principal, row: EnterpriseRequest, today: dt.date) -> str:
    """The department the principal answers for, or RequestForbidden."""
    if row.department in p.departments:
        return row.department
    coordinator = get_routing().coordinator.department
    if coordinator in p.departments and escalated(row, today):
        return coordinator
    mine = "、".join(p.departments) or "无"
    raise RequestForbidden(
        f"诉求 {row.id} 由{row.department}承办，您所在的部门（{mine}）不能答复或办结；"
        "逾期提请统筹协调后，统筹协调部门也可答复"
    )


# -- what the use cases return -------------------------------------------------------------------


class MessageView(BaseModel):
    kind: str
    kind_label: str
    department: str
    author: str
    on: dt.date
    text: str


class AttachmentView(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str


class RequestView(BaseModel):
    id: int
    organisation_id: int
    organisation_name: str
    category: str
    category_label: str
    title: str
    text: str
    department: str
    status: str
    status_label: str
    filed_on: dt.date
    respond_days: int
    due_on: dt.date
    answered_on: dt.date | None
    closed_on: dt.date | None
    on_time: bool | None  # answered by the due day; None while not answered and not yet late
    overdue: bool  # not answered and past the due day
    escalated: bool
    escalated_on: dt.date | None
    escalated_to: str | None
    rating: int | None
    rating_note: str | None
    basis: str  # the clauses the routing rests on, in Chinese
    notes: list[str]  # interpretation notes of the routing
    messages: list[MessageView] = []
    attachments: list[AttachmentView] = []
    can_answer: bool = False
    can_rate: bool = False


class DepartmentStats(BaseModel):
    department: str
    received: int
    answered_on_time: int
    answered_late: int
    overdue: int  # open, past the due day
    open: int  # open, not yet due
    satisfaction: str | None  # average of the ratings, one decimal, as text
    rated: int


class RequestList(BaseModel):
    today: dt.date
    requests: list[RequestView]
    stats: list[DepartmentStats]
    categories: list[dict[str, str]]
    departments: list[str]
    coordinator: str
    respond_days: int


class EscalationReport(BaseModel):
    today: dt.date
    escalated: list[int]  # ids escalated by this run
    already: int  # overdue requests whose escalation was recorded before


# -- computing -----------------------------------------------------------------------------------


def escalated(row: EnterpriseRequest, today: dt.date) -> bool:
    return row.escalated_on is not None or is_overdue(row, today)


def is_overdue(row: EnterpriseRequest, today: dt.date) -> bool:
    return row.answered_on is None and today > row.due_on


def _on_time(row: EnterpriseRequest, today: dt.date) -> bool | None:
    if row.answered_on is not None:
        return row.answered_on <= row.due_on
    return False if today > row.due_on else None


def _basis(routing: Routing, category: str) -> tuple[str, list[str]]:
    from biopolicy.services.calculator import get_calculator

    names = get_calculator().names
    c = routing.categories.get(category)
    cited = list(c.clauses) if c else []
    basis = "；".join(names.clause(x) for x in cited)
    notes = [n for n in ((c.note if c else None), routing.respond_within.note) if n]
    return basis, [" ".join(n.split()) for n in notes]


def view_of(
    uow: UnitOfWork, row: EnterpriseRequest, p: Principal | None, today: dt.date, *, full: bool = False
) -> RequestView:
    routing = get_routing()
    org = uow.session.get(Organisation, row.organisation_id)
    category = routing.categories.get(row.category)
    basis, notes = _basis(routing, row.category)
    view = RequestView(
        id=row.id, organisation_id=row.organisation_id, organisation_name=org.name if org else "",
        category=row.category, category_label=category.label if category else row.category,
        title=row.title, text=row.text, department=row.department, status=row.status,
        status_label=STATUS_WORDS[row.status], filed_on=row.filed_on, respond_days=row.respond_days,
        due_on=row.due_on, answered_on=row.answered_on, closed_on=row.closed_on,
        on_time=_on_time(row, today), overdue=is_overdue(row, today), escalated=escalated(row, today),
        escalated_on=row.escalated_on,
        escalated_to=row.escalated_to or (routing.coordinator.department if escalated(row, today) else None),
        rating=row.rating, rating_note=row.rating_note, basis=basis, notes=notes,
    )  # fmt: skip
    if p is not None:
        view.can_rate = (
            p.has(Role.applicant)
            and p.organisation_id == row.organisation_id
            and row.status == "closed"
            and row.rating is None
        )
        try:
            view.can_answer = row.status != "closed" and bool(_answering_department(p, row, today))
        except RequestForbidden:
            view.can_answer = False
    if full:
        msgs = list(
            uow.session.scalars(
                select(RequestMessage).where(RequestMessage.request_id == row.id).order_by(RequestMessage.id)
            )
        )
        ids = {m.author_id for m in msgs if m.author_id is not None}
        authors = (
            {u.id: u.display_name for u in uow.session.scalars(select(User).where(User.id.in_(ids)))}
            if ids
            else {}
        )
        view.messages = [
            MessageView(kind=m.kind, kind_label=KIND_WORDS[m.kind], department=m.department,
                        author=authors.get(m.author_id or 0, "系统"), on=m.on, text=m.text)
            for m in msgs
        ]  # fmt: skip
        files = uow.session.scalars(
            select(RequestAttachment)
            .where(RequestAttachment.request_id == row.id)
            .order_by(RequestAttachment.id)
        )
        view.attachments = [_attachment_view(a) for a in files]
    return view


def stats_of(
    rows: Sequence[EnterpriseRequest], today: dt.date, department_names: Sequence[str]
) -> list[DepartmentStats]:
    """Per department: received, answered on time / late, overdue, open, average satisfaction."""
    out = []
    for dept in department_names:
        mine = [r for r in rows if r.department == dept]
        ratings = [r.rating for r in mine if r.rating is not None]
        avg = None
        if ratings:
            from decimal import ROUND_HALF_UP, Decimal

            avg = str((Decimal(sum(ratings)) / len(ratings)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
        out.append(
            DepartmentStats(
                department=dept, received=len(mine),
                answered_on_time=sum(1 for r in mine if r.answered_on is not None and r.answered_on <= r.due_on),
                answered_late=sum(1 for r in mine if r.answered_on is not None and r.answered_on > r.due_on),
                overdue=sum(1 for r in mine if is_overdue(r, today)),
                open=sum(1 for r in mine if r.answered_on is None and not is_overdue(r, today)),
                satisfaction=avg, rated=len(ratings),
            )
        )  # fmt: skip
    return out


# -- plumbing: idempotency, escalation --------------------------------------------------------------


def _once(
    uow: UnitOfWork, key: str, operation: str, organisation_id: int, request: dict[str, Any],
    work: Callable[[], dict[str, Any]],
) -> dict[str, Any]:  # fmt: skip
    key = (key or "").strip()
    if not key or len(key) > 100:
        raise RequestError(["Idempotency-Key：每个修改请求须带 1–100 个字符的幂等键（重试时用同一个）"])
    lock_organisation(uow, organisation_id)
    body = json.dumps({"op": operation, **request}, sort_keys=True, ensure_ascii=False, default=str)
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    seen = uow.session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == key))
    if seen is not None:
        if seen.request_hash != digest or seen.operation != operation:
            raise RequestError([f"Idempotency-Key：幂等键 {key} 已用于另一个请求，不能用于内容不同的请求"])
        return seen.response
    response = work()
    uow.session.add(IdempotencyKey(key=key, organisation_id=organisation_id, operation=operation,
                                   request_hash=digest, response=response))  # fmt: skip
    try:
        uow.commit()
    except IntegrityError:
        uow.rollback()
        raise RequestError([f"Idempotency-Key：幂等键 {key} 正被另一个请求使用，请稍后重试"]) from None
    return response


def notify_escalation(uow: UnitOfWork, row: EnterpriseRequest, coordinator: str) -> int:
    """The one place an escalation is announced: the coordinating department's reviewers are told, in
    the escalation's transaction (services/notifications.py). Returns how many were told."""
    return notifications.notify(
        uow,
        department=coordinator,
        kind="request_escalated",
        title="企业诉求逾期未答复，提请统筹协调",
        body=f"企业诉求“{row.title}”由{row.department}办理，未在 {row.due_on.isoformat()} 前答复"
        f"（时限 {row.respond_days} 个工作日），已提请{coordinator}统筹协调。",
        link=f"/requests/{row.id}",
    )


def _record_escalation(uow: UnitOfWork, row: EnterpriseRequest, today: dt.date) -> bool:
    """Record that an overdue request went to the coordinating department; False if it already had.

    Locks as every change does, the organisation first, then the request's row (PostgreSQL), so a
    reader escalating and a department answering wait for each other instead of deadlocking."""
    lock_organisation(uow, row.organisation_id)
    if uow.backend == "postgresql":
        row = uow.session.scalar(
            select(EnterpriseRequest).where(EnterpriseRequest.id == row.id).with_for_update().execution_options(
                populate_existing=True
            )
        )  # fmt: skip
    if row.escalated_on is not None or not is_overdue(row, today):
        return False
    coordinator = get_routing().coordinator.department
    row.escalated_on = today
    row.escalated_to = coordinator
    row.updated_at = utcnow()
    uow.session.add(RequestMessage(
        request_id=row.id, organisation_id=row.organisation_id, kind="escalation", department=coordinator,
        on=row.escalated_on, at=utcnow(),
        text=f"{row.department}未在 {row.due_on.isoformat()} 前答复（时限 {row.respond_days} 个工作日），"
             f"已提请{coordinator}统筹协调",
    ))  # fmt: skip
    notify_escalation(uow, row, coordinator)
    return True


def escalate_due(uow: UnitOfWork, today: dt.date) -> EscalationReport:
    """Escalate every overdue, unanswered request not yet escalated (the scan); idempotent."""
    rows = list(
        uow.session.scalars(
            select(EnterpriseRequest)
            .where(EnterpriseRequest.answered_on.is_(None), EnterpriseRequest.due_on < today)
            .order_by(EnterpriseRequest.id)
        )
    )
    done = [r.id for r in rows if _record_escalation(uow, r, today)]
    uow.commit()
    return EscalationReport(today=today, escalated=done, already=len(rows) - len(done))


def _escalate_shown(uow: UnitOfWork, rows: Sequence[EnterpriseRequest], today: dt.date) -> None:
    """On read: the requests shown that are overdue get their escalation recorded, once."""
    due = [r for r in rows if r.escalated_on is None and is_overdue(r, today)]
    if not due:
        return
    for r in due:
        _record_escalation(uow, r, today)
    uow.commit()


# -- reading -------------------------------------------------------------------------------------


def _visible(uow: UnitOfWork, p: Principal) -> list[EnterpriseRequest]:
    q = select(EnterpriseRequest).order_by(EnterpriseRequest.id.desc())
    if not sees_all(p):
        if p.has(Role.applicant) and p.organisation_id is not None:
            own = EnterpriseRequest.organisation_id == p.organisation_id
            q = (
                q.where(own | EnterpriseRequest.department.in_(p.departments))
                if p.departments
                else q.where(own)
            )
        elif p.departments:
            q = q.where(EnterpriseRequest.department.in_(p.departments))
        else:
            raise RequestForbidden("只有企业、承办部门、统筹协调部门、审计和管理员可以查看企业诉求")
    return list(uow.session.scalars(q))


def list_requests(uow: UnitOfWork, p: Principal, today: dt.date) -> RequestList:
    routing = get_routing()
    rows = _visible(uow, p)
    _escalate_shown(uow, rows, today)
    shown = routing.departments if sees_all(p) else [d for d in routing.departments if d in p.departments]
    return RequestList(
        today=today,
        requests=[view_of(uow, r, p, today) for r in rows],
        stats=stats_of(rows, today, shown) if shown or sees_all(p) else [],
        categories=[{"code": c.code, "label": c.label, "department": c.department} for c in routing.categories.values()],
        departments=routing.departments, coordinator=routing.coordinator.department,
        respond_days=routing.respond_days,
    )  # fmt: skip


def _readable(uow: UnitOfWork, p: Principal, request_id: int) -> EnterpriseRequest:
    row = uow.session.get(EnterpriseRequest, request_id, populate_existing=True)
    if row is None:
        raise RequestNotFound(request_id)
    if not can_read(p, row):
        raise RequestForbidden(f"诉求 {request_id} 不是本机构提出的，也未交由您所在的部门承办，不能查看")
    return row


def request_detail(uow: UnitOfWork, p: Principal, request_id: int, today: dt.date) -> RequestView:
    row = _readable(uow, p, request_id)
    _escalate_shown(uow, [row], today)
    return view_of(uow, row, p, today, full=True)


def department_stats(uow: UnitOfWork, p: Principal, today: dt.date) -> list[DepartmentStats]:
    return list_requests(uow, p, today).stats


def attachment_file(
    uow: UnitOfWork, p: Principal, request_id: int, attachment_id: int
) -> tuple[Path, AttachmentView]:
    row = _readable(uow, p, request_id)
    a = uow.session.get(RequestAttachment, attachment_id)
    if a is None or a.request_id != row.id:
        raise RequestNotFound(request_id)
    view = AttachmentView(
        id=a.id, filename=a.filename, content_type=a.content_type, size=a.size, sha256=a.sha256
    )
    return storage_dir() / a.sha256, view


# -- writing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes
    content_type: str = ""


def storage_dir() -> Path:
    return get_settings().data_dir / "requests"


def check_upload(u: Upload, index: int, field: str | None = None) -> tuple[str, str]:
    """(content type, sha256) of an attachment, or RequestError naming it (``attachments[i]`` of the
    filing form, or ``field``: the JSON upload's ``file``)."""
    where = field or f"attachments[{index}]"
    name = Path(u.filename or "").name
    if not name:
        raise RequestError([f"{where}：缺少文件名"])
    ext = Path(name).suffix.lower()
    kind = EXTENSIONS.get(ext)
    if kind is None:
        raise RequestError([f"{where}：文件“{name}”的类型不支持，只能上传 PDF 或图片（PNG、JPEG）"])
    if not u.content:
        raise RequestError([f"{where}：文件“{name}”是空的"])
    if len(u.content) > MAX_ATTACHMENT_BYTES:
        raise RequestError(
            [
                f"{where}：文件“{name}”有 {len(u.content) / 1048576:.1f} MB，超过每个附件 {MAX_ATTACHMENT_BYTES // 1048576} MB 的上限"
            ]
        )
    if not u.content.startswith(SIGNATURES[kind]):
        raise RequestError(
            [
                f"{where}：文件“{name}”的内容不是{'PDF' if kind == 'application/pdf' else '图片'}（与扩展名不符）"
            ]
        )
    return kind, hashlib.sha256(u.content).hexdigest()


def _text(data: dict[str, Any], name: str, label: str, limit: int, problems: list[str]) -> str:
    value = str(data.get(name) or "").strip()
    if not value:
        problems.append(f"{name}：请填写{label}")
    elif len(value) > limit:
        problems.append(f"{name}：{label}不能超过 {limit} 个字，现有 {len(value)} 个字")
    return value


def file_request(
    uow: UnitOfWork, p: Principal, data: dict[str, Any], today: dt.date, key: str,
    uploads: Sequence[Upload] = (),
) -> RequestView:  # fmt: skip
    """An enterprise files a request: checked, routed by category (or to the department named), due
    ``respond_days`` working days after today."""
    if not p.has(Role.applicant) or p.organisation_id is None:
        raise RequestForbidden("只有企业的申报人员可以提出诉求")
    routing = get_routing()
    problems: list[str] = []
    given = str(data.get("category") or "").strip()
    category = routing.categories.get(given) or routing.by_label(given)
    if category is None:
        labels = "、".join(c.label for c in routing.categories.values())
        problems.append(
            f"category：{'请选择诉求类别' if not given else f'未知的诉求类别“{given}”'}，应为 {labels} 之一"
        )
    title = _text(data, "title", "诉求标题", MAX_TITLE, problems)
    text = _text(data, "text", "诉求内容", MAX_TEXT, problems)
    department = str(data.get("department") or "").strip()
    if department and department not in routing.departments:
        problems.append(
            f"department：没有“{department}”这个承办部门，应为 {'、'.join(routing.departments)} 之一（或不填，按类别分派）"
        )
    if len(uploads) > MAX_ATTACHMENTS:
        problems.append(f"attachments：最多上传 {MAX_ATTACHMENTS} 个附件，收到 {len(uploads)} 个")
    checked = []
    for i, u in enumerate(uploads[:MAX_ATTACHMENTS]):
        try:
            checked.append((u, *check_upload(u, i)))
        except RequestError as exc:
            problems += exc.problems
    if problems:
        raise RequestError(problems)
    assert category is not None
    dept = department or category.department
    request = {"category": category.code, "title": title, "text": text, "department": dept,
               "files": [h for _, _, h in checked], "on": today.isoformat()}  # fmt: skip

    def work() -> dict[str, Any]:
        row = EnterpriseRequest(
            organisation_id=p.organisation_id, category=category.code, title=title, text=text,
            department=dept, status="open", filed_on=today, respond_days=routing.respond_days,
            due_on=due_date(today, routing.respond_days), routing_version=routing.version,
            created_by=p.user_id or None,
        )  # fmt: skip
        uow.session.add(row)
        uow.session.flush()
        for u, kind, digest in checked:
            _attach(uow, row, u, kind, digest)
        uow.session.flush()
        return view_of(uow, row, p, today, full=True).model_dump(mode="json")

    return RequestView.model_validate(_once(uow, key, "request_file", p.organisation_id, request, work))


def _attach(uow: UnitOfWork, row: EnterpriseRequest, u: Upload, kind: str, digest: str) -> RequestAttachment:
    """Store a checked file (content-addressed: one written for a transaction that then fails is
    harmless) and add it to the request."""
    folder = storage_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / digest
    if not target.exists():
        target.write_bytes(u.content)
    attachment = RequestAttachment(request_id=row.id, organisation_id=row.organisation_id,
                                   filename=Path(u.filename).name[:200], content_type=kind,
                                   size=len(u.content), sha256=digest)  # fmt: skip
    uow.session.add(attachment)
    return attachment


def _attachment_view(a: RequestAttachment) -> AttachmentView:
    return AttachmentView(
        id=a.id, filename=a.filename, content_type=a.content_type, size=a.size, sha256=a.sha256
    )


def attachments_of(uow: UnitOfWork, p: Principal, request_id: int) -> list[AttachmentView]:
    """The attachments of a request one may see, in the order they were added."""
    row = _readable(uow, p, request_id)
    files = uow.session.scalars(
        select(RequestAttachment).where(RequestAttachment.request_id == row.id).order_by(RequestAttachment.id)
    )
    return [_attachment_view(a) for a in files]


def add_attachment(
    uow: UnitOfWork, p: Principal, request_id: int, upload: Upload | None, key: str, field: str = "file"
) -> AttachmentView:
    """The enterprise that filed a request adds a file to it while it is not closed: checked as at
    filing (PDF or image, its content matching its type, at most ``MAX_ATTACHMENT_BYTES``), at most
    ``MAX_ATTACHMENTS`` in all. Who may is checked first, then the file (``None``: none was sent).
    Refusals name ``field``; nothing is written."""
    row = _for_change(uow, request_id)
    if not (p.has(Role.applicant) and p.organisation_id == row.organisation_id):
        raise RequestForbidden(f"只有提出诉求 {row.id} 的企业可以为它添加附件")
    if upload is None:
        raise RequestError([f"{field}：请选择要上传的附件（PDF 或图片：PNG、JPEG）"])
    kind, digest = check_upload(upload, 0, field)
    request = {"id": row.id, "file": digest, "name": Path(upload.filename).name[:200]}

    def work() -> dict[str, Any]:
        if row.status == "closed":
            raise RequestError([f"status：诉求 {row.id} 已于 {row.closed_on} 办结，不能再添加附件"])
        count = uow.session.scalar(
            select(func.count()).select_from(RequestAttachment).where(RequestAttachment.request_id == row.id)
        )
        if count >= MAX_ATTACHMENTS:
            raise RequestError([f"{field}：每件诉求最多 {MAX_ATTACHMENTS} 个附件，已有 {count} 个"])
        attachment = _attach(uow, row, upload, kind, digest)
        row.updated_at = utcnow()
        uow.session.flush()
        return _attachment_view(attachment).model_dump(mode="json")

    return AttachmentView.model_validate(
        _once(uow, key, "request_attach", row.organisation_id, request, work)
    )


def _for_change(uow: UnitOfWork, request_id: int) -> EnterpriseRequest:
    org = uow.session.scalar(
        select(EnterpriseRequest.organisation_id).where(EnterpriseRequest.id == request_id)
    )
    if org is None:
        raise RequestNotFound(request_id)
    lock_organisation(uow, org)
    row = uow.session.get(EnterpriseRequest, request_id, populate_existing=True)
    assert row is not None
    return row


def answer(
    uow: UnitOfWork,
    p: Principal,
    request_id: int,
    text: str,
    today: dt.date,
    key: str,
    *,
    close: bool = False,
) -> RequestView:
    """The department answers (and, when ``close``, closes): the first answer sets the answer day."""
    row = _for_change(uow, request_id)
    dept = _answering_department(p, row, today)
    words = (text or "").strip()
    problems = []
    if not words:
        problems.append("text：请填写答复内容")
    elif len(words) > MAX_TEXT:
        problems.append(f"text：答复不能超过 {MAX_TEXT} 个字")
    if problems:
        raise RequestError(problems)
    request = {"id": row.id, "text": words, "close": close, "on": today.isoformat()}

    def work() -> dict[str, Any]:
        if row.status == "closed":
            raise RequestError([f"status：诉求 {row.id} 已于 {row.closed_on} 办结，不能再答复"])
        if is_overdue(row, today) and row.escalated_on is None:
            _record_escalation(uow, row, today)
        uow.session.add(RequestMessage(request_id=row.id, organisation_id=row.organisation_id,
                                       kind="close" if close else "answer", department=dept,
                                       author_id=p.user_id or None, on=today, text=words, at=utcnow()))  # fmt: skip
        if row.answered_on is None:
            row.answered_on = today
        row.status = "closed" if close else "answered"
        if close:
            row.closed_on = today
        row.updated_at = utcnow()
        uow.session.flush()
        return view_of(uow, row, p, today, full=True).model_dump(mode="json")

    return RequestView.model_validate(_once(uow, key, "request_answer", row.organisation_id, request, work))


def close(uow: UnitOfWork, p: Principal, request_id: int, text: str, today: dt.date, key: str) -> RequestView:
    """Close a request; the closing words are its answer when it had none."""
    return answer(uow, p, request_id, text, today, key, close=True)


def rate(
    uow: UnitOfWork, p: Principal, request_id: int, rating: Any, note: str, today: dt.date, key: str
) -> RequestView:
    """The enterprise rates the outcome (1–5) once the request is closed; once."""
    row = _for_change(uow, request_id)
    if not (p.has(Role.applicant) and p.organisation_id == row.organisation_id):
        raise RequestForbidden(f"只有提出诉求 {row.id} 的企业可以评价办理结果")
    problems = []
    try:
        value = int(str(rating).strip())
        if str(value) != str(rating).strip():
            raise ValueError
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        problems.append(f"rating：满意度应为 1 到 5 的整数（5 为非常满意），收到“{rating}”")
    if len((note or "").strip()) > 1000:
        problems.append("note：评价说明不能超过 1000 个字")
    if problems:
        raise RequestError(problems)
    request = {"id": row.id, "rating": value, "note": (note or "").strip()}

    def work() -> dict[str, Any]:
        if row.status != "closed":
            raise RequestError(
                [f"status：诉求 {row.id} 尚未办结（当前“{STATUS_WORDS[row.status]}”），办结后才能评价"]
            )
        if row.rating is not None:
            raise RequestError([f"rating：诉求 {row.id} 已评价（{row.rating} 分），不能重复评价"])
        row.rating, row.rating_note = value, (note or "").strip() or None
        row.updated_at = utcnow()
        uow.session.add(RequestMessage(request_id=row.id, organisation_id=row.organisation_id, kind="rating",
                                       author_id=p.user_id or None, on=today, at=utcnow(),
                                       text=f"满意度 {value} 分" + (f"：{row.rating_note}" if row.rating_note else "")))  # fmt: skip
        uow.session.flush()
        return view_of(uow, row, p, today, full=True).model_dump(mode="json")

    return RequestView.model_validate(_once(uow, key, "request_rate", row.organisation_id, request, work))
