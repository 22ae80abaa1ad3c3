"""The ethics-review mutual recognition registry (xm-2025-1 六; xm-2023 （十五）).

xm-2025-1 六 sets up mutual recognition of ethics reviews for trials of new drugs and devices whose lead
unit (组长单位) is a Xiamen medical institution; xm-2023 （十五） asks to explore mutual recognition of
multi-centre reviews. The registry keeps a lead institution's approval (project, date, reference), the
institutions that recognised it and when, and how long recognition took, in working days from the
approval to the recognition (engine/calendar.py; an estimate where a year's schedule is not published).

Who: a hospital's staff record their own institution's approvals and recognitions; the health
commission (省卫健委, 市卫健委 reviewers) and administrators may record for any hospital; hospitals, the
commission and auditors read the registry. Enterprises' staff are refused.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from biopolicy.domain import Corpus
from biopolicy.domain.organisation import OrganisationKind
from biopolicy.services import duties
from biopolicy.services.accounts import Principal
from biopolicy.services.duties import DutyError, DutyForbidden, DutyNotFound
from biopolicy.storage.duty_models import EthicsApproval, EthicsRecognition
from biopolicy.storage.models import Organisation
from biopolicy.storage.uow import UnitOfWork

CLAUSES = ("xm-2025-1/m6", "xm-2023/m15")


def _may_read(uow: UnitOfWork, p: Principal) -> None:
    if duties.sees_all(p):
        return
    duties.own_hospital(uow, p)  # refuses anyone who is not a hospital's staff


def _acting_for(uow: UnitOfWork, p: Principal, organisation_id: Any, field: str) -> int:
    """The hospital a change is for: the staff's own; the commission names one."""
    if duties.is_commission(p):
        try:
            org_id = int(organisation_id)
        except (TypeError, ValueError):
            raise DutyError([f"{field}：请选择医疗机构"]) from None
        org = uow.session.get(Organisation, org_id)
        if org is None or org.kind != OrganisationKind.medical_institution.value:
            raise DutyError([f"{field}：没有编号为 {org_id} 的医疗机构"])
        return org_id
    own = duties.own_hospital(uow, p)
    if organisation_id not in (None, "", own, str(own)):
        raise DutyForbidden("只能为本机构登记伦理审查及互认")
    return own


def _date(value: Any, field: str, label: str, today: dt.date, problems: list[str]) -> dt.date | None:
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            problems.append(f"{field}：{label}应为 YYYY-MM-DD 格式的日期，收到“{value}”")
            return None
    if not isinstance(value, dt.date):
        problems.append(f"{field}：请填写{label}（YYYY-MM-DD）")
        return None
    if value > today:
        problems.append(f"{field}：{label} {value.isoformat()} 晚于今天（{today.isoformat()}）")
        return None
    return value


class RecognitionView(BaseModel):
    id: int
    organisation_id: int
    institution: str
    recognised_on: dt.date
    working_days: int
    estimated: bool


class ApprovalView(BaseModel):
    id: int
    lead_organisation_id: int
    lead: str
    project: str
    approved_on: dt.date
    reference: str
    recognitions: list[RecognitionView]


class Registry(BaseModel):
    clauses: list[str]
    citations: list[str]
    approvals: list[ApprovalView]
    recognitions: int
    median_working_days: float | None
    max_working_days: int | None
    hospitals: dict[int, str]  # the institutions one may name (the commission: all)


def _view(a: EthicsApproval, names: Mapping[int, str]) -> ApprovalView:
    cal = duties.calendar()
    recs = []
    for r in a.recognitions:
        took = cal.working_days_between(a.approved_on, r.recognised_on)
        recs.append(
            RecognitionView(
                id=r.id,
                organisation_id=r.organisation_id,
                institution=names.get(r.organisation_id, ""),
                recognised_on=r.recognised_on,
                working_days=took.days,
                estimated=took.estimated,
            )
        )
    return ApprovalView(
        id=a.id,
        lead_organisation_id=a.lead_organisation_id,
        lead=names.get(a.lead_organisation_id, ""),
        project=a.project,
        approved_on=a.approved_on,
        reference=a.reference,
        recognitions=recs,
    )


