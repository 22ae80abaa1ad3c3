"""What dates mean for an assessed case, on both sides of every date that matters: an event dated
after the query day is planned; a prior award dated after it is not counted; a measure whose
window has ended by a planned event is shown as expired, one still in force by then as a
deadline. xm-2023 is in force until 2026-12-31."""

from __future__ import annotations

from datetime import date

import pytest

from biopolicy.services.calculator import get_calculator, parse_case
from biopolicy.services.planning import as_date, plan

MEASURE = "xm-2023/m1-clinical"  # xm-2023 （一）: in force 2023-11-20 to 2026-12-31


def case(event_date: str, as_of: str, award_date: str | None = None) -> dict:
    data = {
        "applicant": {"kind": "enterprise", "name": "厦门甲药业", "city": "厦门市", "district": "海沧区"},
        "products": [{"id": "p1", "type": "chemical", "registration_class": "1"}],
        "events": [
            {
                "id": "e1",
                "type": "clinical_stage_completed",
                "date": event_date,
                "product_id": "p1",
                "stage": "phase_2",
                "rd_investment": "30000000",
                "transferred_city": "厦门市",
            }
        ],
        "as_of": as_of,
    }
    if award_date is not None:
        data["prior_awards"] = [
            {"measure_id": MEASURE, "event_id": "e1", "amount": "1000000", "date": award_date}
        ]
    return data


def planning_of(data: dict):
    calculator = get_calculator()
    assert calculator.rules.window(calculator.measure(MEASURE)).to == date(2026, 12, 31)
    return plan(calculator, parse_case(data), calculator.assess(data))


@pytest.mark.parametrize(("event_date", "planned"), [("2026-06-30", False), ("2026-07-01", True)])
def test_an_event_is_planned_only_when_dated_after_the_query_day(event_date, planned):
    assert planning_of(case(event_date, "2026-06-30")).is_planned("e1") is planned


@pytest.mark.parametrize(("award_date", "counted"), [("2026-06-30", True), ("2026-07-01", False)])
def test_a_prior_award_counts_only_when_dated_on_or_before_the_query_day(award_date, counted):
    assert planning_of(case("2026-03-01", "2026-06-30", award_date)).awards_counted == [counted]


def test_a_planned_event_within_the_window_gets_the_window_end_as_its_deadline():
    p = planning_of(case("2026-12-31", "2026-06-30"))
    assert [(d.event_id, d.ends) for d in p.deadlines if d.measure_id == MEASURE] == [
        ("e1", date(2026, 12, 31))
    ]
    assert not p.is_expired("e1", MEASURE)


def test_a_planned_event_the_day_after_the_window_ends_is_expired_not_a_deadline():
    p = planning_of(case("2027-01-01", "2026-06-30"))
    assert p.is_expired("e1", MEASURE)
    assert MEASURE not in [d.measure_id for d in p.deadlines]


def test_an_event_already_done_has_no_deadline():
    p = planning_of(case("2026-03-01", "2026-06-30"))
    assert p.deadlines == [] and not p.is_expired("e1", MEASURE)


def test_as_date_reads_dates_and_iso_strings():
    assert as_date("2026-06-30") == as_date(date(2026, 6, 30)) == date(2026, 6, 30)
