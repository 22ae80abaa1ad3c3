"""Hospitals' duties: their profile, the meetings and reception days they record, and compliance.

The documents ask medical institutions to hold meetings (fj-2023-7 8: the ethics committee monthly
where trials run; fj-2023-7 15: the pharmacy and device committees quarterly and 4 a year; xm-2025-1
13: a committee meeting every quarter and a 药事会 within one month after a catalogue is published)
and reception days (fj-2023-7 12). A hospital records what it held (date, kind, minutes or attendance
file, notes); engine/compliance.py says per duty and period whether it is met, missed, due or not
applicable, with the clause and the records it rests on, and what ends soon.

Who: a hospital's staff (applicant role in a medical-institution organisation) see and record their
own; the health commission (a reviewer of 省卫健委 or 市卫健委, or an administrator) sees every hospital
and may correct a profile; auditors read everything. Enterprises' staff are refused (``DutyForbidden``).

State changes run in one transaction under the organisation's row lock, with an idempotency key (the
same key and request answer the first result again) and the audit trail (storage/audit.py).
Uploaded files are checked by content (PDF, PNG, JPEG), at most ``file_limit()`` bytes (the platform's
upload setting, the same as evidence files), and stored under
``<data_dir>/records/<sha256>.<ext>`` (never under the web's static folder).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from biopolicy.domain import Corpus
from biopolicy.domain.organisation import OrganisationKind
from biopolicy.engine.calendar import WorkingCalendar
from biopolicy.engine.compliance import (
    STATUS_LABELS,
    STATUS_ORDER,
    Compliance,
    DutyPeriod,
    Institution,
    Record,
    Status,
    compliance_overview,
    compute_compliance,
)
from biopolicy.rules.calendar import load_schedules
from biopolicy.rules.obligations import (
    GRADE_LABELS,
    RECORD_LABELS,
    Grade,
    ObligationSet,
    RecordKind,
    load_obligations,
)
from biopolicy.services.accounts import Principal, Role
from biopolicy.settings import Settings, get_settings
from biopolicy.storage.duty_models import DutyRecord, HospitalProfile
from biopolicy.storage.ledger_models import IdempotencyKey
from biopolicy.storage.models import Organisation
from biopolicy.storage.uow import UnitOfWork

HEALTH_DEPARTMENTS = ("省卫健委", "市卫健委")  # the health commission: as the clauses name the 责任单位
REMIND_WORKING_DAYS = 10  # default: remind when a period ends within this many working days
FILE_TYPES = {  # what an upload's first bytes must be, and the extension it is stored under
    "pdf": (b"%PDF-", ".pdf", "PDF 文件"),
    "png": (b"\x89PNG\r\n\x1a\n", ".png", "PNG 图片"),
    "jpeg": (b"\xff\xd8\xff", ".jpg", "JPEG 图片"),
}
ACCEPTED = "PDF、PNG 或 JPEG"
# the choices a form offers (value → Chinese), so the shells need not read the rules
GRADE_CHOICES = {g.value: label for g, label in GRADE_LABELS.items()}
RECORD_CHOICES = {k.value: label for k, label in RECORD_LABELS.items()}


# -- errors --------------------------------------------------------------------------------------


class DutyError(ValueError):
    """Input refused, nothing written; ``problems`` are Chinese sentences naming the field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


class DutyForbidden(PermissionError):
    """The principal may not see, or may not change, this (Chinese)."""


class DutyNotFound(LookupError):
    pass


# -- who may -------------------------------------------------------------------------------------


def is_commission(p: Principal) -> bool:
    return p.has(Role.administrator) or any(d in HEALTH_DEPARTMENTS for d in p.departments)


def sees_all(p: Principal) -> bool:
    return is_commission(p) or p.has(Role.auditor)


def _hospital(uow: UnitOfWork, organisation_id: int) -> Organisation:
    org = uow.session.get(Organisation, organisation_id)
    if org is None:
        raise DutyNotFound(f"没有编号为 {organisation_id} 的机构")
    if org.kind != OrganisationKind.medical_institution.value:
        raise DutyError([f"organisation_id：“{org.name}”不是医疗机构，没有医疗机构的会议义务"])
    return org


