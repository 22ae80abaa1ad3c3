"""Saved calculator cases: kept under an organisation, with their history, re-assessed on demand.

A saved case has a short stable id (10 random base32 characters: the address ``/cases/<id>``
carries no case data) and versions 1, 2, …, each with the case as entered, the rules version it
was assessed under and a summary of the answer (per measure: amount and kind). Re-assessing
under today's rules adds a version; ``compare`` shows what changed per measure, side by side.

Who may do what (checked here, whatever the shell):
- read: the organisation's own staff (applicant role, same organisation), auditors, administrators.
  Reviewers do not see drafts: they will see applications once submitted (next issue).
- save a new case or a new version: the organisation's own staff only.
A new version names the version it was based on (``base``); when someone saved another version
since, nothing is written and the message says who and when (optimistic version check).
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from biopolicy.domain.assessment import Assessment, Eligibility
from biopolicy.services.accounts import Principal, Role, beijing
from biopolicy.services.calculator import Calculator
from biopolicy.services.wording import KIND_WORDS_BY_VALUE
from biopolicy.storage.models import SavedCase, SavedCaseVersion, utcnow
from biopolicy.storage.uow import UnitOfWork

ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford's base32, lower case
ID_LENGTH = 10
MAX_TITLE = 200

KIND_WORDS = KIND_WORDS_BY_VALUE  # the words of each amount kind, from services/wording.py
STATUS_WORDS = {"yes": "符合", "unknown": "待补充信息"}


class CaseNotFound(LookupError):
    def __init__(self, case_id: str, n: int | None = None) -> None:
        what = f"测算 {case_id}" + (f" 的第 {n} 版" if n is not None else "")
        super().__init__(f"没有找到{what}")


class CaseForbidden(PermissionError):
    """The principal may not read, or may not change, this organisation's cases (Chinese)."""


class SavedCaseError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


class VersionConflict(ValueError):
    """Someone saved a version since the one this change was based on; nothing was written."""


def new_case_id() -> str:
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))


# -- who may ------------------------------------------------------------------------------------


def can_read(principal: Principal, organisation_id: int) -> bool:
    if principal.has(Role.auditor, Role.administrator):
        return True
    return principal.has(Role.applicant) and principal.organisation_id == organisation_id


def can_write(principal: Principal, organisation_id: int | None) -> bool:
    return (
        organisation_id is not None
        and principal.has(Role.applicant)
        and principal.organisation_id == organisation_id
    )


def _readable(uow: UnitOfWork, principal: Principal, case_id: str) -> SavedCase:
    row = uow.saved_cases.get(case_id.strip().lower())
    if row is None:
        raise CaseNotFound(case_id)
    if not can_read(principal, row.organisation_id):
        raise CaseForbidden("无权查看此测算：测算只对本机构的工作人员、审计人员和管理员可见")
    return row


# -- the summary of an assessment ---------------------------------------------------------------


def summarise(assessment: Assessment) -> dict[str, Any]:
    """What a version keeps of its answer: per measure the amount and its kind, and the totals.

    Per measure, entitlements that count (eligible, not lost to an overlap) are added up; those
    whose eligibility is unknown are kept with status ``unknown``. Money is a string (exact).
    """
    measures: dict[str, dict[str, Any]] = {}
    for e in assessment.entitlements:
        if e.eligibility == Eligibility.no:
            continue
        if e.overlap is not None and e.overlap.outcome in ("lost", "excluded"):
            continue
        status = "yes" if e.eligibility == Eligibility.yes else "unknown"
        entry = measures.setdefault(
            e.measure_id, {"title": e.measure_title, "status": status, "kinds": [], "amount": None}
        )
        if status == "yes":
            entry["status"] = "yes"
        if e.amount.kind not in entry["kinds"]:
            entry["kinds"].append(e.amount.kind)
        if e.amount.value is not None and status == "yes":
            entry["amount"] = str(Decimal(entry["amount"] or 0) + e.amount.value)
    for entry in measures.values():
        kinds = entry.pop("kinds")
        entry["kind"] = kinds[0] if len(kinds) == 1 else "mixed"
    total = next((t for t in assessment.totals if t.year is None), None)
    return {
        "as_of": assessment.as_of,
        "rules_version": assessment.rules_version,
        "covered": assessment.covered,
        "total": {
            "exact": str(total.exact) if total else "0",
            "max_obtainable": str(total.max_obtainable) if total else "0",
            "at_least": str(total.at_least) if total else "0",
        },
        "measures": dict(sorted(measures.items())),
    }


# -- what the use cases return ------------------------------------------------------------------


class VersionView(BaseModel):
    n: int
    rules_version: str
    created_at: str
    created_by: str | None
    summary: dict[str, Any]


class CaseSummaryView(BaseModel):
    id: str
    title: str
    organisation_id: int
    organisation_name: str
    latest: int
    updated_at: str
    rules_version: str
    max_obtainable: str


