"""Due dates of regulatory procedures: the limit in force, the clock stops (补正), the status on a day.

``compute_deadline`` takes the loaded time limits (rules/time_limits.py), a ``WorkingCalendar``, the
procedure, the day it started (受理/送检) and the clock stops, and returns the due date, the status on
a given day, the clause that sets the limit, and whether the date is an estimate (it reaches a year
whose official holiday schedule is not loaded).

The clock: days are counted from the day after the start (民法典 第二百零一条). A clock stop starts
on the day the request for material is issued (that day still counts) and ends on the day the
material is received; counting resumes the day after. On resuming, the limit grows by the share the
regulation allows (药品: 三分之一, 优先审评 四分之一, once) or a fresh limit runs from receipt
(医疗器械 第九十二条: 补正后的技术审评时限). Pure: no I/O, no clock; "today" is an argument.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from biopolicy.engine.calendar import WorkingCalendar, estimate_note
from biopolicy.rules.time_limits import (
    UNIT_LABELS,
    Baseline,
    LimitUnit,
    ResolvedLimit,
    Supplement,
    TimeLimit,
    TimeLimitSet,
)


class Status(StrEnum):
    on_time = "on_time"  # running, more than warn_within working days left
    due_soon = "due_soon"  # running, due within warn_within working days (0: due today)
    overdue = "overdue"  # running past its due date
    paused = "paused"  # the clock is stopped: waiting for the applicant's material
    met = "met"  # completed on or before the due date
    missed = "missed"  # completed after the due date
    unknown = "unknown"  # no limit can be worked out (no rule, or a relative rule without baseline)


STATUS_LABELS = {
    Status.on_time: "按期办理中",
    Status.due_soon: "即将到期",
    Status.overdue: "已超期",
    Status.paused: "补正停表中",
    Status.met: "按期办结",
    Status.missed: "超期办结",
    Status.unknown: "无法计算时限",
}


# Enum members read once: attribute access on an Enum class costs about 0.25 us, and the watch list
# computes hundreds of thousands of deadlines.
_ON_TIME, _DUE_SOON, _OVERDUE, _PAUSED, _MET, _MISSED = (
    Status.on_time,
    Status.due_soon,
    Status.overdue,
    Status.paused,
    Status.met,
    Status.missed,
)
_WORKING_DAYS = LimitUnit.working_days


class DeadlineError(ValueError):
    """Input a user can get wrong; the message is Chinese and names the field."""


@dataclass(frozen=True, slots=True)
class ClockStop:
    """The clock stops after ``start`` (request for material issued) and resumes after ``end`` (received)."""

    start: date
    end: date | None = None


@dataclass(slots=True)
class Deadline:
    """One procedure's clock. Plain slots, not frozen: the watch list builds hundreds of thousands."""

    procedure: str
    rule_id: str | None
    citation: str  # the clause or article that sets the limit, in Chinese
    clauses: tuple[str, ...]  # corpus clause ids (local rules); empty for a national baseline
    limit_days: int | None
    unit: LimitUnit
    due: date | None
    status: Status
    working_days_left: int | None  # until the due date on the day asked (negative: late); None if unknown
    estimated: bool
    missing_years: tuple[int, ...]
    confirmed: bool  # False where the limit rests on a national value the reference could not confirm
    steps: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def status_label(self) -> str:
        if self.status == Status.due_soon:
            return f"{STATUS_LABELS[self.status]}（剩 {self.working_days_left} 个工作日）"
        if self.status in (Status.overdue, Status.missed) and self.working_days_left is not None:
            return f"{STATUS_LABELS[self.status]} {-self.working_days_left} 个工作日"
        return STATUS_LABELS[self.status]


def citation(
    limits: TimeLimitSet, rule: TimeLimit | Baseline, clause_name: Callable[[str], str] | None = None
) -> str:
    """The rule that sets the limit, as a reader cites it; ``clause_name`` words a local rule's clause
    ids the way pages do (the document's short name and the clause's label: services/wording.py)."""
    if isinstance(rule, Baseline):
        reg = limits.regulations[rule.regulation]
        number = f"（{reg.number}）" if reg.number else ""
        return f"《{reg.title}》{number}{rule.article}"
    name = clause_name or str
    return f"{rule.title}（{'、'.join(name(c) for c in rule.clauses)}）"