def own_hospital(uow: UnitOfWork, p: Principal) -> int:
    """The hospital whose staff ``p`` is; refused for anyone else."""
    if p.has(Role.applicant) and p.organisation_id is not None:
        org = uow.session.get(Organisation, p.organisation_id)
        if org is not None and org.kind == OrganisationKind.medical_institution.value:
            return org.id
    raise DutyForbidden("此页面供医疗机构工作人员查看本机构的会议义务；您的账号不属于医疗机构")


def _may_read(uow: UnitOfWork, p: Principal, organisation_id: int) -> None:
    if sees_all(p):
        return
    if p.has(Role.applicant) and p.organisation_id == organisation_id:
        own_hospital(uow, p)
        return
    raise DutyForbidden("只能查看本机构的会议义务与记录")


def _may_write(uow: UnitOfWork, p: Principal, organisation_id: int) -> None:
    if is_commission(p):
        return
    if p.has(Role.applicant) and p.organisation_id == organisation_id:
        own_hospital(uow, p)
        return
    raise DutyForbidden("只能登记本机构的会议与接待日")


# -- the rules, once per corpus ------------------------------------------------------------------

_RULES: dict[int, ObligationSet] = {}
_CALENDAR: list[WorkingCalendar] = []


def obligations(corpus: Corpus) -> ObligationSet:
    found = _RULES.get(id(corpus))
    if found is None:
        found = _RULES[id(corpus)] = load_obligations(corpus)
    return found


def calendar() -> WorkingCalendar:
    if not _CALENDAR:
        _CALENDAR.append(WorkingCalendar(load_schedules()))
    return _CALENDAR[0]


# -- plumbing: lock, idempotency -----------------------------------------------------------------


def lock_organisation(uow: UnitOfWork, organisation_id: int) -> None:
    """Serialise changes to one hospital's records (two staff may record at once)."""
    sql = "SELECT id FROM organisation WHERE id = :id" + (
        " FOR UPDATE" if uow.backend == "postgresql" else ""
    )
    if uow.session.execute(text(sql), {"id": organisation_id}).first() is None:
        raise DutyNotFound(f"没有编号为 {organisation_id} 的机构")


def once(
    uow: UnitOfWork,
    key: str | None,
    operation: str,
    organisation_id: int | None,
    request: Mapping[str, Any],
    work: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """Run ``work`` and commit, once for ``key``: a replay answers the first response."""
    key = (key or "").strip()
    if not key or len(key) > 100:
        raise DutyError(["Idempotency-Key：每个修改请求须带 1–100 个字符的幂等键（重试时用同一个）"])
    if organisation_id is not None:
        lock_organisation(uow, organisation_id)
    body = json.dumps({"op": operation, **request}, sort_keys=True, ensure_ascii=False, default=str)
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    seen = uow.session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == key))
    if seen is not None:
        if seen.request_hash != digest or seen.operation != operation:
            raise DutyError([f"Idempotency-Key：幂等键 {key} 已用于另一个请求，不能用于内容不同的请求"])
        return {**seen.response, "replayed": True}
    response = work()
    uow.session.add(
        IdempotencyKey(
            key=key,
            organisation_id=organisation_id,
            operation=operation,
            request_hash=digest,
            response=response,
        )
    )
    try:
        uow.commit()
    except IntegrityError:
        uow.rollback()
        raise DutyError(["记录已存在或幂等键正被另一个请求使用，未写入；请刷新后再试"]) from None
    return {**response, "replayed": False}


# -- hospital profile ----------------------------------------------------------------------------


class ProfileView(BaseModel):
    organisation_id: int
    name: str
    city: str | None
    district: str | None
    grade: Grade | None
    grade_label: str
    public: bool | None
    runs_trials: bool | None


def _bool(value: Any, field: str, what: str) -> tuple[bool | None, str | None]:
    if value is None or value == "":
        return None, None
    if isinstance(value, bool):
        return value, None
    s = str(value).strip().lower()
    if s in ("true", "1", "yes", "是"):
        return True, None
    if s in ("false", "0", "no", "否"):
        return False, None
    return None, f"{field}：{what}应填“是”或“否”（或不填），收到“{value}”"