def registry(uow: UnitOfWork, p: Principal, corpus: Corpus | None = None) -> Registry:
    _may_read(uow, p)
    approvals = list(
        uow.session.scalars(
            select(EthicsApproval)
            .options(selectinload(EthicsApproval.recognitions))
            .order_by(EthicsApproval.approved_on.desc(), EthicsApproval.id.desc())
        )
    )
    hospitals = dict(
        uow.session.execute(
            select(Organisation.id, Organisation.name)
            .where(Organisation.kind == OrganisationKind.medical_institution.value)
            .order_by(Organisation.name)
        ).all()
    )
    views = [_view(a, hospitals) for a in approvals]
    days = [r.working_days for v in views for r in v.recognitions]
    return Registry(
        clauses=list(CLAUSES),
        citations=[duties.cite(corpus, c) for c in CLAUSES],
        approvals=views,
        recognitions=len(days),
        median_working_days=statistics.median(days) if days else None,
        max_working_days=max(days) if days else None,
        hospitals=hospitals if duties.is_commission(p) else {},
    )


def record_approval(
    uow: UnitOfWork, p: Principal, data: Mapping[str, Any], *, today: dt.date, key: str | None
) -> dict[str, Any]:
    """A lead institution's ethics approval of a project."""
    lead = _acting_for(uow, p, data.get("lead_organisation_id"), "lead_organisation_id")
    problems: list[str] = []
    project = str(data.get("project") or "").strip()
    if not project or len(project) > 300:
        problems.append("project：请填写项目名称（不超过 300 字）")
    reference = str(data.get("reference") or "").strip()
    if len(reference) > 100:
        problems.append("reference：批件号不超过 100 字")
    approved = _date(data.get("approved_on"), "approved_on", "伦理审查批准日期", today, problems)
    if problems:
        raise DutyError(problems)
    assert approved is not None

    def work() -> dict[str, Any]:
        row = EthicsApproval(
            lead_organisation_id=lead, project=project, approved_on=approved, reference=reference
        )
        uow.session.add(row)
        uow.session.flush()
        return _view(row, {lead: uow.session.get(Organisation, lead).name}).model_dump(mode="json")

    request = {"lead": lead, "project": project, "on": approved, "ref": reference}
    return duties.once(uow, key, "ethics_approval", lead, request, work)


def record_recognition(
    uow: UnitOfWork,
    p: Principal,
    approval_id: int,
    data: Mapping[str, Any],
    *,
    today: dt.date,
    key: str | None,
) -> dict[str, Any]:
    """An institution recognised a lead institution's approval on a date."""
    duties.may_use(uow, p)
    approval = uow.session.get(EthicsApproval, approval_id)
    if approval is None:
        raise DutyNotFound(f"没有编号为 {approval_id} 的伦理审查登记")
    org_id = _acting_for(uow, p, data.get("organisation_id"), "organisation_id")
    problems: list[str] = []
    on = _date(data.get("recognised_on"), "recognised_on", "互认日期", today, problems)
    if org_id == approval.lead_organisation_id:
        problems.append("organisation_id：牵头单位不需要互认自己的伦理审查结果")
    if on is not None and on < approval.approved_on:
        problems.append(
            f"recognised_on：互认日期 {on.isoformat()} 早于牵头单位的批准日期 {approval.approved_on.isoformat()}"
        )
    if problems:
        raise DutyError(problems)
    assert on is not None

    def work() -> dict[str, Any]:
        dup = uow.session.scalar(
            select(EthicsRecognition.id).where(
                EthicsRecognition.approval_id == approval_id, EthicsRecognition.organisation_id == org_id
            )
        )
        if dup is not None:
            raise DutyError(["organisation_id：本机构已登记过对该项目伦理审查结果的互认"])
        uow.session.add(EthicsRecognition(approval_id=approval_id, organisation_id=org_id, recognised_on=on))
        uow.session.flush()
        uow.session.refresh(approval)
        names = dict(
            uow.session.execute(
                select(Organisation.id, Organisation.name).where(
                    Organisation.id.in_([approval.lead_organisation_id, org_id])
                )
            ).all()
        )
        return _view(approval, names).model_dump(mode="json")

    return duties.once(
        uow, key, "ethics_recognition", org_id, {"approval": approval_id, "org": org_id, "on": on}, work
    )
