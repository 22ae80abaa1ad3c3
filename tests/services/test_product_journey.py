"""One file per product and its forms, on SQLite and PostgreSQL: a milestone, its progress (started,
done, 补正 stop and resume) and a service officer's note are written once per idempotency key, in one
transaction, audited; every refusal names the field and writes nothing; the product file gathers the
ledger (applications, approvals, payments, prior awards) of that product only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from tests.services import test_watchlist
from tests.services.test_watchlist import TODAY

from biopolicy.services import applications as apps
from biopolicy.services import watchlist as wl
from biopolicy.services.calculator import get_calculator
from biopolicy.storage.ledger_models import Application, IdempotencyKey, Payment
from biopolicy.storage.models import AuditLog
from biopolicy.storage.uow import UnitOfWork
from biopolicy.storage.watch import Milestone, ServiceNote

world = test_watchlist.world  # the fixture: organisations A and B, their people, 甲单抗 and 乙器械


def count(database, model) -> int:
    with database.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def record(database, who, product_id, key, today=TODAY, **data):
    with UnitOfWork(database, actor="test") as uow:
        return wl.record_milestone(uow, who, product_id, data, today, key)


def progress(database, who, product_id, milestone_id, key, today=TODAY, **data):
    with UnitOfWork(database, actor="test") as uow:
        return wl.record_progress(uow, who, product_id, milestone_id, data, today, key)


def refused(call, *args, **kw) -> list[str]:
    with pytest.raises(wl.WatchlistError) as exc:
        call(*args, **kw)
    return exc.value.problems


def file_of(database, who, product_id, on=TODAY):
    with UnitOfWork(database, actor="test") as uow:
        return wl.product_file(uow, who, product_id, on, calculator=get_calculator())


def test_a_milestone_is_written_once_per_key_and_audited(world):
    database, ids, who = world
    first = record(
        database, who["applicant-a"], ids["a1"], "k-1", kind="preclinical_done", completed_on="2025-03-01"
    )
    again = record(
        database, who["applicant-a"], ids["a1"], "k-1", kind="preclinical_done", completed_on="2025-03-01"
    )
    assert first["replayed"] is False and again["replayed"] is True
    assert again["milestone_id"] == first["milestone_id"] and count(database, Milestone) == 1
    with database.sessions() as s:
        entities = set(s.scalars(select(AuditLog.entity)))
    assert {"milestone", "idempotency_key"} <= entities
    # the same key for another request is refused, and writes nothing
    problems = refused(
        record, database, who["applicant-a"], ids["a1"], "k-1", kind="ind_filed", started_on="2025-04-01"
    )
    assert problems[0].startswith("Idempotency-Key：") and count(database, Milestone) == 1
    # a form without its key is refused
    assert refused(record, database, who["applicant-a"], ids["a1"], "", kind="ind_filed")[0].startswith(
        "Idempotency-Key："
    )


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"kind": "ind_filed", "started_on": "2025-02-01"}, "started_on", "早于前一环节“完成临床前研究”"),
        ({"kind": "phase_1_completed", "completed_on": "2026-01-21"}, "completed_on", "晚于今天"),
        ({"kind": "technical_review", "started_on": "2025-09-26", "procedure": "drug_fast_lane"}, "procedure", "未知的办理程序"),
        ({"kind": "technical_review", "started_on": "2025-09-26", "procedure": "device_class3_review"}, "procedure", "属于医疗器械"),
    ],
)  # fmt: skip
def test_a_refused_milestone_names_its_field_and_writes_nothing(world, data, field, words):
    database, ids, who = world
    record(database, who["applicant-a"], ids["a1"], "pre", kind="preclinical_done", completed_on="2025-03-01")
    before, keys = count(database, Milestone), count(database, IdempotencyKey)
    problems = refused(record, database, who["applicant-a"], ids["a1"], "bad", **data)
    assert any(p.startswith(f"{field}：") and words in p for p in problems), problems
    assert count(database, Milestone) == before and count(database, IdempotencyKey) == keys


def test_today_may_be_marked_done_tomorrow_may_not(world):
    database, ids, who = world
    done = record(
        database, who["applicant-a"], ids["a1"], "t", kind="preclinical_done", completed_on=TODAY.isoformat()
    )
    assert done["replayed"] is False


def test_another_organisations_product_is_refused_and_nothing_written(world):
    database, ids, who = world
    with pytest.raises(wl.WatchlistForbidden):
        record(
            database, who["applicant-b"], ids["a1"], "x", kind="preclinical_done", completed_on="2025-03-01"
        )
    with pytest.raises(wl.WatchlistForbidden), UnitOfWork(database, actor="test") as uow:
        wl.record_note(uow, who["applicant-a"], ids["a1"], "2026-01-02", "协调", TODAY, "n")
    assert count(database, Milestone) == 0 and count(database, IdempotencyKey) == 0


def test_a_stop_for_supplements_pauses_the_clock_and_resuming_moves_the_due_date(world):
    database, ids, who = world
    made = record(database, who["regulator"], ids["a1"], "r", kind="technical_review",
                  procedure="drug_supplement_review_inspection", started_on="2025-09-26")  # fmt: skip
    mid = made["milestone_id"]
    due_before = file_of(database, who["regulator"], ids["a1"]).milestones[0].clock.due
    assert due_before == date(2025, 12, 25)  # the 60th working day (fj-yj-2025-30 （九）)
    progress(database, who["regulator"], ids["a1"], mid, "s", stop_on="2025-10-20")
    paused = file_of(database, who["regulator"], ids["a1"], on=date(2025, 11, 3)).milestones[0]
    assert paused.clock.status == "paused" and paused.clock_stops == [{"start": "2025-10-20", "end": None}]
    # a second stop while one is open, a resume with none open: refused, nothing written
    assert refused(progress, database, who["regulator"], ids["a1"], mid, "s2", stop_on="2025-10-21")[
        0
    ].startswith("stop_on：")
    progress(database, who["regulator"], ids["a1"], mid, "e", resume_on="2025-11-03")
    resumed = file_of(database, who["regulator"], ids["a1"]).milestones[0]
    assert resumed.clock_stops == [{"start": "2025-10-20", "end": "2025-11-03"}]
    assert resumed.clock.due > due_before
    assert refused(progress, database, who["regulator"], ids["a1"], mid, "e2", resume_on="2025-11-04")[
        0
    ].startswith("resume_on：")


def test_progress_done_before_started_or_in_the_future_is_refused(world):
    database, ids, who = world
    mid = record(
        database, who["applicant-a"], ids["a1"], "r", kind="technical_review", started_on="2025-09-26"
    )["milestone_id"]
    assert any(
        p.startswith("completed_on：") and "早于开始日期" in p
        for p in refused(
            progress, database, who["applicant-a"], ids["a1"], mid, "c", completed_on="2025-09-01"
        )
    )
    assert any(
        p.startswith("completed_on：") and "晚于今天" in p
        for p in refused(
            progress, database, who["applicant-a"], ids["a1"], mid, "c2", completed_on="2026-02-01"
        )
    )
    progress(database, who["applicant-a"], ids["a1"], mid, "c3", completed_on="2025-12-01")
    f = file_of(database, who["applicant-a"], ids["a1"])
    assert f.milestones[0].completed_on == date(2025, 12, 1) and f.limits_met


def test_a_service_officers_note_is_dated_and_written_once(world):
    database, ids, who = world
    for _ in range(2):
        with UnitOfWork(database, actor="test") as uow:
            wl.record_note(uow, who["officer"], ids["a1"], "2026-01-19", "协调注册检验排期", TODAY, "note-1")
    assert count(database, ServiceNote) == 1
    with UnitOfWork(database, actor="test") as uow:
        problems = refused(
            wl.record_note, uow, who["officer"], ids["a1"], "2026-01-21", "提前记录", TODAY, "note-2"
        )
    assert problems[0].startswith("on：") and count(database, ServiceNote) == 1
    assert [n.text for n in file_of(database, who["officer"], ids["a1"]).notes] == ["协调注册检验排期"]


def test_the_product_file_shows_its_awards_from_the_ledger_and_no_other_products(world):
    database, ids, who = world
    calc = get_calculator()
    ref = wl.product_ref(ids["a1"])
    with UnitOfWork(database, actor="test") as uow:
        row = Application(
            organisation_id=ids["A"], measure_id="xm-2023/m1-clinical", event={"type": "clinical_stage_completed"},
            event_key="e1", product_id=ref, department="市科技局", status="paying",
            approved_amount=Decimal("3000000.00"),
        )  # fmt: skip
        other = Application(
            organisation_id=ids["A"], measure_id="xm-2023/m1-clinical", event={"type": "clinical_stage_completed"},
            event_key="e2", product_id="p999", department="市科技局", status="submitted",
        )  # fmt: skip
        uow.session.add_all([row, other])
        uow.session.flush()
        uow.session.add(Payment(application_id=row.id, organisation_id=ids["A"], instalment=1,
                                amount=Decimal("1200000.00"), paid_on=date(2025, 12, 1), receipt_no="R-1"))  # fmt: skip
        uow.commit()
    with UnitOfWork(database, actor="test") as uow:
        apps.record_prior_award(
            uow, who["regulator"], calc, ids["A"],
            {"programme": "省级研发奖励（2024年）", "level": "province", "amount": "500000", "date": "2024-06-01",
             "product_id": ref, "evidence": "闽财指〔2024〕1号"},
            "prior-1",
        )  # fmt: skip
    f = file_of(database, who["applicant-a"], ids["a1"])
    assert [(a.source, a.status_label, a.approved_amount, a.paid) for a in f.awards] == [
        ("本平台申报", "分期支付中", Decimal("3000000.00"), Decimal("1200000.00")),
        ("平台外已获奖励", "已获奖励（平台外拨付）", Decimal("500000.00"), Decimal("500000.00")),
    ]
    assert f.awards[0].title == calc.rules.measures["xm-2023/m1-clinical"].title
    assert f.awards_approved == Decimal("3500000.00") and f.awards_paid == Decimal("1700000.00")
    assert [p.instalment for p in f.awards[0].payments] == [1]
    assert (
        f.catalogue_memberships == []
    )  # on no published catalogue (tests/services/test_catalogue_wiring.py)


def test_hospitals_and_what_completed_milestones_unlock(world):
    database, ids, who = world
    record(database, who["applicant-a"], ids["a1"], "1", kind="phase_2_started", started_on="2025-01-10")
    record(database, who["applicant-a"], ids["a1"], "2", kind="phase_2_completed", completed_on="2025-06-30")
    record(database, who["applicant-a"], ids["a1"], "3", kind="phase_3_completed", planned_on="2027-06-30")
    record(database, who["applicant-a"], ids["a1"], "4", kind="approval", started_on="2025-08-01",
           completed_on="2025-12-01")  # fmt: skip
    record(database, who["applicant-a"], ids["a1"], "5", kind="hospital_admission", subject="厦门大学附属第一医院",
           completed_on="2026-01-05")  # fmt: skip
    f = file_of(database, who["applicant-a"], ids["a1"])
    assert f.hospitals == ["厦门大学附属第一医院"]
    assert {u.milestone for u in f.unlocks} == {"Ⅱ期临床试验完成"}
    assert {u.milestone for u in f.what_if} == {"Ⅲ期临床试验完成"}