def check_profile(data: Mapping[str, Any]) -> dict[str, Any]:
    problems: list[str] = []
    unknown = set(data) - {"grade", "public", "runs_trials"}
    problems += [
        f"{k}：不认识的字段，可填 grade（医院等级）、public（是否公立）、runs_trials（是否承接临床试验）"
        for k in sorted(unknown)
    ]
    grade = data.get("grade")
    if grade in (None, ""):
        grade = None
    else:
        try:
            grade = Grade(grade)
        except ValueError:
            allowed = "、".join(f"{g.value}（{label}）" for g, label in GRADE_LABELS.items())
            problems.append(f"grade：医院等级应为 {allowed} 之一，收到“{grade}”")
    public, p1 = _bool(data.get("public"), "public", "是否公立")
    trials, p2 = _bool(data.get("runs_trials"), "runs_trials", "是否承接药物或医疗器械临床试验")
    problems += [p for p in (p1, p2) if p]
    if problems:
        raise DutyError(problems)
    return {"grade": grade, "public": public, "runs_trials": trials}


def _profile_view(org: Organisation, row: HospitalProfile | None) -> ProfileView:
    grade = Grade(row.grade) if row is not None and row.grade else None
    return ProfileView(
        organisation_id=org.id,
        name=org.name,
        city=org.city,
        district=org.district,
        grade=grade,
        grade_label=GRADE_LABELS[grade] if grade else "未填写",
        public=row.public if row else None,
        runs_trials=row.runs_trials if row else None,
    )


def set_profile(
    uow: UnitOfWork, p: Principal, organisation_id: int, data: Mapping[str, Any], *, key: str | None
) -> dict[str, Any]:
    """Set a hospital's grade, public or not, runs trials (each may be left empty: "unknown")."""
    may_use(uow, p)
    org = _hospital(uow, organisation_id)
    _may_write(uow, p, organisation_id)
    facts = check_profile(data)

    def work() -> dict[str, Any]:
        row = uow.session.get(HospitalProfile, organisation_id)
        if row is None:
            row = HospitalProfile(organisation_id=organisation_id)
            uow.session.add(row)
        row.grade = facts["grade"].value if facts["grade"] else None
        row.public = facts["public"]
        row.runs_trials = facts["runs_trials"]
        row.updated_at = dt.datetime.now(dt.UTC)
        uow.session.flush()
        return _profile_view(org, row).model_dump(mode="json")

    return once(uow, key, "duty_profile", organisation_id, {"org": organisation_id, **facts}, work)


def profile(uow: UnitOfWork, p: Principal, organisation_id: int) -> ProfileView:
    may_use(uow, p)
    org = _hospital(uow, organisation_id)
    _may_read(uow, p, organisation_id)
    return _profile_view(org, uow.session.get(HospitalProfile, organisation_id))


def institution(org: Organisation, row: HospitalProfile | None) -> Institution:
    return Institution(
        id=str(org.id),
        name=org.name,
        grade=Grade(row.grade) if row is not None and row.grade else None,
        public=row.public if row else None,
        runs_trials=row.runs_trials if row else None,
        city=org.city,
        district=org.district,
        province=org.province,
    )


# -- records -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


class RecordView(BaseModel):
    id: int
    organisation_id: int
    kind: RecordKind
    kind_label: str
    held_on: dt.date
    notes: str
    file_name: str | None
    file_type: str | None
    file_size: int | None
    file_sha256: str | None


def _record_view(r: DutyRecord) -> RecordView:
    return RecordView(
        id=r.id,
        organisation_id=r.organisation_id,
        kind=RecordKind(r.kind),
        kind_label=RECORD_LABELS[RecordKind(r.kind)],
        held_on=r.held_on,
        notes=r.notes,
        file_name=r.file_name,
        file_type=r.file_type,
        file_size=r.file_size,
        file_sha256=r.file_sha256,
    )


def file_type_of(upload: Upload) -> str | None:
    return next((t for t, (magic, _, _) in FILE_TYPES.items() if upload.content.startswith(magic)), None)


def file_limit(settings: Settings | None = None) -> int:
    """The largest minutes or attendance file, in bytes: the platform setting for uploaded files
    (``evidence_max_bytes``, 单个证明材料文件上限), the same as for evidence; the upload routes let a
    body this large through the door (web/security.py)."""
    return (settings or get_settings()).evidence_max_bytes


def size_text(n: int) -> str:
    """A size in MB as a person reads it: 10 MB, 1.5 MB, 0.95 MB (never rounded to 0)."""
    mb = 1024 * 1024
    if n % mb == 0:
        return f"{n // mb} MB"
    text = f"{n / mb:.1f}".rstrip("0").rstrip(".") if n >= mb else f"{n / mb:.2g}"
    return f"{n} 字节" if "e" in text else f"{text} MB"