class CaseView(BaseModel):
    id: str
    title: str
    organisation_id: int
    organisation_name: str
    owner: str
    latest: int
    case: dict[str, Any]  # the newest version's case
    versions: list[VersionView]  # newest first
    current_rules_version: str | None = None
    can_write: bool = False

    @property
    def newest(self) -> VersionView:
        return self.versions[0]

    @property
    def stale(self) -> bool:
        """The newest version was assessed under rules other than today's."""
        return (
            self.current_rules_version is not None and self.newest.rules_version != self.current_rules_version
        )


class CasePage(BaseModel):
    total: int
    offset: int
    items: list[CaseSummaryView]


class ChangeRow(BaseModel):
    measure_id: str
    title: str
    before_kind: str | None
    before_amount: str | None
    before_status: str | None
    after_kind: str | None
    after_amount: str | None
    after_status: str | None
    changed: bool


class Comparison(BaseModel):
    case_id: str
    before: VersionView
    after: VersionView
    rows: list[ChangeRow]

    @property
    def changed(self) -> list[ChangeRow]:
        return [r for r in self.rows if r.changed]


def _names(uow: UnitOfWork, ids: set[int | None]) -> dict[int, str]:
    out = {}
    for user_id in ids:
        if user_id is not None:
            user = uow.users.get(user_id)
            if user is not None:
                out[user_id] = user.display_name
    return out


def _version_view(v: SavedCaseVersion, names: dict[int, str]) -> VersionView:
    return VersionView(
        n=v.n,
        rules_version=v.rules_version,
        created_at=beijing(v.created_at),
        created_by=names.get(v.created_by) if v.created_by is not None else None,
        summary=v.summary,
    )


def _view(uow: UnitOfWork, row: SavedCase, principal: Principal, current: str | None) -> CaseView:
    names = _names(uow, {v.created_by for v in row.versions} | {row.owner_id})
    versions = sorted(row.versions, key=lambda v: v.n, reverse=True)
    return CaseView(
        id=row.id,
        title=row.title,
        organisation_id=row.organisation_id,
        organisation_name=row.organisation.name,
        owner=names.get(row.owner_id, str(row.owner_id)),
        latest=row.latest,
        case=versions[0].case,
        versions=[_version_view(v, names) for v in versions],
        current_rules_version=current,
        can_write=can_write(principal, row.organisation_id),
    )


# -- use cases ----------------------------------------------------------------------------------


def _title(title: str | None, case: dict[str, Any]) -> str:
    title = (title or "").strip()
    if not title:
        applicant = case.get("applicant") if isinstance(case.get("applicant"), dict) else {}
        title = f"{applicant.get('name') or '测算'} {utcnow().date().isoformat()}"
    if len(title) > MAX_TITLE:
        raise SavedCaseError([f"title：标题最多 {MAX_TITLE} 个字，收到 {len(title)} 个"])
    return title


def _assess(calculator: Calculator, case: dict[str, Any]) -> tuple[dict[str, Any], Assessment]:
    """The case as stored (plain JSON) and its assessment; CaseError (domain) names bad fields."""
    assessment = calculator.assess(case)
    return case, assessment


def save_case(
    uow: UnitOfWork,
    principal: Principal,
    calculator: Calculator,
    case: dict[str, Any],
    title: str | None = None,
) -> CaseView:
    """A new saved case under the principal's organisation, version 1."""
    if not can_write(principal, principal.organisation_id):
        raise CaseForbidden("只有机构的工作人员（申报单位工作人员）可以保存测算；请用本机构的账号登录")
    title = _title(title, case)
    case, assessment = _assess(calculator, case)
    now = utcnow()
    assert principal.organisation_id is not None
    for _attempt in range(5):  # an id already taken (one in 2^50 per case) is drawn again
        row = SavedCase(
            id=new_case_id(),
            organisation_id=principal.organisation_id,
            owner_id=principal.user_id,
            title=title,
            latest=1,
            created_at=now,
            updated_at=now,
        )
        if uow.saved_cases.get(row.id) is None:
            break
    row.versions.append(_version(row, 1, case, assessment, principal))
    uow.saved_cases.add(row)
    uow.commit()
    return _view(uow, row, principal, calculator.rules.version)


def _version(
    row: SavedCase, n: int, case: dict[str, Any], assessment: Assessment, principal: Principal
) -> SavedCaseVersion:
    return SavedCaseVersion(
        organisation_id=row.organisation_id,
        n=n,
        case=case,
        rules_version=assessment.rules_version,
        summary=summarise(assessment),
        created_at=utcnow(),
        created_by=principal.user_id,
    )


