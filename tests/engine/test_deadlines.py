"""Due dates of regulatory procedures: every time-limit rule with its clause, the clock stopping and
resuming (补正), statuses on both sides of each threshold, and estimates into 2027."""

from __future__ import annotations

from datetime import date

import pytest

from biopolicy.corpus.loader import load_corpus
from biopolicy.engine.calendar import WorkingCalendar
from biopolicy.engine.deadlines import ClockStop, DeadlineError, Status, compute_deadline
from biopolicy.rules.time_limits import load_time_limits

ON = date(2025, 10, 1)


@pytest.fixture(scope="module")
def limits():
    return load_time_limits(load_corpus())


@pytest.fixture(scope="module")
def cal():
    return WorkingCalendar()


def _due(limits, cal, procedure, started=date(2025, 9, 26), **kw):
    kw.setdefault("on", started)
    return compute_deadline(limits, cal, procedure, started, **kw)


# ---------------------------------------------------------------- each rule of fj-yj-2025-30 with its clause

FJ = [
    # procedure, rule id, clause, limit in working days
    (
        "drug_supplement_review_inspection",
        "fj-yj-2025-30/m9-supplement-review-inspection",
        "fj-yj-2025-30/m9",
        60,
    ),
    ("drug_supplement_registration_testing", "fj-yj-2025-30/m11-supplement-testing", "fj-yj-2025-30/m11", 30),
    ("new_drug_registration_testing", "fj-yj-2025-30/m11-new-drug-testing", "fj-yj-2025-30/m11", 40),
    (
        "new_drug_registration_testing_standard",
        "fj-yj-2025-30/m11-new-drug-testing-standard",
        "fj-yj-2025-30/m11",
        70,
    ),
]


@pytest.mark.parametrize(("procedure", "rule_id", "clause", "days"), FJ)
def test_each_fujian_limit_gives_its_due_date_and_cites_its_clause(
    limits, cal, procedure, rule_id, clause, days
):
    d = _due(limits, cal, procedure)
    assert (d.rule_id, d.clauses, d.limit_days) == (rule_id, (clause,), days)
    assert d.due == cal.add_working_days(date(2025, 9, 26), days).date
    assert not d.estimated and d.confirmed


def test_the_supplement_review_needing_inspection_is_60_working_days_from_2025_08_07_and_200_before(
    limits, cal
):
    d = _due(limits, cal, "drug_supplement_review_inspection")
    assert d.due == date(2025, 12, 25)  # the 60th working day after Friday 2025-09-26
    before = _due(limits, cal, "drug_supplement_review_inspection", started=date(2025, 8, 6))
    assert before.rule_id == "drug-2020/96-4-supplement-inspection" and before.limit_days == 200
    assert before.clauses == () and "第九十六条（四）" in before.citation
    assert not before.confirmed and any("未能核实" in n for n in before.notes)
    on_the_day = _due(limits, cal, "drug_supplement_review_inspection", started=date(2025, 8, 7))
    assert on_the_day.limit_days == 60


def test_new_drug_testing_is_the_statutory_limit_less_20_working_days(limits, cal):
    assert _due(limits, cal, "drug_registration_testing").limit_days == 60  # national, not shortened
    d = _due(limits, cal, "new_drug_registration_testing")
    assert d.limit_days == 60 - 20 and "缩短 20 个工作日" in d.steps[0] and "第九十八条" in d.steps[0]


def test_consistency_retesting_needs_the_statutory_limit_of_the_case(limits, cal):
    without = _due(limits, cal, "consistency_evaluation_retesting")
    assert without.status == Status.unknown and without.due is None
    assert without.clauses == ("fj-yj-2025-30/m11",) and "baseline_days" in without.notes[0]
    d = _due(limits, cal, "consistency_evaluation_retesting", baseline_days=60)
    assert d.limit_days == 40 and d.due == cal.add_working_days(date(2025, 9, 26), 40).date


