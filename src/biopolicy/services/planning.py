"""What dates mean for one assessed case: which events are still planned, by when a measure must
be met, which measures will have ended by a planned event, which prior awards count.

The calculator's pages show these as deadlines and warnings; the rules are here, not in page code,
so that the JSON answer, a batch run or a later application workflow can share them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from biopolicy.domain.assessment import Assessment, Eligibility, Entitlement
from biopolicy.domain.case import Case
from biopolicy.services.calculator import Calculator

__all__ = ["Deadline", "Planning", "as_date", "plan"]


def as_date(value: date | str) -> date:
    """An ISO date as a date (the assessment carries some dates as ISO strings)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class Deadline:
    """A measure in force until ``ends``, for an event of the case."""

    event_id: str
    measure_id: str
    ends: date


@dataclass(frozen=True)
class Planning:
    as_of: date
    planned_events: frozenset[str]  # events dated after as_of: what they would bring
    window_ends: dict[str, date | None]  # measure id -> last day of its in-force window (None: no end)
    deadlines: list[Deadline]  # planned events whose measure applies or may apply, and ends: meet it before
    expired: list[Deadline]  # measures refused because the event falls after their window ended
    awards_counted: list[bool]  # per prior award, in the case's order: dated on or before as_of

    def is_planned(self, event_id: str) -> bool:
        return event_id in self.planned_events

    def is_expired(self, event_id: str, measure_id: str) -> bool:
        return any(d.event_id == event_id and d.measure_id == measure_id for d in self.expired)


def plan(calculator: Calculator, case: Case, assessment: Assessment) -> Planning:
    as_of = as_date(assessment.as_of)
    rules = calculator.rules
    ends: dict[str, date | None] = {}
    for e in assessment.entitlements:
        measure = rules.measures.get(e.measure_id)
        ends[e.measure_id] = rules.window(measure).to if measure is not None else None
    planned = frozenset(ev.id for ev in case.events if ev.date > as_of)
    deadlines = []
    expired = []
    for e in assessment.entitlements:
        end = ends.get(e.measure_id)
        if end is None:
            continue
        if _ended_before(e, end):
            expired.append(Deadline(e.event_id, e.measure_id, end))
        elif e.event_id in planned and e.eligibility in (Eligibility.yes, Eligibility.unknown):
            deadlines.append(Deadline(e.event_id, e.measure_id, end))
    return Planning(
        as_of=as_of,
        planned_events=planned,
        window_ends=ends,
        deadlines=deadlines,
        expired=expired,
        awards_counted=[award.date <= as_of for award in case.prior_awards],
    )


def _ended_before(e: Entitlement, end: date) -> bool:
    return e.eligibility == Eligibility.no and as_date(e.event_date) > end