def compute_deadline(
    limits: TimeLimitSet,
    calendar: WorkingCalendar,
    procedure: str,
    started: date,
    *,
    on: date,
    stops: Sequence[ClockStop] = (),
    completed: date | None = None,
    baseline_days: int | None = None,
    warn_within: int = 10,
    place: str = "福建省",
) -> Deadline:
    """The due date of ``procedure`` started on ``started`` and its status on ``on``.

    The limit is the one in force on the start date (a local rule over the national baseline).
    ``baseline_days`` is the statutory limit for a relative rule whose baseline is not encoded.
    """
    if procedure not in limits.procedures:
        raise DeadlineError(f"procedure：未知的程序“{procedure}”，应为 {'、'.join(limits.procedures)} 之一")
    rule = limits.applicable(procedure, started, place)
    if rule is None:
        return _unknown(procedure, None, "", (), LimitUnit.working_days, "该程序没有可适用的时限规则")
    cite = citation(limits, rule)
    clauses = tuple(rule.clauses) if isinstance(rule, TimeLimit) else ()
    resolved = limits.resolve(rule, baseline_days)
    if resolved is None:
        unit = rule.limit.unit if isinstance(rule, TimeLimit) else rule.unit
        return _unknown(
            procedure,
            rule.id,
            cite,
            clauses,
            unit,
            "相对时限的法定基线未录入，需按个案提供法定时限（baseline_days）",
        )
    base = limits.baseline_of(rule)
    relies_on_base = isinstance(rule, Baseline) or (rule.limit.relative and base is not None)
    confirmed = base.confirmed if relies_on_base and base is not None else True
    notes = [n.text for n in rule.notes] if isinstance(rule, TimeLimit) else []
    if not confirmed and base is not None:
        notes.append(f"所依据的国家时限未能核实：{base.note}")
    return deadline_for(
        calendar,
        resolved,
        started,
        on=on,
        stops=stops,
        completed=completed,
        supplement=limits.supplement_of(rule),
        warn_within=warn_within,
        procedure=procedure,
        rule_id=rule.id,
        cite=cite,
        clauses=clauses,
        confirmed=confirmed,
        notes=notes,
    )