def add_version(
    uow: UnitOfWork,
    principal: Principal,
    calculator: Calculator,
    case_id: str,
    base: int,
    case: dict[str, Any] | None = None,
) -> CaseView:
    """A new version based on version ``base``: the case given, or the newest one re-assessed under
    today's rules. Refused, with nothing written, when someone saved a version after ``base``."""
    row = _readable(uow, principal, case_id)
    if not can_write(principal, row.organisation_id):
        raise CaseForbidden("只有本机构的工作人员可以修改或重新测算此测算；审计人员和管理员只能查看")
    if base != row.latest:
        raise _conflict(uow, row, base)
    if case is None:
        case = max(row.versions, key=lambda v: v.n).case
    case, assessment = _assess(calculator, case)
    n = row.latest + 1
    row.versions.append(_version(row, n, case, assessment, principal))
    row.latest = n
    row.updated_at = utcnow()
    try:
        uow.commit()  # the UPDATE names the version read (version_id_col): a concurrent save fails here
    except (StaleDataError, IntegrityError):
        uow.rollback()
        fresh = uow.saved_cases.get(row.id)
        raise _conflict(uow, fresh or row, base) from None
    return _view(uow, row, principal, calculator.rules.version)


def _conflict(uow: UnitOfWork, row: SavedCase, base: int) -> VersionConflict:
    uow.session.refresh(row)
    newest = max(row.versions, key=lambda v: v.n)
    who = _names(uow, {newest.created_by}).get(newest.created_by or 0, "其他人")
    return VersionConflict(
        f"此测算在您打开后已被{who}于 {beijing(newest.created_at)} 保存为第 {newest.n} 版"
        f"（您依据的是第 {base} 版），您的修改未保存。请先查看第 {newest.n} 版，再决定是否重新保存。"
    )


def get_case(
    uow: UnitOfWork, principal: Principal, case_id: str, current_rules: str | None = None
) -> CaseView:
    return _view(uow, _readable(uow, principal, case_id), principal, current_rules)


def list_cases(
    uow: UnitOfWork,
    principal: Principal,
    *,
    organisation_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> CasePage:
    """The organisation's cases for its staff; every organisation's (or one's) for auditors and
    administrators; refused to anyone else."""
    if principal.has(Role.auditor, Role.administrator):
        org = organisation_id
    elif principal.has(Role.applicant) and principal.organisation_id is not None:
        if organisation_id not in (None, principal.organisation_id):
            raise CaseForbidden("无权查看其他机构的测算")
        org = principal.organisation_id
    else:
        raise CaseForbidden("测算只对机构的工作人员、审计人员和管理员可见")
    rows = uow.saved_cases.list(organisation_id=org, offset=offset, limit=limit)
    items = []
    for row in rows:
        newest = max(row.versions, key=lambda v: v.n)
        items.append(
            CaseSummaryView(
                id=row.id,
                title=row.title,
                organisation_id=row.organisation_id,
                organisation_name=row.organisation.name,
                latest=row.latest,
                updated_at=beijing(row.updated_at),
                rules_version=newest.rules_version,
                max_obtainable=newest.summary.get("total", {}).get("max_obtainable", "0"),
            )
        )
    return CasePage(total=uow.saved_cases.count(organisation_id=org), offset=offset, items=items)


def compare(
    uow: UnitOfWork, principal: Principal, case_id: str, before: int | None = None, after: int | None = None
) -> Comparison:
    """Version ``before`` (default: the one before ``after``) against ``after`` (default: the newest)."""
    row = _readable(uow, principal, case_id)
    by_n = {v.n: v for v in row.versions}
    after = after or row.latest
    before = before or max(after - 1, 1)
    for n in (before, after):
        if n not in by_n:
            raise CaseNotFound(case_id, n)
    names = _names(uow, {by_n[before].created_by, by_n[after].created_by})
    a, b = by_n[before].summary.get("measures", {}), by_n[after].summary.get("measures", {})
    rows = []
    for mid in sorted(set(a) | set(b)):
        x, y = a.get(mid, {}), b.get(mid, {})
        rows.append(
            ChangeRow(
                measure_id=mid,
                title=y.get("title") or x.get("title") or mid,
                before_kind=x.get("kind"),
                before_amount=x.get("amount"),
                before_status=x.get("status"),
                after_kind=y.get("kind"),
                after_amount=y.get("amount"),
                after_status=y.get("status"),
                changed=(x.get("kind"), x.get("amount"), x.get("status"))
                != (y.get("kind"), y.get("amount"), y.get("status")),
            )
        )
    return Comparison(
        case_id=row.id,
        before=_version_view(by_n[before], names),
        after=_version_view(by_n[after], names),
        rows=rows,
    )


def case_for_new(uow: UnitOfWork, principal: Principal, today: str) -> dict[str, Any]:
    """A new case whose applicant and products come from the principal's organisation profile."""
    from biopolicy.services.organisations import case_start

    if principal.organisation_id is None:
        raise CaseForbidden("您的账号不属于任何机构，无法按机构资料新建测算")
    start = case_start(uow, principal.organisation_id)
    data = start.model_dump(mode="json", exclude_none=True)
    return {"as_of": today, **data, "events": []}
