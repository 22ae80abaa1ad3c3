# ruff: noqa: F811 - the people fixture is imported and used as an argument
"""Evidence: the type by content, the size limit on both sides, stored by checksum, served to the allowed,
refused when tampered; a refusal stores neither a row nor a file."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select
from tests.services.test_applications import (
    call,
    case_with,
    key,
    people,  # noqa: F401 - the fixture
    phase3,
    prior,
    saved,
)

from biopolicy.services import applications as apps
from biopolicy.services import evidence as ev
from biopolicy.services.calculator import get_calculator
from biopolicy.settings import Settings
from biopolicy.storage.fulfilment_models import Evidence
from biopolicy.storage.uow import UnitOfWork

LIMIT = 2000
PDF = b"%PDF-1.7\n" + b"x" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 50
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 50


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path, evidence_max_bytes=LIMIT)


@pytest.fixture
def application(database, people):  # noqa: F811
    case_id = saved(database, people["a1"], case_with(phase3("e1", "p1")))
    got = call(
        database, people["a1"], apps.start, get_calculator(), case_id, "xm-2023/m1-clinical", "e1", key()
    )
    return got["application_id"]


def upload(database, who, content, settings, title="材料.pdf", k=None, **owner):
    return call(
        database, who, ev.upload, get_calculator(), content, title, k or key(), settings=settings, **owner
    )


def stored(database) -> int:
    with UnitOfWork(database) as uow:
        return uow.session.scalar(select(func.count()).select_from(Evidence))


def files(settings) -> list[str]:
    folder = settings.evidence_dir
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_file_at_the_limit_is_stored_by_its_checksum_and_one_byte_more_is_refused(
    database,
    people,  # noqa: F811
    application,
    settings,
):
    at_limit = PDF + b"y" * (LIMIT - len(PDF))
    got = upload(
        database,
        people["a1"],
        at_limit,
        settings,
        title="../../etc/临床总结报告.pdf",
        application_id=application,
    )
    digest = hashlib.sha256(at_limit).hexdigest()
    assert (
        got["sha256"] == digest
        and got["title"] == "临床总结报告.pdf"
        and got["media_type"] == "application/pdf"
    )
    assert files(settings) == [digest]  # named by checksum, never by the user's name
    with pytest.raises(
        apps.ApplicationError, match=f"file：文件过大（{LIMIT + 1} 字节），证明材料每个最多 {LIMIT} 字节"
    ):
        upload(database, people["a1"], at_limit + b"z", settings, application_id=application)
    assert stored(database) == 1 and files(settings) == [digest]


def test_the_type_is_read_from_the_content_not_the_name(database, people, application, settings):  # noqa: F811
    with pytest.raises(apps.ApplicationError, match="file：只能上传 PDF、PNG 或 JPEG 文件"):
        upload(
            database,
            people["a1"],
            b"MZ\x90\x00 not an image",
            settings,
            title="照片.png",
            application_id=application,
        )
    with pytest.raises(apps.ApplicationError, match="file：文件是空的"):
        upload(database, people["a1"], b"", settings, application_id=application)
    assert stored(database) == 0 and files(settings) == []
    assert (
        upload(database, people["a1"], PDF, settings, title="扫描件.png", application_id=application)["title"]
        == "扫描件.pdf"
    )
    assert (
        upload(database, people["a1"], PNG, settings, title="a", application_id=application)["media_type"]
        == "image/png"
    )
    assert (
        upload(database, people["a1"], JPEG, settings, title="b", application_id=application)["media_type"]
        == "image/jpeg"
    )


def test_only_own_staff_upload_and_only_the_allowed_read(database, people, application, settings):  # noqa: F811
    with pytest.raises(apps.ApplicationForbidden):
        upload(database, people["b1"], PDF, settings, application_id=application)
    eid = upload(database, people["a1"], PDF, settings, application_id=application)["evidence_id"]
    for who in ("a1", "rev", "rev2", "adm"):
        got = call(database, people[who], ev.read, get_calculator(), eid, settings=settings)
        assert got.content == PDF and got.media_type == "application/pdf"
    for who in ("b1", "prov", "fin"):
        with pytest.raises(apps.ApplicationForbidden):
            call(database, people[who], ev.read, get_calculator(), eid, settings=settings)
        with pytest.raises(apps.ApplicationForbidden):
            call(database, people[who], ev.listing, get_calculator(), application_id=application)
    listed = call(database, people["rev"], ev.listing, get_calculator(), application_id=application)
    assert [e.id for e in listed] == [eid]


def test_a_tampered_file_is_refused_in_chinese(database, people, application, settings):  # noqa: F811
    got = upload(database, people["a1"], PDF, settings, application_id=application)
    (settings.evidence_dir / got["sha256"]).write_bytes(PDF + b"changed")
    with pytest.raises(ev.EvidenceTampered, match="与上传时的校验值不符"):
        call(database, people["a1"], ev.read, get_calculator(), got["evidence_id"], settings=settings)
    (settings.evidence_dir / got["sha256"]).unlink()
    with pytest.raises(ev.EvidenceTampered, match="已不在存储中"):
        call(database, people["a1"], ev.read, get_calculator(), got["evidence_id"], settings=settings)


def test_a_prior_awards_evidence_is_entered_by_a_reviewer_and_read_by_its_departments(
    database, people, settings
):  # noqa: F811
    award_id = prior(database, people, "1000000")["award_id"]
    with pytest.raises(apps.ApplicationForbidden):
        upload(database, people["fin"], PDF, settings, award_id=award_id)
    eid = upload(database, people["rev"], PDF, settings, award_id=award_id)["evidence_id"]
    assert call(database, people["a1"], ev.read, get_calculator(), eid, settings=settings).content == PDF
    with pytest.raises(apps.ApplicationForbidden):  # xm-2023/m1-clinical is not 省科技厅's
        call(database, people["prov"], ev.read, get_calculator(), eid, settings=settings)


def test_naming_no_owner_or_two_is_refused(database, people, application, settings):  # noqa: F811
    with pytest.raises(apps.ApplicationError, match="须且只能指明一项"):
        upload(database, people["a1"], PDF, settings)
    with pytest.raises(apps.ApplicationError, match="须且只能指明一项"):
        upload(database, people["a1"], PDF, settings, application_id=application, award_id=1)
    assert stored(database) == 0 and files(settings) == []


def test_a_replayed_upload_stores_once(database, people, application, settings):  # noqa: F811
    k = key()
    first = upload(database, people["a1"], PDF, settings, application_id=application, k=k)
    again = upload(database, people["a1"], PDF, settings, application_id=application, k=k)
    assert again == {**first, "replayed": True} and stored(database) == 1
