"""The watch list: milestones checked, due dates from the time limits, the three views and who sees what."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from tests.services.test_organisations import FACTS, code

from biopolicy.services import accounts
from biopolicy.services import organisations as orgs
from biopolicy.services import watchlist as wl
from biopolicy.storage.models import AuditLog
from biopolicy.storage.uow import UnitOfWork
from biopolicy.storage.watch import Milestone

TODAY = date(2026, 1, 20)
PASSWORD = "correct-horse-42"


@pytest.fixture
def world(database):
    """Organisations A and B, a regulator (省药监局 reviewer), a 市科技局 reviewer, a service officer,
    applicants of A and B, an auditor; A's product 甲单抗 and B's 乙器械 on the list."""
    ids = {}
    with UnitOfWork(database, actor="test") as uow:
        ids["A"] = orgs.create(uow, FACTS).id
    with UnitOfWork(database, actor="test") as uow:
        ids["B"] = orgs.create(uow, {**FACTS, "name": "乙公司", "credit_code": code(2), "products": []}).id
    people = {
        "regulator": (None, [("reviewer", "省药监局")]),
        "city-reviewer": (None, [("reviewer", "市科技局")]),
        "officer": (None, [("service_officer", "")]),
        "officer-2": (None, [("service_officer", "")]),
        "applicant-a": ("A", [("applicant", "")]),
        "applicant-b": ("B", [("applicant", "")]),
        "auditor": (None, [("auditor", "")]),
    }
    who = {}
    for login, (org, roles) in people.items():
        with UnitOfWork(database, actor="test") as uow:
            accounts.create_user(uow, login, login, password=PASSWORD,
                                 organisation=ids[org] if org else None, roles=roles)  # fmt: skip
            who[login] = accounts.authenticate(uow, login, PASSWORD)
    with UnitOfWork(database, actor="test") as uow:
        ids["a1"] = wl.watch_product(
            uow, who["regulator"], ids["A"], "甲单抗", "biologic", "1", key_product=True
        )
    with UnitOfWork(database, actor="test") as uow:
        ids["b1"] = wl.watch_product(
            uow, who["regulator"], ids["B"], "乙器械", "device", "III", key_enterprise=True
        )
    with UnitOfWork(database, actor="test") as uow:
        wl.assign_officer(uow, who["regulator"], ids["a1"], "officer")
    return database, ids, who


def add(database, who, product_id, today=TODAY, **data):
    with UnitOfWork(database, actor="test") as uow:
        return wl.add_milestone(uow, who, product_id, data, today)


def problems(database, who, product_id, **data) -> list[str]:
    with pytest.raises(wl.WatchlistError) as exc:
        add(database, who, product_id, **data)
    return exc.value.problems


def milestones(database) -> int:
    with database.sessions() as s:
        return s.scalar(select(func.count()).select_from(Milestone))


def test_a_supplementary_review_needing_inspection_is_due_on_the_60th_working_day_with_its_clause(world):
    database, ids, who = world
    view = add(database, who["applicant-a"], ids["a1"], kind="technical_review",
               procedure="drug_supplement_review_inspection", started_on="2025-09-26")  # fmt: skip
    clock = view.clock
    assert clock.due == date(2025, 12, 25) and clock.limit_days == 60
    assert clock.status == "overdue" and "fj-yj-2025-30" in " ".join(clock.clauses)
    done = None
    with UnitOfWork(database, actor="test") as uow:
        done = wl.complete_milestone(uow, who["applicant-a"], ids["a1"], view.id, "2025-12-25", TODAY)
    assert done.clock.status == "met"  # on the due date: met
    with UnitOfWork(database, actor="test") as uow:
        late = wl.complete_milestone(uow, who["applicant-a"], ids["a1"], view.id, "2025-12-26", TODAY)
    assert late.clock.status == "missed"  # one day after: missed


def test_a_regulatory_step_without_a_procedure_takes_the_default_of_the_products_regime(world):
    database, ids, who = world
    view = add(database, who["regulator"], ids["b1"], kind="technical_review", started_on="2026-01-05")
    assert view.clock.procedure == "device_class3_review" and view.clock.due is not None


def test_status_on_time_due_soon_and_a_clock_stopped_for_supplements(world):
    database, ids, who = world
    v = add(database, who["applicant-a"], ids["a1"], kind="technical_review",
            procedure="drug_supplement_review_inspection", started_on="2025-12-01")  # fmt: skip
    with UnitOfWork(database, read_only=True) as uow:
        m = uow.session.get(Milestone, v.id)
        due = wl.deadline_of(m, wl.get_clock(), date(2025, 12, 2)).due
        clock = wl.get_clock()
        ten_before = clock.calendar.nth_working_day(due, -10)
        eleven_before = clock.calendar.nth_working_day(due, -11)
        assert wl.deadline_of(m, clock, ten_before).status.value == "due_soon"
        assert wl.deadline_of(m, clock, eleven_before).status.value == "on_time"
    stopped = add(database, who["applicant-b"], ids["b1"], kind="technical_review", started_on="2026-01-05",
                  clock_stops=[{"start": "2026-01-12", "end": None}])  # fmt: skip
    assert stopped.clock.status == "paused" and stopped.clock.due is None


def test_a_date_computed_into_a_year_without_an_official_schedule_is_an_estimate(world):
    database, ids, who = world
    v = add(database, who["applicant-b"], ids["b1"], kind="technical_review", started_on="2026-12-01",
            today=date(2026, 12, 2))  # fmt: skip
    assert v.clock.estimated and 2027 in v.clock.missing_years
    assert any("2027" in n for n in v.clock.notes)


def test_bad_milestones_are_refused_with_the_field_named_and_nothing_written(world):
    database, ids, who = world
    add(database, who["applicant-a"], ids["a1"], kind="phase_2_started", started_on="2025-06-01")
    before = milestones(database)
    # before its predecessor
    got = problems(
        database, who["applicant-a"], ids["a1"], kind="phase_2_completed", completed_on="2025-05-31"
    )
    assert got == [
        "completed_on：“Ⅱ期临床试验完成”的日期 2025-05-31 早于前一环节“Ⅱ期临床试验启动”的日期 2025-06-01"
    ]
    # the same day as the predecessor is allowed (not before it)
    # a completed date in the future
    got = problems(
        database, who["applicant-a"], ids["a1"], kind="preclinical_done", completed_on="2026-01-21"
    )
    assert got[0].startswith("completed_on：完成日期 2026-01-21 晚于今天（2026-01-20）")
    # an unknown procedure
    got = problems(database, who["applicant-a"], ids["a1"], kind="technical_review", procedure="made_up",
                   started_on="2025-09-01")  # fmt: skip
    assert got[0].startswith("procedure：未知的办理程序“made_up”")
    # a procedure of the other regime
    got = problems(database, who["applicant-b"], ids["b1"], kind="technical_review",
                   procedure="drug_marketing_review", started_on="2025-09-01")  # fmt: skip
    assert got[0].startswith("procedure：程序“药品上市许可申请审评”属于药品")
    # an unknown kind
    assert problems(database, who["applicant-a"], ids["a1"], kind="launch", planned_on="2027-01-01")[
        0
    ].startswith("kind：未知的里程碑类型“launch”")
    # a product of another organisation
    with pytest.raises(wl.WatchlistForbidden, match="不属于您的机构"):
        add(database, who["applicant-b"], ids["a1"], kind="preclinical_done", completed_on="2025-01-01")
    assert milestones(database) == before
    # the boundary: the same day as the predecessor, and today, are accepted
    add(database, who["applicant-a"], ids["a1"], kind="phase_2_completed", completed_on="2025-06-01")
    add(database, who["applicant-a"], ids["a1"], kind="preclinical_done", completed_on="2025-01-01")
    add(database, who["applicant-a"], ids["a1"], kind="registration_filed", completed_on=TODAY.isoformat())
    assert milestones(database) == before + 3


def test_every_change_is_audited_under_the_products_organisation(world):
    database, ids, who = world
    v = add(database, who["officer"], ids["a1"], kind="preclinical_done", completed_on="2025-01-01")
    with database.sessions() as s:
        row = s.scalars(select(AuditLog).where(AuditLog.entity == "milestone")).one()
    assert row.after["id"] == v.id and row.organisation_id == ids["A"] and row.actor == "test"


def _three_steps(database, ids, who):
    add(
        database,
        who["regulator"],
        ids["a1"],
        kind="technical_review",
        procedure="drug_supplement_review_inspection",
        started_on="2025-09-26",
    )  # overdue on TODAY
    add(database, who["regulator"], ids["b1"], kind="technical_review", started_on="2026-01-05")  # far
    add(database, who["regulator"], ids["a1"], kind="registration_testing",
        procedure="drug_supplement_registration_testing", started_on="2026-01-06")  # fmt: skip


def test_the_regulators_list_puts_overdue_first_then_by_due_date(world):
    database, ids, who = world
    _three_steps(database, ids, who)
    with UnitOfWork(database, read_only=True) as uow:
        rows = wl.regulator_view(uow, who["regulator"], TODAY)
    assert [r.clock.status for r in rows][0] == "overdue"
    dues = [r.clock.due for r in rows[1:]]
    assert dues == sorted(dues) and len(rows) == 3
    assert rows[0].officers == ["officer"] and rows[0].key_product
    with UnitOfWork(database, read_only=True) as uow:
        with pytest.raises(wl.WatchlistForbidden):
            wl.regulator_view(uow, who["city-reviewer"], TODAY)
        with pytest.raises(wl.WatchlistForbidden):
            wl.regulator_view(uow, who["officer"], TODAY)
        assert len(wl.regulator_view(uow, who["auditor"], TODAY)) == 3


def test_each_sees_only_their_products(world):
    database, ids, who = world
    _three_steps(database, ids, who)
    with UnitOfWork(database, read_only=True) as uow:
        mine = wl.officer_view(uow, who["officer"], TODAY)
        assert [p.name for p in mine] == ["甲单抗"] and mine[0].overdue == 1
        assert wl.officer_view(uow, who["officer-2"], TODAY) == []
        a = wl.products_view(uow, who["applicant-a"], TODAY)
        assert [p.name for p in a.products] == ["甲单抗"]
        assert [r.clock.status for r in a.late] == ["overdue"] and all(
            r.product_name == "甲单抗" for r in a.due
        )
        assert [p.name for p in wl.products_view(uow, who["applicant-b"], TODAY).products] == ["乙器械"]
        assert len(wl.products_view(uow, who["regulator"], TODAY).products) == 2
        with pytest.raises(wl.WatchlistForbidden):
            wl.product_file(uow, who["applicant-b"], ids["a1"], TODAY)
        with pytest.raises(wl.WatchlistForbidden):
            wl.product_file(uow, who["officer-2"], ids["a1"], TODAY)
        with pytest.raises(wl.WatchlistForbidden):
            wl.products_view(uow, who["city-reviewer"], TODAY)
        assert wl.product_file(uow, who["officer"], ids["a1"], TODAY).product.name == "甲单抗"


def test_notes_are_the_assigned_officers(world):
    database, ids, who = world
    with UnitOfWork(database, actor="test") as uow:
        wl.add_note(uow, who["officer"], ids["a1"], "2026-01-10", "协调注册检验排期", TODAY)
    with UnitOfWork(database, actor="test") as uow, pytest.raises(wl.WatchlistForbidden):
        wl.add_note(uow, who["officer-2"], ids["a1"], "2026-01-10", "x", TODAY)
    with (
        UnitOfWork(database, actor="test") as uow,
        pytest.raises(wl.WatchlistError, match="on：服务日期 2026-01-21 晚于今天"),
    ):
        wl.add_note(uow, who["officer"], ids["a1"], "2026-01-21", "x", TODAY)
    with UnitOfWork(database, read_only=True) as uow:
        f = wl.product_file(uow, who["applicant-a"], ids["a1"], TODAY)
    assert [(n.on, n.text, n.author) for n in f.notes] == [(date(2026, 1, 10), "协调注册检验排期", "officer")]


def test_a_phase_2_completed_shows_what_it_unlocks_and_a_planned_one_what_if(world, real_library):
    from biopolicy.services.calculator import get_calculator

    database, ids, who = world
    add(database, who["applicant-a"], ids["a1"], kind="phase_2_completed", completed_on="2025-06-30")
    add(database, who["applicant-a"], ids["a1"], kind="phase_3_completed", planned_on="2027-06-30")
    with UnitOfWork(database, read_only=True) as uow:
        f = wl.product_file(uow, who["applicant-a"], ids["a1"], TODAY, calculator=get_calculator())
    assert f.unlocks and all(u.milestone == "Ⅱ期临床试验完成" and not u.planned for u in f.unlocks)
    assert f.what_if and all(u.milestone == "Ⅲ期临床试验完成" and u.planned for u in f.what_if)
    assert any("fj-2023-7" in u.measure_id or "xm" in u.measure_id for u in f.unlocks)
