"""Enterprise requests (诉求): routing by category, answers, closing, rating, escalation on the working
day after the deadline (holidays counted), statistics per department, who sees what, bad input."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from tests.services.test_organisations import FACTS, code

from biopolicy.services import accounts
from biopolicy.services import organisations as orgs
from biopolicy.services import requests as rq
from biopolicy.storage.models import AuditLog
from biopolicy.storage.request_models import EnterpriseRequest, RequestAttachment, RequestMessage
from biopolicy.storage.uow import UnitOfWork

PASSWORD = "correct-horse-42"
# filed on Tue 2025-09-30: 10-01..10-08 are the National Day holiday, Sat 10-11 a make-up working day,
# so the 5th working day after is Tue 10-14 (10-09, 10-10, 10-11, 10-13, 10-14)
FILED = date(2025, 9, 30)
DUE = date(2025, 10, 14)
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def world(database, tmp_path, monkeypatch):
    monkeypatch.setenv("BIOPOLICY_DATA_DIR", str(tmp_path / "data"))
    from biopolicy.settings import get_settings

    get_settings.cache_clear()
    ids = {}
    with UnitOfWork(database, actor="test") as uow:
        ids["A"] = orgs.create(uow, FACTS).id
    with UnitOfWork(database, actor="test") as uow:
        ids["B"] = orgs.create(uow, {**FACTS, "name": "乙公司", "credit_code": code(2), "products": []}).id
    people = {
        "applicant-a": ("A", [("applicant", "")]),
        "applicant-b": ("B", [("applicant", "")]),
        "health": (None, [("reviewer", "市卫健委")]),
        "insurance": (None, [("reviewer", "市医保局")]),
        "coordinator": (None, [("reviewer", "市科技局")]),
        "auditor": (None, [("auditor", "")]),
        "finance": (None, [("finance", "")]),
    }
    who = {}
    for login, (org, roles) in people.items():
        with UnitOfWork(database, actor="test") as uow:
            accounts.create_user(uow, login, login, password=PASSWORD,
                                 organisation=ids[org] if org else None, roles=roles)  # fmt: skip
            who[login] = accounts.authenticate(uow, login, PASSWORD)
    yield database, ids, who
    get_settings.cache_clear()


def file(database, who, today=FILED, key="k-file", uploads=(), **data):
    body = {"category": "临床试验", "title": "临床试验机构立项慢", "text": "伦理审查排期超过两个月", **data}
    with UnitOfWork(database, actor="test") as uow:
        return rq.file_request(uow, who, body, today, key, uploads)


def count(database, model) -> int:
    with database.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_request_is_routed_by_category_with_its_clause_and_due_on_the_5th_working_day(world):
    database, _, who = world
    view = file(database, who["applicant-a"])
    assert view.department == "市卫健委" and view.category_label == "临床试验"
    assert view.due_on == DUE and view.respond_days == 5  # the holiday and the make-up Saturday counted
    assert "厦门" in view.basis or "xm" not in view.basis  # clauses named as users name them, no ids
    assert any("本平台确定由市卫健委承办" in n for n in view.notes)
    assert view.status_label == "待答复" and not view.overdue and not view.escalated
    other = file(database, who["applicant-a"], key="k2", category="挂网")
    assert other.department == "市医保局"
    customs = file(database, who["applicant-a"], key="k3", category="customs")
    assert customs.department == "厦门海关"


def test_an_overdue_request_escalates_the_working_day_after_its_deadline_once_and_audited(world):
    database, _, who = world
    view = file(database, who["applicant-a"])
    with UnitOfWork(database, actor="cli:test") as uow:
        on_deadline = rq.escalate_due(uow, DUE)
    assert on_deadline.escalated == []  # the due day itself is still on time
    with UnitOfWork(database, actor="test") as uow:
        assert not rq.request_detail(uow, who["applicant-a"], view.id, DUE).escalated
    before = count(database, AuditLog)
    with UnitOfWork(database, actor="cli:test") as uow:
        report = rq.escalate_due(uow, date(2025, 10, 15))
    assert report.escalated == [view.id]
    assert count(database, AuditLog) > before  # the escalation is in the trail
    with UnitOfWork(database, actor="cli:test") as uow:
        again = rq.escalate_due(uow, date(2025, 10, 16))
    assert again.escalated == [] and again.already == 1  # idempotent
    with UnitOfWork(database, actor="test") as uow:
        seen = rq.request_detail(uow, who["applicant-a"], view.id, date(2025, 10, 16))
    assert seen.escalated and seen.escalated_to == "市科技局" and seen.escalated_on == date(2025, 10, 15)
    assert [m.kind for m in seen.messages] == ["escalation"]
    assert "已提请市科技局统筹协调" in seen.messages[0].text


def test_reading_an_overdue_request_records_its_escalation(world):
    database, _, who = world
    view = file(database, who["applicant-a"])
    with UnitOfWork(database, actor="test") as uow:
        listed = rq.list_requests(uow, who["health"], date(2025, 10, 15))
    assert listed.requests[0].escalated
    with database.sessions() as s:
        row = s.get(EnterpriseRequest, view.id)
        assert row.escalated_on == date(2025, 10, 15) and row.escalated_to == "市科技局"
    assert count(database, RequestMessage) == 1
    with UnitOfWork(database, actor="test") as uow:
        rq.list_requests(uow, who["health"], date(2025, 10, 20))
    assert count(database, RequestMessage) == 1  # never twice


def test_the_department_answers_closes_and_the_enterprise_rates_then_the_statistics(world):
    database, _, who = world
    view = file(database, who["applicant-a"])
    with UnitOfWork(database, actor="test") as uow:
        answered = rq.answer(uow, who["health"], view.id, "已协调伦理委员会加开会议", DUE, "k-a")
    assert answered.status == "answered" and answered.on_time is True and answered.answered_on == DUE
    with UnitOfWork(database, actor="test") as uow:
        closed = rq.close(uow, who["health"], view.id, "伦理审查已完成", date(2025, 10, 20), "k-c")
    assert closed.status == "closed" and closed.answered_on == DUE  # the first answer counts
    with UnitOfWork(database, actor="test") as uow:
        rated = rq.rate(uow, who["applicant-a"], view.id, 4, "处理及时", date(2025, 10, 21), "k-r")
    assert rated.rating == 4 and not rated.can_rate
    late = file(database, who["applicant-a"], key="k-late")
    with UnitOfWork(database, actor="test") as uow:
        rq.answer(uow, who["health"], late.id, "迟到的答复", date(2025, 10, 15), "k-late-a")
    file(database, who["applicant-a"], key="k-open", today=date(2025, 10, 13))
    with UnitOfWork(database, actor="test") as uow:
        stats = {s.department: s for s in rq.list_requests(uow, who["auditor"], date(2025, 10, 15)).stats}
    health = stats["市卫健委"]
    assert (health.received, health.answered_on_time, health.answered_late, health.overdue, health.open) == (
        3,
        1,
        1,
        0,
        1,
    )
    assert health.satisfaction == "4.0" and health.rated == 1
    assert stats["市医保局"].received == 0 and stats["市医保局"].satisfaction is None


def test_a_retried_request_with_the_same_key_writes_nothing_more(world):
    database, _, who = world
    first = file(database, who["applicant-a"])
    again = file(database, who["applicant-a"])
    assert again.id == first.id and count(database, EnterpriseRequest) == 1
    with pytest.raises(rq.RequestError, match="幂等键"):
        file(database, who["applicant-a"], title="另一个诉求")
    with UnitOfWork(database, actor="test") as uow:
        rq.close(uow, who["health"], first.id, "已办结", DUE, "k-close")
    with UnitOfWork(database, actor="test") as uow:  # the retry of the close answers as the first time
        assert rq.close(uow, who["health"], first.id, "已办结", DUE, "k-close").status == "closed"
    assert count(database, RequestMessage) == 1


def test_who_sees_what(world):
    database, _, who = world
    a = file(database, who["applicant-a"])
    b = file(database, who["applicant-b"], key="kb", category="医保")
    day = date(2025, 10, 9)

    def ids(login):
        with UnitOfWork(database, actor="test") as uow:
            return sorted(r.id for r in rq.list_requests(uow, who[login], day).requests)

    assert ids("applicant-a") == [a.id] and ids("applicant-b") == [b.id]
    assert ids("health") == [a.id] and ids("insurance") == [b.id]
    assert ids("coordinator") == ids("auditor") == sorted([a.id, b.id])
    with UnitOfWork(database, actor="test") as uow, pytest.raises(rq.RequestForbidden):
        rq.request_detail(uow, who["applicant-b"], a.id, day)
    with UnitOfWork(database, actor="test") as uow, pytest.raises(rq.RequestForbidden):
        rq.request_detail(uow, who["insurance"], a.id, day)
    with UnitOfWork(database, actor="test") as uow, pytest.raises(rq.RequestForbidden):
        rq.list_requests(uow, who["finance"], day)


def test_answering_another_departments_request_is_refused_and_writes_nothing(world):
    database, _, who = world
    view = file(database, who["applicant-a"])
    before = count(database, AuditLog)
    with (
        UnitOfWork(database, actor="test") as uow,
        pytest.raises(rq.RequestForbidden, match="由市卫健委承办"),
    ):
        rq.answer(uow, who["insurance"], view.id, "不是我们的", date(2025, 10, 9), "k-x")
    # the coordinator answers only once the request is escalated
    with UnitOfWork(database, actor="test") as uow, pytest.raises(rq.RequestForbidden):
        rq.answer(uow, who["coordinator"], view.id, "统筹", DUE, "k-y")
    assert count(database, AuditLog) == before and count(database, RequestMessage) == 0
    with UnitOfWork(database, actor="test") as uow:
        done = rq.answer(uow, who["coordinator"], view.id, "已统筹协调", date(2025, 10, 15), "k-z")
    assert done.on_time is False and done.escalated
    assert [m.kind for m in done.messages] == ["escalation", "answer"]


def test_rating_before_closing_or_twice_or_out_of_range_is_refused(world):
    database, _, who = world
    view = file(database, who["applicant-a"])
    with UnitOfWork(database, actor="test") as uow, pytest.raises(rq.RequestError, match="办结后才能评价"):
        rq.rate(uow, who["applicant-a"], view.id, 5, "", DUE, "k-r1")
    with UnitOfWork(database, actor="test") as uow:
        rq.close(uow, who["health"], view.id, "已办结", DUE, "k-c")
    for bad in (0, 6, "3.5", "很好"):
        with UnitOfWork(database, actor="test") as uow, pytest.raises(rq.RequestError, match="1 到 5 的整数"):
            rq.rate(uow, who["applicant-a"], view.id, bad, "", DUE, f"k-bad-{bad}")
    with UnitOfWork(database, actor="test") as uow, pytest.raises(rq.RequestForbidden):
        rq.rate(uow, who["applicant-b"], view.id, 5, "", DUE, "k-r2")
    for n, expected in ((1, None), (5, "已评价")):
        with UnitOfWork(database, actor="test") as uow:
            if expected is None:
                assert rq.rate(uow, who["applicant-a"], view.id, n, "", DUE, "k-r3").rating == 1
            else:
                with pytest.raises(rq.RequestError, match=expected):
                    rq.rate(uow, who["applicant-a"], view.id, n, "", DUE, "k-r4")


def test_bad_input_names_the_field_and_writes_nothing(world):
    database, _, who = world
    cases = [
        ({"department": "市宇宙局"}, "department：没有“市宇宙局”这个承办部门"),
        ({"category": "旅游"}, "category：未知的诉求类别“旅游”"),
        ({"title": " "}, "title：请填写诉求标题"),
        ({"text": "字" * 5001}, "text：诉求内容不能超过 5000 个字"),
    ]
    for change, words in cases:
        with pytest.raises(rq.RequestError) as exc:
            file(database, who["applicant-a"], key=f"k-{words[:4]}", **change)
        assert any(words in p for p in exc.value.problems), exc.value.problems
    with pytest.raises(rq.RequestForbidden):
        file(database, who["health"])
    assert count(database, EnterpriseRequest) == 0


def test_attachments_are_checked_by_type_and_size_and_stored_by_hash(world):
    database, _, who = world
    for upload, words in [
        (rq.Upload("说明.docx", b"PK\x03\x04"), "只能上传 PDF 或图片"),
        (rq.Upload("假的.pdf", b"MZ\x90\x00"), "内容不是PDF"),
        (rq.Upload("空.png", b""), "是空的"),
        (rq.Upload("大.pdf", b"%PDF-" + b"0" * rq.MAX_ATTACHMENT_BYTES), "超过每个附件 10 MB"),
    ]:
        with pytest.raises(rq.RequestError, match=words):
            file(database, who["applicant-a"], key=f"k-{upload.filename}", uploads=[upload])
    assert count(database, EnterpriseRequest) == 0 and count(database, RequestAttachment) == 0
    at_limit = rq.Upload("刚好.pdf", b"%PDF-" + b"0" * (rq.MAX_ATTACHMENT_BYTES - 5))
    view = file(
        database, who["applicant-a"], uploads=[rq.Upload("批件.pdf", PDF), rq.Upload("图.png", PNG), at_limit]
    )
    assert [a.content_type for a in view.attachments] == ["application/pdf", "image/png", "application/pdf"]
    with UnitOfWork(database, actor="test") as uow:
        path, meta = rq.attachment_file(uow, who["health"], view.id, view.attachments[0].id)
    assert path.read_bytes() == PDF and meta.filename == "批件.pdf"
    assert path.parent.name == "requests" and path.name == meta.sha256


def test_the_routing_file_rests_on_the_clauses_it_cites():
    routing = rq.get_routing()
    assert routing.respond_days == 5
    assert routing.coordinator.department == "市科技局"
    assert {c.label for c in routing.categories.values()} == {
        "临床试验",
        "注册",
        "挂网",
        "进院",
        "医保",
        "通关",
        "其他",
    }
    assert "xm-2025-1/m20" in routing.respond_within.clauses


def test_two_readers_at_once_record_one_escalation(world):
    import threading

    database, _, who = world
    file(database, who["applicant-a"])
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def read(login):
        try:
            start.wait()
            with UnitOfWork(database, actor="test") as uow:
                rq.list_requests(uow, who[login], date(2025, 10, 15))
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            errors.append(exc)

    threads = [threading.Thread(target=read, args=(w,)) for w in ("health", "coordinator")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and count(database, RequestMessage) == 1