def may_use(uow: UnitOfWork, p: Principal) -> None:
    """Duties are for hospitals' staff, the health commission and auditors: refuse anyone else first."""
    if not sees_all(p):
        own_hospital(uow, p)


def check_upload(upload: Upload | None, field: str = "file", max_bytes: int | None = None) -> list[str]:
    if upload is None:
        return []
    if not upload.content:
        return [f"{field}：上传的文件“{upload.name}”是空的"]
    problems = []
    limit = file_limit() if max_bytes is None else max_bytes
    if len(upload.content) > limit:
        problems.append(f"{field}：文件“{upload.name}”大于 {size_text(limit)}，请压缩后再上传")
    if file_type_of(upload) is None:
        problems.append(
            f"{field}：文件“{upload.name}”不是 {ACCEPTED} 文件；会议纪要或签到表请上传 {ACCEPTED}"
        )
    return problems


def _check_record(
    uow: UnitOfWork,
    organisation_id: int,
    data: Mapping[str, Any],
    upload: Upload | None,
    today: dt.date,
    max_file_bytes: int | None = None,
) -> tuple[RecordKind, dt.date, str]:
    problems: list[str] = []
    kind: RecordKind | None = None
    try:
        kind = RecordKind(data.get("kind"))
    except ValueError:
        allowed = "、".join(f"{k.value}（{v}）" for k, v in RECORD_LABELS.items())
        problems.append(f"kind：会议类型应为 {allowed} 之一，收到“{data.get('kind') or ''}”")
    held = data.get("held_on")
    if isinstance(held, str):
        try:
            held = dt.date.fromisoformat(held.strip())
        except ValueError:
            problems.append(f"held_on：日期应为 YYYY-MM-DD 格式，收到“{held}”")
            held = None
    elif held is None:
        problems.append("held_on：请填写会议或接待日的日期（YYYY-MM-DD）")
    if isinstance(held, dt.date) and held > today:
        problems.append(
            f"held_on：日期 {held.isoformat()} 晚于今天（{today.isoformat()}），不能登记尚未举行的会议或接待日"
        )
    notes = str(data.get("notes") or "").strip()
    if len(notes) > 2000:
        problems.append("notes：备注不超过 2000 字")
    problems += check_upload(upload, max_bytes=max_file_bytes)
    if kind is not None and isinstance(held, dt.date) and not problems:
        dup = uow.session.scalar(
            select(DutyRecord.id).where(
                DutyRecord.organisation_id == organisation_id,
                DutyRecord.kind == kind.value,
                DutyRecord.held_on == held,
            )
        )
        if dup is not None:
            problems.append(
                f"held_on：本机构 {held.isoformat()} 的{RECORD_LABELS[kind]}已登记过，同一类型同一天只能登记一次"
            )
    if problems:
        raise DutyError(problems)
    assert kind is not None and isinstance(held, dt.date)
    return kind, held, notes


def records_dir(data_dir: Path) -> Path:
    return data_dir / "records"


def _store(upload: Upload, data_dir: Path) -> tuple[str, str, Path, bool]:
    ftype = file_type_of(upload)
    assert ftype is not None
    sha = hashlib.sha256(upload.content).hexdigest()
    folder = records_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{sha}{FILE_TYPES[ftype][1]}"
    created = not path.exists()
    if created:
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(upload.content)
        tmp.replace(path)
    return ftype, sha, path, created


