"""Evidence files: PDF, PNG and JPEG, for an application, a prior award or a 免申即享 proposal.

- The type is read from the content's first bytes (``%PDF-``, the PNG signature, the JPEG SOI marker),
  never from the file's name or the browser's Content-Type.
- The size limit is the setting ``evidence_max_bytes`` (docs/operations.md).
- The file is stored under ``<data_dir>/evidence/`` (outside anything the web server serves) with its
  sha256 as its name: the uploader's file name never reaches the path. Two uploads of the same
  content share one file.
- A refused upload (too large, empty, wrong type, no right to attach) stores nothing: the checks run
  before the file is written, and a file written for a row that is then not committed is removed
  unless another row already refers to it.
- Reading re-computes the checksum; a file that no longer matches (or is gone) is refused with a
  Chinese message and never served.

Who may attach: an application's or a proposal's own staff; for a prior award, its organisation's
staff and the reviewers and administrators who enter prior awards. Who may read: own staff, the
reviewing department (the measure's responsible departments; for a prior award under an external
programme, which no measure names, every reviewer), auditors and administrators.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select

from biopolicy.services.accounts import Principal, Role
from biopolicy.services.applications import (
    ApplicationError,
    ApplicationForbidden,
    _once,
    responsible_departments,
)
from biopolicy.services.calculator import Calculator
from biopolicy.settings import Settings, get_settings
from biopolicy.storage.fulfilment_models import Evidence, Proposal
from biopolicy.storage.ledger_models import Application, Award
from biopolicy.storage.models import utcnow
from biopolicy.storage.uow import UnitOfWork

SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
EXTENSIONS = {media: ext for _, media, ext in SIGNATURES}
TYPE_WORDS = "PDF、PNG 或 JPEG"


class EvidenceTampered(Exception):
    """The stored file does not match its checksum (or is missing): refused, never served."""


class EvidenceNotFound(LookupError):
    def __init__(self, evidence_id: int) -> None:
        super().__init__(f"没有找到证明材料 {evidence_id}")


class EvidenceView(BaseModel):
    id: int
    title: str
    media_type: str
    size: int
    sha256: str
    application_id: int | None
    award_id: int | None
    proposal_id: int | None
    created_at: dt.datetime
    uploaded_by: int | None = None  # the user who uploaded it


def view(e: Evidence) -> EvidenceView:
    return EvidenceView(
        id=e.id,
        title=e.title,
        media_type=e.media_type,
        size=e.size,
        sha256=e.sha256,
        application_id=e.application_id,
        award_id=e.award_id,
        proposal_id=e.proposal_id,
        created_at=e.created_at,
        uploaded_by=e.uploaded_by,
    )


def sniff(content: bytes) -> str | None:
    """The media type the content's first bytes declare, or None (not PDF, PNG nor JPEG)."""
    return next((media for magic, media, _ in SIGNATURES if content.startswith(magic)), None)


def _title(title: str | None, media: str) -> str:
    """A display name: the uploader's, without any folder, control characters or odd punctuation."""
    name = Path((title or "").replace("\\", "/")).name
    name = re.sub(r"[\x00-\x1f\x7f\"<>|*?:/]", "", name).strip()[:150]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{stem or '证明材料'}{EXTENSIONS[media]}"


# -- whose ---------------------------------------------------------------------------------------


class Owner(BaseModel):
    organisation_id: int
    departments: list[str]  # who reviews it; empty: every reviewer (an external programme's award)
    kind: str  # application / award / proposal
    status: str | None = None  # the application's, when the owner is one


# an application takes evidence while its organisation prepares it: a draft, or when more is requested
OPEN_FOR_EVIDENCE = ("draft", "more_requested")


def _owner(
    uow: UnitOfWork,
    calculator: Calculator,
    application_id: int | None,
    award_id: int | None,
    proposal_id: int | None,
) -> Owner:
    given = [x for x in (application_id, award_id, proposal_id) if x is not None]
    if len(given) != 1:
        raise ApplicationError(
            ["application_id / award_id / proposal_id：须且只能指明一项（申报、已获奖励或免申即享建议）"]
        )
    if application_id is not None:
        app = uow.session.get(Application, application_id)
        if app is None:
            raise ApplicationError([f"application_id：没有申报 {application_id}"])
        return Owner(
            organisation_id=app.organisation_id,
            departments=[d for d in app.department.split("、") if d],
            kind="application",
            status=app.status,
        )
    if award_id is not None:
        award = uow.session.get(Award, award_id)
        if award is None:
            raise ApplicationError([f"award_id：没有已获奖励 {award_id}"])
        measure = calculator.rules.measures.get(award.measure_id or "")
        depts = responsible_departments(calculator.corpus, measure) if measure is not None else []
        return Owner(organisation_id=award.organisation_id, departments=depts, kind="award")
    proposal = uow.session.get(Proposal, proposal_id)
    if proposal is None:
        raise ApplicationError([f"proposal_id：没有免申即享建议 {proposal_id}"])
    return Owner(organisation_id=proposal.organisation_id, departments=[], kind="proposal")


def _own_staff(principal: Principal, owner: Owner) -> bool:
    return principal.has(Role.applicant) and principal.organisation_id == owner.organisation_id


def may_attach_to_application(
    uow: UnitOfWork, principal: Principal, calculator: Calculator, application_id: int
) -> bool:
    """Whether ``principal`` may upload evidence to the application now (the page's form shows then)."""
    owner = _owner(uow, calculator, application_id, None, None)
    return _may_attach(principal, owner) and owner.status in OPEN_FOR_EVIDENCE


def _may_attach(principal: Principal, owner: Owner) -> bool:
    if _own_staff(principal, owner):
        return True
    return owner.kind == "award" and principal.has(Role.reviewer, Role.administrator)