def test_urgent_device_testing_is_at_most_80_percent_of_the_statutory_limit(limits, cal):
    d = _due(limits, cal, "device_urgent_testing", baseline_days=60)
    assert d.limit_days == 48 and d.clauses == ("fj-yj-2025-30/m11",)
    assert (
        _due(limits, cal, "device_urgent_testing", baseline_days=61).limit_days == 48
    )  # 48.8: part day dropped
    assert _due(limits, cal, "device_urgent_testing", baseline_days=65).limit_days == 52
    assert _due(limits, cal, "device_urgent_testing").status == Status.unknown


def test_a_procedure_with_no_local_rule_uses_the_national_baseline(limits, cal):
    d = _due(limits, cal, "device_class3_review")
    assert d.limit_days == 90 and d.rule_id == "device-2021/92-3-class3" and d.confirmed
    assert "医疗器械注册与备案管理办法" in d.citation


def test_an_unknown_procedure_is_refused_in_chinese(limits, cal):
    with pytest.raises(DeadlineError, match="procedure：未知的程序“nope”"):
        _due(limits, cal, "nope")


# ---------------------------------------------------------------- the clock stops and resumes


def test_a_drug_review_clock_stops_while_the_applicant_supplements_and_grows_by_a_third(limits, cal):
    stop = ClockStop(date(2025, 10, 10), date(2025, 11, 3))
    d = _due(limits, cal, "drug_supplement_review_inspection", stops=[stop])
    # 5 working days used before the stop (28, 29, 30 September, 9, 10 October), 55 left, + 20 (1/3 of 60)
    assert "计 5个工作日" in d.steps[1] and "剩 55个工作日" in d.steps[1]
    assert d.due == cal.add_working_days(date(2025, 11, 3), 75).date == date(2026, 2, 24)
    no_stop = _due(limits, cal, "drug_supplement_review_inspection")
    assert d.due > no_stop.due


def test_the_extension_applies_once_and_a_second_stop_only_stops_the_clock(limits, cal):
    stops = [
        ClockStop(date(2025, 10, 10), date(2025, 11, 3)),
        ClockStop(date(2025, 11, 10), date(2025, 11, 17)),
    ]
    d = _due(limits, cal, "drug_supplement_review_inspection", stops=stops)
    used_between = cal.working_days_between(date(2025, 11, 3), date(2025, 11, 10)).days
    assert d.due == cal.add_working_days(date(2025, 11, 17), 75 - used_between).date


def test_a_device_review_restarts_with_the_limit_after_supplement(limits, cal):
    d = _due(limits, cal, "device_class3_review", stops=[ClockStop(date(2025, 11, 3), date(2025, 12, 1))])
    assert d.due == cal.add_working_days(date(2025, 12, 1), 60).date
    assert "重新计算 60个工作日" in d.steps[2]


def test_an_open_stop_pauses_the_clock_and_says_by_when_the_applicant_must_answer(limits, cal):
    d = _due(
        limits, cal, "drug_marketing_review", on=date(2025, 11, 20), stops=[ClockStop(date(2025, 10, 10))]
    )
    assert d.status == Status.paused and d.due is None
    assert any("80 日内（2025-12-29 前）" in n for n in d.notes)


def test_a_stop_longer_than_the_applicant_may_take_is_noted(limits, cal):
    ok = _due(limits, cal, "drug_marketing_review", stops=[ClockStop(date(2025, 10, 10), date(2025, 12, 29))])
    late = _due(
        limits, cal, "drug_marketing_review", stops=[ClockStop(date(2025, 10, 10), date(2025, 12, 30))]
    )
    assert not any("超过" in n for n in ok.notes)
    assert any("用时 81 日，超过《药品注册管理办法》第八十七条" in n for n in late.notes)


def test_a_stop_after_the_limit_ran_out_does_not_move_the_due_date(limits, cal):
    plain = _due(limits, cal, "drug_supplement_registration_testing")
    d = _due(
        limits,
        cal,
        "drug_supplement_registration_testing",
        stops=[ClockStop(date(2026, 3, 2), date(2026, 3, 9))],
    )
    assert d.due == plain.due and "已用尽" in d.steps[1]