def add_record(
    uow: UnitOfWork,
    p: Principal,
    organisation_id: int,
    data: Mapping[str, Any],
    upload: Upload | None,
    *,
    today: dt.date,
    data_dir: Path,
    key: str | None,
    max_file_bytes: int | None = None,
) -> dict[str, Any]:
    """Record a meeting or reception day; refused whole (nothing written) when anything is wrong.
    ``max_file_bytes``: the file's limit, default ``file_limit()`` (the app passes its settings')."""
    may_use(uow, p)
    _hospital(uow, organisation_id)
    _may_write(uow, p, organisation_id)
    request = {
        "org": organisation_id,
        "kind": data.get("kind"),
        "held_on": str(data.get("held_on")),
        "notes": data.get("notes") or "",
        "file": hashlib.sha256(upload.content).hexdigest() if upload else None,
    }

    def work() -> dict[str, Any]:
        kind, held, notes = _check_record(uow, organisation_id, data, upload, today, max_file_bytes)
        row = DutyRecord(
            organisation_id=organisation_id,
            kind=kind.value,
            held_on=held,
            notes=notes,
            created_by=p.user_id or None,
        )
        if upload is not None:
            ftype, sha, _, _ = _store(upload, data_dir)
            row.file_name = upload.name[-200:] or "未命名文件"
            row.file_type, row.file_size, row.file_sha256 = ftype, len(upload.content), sha
        uow.session.add(row)
        try:
            uow.session.flush()
        except IntegrityError:
            raise DutyError(
                [
                    f"held_on：本机构 {held.isoformat()} 的{RECORD_LABELS[kind]}已登记过，同一类型同一天只能登记一次"
                ]
            ) from None
        return _record_view(row).model_dump(mode="json")

    return once(uow, key, "duty_record", organisation_id, request, work)


def record_file(uow: UnitOfWork, p: Principal, record_id: int, data_dir: Path) -> tuple[Path, str, str]:
    """The stored file of a record: (path, media type, name as uploaded)."""
    may_use(uow, p)
    row = uow.session.get(DutyRecord, record_id)
    if row is None or row.file_sha256 is None or row.file_type is None:
        raise DutyNotFound(f"没有编号为 {record_id} 的会议记录文件")
    _may_read(uow, p, row.organisation_id)
    path = records_dir(data_dir) / f"{row.file_sha256}{FILE_TYPES[row.file_type][1]}"
    if not path.is_file():
        raise DutyNotFound("会议记录的文件不在存储中，请联系管理员")
    media = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}[row.file_type]
    return path, media, row.file_name or path.name


def _records(uow: UnitOfWork, organisation_ids: list[int] | None = None) -> list[DutyRecord]:
    q = select(DutyRecord).order_by(DutyRecord.held_on.desc(), DutyRecord.id)
    if organisation_ids is not None:
        q = q.where(DutyRecord.organisation_id.in_(organisation_ids))
    return list(uow.session.scalars(q))


# -- compliance ----------------------------------------------------------------------------------


class PeriodView(BaseModel):
    organisation_id: int
    hospital: str
    obligation: str
    title: str
    clauses: list[str]
    citations: list[str]  # the clauses as a reader names them: 厦门市2025年若干措施十三
    record_label: str
    period: str
    start: dt.date
    end: dt.date
    status: Status
    status_label: str
    required: int
    count: int
    record_dates: list[dt.date]
    in_principle: bool
    explanation: str


class ReminderView(BaseModel):
    obligation: str
    title: str
    period: str
    end: dt.date
    working_days_left: int
    message: str


class HospitalCompliance(BaseModel):
    on: dt.date
    since: dt.date
    remind_working_days: int
    profile: ProfileView
    counts: dict[str, int]
    periods: list[PeriodView]
    reminders: list[ReminderView]
    records: list[RecordView]
    record_kinds: dict[str, str]


class OverviewRow(BaseModel):
    organisation_id: int
    hospital: str
    missed: int
    due: int
    met: int
    unknown: int


class CommissionOverview(BaseModel):
    on: dt.date
    since: dt.date
    remind_working_days: int
    hospitals: list[OverviewRow]
    counts: dict[str, int]
    periods: list[PeriodView]  # every hospital by duty and period, missed first
    reminders: int


_CITES: dict[tuple[int, str], str] = {}


def cite(corpus: Corpus | None, clause_id: str) -> str:
    """A clause as a reader names it (the document's short name and the clause's label); once per clause."""
    key = (id(corpus), clause_id)
    found = _CITES.get(key)
    if found is None:
        found = _CITES[key] = _cite(corpus, clause_id)
    return found


def _cite(corpus: Corpus | None, clause_id: str) -> str:
    from biopolicy.services.wording import Names

    text = Names(corpus=corpus).clause(clause_id).rstrip("、.．，, ")
    return re.sub(r"(\D)(\d+)$", r"\1第\2条", text)  # 福建省2023年若干措施8. -> …第8条


def in_words(corpus: Corpus | None, text: str, clauses: Sequence[str]) -> str:
    """``text`` (the engine's sentence) with each clause id replaced by its name."""
    for cid in clauses:
        text = text.replace(cid, cite(corpus, cid))
    return text