def _may_read(principal: Principal, owner: Owner) -> bool:
    if _own_staff(principal, owner) or principal.has(Role.auditor, Role.administrator):
        return True
    if owner.kind == "proposal" or not principal.has(Role.reviewer):
        return False
    return not owner.departments or bool(set(principal.departments) & set(owner.departments))


# -- the files -----------------------------------------------------------------------------------


def _path(settings: Settings, sha256: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise EvidenceTampered("证明材料的校验值无效，已拒绝提供")
    return settings.evidence_dir / sha256


def _write(settings: Settings, sha256: str, content: bytes) -> bool:
    """Store the content under its checksum; True when this call created the file."""
    target = _path(settings, sha256)
    if target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return True


def upload(
    uow: UnitOfWork,
    principal: Principal,
    calculator: Calculator,
    content: bytes,
    title: str | None,
    key: str,
    *,
    application_id: int | None = None,
    award_id: int | None = None,
    proposal_id: int | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Check and store one evidence file; answer its id and checksum. Nothing is stored when refused."""
    settings = settings or get_settings()
    owner = _owner(uow, calculator, application_id, award_id, proposal_id)
    if not _may_attach(principal, owner):
        raise ApplicationForbidden("只有本机构的工作人员（已获奖励另有审核人员、管理员）可以上传证明材料")
    if owner.kind == "application" and owner.status not in OPEN_FOR_EVIDENCE:
        raise ApplicationError(["application_id：申报已提交，只有在填写中或被退回补充材料时才能上传证明材料"])
    size = len(content)
    if size == 0:
        raise ApplicationError(["file：文件是空的，请选择要上传的证明材料"])
    if size > settings.evidence_max_bytes:
        raise ApplicationError(
            [f"file：文件过大（{size} 字节），证明材料每个最多 {settings.evidence_max_bytes} 字节"]
        )
    media = sniff(content)
    if media is None:
        raise ApplicationError([f"file：只能上传 {TYPE_WORDS} 文件（按文件内容识别，与文件名无关）"])
    digest = hashlib.sha256(content).hexdigest()
    shown = _title(title, media)
    request = {
        "sha256": digest,
        "title": shown,
        "application_id": application_id,
        "award_id": award_id,
        "proposal_id": proposal_id,
    }
    created = False

    def work() -> dict[str, Any]:
        nonlocal created
        row = Evidence(
            organisation_id=owner.organisation_id,
            application_id=application_id,
            award_id=award_id,
            proposal_id=proposal_id,
            sha256=digest,
            media_type=media,
            size=size,
            title=shown,
            uploaded_by=principal.user_id,
            created_at=utcnow(),
        )
        uow.session.add(row)
        uow.session.flush()
        created = _write(settings, digest, content)
        return {"evidence_id": row.id, "sha256": digest, "media_type": media, "size": size, "title": shown}

    try:
        return _once(uow, key, "evidence", owner.organisation_id, request, work)
    except BaseException:
        if created:
            _forget_if_unused(uow, settings, digest)
        raise


def _forget_if_unused(uow: UnitOfWork, settings: Settings, digest: str) -> None:
    """Remove a file this request wrote when no committed row refers to it (no orphan file)."""
    with contextlib.suppress(Exception):
        uow.rollback()
        if uow.session.scalar(select(Evidence.id).where(Evidence.sha256 == digest).limit(1)) is None:
            _path(settings, digest).unlink(missing_ok=True)


def listing(
    uow: UnitOfWork,
    principal: Principal,
    calculator: Calculator,
    *,
    application_id: int | None = None,
    award_id: int | None = None,
    proposal_id: int | None = None,
) -> list[EvidenceView]:
    owner = _owner(uow, calculator, application_id, award_id, proposal_id)
    if not _may_read(principal, owner):
        raise ApplicationForbidden("您无权查看这些证明材料")
    column = (
        Evidence.application_id
        if application_id is not None
        else Evidence.award_id
        if award_id is not None
        else Evidence.proposal_id
    )
    wanted = (
        application_id if application_id is not None else award_id if award_id is not None else proposal_id
    )
    rows = uow.session.scalars(select(Evidence).where(column == wanted).order_by(Evidence.id)).all()
    return [view(e) for e in rows]


class EvidenceFile(BaseModel):
    content: bytes
    media_type: str
    filename: str


def read(
    uow: UnitOfWork,
    principal: Principal,
    calculator: Calculator,
    evidence_id: int,
    settings: Settings | None = None,
) -> EvidenceFile:
    """The file, its stored media type and its display name; refused when its checksum no longer matches."""
    settings = settings or get_settings()
    e = uow.session.get(Evidence, evidence_id)
    if e is None:
        raise EvidenceNotFound(evidence_id)
    owner = _owner(uow, calculator, e.application_id, None, None) if e.application_id is not None else None
    if owner is None:
        owner = _owner(uow, calculator, None, e.award_id, e.proposal_id if e.award_id is None else None)
    if not _may_read(principal, owner):
        raise ApplicationForbidden("您无权查看这份证明材料")
    try:
        content = _path(settings, e.sha256).read_bytes()
    except OSError:
        raise EvidenceTampered(
            f"证明材料“{e.title}”的文件已不在存储中，无法提供；请联系管理员从备份恢复"
        ) from None
    if hashlib.sha256(content).hexdigest() != e.sha256:
        raise EvidenceTampered(
            f"证明材料“{e.title}”的文件与上传时的校验值不符（可能已被改动），已拒绝提供；请联系管理员"
        )
    return EvidenceFile(content=content, media_type=e.media_type, filename=e.title)