@pytest.mark.parametrize(
    ("stops", "message"),
    [
        (
            [ClockStop(date(2025, 9, 1), date(2025, 9, 5))],
            "stops[0].start：停表日 2025-09-01 早于起算日 2025-09-26",
        ),
        (
            [ClockStop(date(2025, 10, 10), date(2025, 10, 9))],
            "stops[0].end：补正资料收到日 2025-10-09 早于停表日",
        ),
        (
            [
                ClockStop(date(2025, 10, 10), date(2025, 11, 3)),
                ClockStop(date(2025, 10, 20), date(2025, 11, 5)),
            ],
            "stops[1].start：停表日 2025-10-20 早于上一次补正资料收到日 2025-11-03",
        ),
    ],
)
def test_impossible_clock_stops_are_refused_naming_the_field(limits, cal, stops, message):
    with pytest.raises(DeadlineError, match=message.replace("[", r"\[").replace("]", r"\]")):
        _due(limits, cal, "drug_marketing_review", stops=stops)


# ---------------------------------------------------------------- statuses on both sides of each threshold


def test_status_on_time_due_soon_due_today_and_overdue(limits, cal):
    start, due = date(2025, 9, 26), date(2025, 12, 25)

    def status(on):
        return _due(limits, cal, "drug_supplement_review_inspection", on=on)

    eleven_before = cal.add_working_days(due, -11).date
    ten_before = cal.add_working_days(due, -10).date
    assert (status(eleven_before).status, status(eleven_before).working_days_left) == (Status.on_time, 11)
    assert (status(ten_before).status, status(ten_before).working_days_left) == (Status.due_soon, 10)
    assert status(ten_before).status_label == "即将到期（剩 10 个工作日）"
    assert (status(due).status, status(due).working_days_left) == (Status.due_soon, 0)
    late = status(date(2025, 12, 26))
    assert (late.status, late.working_days_left, late.status_label) == (
        Status.overdue,
        -1,
        "已超期 1 个工作日",
    )
    assert start < due


def test_completed_on_the_due_date_is_met_and_a_day_later_missed(limits, cal):
    met = _due(
        limits, cal, "drug_supplement_review_inspection", completed=date(2025, 12, 25), on=date(2026, 1, 5)
    )
    missed = _due(
        limits, cal, "drug_supplement_review_inspection", completed=date(2025, 12, 26), on=date(2026, 1, 5)
    )
    assert met.status == Status.met and missed.status == Status.missed and missed.working_days_left == -1


# ---------------------------------------------------------------- estimates into 2027


def test_a_due_date_into_2027_is_marked_an_estimate_naming_2027(limits, cal):
    d = _due(limits, cal, "drug_supplement_review_inspection", started=date(2026, 11, 2))
    assert d.estimated and d.missing_years == (2027,) and d.due.year == 2027
    assert any("2027 年的节假日安排尚未载入" in n for n in d.notes)
    inside = _due(limits, cal, "drug_supplement_registration_testing", started=date(2026, 11, 2))
    assert not inside.estimated and inside.due.year == 2026


def test_a_status_asked_in_2027_of_a_2026_due_date_is_an_estimate_too(limits, cal):
    d = _due(
        limits, cal, "drug_supplement_registration_testing", started=date(2026, 11, 2), on=date(2027, 1, 20)
    )
    assert d.status == Status.overdue and d.estimated and d.missing_years == (2027,)


def test_calendar_day_limits_need_no_schedule(limits, cal):
    from biopolicy.engine.deadlines import deadline_for
    from biopolicy.rules.time_limits import LimitUnit, ResolvedLimit

    d = deadline_for(
        cal, ResolvedLimit(30, LimitUnit.calendar_days, "30日"), date(2026, 12, 15), on=date(2026, 12, 15)
    )
    assert d.due == date(2027, 1, 14) and not d.estimated