def _period_view(p: DutyPeriod, names: Mapping[str, str], corpus: Corpus | None = None) -> PeriodView:
    return PeriodView(
        organisation_id=int(p.institution),
        hospital=names.get(p.institution, p.institution),
        obligation=p.obligation,
        title=p.title,
        clauses=list(p.clauses),
        citations=[cite(corpus, c) for c in p.clauses],
        record_label=RECORD_LABELS[p.record],
        period=p.label,
        start=p.start,
        end=p.end,
        status=p.status,
        status_label=p.status_label,
        required=p.required,
        count=p.count,
        record_dates=[r.date for r in p.records],
        in_principle=p.in_principle,
        explanation=in_words(corpus, p.explanation, p.clauses),
    )


def _remind_days(on: dt.date, working_days: int) -> int:
    """The engine reminds in calendar days: the N-th working day after ``on``, as a day count."""
    if working_days <= 0:
        return 0
    return (calendar().nth_working_day(on, working_days) - on).days


def _check_span(on: dt.date, since: dt.date | None, remind: int | None) -> tuple[dt.date, int]:
    problems = []
    since = since or dt.date(on.year, 1, 1)
    if since > on:
        problems.append(f"since：起始日 {since.isoformat()} 晚于今天（{on.isoformat()}）")
    if since < dt.date(on.year - 5, 1, 1):
        problems.append(f"since：起始日最早为 {on.year - 5}-01-01（最多查看近五年）")
    remind = REMIND_WORKING_DAYS if remind is None else remind
    if not 0 <= remind <= 60:
        problems.append(f"remind：提醒天数应为 0 到 60 个工作日，收到 {remind}")
    if problems:
        raise DutyError(problems)
    return since, remind


def hospital_compliance(
    uow: UnitOfWork,
    p: Principal,
    corpus: Corpus,
    organisation_id: int | None,
    *,
    on: dt.date,
    since: dt.date | None = None,
    remind: int | None = None,
) -> HospitalCompliance:
    """One hospital's duties per period (its own staff: their hospital; the commission: any)."""
    from biopolicy.services.catalogues import publications

    may_use(uow, p)
    if organisation_id is None:
        if sees_all(p):
            raise DutyError(
                ["organisation_id：您可以查看所有医疗机构，请指定机构编号（或查看全部医疗机构的总览）"]
            )
        organisation_id = own_hospital(uow, p)
    org = _hospital(uow, organisation_id)
    _may_read(uow, p, organisation_id)
    since, remind = _check_span(on, since, remind)
    row = uow.session.get(HospitalProfile, organisation_id)
    rows = _records(uow, [organisation_id])
    records = [Record(str(r.organisation_id), RecordKind(r.kind), r.held_on, str(r.id)) for r in rows]
    result = compute_compliance(
        institution(org, row),
        obligations(corpus),
        records,
        publications(uow),
        on=on,
        start=since,
        remind_within=_remind_days(on, remind),
    )
    names = {str(org.id): org.name}
    return HospitalCompliance(
        on=on,
        since=since,
        remind_working_days=remind,
        profile=_profile_view(org, row),
        counts=_counts(result),
        periods=[_period_view(x, names, corpus) for x in result.missed_first()],
        reminders=_reminders(result, on, corpus),
        records=[_record_view(r) for r in rows],
        record_kinds={k.value: v for k, v in RECORD_LABELS.items()},
    )


def _counts(result: Compliance | list[Compliance]) -> dict[str, int]:
    items = result if isinstance(result, list) else [result]
    return {s.value: sum(c.count(s) for c in items) for s in sorted(Status, key=STATUS_ORDER.get)}


def _reminders(result: Compliance, on: dt.date, corpus: Corpus | None = None) -> list[ReminderView]:
    titles = {p.obligation: p.title for p in result.periods}
    clauses = {p.obligation: p.clauses for p in result.periods}
    return [
        ReminderView(
            obligation=r.obligation,
            title=titles.get(r.obligation, r.obligation),
            period=r.label,
            end=r.end,
            working_days_left=calendar().count_working_days(on, r.end),
            message=in_words(corpus, r.message, clauses.get(r.obligation, ())),
        )
        for r in result.reminders
    ]


