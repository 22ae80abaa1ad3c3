"""Compliance with hospitals' duties (fj-2023-7 8, 12, 15; xm-2025-1 13): each duty on both sides of
its cadence, month ends, the catalogue trigger window, not-applicable and unknown profiles, reminders,
and the records a hospital cannot have."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from biopolicy.corpus.loader import load_corpus
from biopolicy.engine.compliance import (
    ComplianceInputError,
    Institution,
    Publication,
    Record,
    Status,
    add_months,
    check_publications,
    check_records,
    compliance_overview,
    compute_compliance,
    missed_first,
    periods,
)
from biopolicy.rules.obligations import Grade, Period, load_obligations
from biopolicy.rules.obligations import RecordKind as K

POLICIES = Path(__file__).resolve().parents[2] / "policies"
ETHICS = "fj-2023-7/m8-ethics-monthly"
RECEPTION = "fj-2023-7/m12-reception-day"
PHARMACY15 = "fj-2023-7/m15-pharmacy-committee"
DEVICE15 = "fj-2023-7/m15-device-committee"
XM_PHARMACY = "xm-2025-1/m13-pharmacy-quarterly"
XM_DEVICE = "xm-2025-1/m13-device-quarterly"
XM_CATALOGUE = "xm-2025-1/m13-catalogue-meeting"

FZ_TERTIARY = Institution(
    "H1", "福州某三级医院", grade=Grade.tertiary, public=True, runs_trials=True, city="福州市"
)
XM_TERTIARY = Institution(
    "X1", "厦门某三级医院", grade=Grade.tertiary, public=True, runs_trials=True, city="厦门市"
)


@pytest.fixture(scope="module")
def rules():
    return load_obligations(load_corpus(POLICIES))


def _rec(kind: K, *days: str, inst: str = "H1") -> list[Record]:
    return [Record(inst, kind, date.fromisoformat(d)) for d in days]


def _period(result, obligation: str, label: str):
    found = [p for p in result.periods if p.obligation == obligation and p.label == label]
    assert len(found) == 1, [(p.obligation, p.label) for p in result.periods if p.obligation == obligation]
    return found[0]


def _only(result, obligation: str):
    found = [p for p in result.periods if p.obligation == obligation]
    assert len(found) == 1, found
    return found[0]


# ---------------------------------------------------------------- fj-2023-7 8: ethics committee monthly


def test_an_ethics_meeting_on_the_last_day_of_the_month_counts_for_that_month(rules):
    r = compute_compliance(
        FZ_TERTIARY,
        rules,
        _rec(K.ethics_committee, "2025-03-31", "2025-05-01"),
        on=date(2025, 6, 15),
        start=date(2025, 3, 1),
    )
    march = _period(r, ETHICS, "2025年3月")
    assert march.status is Status.met and [x.date for x in march.records] == [date(2025, 3, 31)]
    assert "2025-03-31" in march.explanation and "fj-2023-7/m8" in march.explanation
    # the meeting of 1 May does not count for April
    april = _period(r, ETHICS, "2025年4月")
    assert april.status is Status.missed and april.count == 0 and april.status_label == "未完成"
    assert _period(r, ETHICS, "2025年5月").status is Status.met
    # June runs: not yet met, not yet missed
    assert _period(r, ETHICS, "2025年6月").status is Status.due


def test_on_the_last_day_of_a_month_without_a_meeting_the_month_is_due_and_missed_the_day_after(rules):
    kw = dict(start=date(2025, 6, 1))
    today = compute_compliance(FZ_TERTIARY, rules, [], on=date(2025, 6, 30), **kw)
    assert _period(today, ETHICS, "2025年6月").status is Status.due
    tomorrow = compute_compliance(FZ_TERTIARY, rules, [], on=date(2025, 7, 1), **kw)
    assert _period(tomorrow, ETHICS, "2025年6月").status is Status.missed


def test_the_ethics_duty_does_not_apply_to_an_institution_without_trials_and_is_unknown_when_not_said(rules):
    no_trials = Institution(
        "H2", "不承接临床试验的医院", grade=Grade.tertiary, public=True, runs_trials=False, city="福州市"
    )
    r = compute_compliance(no_trials, rules, [], on=date(2025, 6, 15), start=date(2025, 1, 1))
    p = _only(r, ETHICS)
    assert p.status is Status.not_applicable and "未承接药物或医疗器械临床试验" in p.why
    unknown = Institution("H3", "未填写的医院", grade=Grade.tertiary, public=True, city="福州市")
    p = _only(compute_compliance(unknown, rules, [], on=date(2025, 6, 15), start=date(2025, 1, 1)), ETHICS)
    assert (
        p.status is Status.unknown
        and "是否承接药物或医疗器械临床试验" in p.why
        and "runs_trials" not in p.why
    )


def test_a_meeting_of_another_committee_does_not_count_for_the_ethics_duty(rules):
    r = compute_compliance(
        FZ_TERTIARY,
        rules,
        _rec(K.pharmacy_committee, "2025-03-10"),
        on=date(2025, 4, 15),
        start=date(2025, 3, 1),
    )
    assert _period(r, ETHICS, "2025年3月").status is Status.missed


def test_records_of_other_institutions_are_ignored(rules):
    r = compute_compliance(
        FZ_TERTIARY,
        rules,
        _rec(K.ethics_committee, "2025-03-10", inst="H9"),
        on=date(2025, 4, 15),
        start=date(2025, 3, 1),
    )
    assert _period(r, ETHICS, "2025年3月").status is Status.missed


# ---------------------------------------------------------------- fj-2023-7 12: reception day


def test_a_tertiary_public_hospital_holds_a_reception_day_every_month(rules):
    records = _rec(K.reception_day, "2025-01-15", "2025-03-01", "2025-03-02", "2025-03-03")
    r = compute_compliance(FZ_TERTIARY, rules, records, on=date(2025, 4, 10), start=date(2025, 1, 1))
    assert _period(r, RECEPTION, "2025年1月").status is Status.met
    assert _period(r, RECEPTION, "2025年2月").status is Status.missed
    # 1—2次 read as at least 1: three in a month is not a breach
    march = _period(r, RECEPTION, "2025年3月")
    assert march.status is Status.met and march.count == 3


@pytest.mark.parametrize(
    ("inst", "why"),
    [
        (
            Institution("S", "二级公立", grade=Grade.secondary, public=True, city="福州市"),
            "本义务仅适用于三级医疗机构",
        ),
        (
            Institution("P", "三级民营", grade=Grade.tertiary, public=False, city="福州市"),
            "本义务仅适用于公立医疗机构",
        ),
    ],
)
def test_the_reception_day_does_not_apply_below_tertiary_or_to_a_private_hospital(rules, inst, why):
    p = _only(compute_compliance(inst, rules, [], on=date(2025, 4, 10), start=date(2025, 1, 1)), RECEPTION)
    assert p.status is Status.not_applicable and why in p.why


# ---------------------------------------------------------------- fj-2023-7 15: quarterly, at least 4 a year


def test_exactly_four_pharmacy_committee_meetings_in_a_year_meet_the_yearly_duty_and_three_miss_it(rules):
    four = _rec(K.pharmacy_committee, "2024-01-10", "2024-04-10", "2024-07-10", "2024-12-31")
    r = compute_compliance(FZ_TERTIARY, rules, four, on=date(2025, 2, 1), start=date(2024, 1, 1))
    year = _period(r, PHARMACY15, "2024年")
    assert year.status is Status.met and year.count == 4 and year.required == 4
    assert all(_period(r, PHARMACY15, f"2024年第{q}季度").status is Status.met for q in "一二三四")
    r = compute_compliance(FZ_TERTIARY, rules, four[:3], on=date(2025, 2, 1), start=date(2024, 1, 1))
    year = _period(r, PHARMACY15, "2024年")
    assert year.status is Status.missed and year.count == 3
    q4 = _period(r, PHARMACY15, "2024年第四季度")
    assert q4.status is Status.missed and q4.in_principle and q4.status_label == "未完成（原则性要求）"
    assert "原则性要求" in q4.explanation


def test_four_meetings_in_one_quarter_meet_the_year_but_the_other_quarters_miss_in_principle(rules):
    records = _rec(K.device_committee, "2024-01-05", "2024-02-05", "2024-03-05", "2024-03-31")
    r = compute_compliance(FZ_TERTIARY, rules, records, on=date(2025, 1, 1), start=date(2024, 1, 1))
    assert _period(r, DEVICE15, "2024年").status is Status.met
    q2 = _period(r, DEVICE15, "2024年第二季度")
    assert q2.status is Status.missed and q2.in_principle
    # the pharmacy committee has its own count: the device meetings do not count for it
    assert _period(r, PHARMACY15, "2024年").status is Status.missed


def test_the_yearly_duty_is_due_while_the_year_runs_and_met_as_soon_as_the_fourth_meeting_is_held(rules):
    records = _rec(K.pharmacy_committee, "2025-01-10", "2025-02-10", "2025-03-10")
    r = compute_compliance(FZ_TERTIARY, rules, records, on=date(2025, 6, 1), start=date(2025, 1, 1))
    assert _period(r, PHARMACY15, "2025年").status is Status.due
    records += _rec(K.pharmacy_committee, "2025-05-10")
    r = compute_compliance(FZ_TERTIARY, rules, records, on=date(2025, 6, 1), start=date(2025, 1, 1))
    assert _period(r, PHARMACY15, "2025年").status is Status.met


def test_the_committee_duty_does_not_apply_to_a_grade_one_hospital_and_applies_from_grade_two(rules):
    grade1 = Institution("G1", "一级公立", grade=Grade.primary, public=True, city="福州市")
    r = compute_compliance(grade1, rules, [], on=date(2025, 6, 1), start=date(2025, 1, 1))
    p = _only(r, PHARMACY15)
    assert p.status is Status.not_applicable and "一级" in p.why and "二级及以上" in p.why
    grade2 = Institution("G2", "二级公立", grade=Grade.secondary, public=True, city="福州市")
    r = compute_compliance(grade2, rules, [], on=date(2025, 6, 1), start=date(2025, 1, 1))
    assert _period(r, PHARMACY15, "2025年第一季度").status is Status.missed
    ungraded = Institution("G0", "未定级", grade=Grade.ungraded, public=True, city="福州市")
    p = _only(
        compute_compliance(ungraded, rules, [], on=date(2025, 6, 1), start=date(2025, 1, 1)), PHARMACY15
    )
    assert p.status is Status.not_applicable and "未定级" in p.why
    unknown = Institution("G?", "未填等级", public=True, city="福州市")
    p = _only(compute_compliance(unknown, rules, [], on=date(2025, 6, 1), start=date(2025, 1, 1)), PHARMACY15)
    assert p.status is Status.unknown and "医院等级" in p.why and "grade" not in p.why


# ---------------------------------------------------------------- in-force windows and places


def test_fj_2023_7_duties_end_with_the_measures_on_2025_12_31(rules):
    r = compute_compliance(FZ_TERTIARY, rules, [], on=date(2026, 3, 1), start=date(2025, 12, 1))
    assert _period(r, ETHICS, "2025年12月").status is Status.missed
    after = [p for p in r.periods if p.obligation == ETHICS and p.start >= date(2026, 1, 1)]
    assert (
        len(after) == 1 and after[0].status is Status.not_applicable and "适用至 2025-12-31" in after[0].why
    )


def test_a_quarter_the_window_cuts_is_not_judged(rules):
    # xm-2025-1 applies from 2025-04-29: the second quarter of 2025 is only partly in force
    r = compute_compliance(XM_TERTIARY, rules, [], on=date(2025, 10, 15), start=date(2025, 4, 1))
    q2 = _period(r, XM_PHARMACY, "2025年第二季度")
    assert q2.status is Status.not_applicable and "未完整处于" in q2.why
    assert _period(r, XM_PHARMACY, "2025年第三季度").status is Status.missed


def test_xiamen_duties_apply_to_every_xiamen_institution_and_to_no_other(rules):
    small = Institution(
        "X2", "厦门某一级民营医院", grade=Grade.primary, public=False, city="厦门市", district="湖里区"
    )
    r = compute_compliance(
        small,
        rules,
        _rec(K.device_committee, "2025-08-01", inst="X2"),
        on=date(2025, 10, 15),
        start=date(2025, 7, 1),
    )
    assert _period(r, XM_DEVICE, "2025年第三季度").status is Status.met
    assert _period(r, XM_PHARMACY, "2025年第三季度").status is Status.missed
    assert _only(r, PHARMACY15).status is Status.not_applicable
    fz = compute_compliance(FZ_TERTIARY, rules, [], on=date(2025, 10, 15), start=date(2025, 7, 1))
    p = _only(fz, XM_PHARMACY)
    assert p.status is Status.not_applicable and "福州市" in p.why and "厦门市" in p.why
    nowhere = Institution("N", "未填城市", grade=Grade.tertiary, public=True, runs_trials=True, city=None)
    p = _only(
        compute_compliance(nowhere, rules, [], on=date(2025, 10, 15), start=date(2025, 7, 1)), XM_PHARMACY
    )
    assert p.status is Status.unknown and "city" in p.why


# ---------------------------------------------------------------- xm-2025-1 13: within a month of a catalogue


@pytest.mark.parametrize(
    ("published", "due"),
    [
        ("2026-01-31", "2026-02-28"),
        ("2024-01-31", "2024-02-29"),
        ("2026-03-31", "2026-04-30"),
        ("2026-01-15", "2026-02-15"),
        ("2026-12-15", "2027-01-15"),
    ],
)
def test_a_month_after_publication_ends_on_the_corresponding_day_or_the_months_last(published, due):
    assert add_months(date.fromisoformat(published), 1) == date.fromisoformat(due)


def test_a_catalogue_published_on_31_january_opens_a_duty_due_on_28_february(rules):
    pubs = [Publication("xm-new-products", date(2026, 1, 31), "2026年版")]
    on_deadline = _rec(K.pharmacy_committee, "2026-02-28", inst="X1")
    r = compute_compliance(
        XM_TERTIARY, rules, on_deadline, pubs, on=date(2026, 3, 10), start=date(2026, 1, 1)
    )
    w = _only(r, XM_CATALOGUE)
    assert (w.start, w.end) == (date(2026, 1, 31), date(2026, 2, 28)) and w.status is Status.met
    assert "厦门市新优药械产品目录（2026年版）" in w.label
    a_day_late = _rec(K.pharmacy_committee, "2026-03-01", inst="X1")
    r = compute_compliance(XM_TERTIARY, rules, a_day_late, pubs, on=date(2026, 3, 10), start=date(2026, 1, 1))
    assert _only(r, XM_CATALOGUE).status is Status.missed


def test_the_trigger_window_is_due_until_it_ends_and_a_meeting_on_the_publication_day_counts(rules):
    pubs = [Publication("national-insurance-drugs", date(2026, 1, 1))]
    r = compute_compliance(XM_TERTIARY, rules, [], pubs, on=date(2026, 1, 20), start=date(2026, 1, 1))
    w = _only(r, XM_CATALOGUE)
    assert w.status is Status.due and w.end == date(2026, 2, 1)
    assert any(m.obligation == XM_CATALOGUE and m.days_left == 12 for m in r.reminders)
    same_day = _rec(K.pharmacy_committee, "2026-01-01", inst="X1")
    r = compute_compliance(XM_TERTIARY, rules, same_day, pubs, on=date(2026, 1, 20), start=date(2026, 1, 1))
    assert _only(r, XM_CATALOGUE).status is Status.met
    before = _rec(K.pharmacy_committee, "2025-12-31", inst="X1")
    r = compute_compliance(XM_TERTIARY, rules, before, pubs, on=date(2026, 3, 1), start=date(2026, 1, 1))
    assert _only(r, XM_CATALOGUE).status is Status.missed


def test_a_device_meeting_does_not_take_a_catalogue_into_the_list_and_other_catalogues_open_nothing(rules):
    pubs = [Publication("xm-new-products", date(2026, 1, 10))]
    r = compute_compliance(
        XM_TERTIARY,
        rules,
        _rec(K.device_committee, "2026-01-20", inst="X1"),
        pubs,
        on=date(2026, 3, 1),
        start=date(2026, 1, 1),
    )
    assert _only(r, XM_CATALOGUE).status is Status.missed
    r = compute_compliance(XM_TERTIARY, rules, [], [], on=date(2026, 3, 1), start=date(2026, 1, 1))
    assert not [p for p in r.periods if p.obligation == XM_CATALOGUE]


def test_a_catalogue_published_before_the_duty_was_in_force_opens_nothing_and_says_so(rules):
    pubs = [Publication("national-insurance-drugs", date(2025, 1, 1))]
    r = compute_compliance(XM_TERTIARY, rules, [], pubs, on=date(2025, 6, 1), start=date(2025, 1, 1))
    w = [p for p in r.periods if p.obligation == XM_CATALOGUE and p.part == "trigger"]
    assert len(w) == 1 and w[0].status is Status.not_applicable and "不在适用期间" in w[0].why


# ---------------------------------------------------------------- reminders and the commission's view


def test_a_reminder_names_the_periods_ending_within_n_days_with_the_duty_not_met(rules):
    r = compute_compliance(
        FZ_TERTIARY,
        rules,
        _rec(K.reception_day, "2025-03-02"),
        on=date(2025, 3, 20),
        start=date(2025, 3, 1),
        remind_within=15,
    )
    by = {(m.obligation, m.label): m for m in r.reminders}
    assert (ETHICS, "2025年3月") in by and by[(ETHICS, "2025年3月")].days_left == 11
    assert (
        "还差 1 次" in by[(ETHICS, "2025年3月")].message and "2025-03-31" in by[(ETHICS, "2025年3月")].message
    )
    assert (RECEPTION, "2025年3月") not in by  # met already
    assert (PHARMACY15, "2025年") not in by  # ends in 286 days
    r = compute_compliance(
        FZ_TERTIARY, rules, [], on=date(2025, 3, 20), start=date(2025, 3, 1), remind_within=10
    )
    assert not [m for m in r.reminders if m.obligation == ETHICS]


def test_the_commission_view_lists_missed_first(rules):
    hospitals = [
        FZ_TERTIARY,
        XM_TERTIARY,
        Institution("G1", "一级", grade=Grade.primary, public=True, city="福州市"),
    ]
    records = _rec(K.ethics_committee, "2025-07-10") + _rec(K.ethics_committee, "2025-07-11", inst="X1")
    view = compliance_overview(hospitals, rules, records, on=date(2025, 8, 15), start=date(2025, 7, 1))
    assert [c.institution.id for c in view] == ["H1", "X1", "G1"]
    rows = missed_first(view)
    order = [p.status for p in rows]
    assert order == sorted(
        order, key=[Status.missed, Status.due, Status.unknown, Status.met, Status.not_applicable].index
    )
    assert rows[0].status is Status.missed
    assert view[0].count(Status.met) >= 1


# ---------------------------------------------------------------- periods


def test_periods_are_calendar_months_quarters_and_years():
    assert periods(Period.quarter, date(2025, 5, 10), date(2025, 11, 1)) == (
        (date(2025, 4, 1), date(2025, 6, 30), "2025年第二季度"),
        (date(2025, 7, 1), date(2025, 9, 30), "2025年第三季度"),
        (date(2025, 10, 1), date(2025, 12, 31), "2025年第四季度"),
    )
    months = periods(Period.month, date(2024, 11, 30), date(2025, 2, 1))
    assert [m[2] for m in months] == ["2024年11月", "2024年12月", "2025年1月", "2025年2月"]
    assert months[-1][1] == date(2025, 2, 28)
    assert periods(Period.year, date(2024, 6, 1), date(2025, 1, 1))[0] == (
        date(2024, 1, 1),
        date(2024, 12, 31),
        "2024年",
    )


# ---------------------------------------------------------------- what a hospital cannot record


def test_a_meeting_dated_in_the_future_is_refused_naming_the_field():
    with pytest.raises(ComplianceInputError) as exc:
        check_records(_rec(K.ethics_committee, "2025-03-01", "2025-03-21"), on=date(2025, 3, 20))
    assert exc.value.problems == [
        "records[1].date：伦理委员会会议日期 2025-03-21 晚于今天（2025-03-20），不能登记尚未举行的会议或接待日"
    ]
    check_records(_rec(K.ethics_committee, "2025-03-20"), on=date(2025, 3, 20))  # today is fine


def test_a_duplicate_record_is_refused_in_the_batch_and_against_what_is_stored():
    with pytest.raises(ComplianceInputError) as exc:
        check_records(_rec(K.ethics_committee, "2025-03-01", "2025-03-01"), on=date(2025, 3, 20))
    assert exc.value.problems == [
        "records[1]：与 records[0] 重复：同一机构（H1）、同一类型（伦理委员会会议）、同一日期（2025-03-01）只能登记一次"
    ]
    stored = _rec(K.ethics_committee, "2025-03-01")
    with pytest.raises(ComplianceInputError) as exc:
        check_records(_rec(K.ethics_committee, "2025-03-01"), on=date(2025, 3, 20), existing=stored)
    assert "与已登记的记录重复" in exc.value.problems[0]
    # same day, another kind or another institution: not a duplicate
    check_records(
        _rec(K.ethics_committee, "2025-03-01")
        + _rec(K.reception_day, "2025-03-01")
        + _rec(K.ethics_committee, "2025-03-01", inst="H2"),
        on=date(2025, 3, 20),
    )


def test_a_record_of_an_unknown_kind_or_institution_is_refused():
    bad = [
        Record("H1", "board_meeting", date(2025, 3, 1)),
        Record("H9", K.ethics_committee, date(2025, 3, 1)),
    ]
    with pytest.raises(ComplianceInputError) as exc:
        check_records(bad, on=date(2025, 3, 20), institutions=["H1"])
    assert exc.value.problems[0].startswith("records[0].kind：应为 ethics_committee（伦理委员会会议）")
    assert exc.value.problems[1] == "records[1].institution：未知的机构“H9”"


def test_a_publication_of_an_unknown_catalogue_or_in_the_future_is_refused(rules):
    pubs = [Publication("nope", date(2025, 1, 1)), Publication("xm-new-products", date(2026, 1, 1))]
    with pytest.raises(ComplianceInputError) as exc:
        check_publications(pubs, rules, on=date(2025, 6, 1))
    assert exc.value.problems[0].startswith("publications[0].catalogue：未知的目录“nope”")
    assert exc.value.problems[1] == "publications[1].date：公布日期 2026-01-01 晚于今天（2025-06-01）"


def test_a_window_opened_before_the_span_asked_is_shown_while_it_reaches_into_it(rules):
    pubs = [Publication("xm-new-products", date(2026, 1, 31))]
    r = compute_compliance(XM_TERTIARY, rules, [], pubs, on=date(2026, 3, 10), start=date(2026, 2, 1))
    assert _only(r, XM_CATALOGUE).status is Status.missed
    r = compute_compliance(XM_TERTIARY, rules, [], pubs, on=date(2026, 4, 10), start=date(2026, 3, 1))
    assert not [p for p in r.periods if p.obligation == XM_CATALOGUE]
