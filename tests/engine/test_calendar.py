"""Working days on the official calendar: the facts of issue 11, make-up days, and estimates for years
whose State Council schedule is not published (2027 with chinese-calendar 1.11.0)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from biopolicy.engine.calendar import WorkingCalendar, library_years
from biopolicy.rules.calendar import YearSchedule

# A schedule for a test only: its dates are chosen for the assertions, not copied from any notice.
TEST_2027 = {
    "year": 2027,
    "source": {"title": "测试用安排（非官方）", "number": "测试〔2027〕1号", "date": "2026-11-01"},
    "holidays": [
        {"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"},
        {"name": "测试假日", "date": "2027-01-08"},
    ],
    "workdays": [{"name": "测试调休", "date": "2027-01-09"}],
}


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar()


def test_the_60th_working_day_after_friday_26_september_2025_is_25_december(cal):
    answer = cal.add_working_days(date(2025, 9, 26), 60)
    assert answer.date == date(2025, 12, 25)
    assert not answer.estimated and answer.missing_years == ()
    assert cal.add_working_days(date(2025, 9, 26), 59).date == date(2025, 12, 24)


def test_the_30th_working_day_after_31_december_2025_is_12_february_2026(cal):
    assert cal.add_working_days(date(2025, 12, 31), 30).date == date(2026, 2, 12)


def test_make_up_weekend_days_are_working_days_and_holidays_are_not(cal):
    assert cal.is_working_day(date(2025, 9, 28))  # Sunday worked for the National Day holiday
    assert cal.is_working_day(date(2025, 10, 11))  # Saturday worked
    assert not cal.is_working_day(date(2025, 10, 1))  # National Day, a Wednesday
    assert not cal.is_working_day(date(2025, 10, 8))  # a Wednesday off
    assert not cal.is_working_day(date(2025, 10, 12))  # an ordinary Sunday
    assert cal.is_working_day(date(2025, 10, 9))  # an ordinary Thursday


def test_working_days_between_counts_the_days_after_the_first_up_to_the_last(cal):
    assert cal.working_days_between(date(2025, 9, 26), date(2025, 12, 25)).days == 60
    assert cal.working_days_between(date(2025, 9, 26), date(2025, 12, 24)).days == 59
    assert cal.working_days_between(date(2025, 12, 25), date(2025, 9, 26)).days == -60
    assert cal.working_days_between(date(2025, 10, 1), date(2025, 10, 8)).days == 0
    assert cal.working_days_between(date(2025, 10, 1), date(2025, 10, 9)).days == 1


def test_counting_backwards_and_zero(cal):
    assert cal.add_working_days(date(2025, 12, 25), -60).date == date(2025, 9, 26)
    assert cal.add_working_days(date(2025, 10, 4), 0).date == date(2025, 10, 4)


def test_the_library_knows_2004_to_2026_and_not_2027():
    years = library_years()
    assert min(years) == 2004 and max(years) == 2026
    assert 2027 not in years


def test_a_count_into_2027_is_an_estimate_naming_2027_and_does_not_crash(cal):
    answer = cal.add_working_days(date(2026, 11, 2), 60)
    assert answer.estimated and answer.missing_years == (2027,)
    assert "2027 年" in answer.note and "估算" in answer.note
    # weekends only: Mon 2027-01-04 onwards, Friday 1 January counted as a working day
    assert answer.date == date(2027, 1, 25)  # 43 days to 31 December 2026, then 1, 4-8, 11-15, 18-22, 25
    inside = cal.add_working_days(date(2026, 11, 2), 30)  # stays in 2026
    assert inside.date.year == 2026 and not inside.estimated and inside.note is None
    count = cal.working_days_between(date(2026, 12, 1), date(2027, 3, 1))
    assert count.estimated and count.missing_years == (2027,)


def test_far_future_and_long_counts_are_estimates_naming_every_missing_year(cal):
    answer = cal.add_working_days(date(2026, 6, 1), 700)
    assert answer.missing_years == (2027, 2028, 2029)
    assert answer.date.weekday() < 5
    assert cal.add_working_days(date(2003, 12, 1), 30).missing_years == (2003,)


def test_loading_a_2027_schedule_removes_the_estimate_and_its_days_count():
    schedule = YearSchedule.model_validate(TEST_2027)
    cal = WorkingCalendar({2027: schedule})
    assert not cal.is_working_day(date(2027, 1, 8))  # a Friday made a holiday
    assert cal.is_working_day(date(2027, 1, 9))  # a Saturday made a working day
    answer = cal.add_working_days(date(2026, 12, 31), 5)
    assert not answer.estimated and answer.missing_years == ()
    # 4, 5, 6, 7 January, then 9 January (8 is off)
    assert answer.date == date(2027, 1, 9)
    assert "测试〔2027〕1号" in cal.source(2027)


def test_a_schedule_file_takes_precedence_over_the_library_for_its_year():
    data = dict(TEST_2027, year=2025, holidays=[{"name": "测试假日", "date": "2025-10-09"}], workdays=[])
    cal = WorkingCalendar({2025: YearSchedule.model_validate(data)})
    assert not cal.is_working_day(date(2025, 10, 9))
    assert not cal.is_working_day(date(2025, 10, 11))  # the library's make-up Saturday is not in the file
    assert cal.is_working_day(date(2025, 10, 1))  # nor is its holiday


def test_without_the_library_every_year_is_an_estimate():
    cal = WorkingCalendar(use_library=False)
    answer = cal.add_working_days(date(2025, 9, 26), 60)
    assert answer.estimated and answer.missing_years == (2025,)


def test_add_and_between_agree_over_two_years_day_by_day(cal):
    start = date(2025, 1, 1)
    day = start
    for n in range(1, 520):
        day += timedelta(days=1)
        while not cal.is_working_day(day):
            day += timedelta(days=1)
        assert cal.add_working_days(start, n).date == day
        assert cal.working_days_between(start, day).days == n
