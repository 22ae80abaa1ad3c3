"""The audit trail as a use case: verify its chain (``biopolicy audit verify``) and read it (the auditor's
page ``/audit`` and ``GET /api/v1/audit``), filtered by organisation, user and date.

Who may read it: auditors (read everything, change nothing) and administrators. The rows are shown as
they were appended: who, when (Beijing time), from where, what (the kind of record in words and its
number), and each changed field's value before and after.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from biopolicy.services.accounts import CHINA, Principal, Role, beijing
from biopolicy.services.database import unit_of_work
from biopolicy.storage.audit import ChainReport
from biopolicy.storage.models import AuditLog, Organisation, User
from biopolicy.storage.uow import UnitOfWork

__all__ = ["AuditForbidden", "AuditPage", "AuditQueryError", "ChainReport", "trail", "verify"]

# the kinds of record, as a reader says them; a kind added later and not named here shows as 其他记录
ENTITY_WORDS = {
    "organisation": "机构",
    "product": "产品",
    "user": "用户",
    "role_assignment": "角色",
    "saved_case": "保存的测算",
    "saved_case_version": "测算版本",
    "application": "兑现申报",
    "review_action": "审核操作",
    "award": "奖励台账",
    "payment": "支付",
    "idempotency_key": "请求去重记录",
    "credit_blacklist": "失信名单",
    "watch_entry": "在研在审产品",
    "milestone": "产品里程碑",
    "service_assignment": "服务专员分配",
    "service_note": "服务记录",
    "evidence": "证明材料",
    "notice_batch": "公示批次",
    "notice_item": "公示名单条目",
    "objection": "公示异议",
    "budget": "年度预算",
    "budget_line": "预算占用",
    "proactive_import": "免申即享数据导入",
    "proactive_record": "免申即享名单记录",
    "proposal": "免申即享拟兑现名单",
    "user_contact": "联系方式",
    "subscription": "订阅",
    "hospital_profile": "医院信息",
    "duty_record": "职责履行记录",
    "catalogue_version": "目录版本",
    "catalogue_entry": "目录条目",
    "ethics_approval": "伦理审查批件",
    "ethics_recognition": "伦理审查结果互认",
    "enterprise_request": "企业诉求",
    "request_message": "诉求办理记录",
    "request_attachment": "诉求附件",
    "target_actual": "目标实际值",
}
ACTION_WORDS = {"insert": "新增", "update": "修改", "delete": "删除"}
MAX_PAGE = 200


class AuditForbidden(PermissionError):
    """Only auditors and administrators read the trail."""


class AuditQueryError(ValueError):
    """A filter that cannot be read; each problem reads "field：what is expected"."""

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


class FieldChange(BaseModel):
    field: str
    before: Any = None
    after: Any = None


class AuditRowView(BaseModel):
    seq: int
    at: str  # Beijing time, as users read it
    at_utc: dt.datetime
    actor: str  # as recorded: ``user:<id>:<login>``, ``cli:…``, ``system`` …
    actor_words: str  # the user's login and name where the actor is a user
    source_ip: str | None
    action: str
    action_words: str
    entity: str
    entity_words: str
    entity_id: str
    organisation_id: int | None
    organisation_name: str | None
    changes: list[FieldChange]
    hash: str


class AuditPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[AuditRowView]


def verify(url: str | None = None) -> ChainReport:
    """Recompute the hash chain; the report names the first row that does not fit."""
    with unit_of_work(url=url, read_only=True) as uow:
        return uow.audit.verify()


def can_read(principal: Principal | None) -> bool:
    return principal is not None and principal.has(Role.auditor, Role.administrator)


def _changes(row: AuditLog) -> list[FieldChange]:
    before, after = row.before or {}, row.after or {}
    out = []
    for name in sorted(set(before) | set(after)):
        if name in ("version",):
            continue  # the optimistic-lock counter: no meaning to a reader
        b, a = before.get(name), after.get(name)
        if row.action == "update" and b == a:
            continue
        out.append(FieldChange(field=name, before=b, after=a))
    return out


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), CHINA).astimezone(dt.UTC)


def trail(
    uow: UnitOfWork,
    principal: Principal | None,
    *,
    organisation_id: int | None = None,
    user: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    offset: int = 0,
    limit: int = 50,
) -> AuditPage:
    """The trail, newest first, filtered by organisation, by the user who acted (login) and by Beijing
    dates ``since``..``until`` (both days included)."""
    if not can_read(principal):
        raise AuditForbidden("审计记录只对审计人员和管理员开放")
    problems = []
    if since is not None and until is not None and until < since:
        problems.append(f"until：截止日期 {until.isoformat()} 早于起始日期 {since.isoformat()}")
    if not 1 <= limit <= MAX_PAGE:
        problems.append(f"limit：每页条数应为 1–{MAX_PAGE}，收到 {limit}")
    if offset < 0:
        problems.append(f"offset：应为非负整数，收到 {offset}")
    actor = None
    if user:
        found = uow.session.query(User).filter(User.login == user).one_or_none()
        if found is None:
            problems.append(f"user：没有登录名为“{user}”的用户")
        else:
            actor = f"user:{found.id}:{found.login}"
    if organisation_id is not None and uow.session.get(Organisation, organisation_id) is None:
        problems.append(f"organisation_id：没有编号为 {organisation_id} 的机构")
    if problems:
        raise AuditQueryError(problems)
    window = {
        "organisation_id": organisation_id,
        "actor": actor,
        "since": _day_start(since) if since else None,
        "until": _day_start(until + dt.timedelta(days=1)) if until else None,
    }
    rows = uow.audit.entries(**window, offset=offset, limit=limit)
    org_ids = {r.organisation_id for r in rows if r.organisation_id is not None}
    names = {
        o.id: o.name
        for o in (uow.session.query(Organisation).filter(Organisation.id.in_(org_ids)) if org_ids else [])
    }
    items = []
    for r in rows:
        parts = r.actor.split(":", 2)
        actor_words = f"用户 {parts[2]}" if parts[0] == "user" and len(parts) == 3 else r.actor
        items.append(
            AuditRowView(
                seq=r.seq,
                at=beijing(r.at),
                at_utc=r.at,
                actor=r.actor,
                actor_words=actor_words,
                source_ip=r.source_ip,
                action=r.action,
                action_words=ACTION_WORDS.get(r.action, r.action),
                entity=r.entity,
                entity_words=ENTITY_WORDS.get(r.entity, "其他记录"),
                entity_id=r.entity_id,
                organisation_id=r.organisation_id,
                organisation_name=names.get(r.organisation_id) if r.organisation_id else None,
                changes=_changes(r),
                hash=r.hash,
            )
        )
    return AuditPage(total=uow.audit.count(**window), offset=offset, limit=limit, items=items)