def _every_hospital(
    uow: UnitOfWork,
    corpus: Corpus,
    *,
    on: dt.date,
    start: dt.date,
    end: dt.date | None = None,
    remind_within: int,
) -> tuple[list[Organisation], list[Compliance]]:
    """Every medical institution with its compliance from its records (the commission and the evaluation)."""
    from biopolicy.services.catalogues import publications

    orgs = list(
        uow.session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrganisationKind.medical_institution.value)
            .order_by(Organisation.name)
        )
    )
    profiles = {
        r.organisation_id: r
        for r in uow.session.scalars(
            select(HospitalProfile).where(HospitalProfile.organisation_id.in_([o.id for o in orgs]))
        )
    }
    kinds = {k.value: k for k in RecordKind}
    rows = uow.session.execute(  # columns, not objects: the overview reads tens of thousands
        select(DutyRecord.organisation_id, DutyRecord.kind, DutyRecord.held_on, DutyRecord.id).where(
            DutyRecord.organisation_id.in_([o.id for o in orgs])
        )
    ).all()
    records = [Record(str(org), kinds[kind], held, str(rid)) for org, kind, held, rid in rows]
    result = compliance_overview(
        [institution(o, profiles.get(o.id)) for o in orgs],
        obligations(corpus),
        records,
        publications(uow),
        on=on,
        start=start,
        end=end,
        remind_within=remind_within,
    )
    return orgs, result


def year_counts(uow: UnitOfWork, corpus: Corpus, year: int, on: dt.date) -> dict[str, int]:
    """The duty periods of ``year`` (every hospital, up to ``on``) by status: the yearly evaluation's
    义务履行 (fj-2023-7 17, fj-yj-2025-30 （二十四）). The caller checks who may read it."""
    end = dt.date(year, 12, 31)
    _, result = _every_hospital(
        uow, corpus, on=min(on, end), start=dt.date(year, 1, 1), end=end, remind_within=0
    )
    return _counts(result)


def commission_overview(
    uow: UnitOfWork,
    p: Principal,
    corpus: Corpus,
    *,
    on: dt.date,
    since: dt.date | None = None,
    remind: int | None = None,
    status: str | None = None,
) -> CommissionOverview:
    """Every hospital by duty and period, missed first (the health commission; auditors read)."""
    if not sees_all(p):
        raise DutyForbidden("此页面供卫健委（省卫健委、市卫健委）审核人员、管理员和审计人员查看")
    since, remind = _check_span(on, since, remind)
    wanted: Status | None = None
    if status:
        try:
            wanted = Status(status)
        except ValueError:
            allowed = "、".join(f"{s.value}（{label}）" for s, label in STATUS_LABELS.items())
            raise DutyError([f"status：状态应为 {allowed} 之一，收到“{status}”"]) from None
    orgs, result = _every_hospital(uow, corpus, on=on, start=since, remind_within=_remind_days(on, remind))
    names = {str(o.id): o.name for o in orgs}
    hospitals = [
        OverviewRow(
            organisation_id=int(c.institution.id),
            hospital=c.institution.name,
            missed=c.count(Status.missed),
            due=c.count(Status.due),
            met=c.count(Status.met),
            unknown=c.count(Status.unknown),
        )
        for c in result
    ]
    hospitals.sort(key=lambda h: (-h.missed, -h.due, h.hospital))
    periods = [
        x
        for c in result
        for x in c.periods
        if (x.status is wanted if wanted is not None else x.status is not Status.not_applicable)
    ]  # not applicable only when asked for: with every hospital it would bury the rest
    periods.sort(key=lambda x: (STATUS_ORDER[x.status], names.get(x.institution, ""), x.obligation, x.start))
    return CommissionOverview(
        on=on,
        since=since,
        remind_working_days=remind,
        hospitals=hospitals,
        counts=_counts(result),
        periods=[_period_view(x, names, corpus) for x in periods],
        reminders=sum(len(c.reminders) for c in result),
    )


__all__ = [
    "ACCEPTED",
    "HEALTH_DEPARTMENTS",
    "file_limit",
    "CommissionOverview",
    "DutyError",
    "DutyForbidden",
    "DutyNotFound",
    "HospitalCompliance",
    "Upload",
    "add_record",
    "commission_overview",
    "hospital_compliance",
    "profile",
    "record_file",
    "set_profile",
]