def deadline_for(
    calendar: WorkingCalendar,
    limit: ResolvedLimit,
    started: date,
    *,
    on: date,
    stops: Sequence[ClockStop] = (),
    completed: date | None = None,
    supplement: Supplement | None = None,
    warn_within: int = 10,
    procedure: str = "",
    rule_id: str | None = None,
    cite: str = "",
    clauses: tuple[str, ...] = (),
    confirmed: bool = True,
    notes: Sequence[str] = (),
    explain: bool = True,
) -> Deadline:
    """The clock for a limit already resolved (the watch list resolves each rule once).

    ``explain=False`` leaves out the Chinese steps (a list of many products shows only dates and
    statuses); every other field is the same.
    """
    unit = limit.unit
    label = UNIT_LABELS[unit]
    working = unit is _WORKING_DAYS
    if working:
        between, add = calendar.count_working_days, calendar.nth_working_day
    else:
        between, add = _calendar_days_between, _add_calendar_days
    steps = [f"时限：{limit.explanation}；自 {started.isoformat()} 的次日起算"] if explain else []
    notes = list(notes)
    remaining = limit.days
    cursor = started
    extended = False
    paused_by: ClockStop | None = None
    due: date | None = None
    latest = started  # the span the count touched decides whether it is an estimate
    for i, stop in enumerate(sorted(stops, key=lambda s: s.start) if len(stops) > 1 else stops):
        if stop.start < cursor:
            what = "起算日" if i == 0 else "上一次补正资料收到日"
            raise DeadlineError(f"stops[{i}].start：停表日 {stop.start} 早于{what} {cursor}")
        if stop.end is not None and stop.end < stop.start:
            raise DeadlineError(f"stops[{i}].end：补正资料收到日 {stop.end} 早于停表日 {stop.start}")
        used = between(cursor, stop.start)
        if used >= remaining:
            if explain:
                steps.append(f"{stop.start.isoformat()} 停表前时限已用尽，停表不影响到期日")
            due = add(cursor, remaining)
            break
        remaining -= used
        latest = stop.start
        if explain:
            steps.append(
                f"{cursor.isoformat()} 至 {stop.start.isoformat()} 计 {used}{label}，停表（补正），剩 {remaining}{label}"
            )
        if stop.end is None:
            paused_by = stop
            break
        latest = stop.end
        how = f"{stop.end.isoformat()} 收到补正资料，自次日起恢复计时，剩 {{remaining}}{label}"
        if supplement is not None:
            _check_applicant_time(stop, supplement, notes, i)
            if supplement.restart_days is not None:
                remaining = supplement.restart_days
                how = f"{stop.end.isoformat()} 收到补正资料，按{supplement.article}自次日起重新计算 {{remaining}}{label}"
            elif supplement.extend_by and not extended:
                extra = math.floor(limit.days * supplement.extension)
                remaining += extra
                extended = True
                how = (
                    f"{stop.end.isoformat()} 收到补充资料，按{supplement.article}时限延长 {supplement.extend_by}"
                    f"（{extra}{label}，不足一日的部分舍去），自次日起剩 {{remaining}}{label}"
                )
        if explain:
            steps.append(how.format(remaining=remaining))
        cursor = stop.end
    if due is None and paused_by is None:
        due = add(cursor, remaining)
        if explain:
            steps.append(f"到期日 {due.isoformat()}")

    if due is None:
        assert paused_by is not None
        status, left = _PAUSED, None
        if supplement is not None and supplement.applicant_days is not None:
            last = paused_by.start.toordinal() + supplement.applicant_days
            notes.append(
                f"申请人应在停表后 {supplement.applicant_days} 日内（{date.fromordinal(last).isoformat()} 前）补充资料"
                f"（{supplement.article}）"
            )
        end = latest
    elif completed is not None:
        left = between(completed, due)
        status = _MET if completed <= due else _MISSED
        end = max(due, completed)
    elif on > due:
        left, status = -between(due, on), _OVERDUE
        end = on
    else:
        left = between(on, due)
        status = _DUE_SOON if left <= warn_within else _ON_TIME
        end = due
    years = calendar.missing_years(min(started, on), end) if working else ()
    if years:
        notes.append(estimate_note(years) or "")
    return Deadline(
        procedure=procedure,
        rule_id=rule_id,
        citation=cite,
        clauses=clauses,
        limit_days=limit.days,
        unit=unit,
        due=due,
        status=status,
        working_days_left=left,
        estimated=bool(years),
        missing_years=years,
        confirmed=confirmed,
        steps=tuple(steps),
        notes=tuple(notes),
    )


def _calendar_days_between(a: date, b: date) -> int:
    return (b - a).days


def _add_calendar_days(a: date, n: int) -> date:
    return a + timedelta(days=n)


def _check_applicant_time(stop: ClockStop, supplement: Supplement, notes: list[str], i: int) -> None:
    if supplement.applicant_days is None or stop.end is None:
        return
    taken = (stop.end - stop.start).days
    if taken > supplement.applicant_days:
        notes.append(
            f"第 {i + 1} 次补正用时 {taken} 日，超过{supplement.article}规定的申请人补充资料期限 "
            f"{supplement.applicant_days} 日"
        )


def _unknown(
    procedure: str, rule_id: str | None, cite: str, clauses: tuple[str, ...], unit: LimitUnit, why: str
) -> Deadline:
    return Deadline(
        procedure=procedure,
        rule_id=rule_id,
        citation=cite,
        clauses=clauses,
        limit_days=None,
        unit=unit,
        due=None,
        status=Status.unknown,
        working_days_left=None,
        estimated=False,
        missing_years=(),
        confirmed=False,
        notes=(why,),
    )
