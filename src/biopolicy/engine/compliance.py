"""Compliance with hospitals' duties: per duty and period, met, missed, due or not applicable.

``compute_compliance`` takes an institution's profile, the loaded obligations (rules/obligations.py),
the institution's records (meetings and reception days, each with a date and kind) and the catalogue
publications, and returns, for every duty, one result per period (calendar month, quarter or year) or
per trigger window (a catalogue version published: within N months), with the clause and the records
it rests on, plus reminders for periods ending soon with the duty not yet met. Pure: no I/O, no clock;
"today" is an argument. The inputs are plain dataclasses a service can fill from the database.

Readings (docs/rule-authoring.md, section "义务与目标"):

* Periods are calendar months, quarters (1–3, 4–6, 7–9, 10–12) and years; both ends count, so a
  meeting on the last day of a month counts for that month.
* A period is met as soon as it holds enough records (even before it ends); missed when it has ended
  (today is after its last day) without them; due while it runs. "At least 4 a year": 4 meet, 3 miss.
* A period is judged only when the duty is in force for the whole of it (its own window, else its
  document's). A period the window cuts is "not applicable" and says so; the span outside the window
  is one "not applicable" result per duty.
* A trigger window opens on the publication day and ends on the corresponding day N months later
  (民法典 第二百零一条、第二百零二条: counting from the next day; where the last month has no such
  day, its last day): published 2026-01-31, due 2026-02-28. A meeting on the publication day counts;
  one meeting can meet several windows that overlap. A window is shown while it reaches into the span.
* The profile is taken to hold for the whole span asked (grade, public, trials). An attribute the
  duty depends on and the profile leaves empty makes the answer "unknown", naming it; never a guess.
"""

from __future__ import annotations

import calendar as _calendar
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache

from biopolicy.domain.places import PROVINCE, covers
from biopolicy.rules.obligations import (
    GRADE_LABELS,
    GRADE_RANK,
    INSTITUTION_LABELS,
    PERIOD_LABELS,
    RECORD_LABELS,
    Cadence,
    Grade,
    InstitutionKind,
    Obligation,
    ObligationSet,
    Period,
    RecordKind,
    Who,
    Window,
)


class Status(StrEnum):
    met = "met"
    missed = "missed"
    due = "due"  # the period runs and is not yet met
    not_applicable = "not_applicable"
    unknown = "unknown"  # the profile lacks an attribute the duty depends on


STATUS_LABELS = {
    Status.met: "已完成",
    Status.missed: "未完成",
    Status.due: "进行中",
    Status.not_applicable: "不适用",
    Status.unknown: "无法判断",
}
# the health commission's view: missed first
STATUS_ORDER = {Status.missed: 0, Status.due: 1, Status.unknown: 2, Status.met: 3, Status.not_applicable: 4}

_MET, _MISSED, _DUE, _NA, _UNKNOWN = (
    Status.met,
    Status.missed,
    Status.due,
    Status.not_applicable,
    Status.unknown,
)
TRIGGER = "trigger"
APPLICABILITY = "applicability"
WINDOW = "window"


class ComplianceInputError(ValueError):
    """Input a user can get wrong; each problem is Chinese and names the field."""

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class Institution:
    """A hospital's profile. ``None`` means not given: a duty that depends on it is "unknown"."""

    id: str
    name: str
    grade: Grade | None = None
    public: bool | None = None
    runs_trials: bool | None = None  # 承接药物或医疗器械临床试验
    city: str | None = None
    district: str | None = None
    province: str | None = PROVINCE
    kind: InstitutionKind = InstitutionKind.medical_institution


@dataclass(frozen=True, slots=True)
class Record:
    """A meeting or reception day a hospital recorded."""

    institution: str
    kind: RecordKind
    date: date
    id: str = ""
    attachment: str | None = None  # minutes or attendance uploaded (a storage key)


@dataclass(frozen=True, slots=True)
class Publication:
    """A version of a catalogue published on ``date``."""

    catalogue: str
    date: date
    version: str = ""


# ---------------------------------------------------------------- results


@dataclass(slots=True)
class DutyPeriod:
    """One duty in one period (or trigger window) for one institution."""

    institution: str
    obligation: str
    title: str
    clauses: tuple[str, ...]
    record: RecordKind
    part: str  # month / quarter / year / trigger / applicability / window
    label: str  # 2026年3月, 2026年第一季度, 2026年, 厦门市新优药械产品目录 2026-01-31 公布后1个月内
    start: date
    end: date
    status: Status
    required: int = 0
    count: int = 0
    records: tuple[Record, ...] = ()
    in_principle: bool = False
    why: str = ""  # for not applicable / unknown: the reason, in Chinese

    @property
    def status_label(self) -> str:
        label = STATUS_LABELS[self.status]
        if self.in_principle and self.status is _MISSED:
            return f"{label}（原则性要求）"
        return label

    @property
    def explanation(self) -> str:
        """One Chinese sentence with the records and the clause it rests on."""
        cite = "、".join(self.clauses)
        if self.status in (_NA, _UNKNOWN):
            return f"{self.title}：{self.label} {self.status_label}，{self.why}（{cite}）"
        what = RECORD_LABELS[self.record]
        dates = "、".join(r.date.isoformat() for r in self.records)
        held = f" {self.count} 次（{dates}）" if self.records else " 0 次"
        principle = "，原则性要求" if self.in_principle else ""
        return (
            f"{self.title}：{self.label}（{self.start.isoformat()} 至 {self.end.isoformat()}）{what}{held}，"
            f"应至少 {self.required} 次{principle}：{self.status_label}（{cite}）"
        )


@dataclass(frozen=True, slots=True)
class Reminder:
    institution: str
    obligation: str
    label: str
    end: date
    days_left: int  # calendar days from today to the period's last day (0: ends today)
    count: int
    required: int
    message: str


@dataclass
class Compliance:
    institution: Institution
    on: date
    periods: list[DutyPeriod]
    reminders: list[Reminder] = field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(1 for p in self.periods if p.status is status)

    def missed_first(self) -> list[DutyPeriod]:
        return sorted(self.periods, key=_view_key)


def _view_key(p: DutyPeriod) -> tuple:
    return (STATUS_ORDER[p.status], p.institution, p.obligation, p.start)


# ---------------------------------------------------------------- validation


def check_records(
    records: Sequence[Record],
    *,
    on: date,
    institutions: Iterable[str] | None = None,
    existing: Iterable[Record] = (),
    field_name: str = "records",
) -> None:
    """Refuse records a hospital cannot have: dated after today, of an unknown kind or institution, or a
    duplicate (same institution, kind and date) of another in the batch or of one already stored."""
    problems: list[str] = []
    known = set(institutions) if institutions is not None else None
    seen: dict[tuple[str, RecordKind, date], str] = {
        (r.institution, r.kind, r.date): "已登记的记录" for r in existing
    }
    for i, r in enumerate(records):
        where = f"{field_name}[{i}]"
        if known is not None and r.institution not in known:
            problems.append(f"{where}.institution：未知的机构“{r.institution}”")
        try:
            kind = RecordKind(r.kind)
        except ValueError:
            allowed = "、".join(f"{k.value}（{v}）" for k, v in RECORD_LABELS.items())
            problems.append(f"{where}.kind：应为 {allowed} 之一，收到“{r.kind}”")
            continue
        if not isinstance(r.date, date):
            problems.append(f"{where}.date：应为 YYYY-MM-DD 格式的日期，收到“{r.date}”")
            continue
        if r.date > on:
            problems.append(
                f"{where}.date：{RECORD_LABELS[kind]}日期 {r.date.isoformat()} 晚于今天（{on.isoformat()}），"
                "不能登记尚未举行的会议或接待日"
            )
        key = (r.institution, kind, r.date)
        if key in seen:
            problems.append(
                f"{where}：与{seen[key]}重复：同一机构（{r.institution}）、同一类型（{RECORD_LABELS[kind]}）、"
                f"同一日期（{r.date.isoformat()}）只能登记一次"
            )
        else:
            seen[key] = f" {field_name}[{i}] "
    if problems:
        raise ComplianceInputError(problems)


def check_publications(
    publications: Sequence[Publication],
    obligations: ObligationSet,
    *,
    on: date,
    field_name: str = "publications",
) -> None:
    """Refuse a publication of an unknown catalogue, dated after today, or recorded twice."""
    problems: list[str] = []
    seen: dict[tuple[str, date], int] = {}
    for i, p in enumerate(publications):
        where = f"{field_name}[{i}]"
        if p.catalogue not in obligations.catalogues:
            problems.append(
                f"{where}.catalogue：未知的目录“{p.catalogue}”，应为 {'、'.join(obligations.catalogues)} 之一"
            )
        if p.date > on:
            problems.append(f"{where}.date：公布日期 {p.date.isoformat()} 晚于今天（{on.isoformat()}）")
        key = (p.catalogue, p.date)
        if key in seen:
            problems.append(f"{where}：与 {field_name}[{seen[key]}] 重复：同一目录同一日期只能登记一次")
        seen.setdefault(key, i)
    if problems:
        raise ComplianceInputError(problems)


# ---------------------------------------------------------------- periods and dates


def add_months(d: date, months: int) -> date:
    """The corresponding day ``months`` later; the month's last day where it has no such day
    (民法典 第二百零二条): 2026-01-31 + 1 -> 2026-02-28."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, _calendar.monthrange(year, month)[1]))


_QUARTER_NAMES = "一二三四"


@lru_cache(maxsize=256)
def periods(per: Period, start: date, end: date) -> tuple[tuple[date, date, str], ...]:
    """Calendar periods that overlap ``start``..``end``: (first day, last day, Chinese label)."""
    out = []
    if per is Period.year:
        for y in range(start.year, end.year + 1):
            out.append((date(y, 1, 1), date(y, 12, 31), f"{y}年"))
        return tuple(out)
    step = 1 if per is Period.month else 3
    y, m = start.year, start.month if step == 1 else (start.month - 1) // 3 * 3 + 1
    while date(y, m, 1) <= end:
        last_month = m + step - 1
        last = date(y, last_month, _calendar.monthrange(y, last_month)[1])
        label = f"{y}年{m}月" if step == 1 else f"{y}年第{_QUARTER_NAMES[(m - 1) // 3]}季度"
        out.append((date(y, m, 1), last, label))
        m += step
        if m > 12:
            y, m = y + 1, m - 12
    return tuple(out)


# ---------------------------------------------------------------- applicability


def applicability(inst: Institution, who: Who) -> tuple[Status | None, str]:
    """(None, "") where the duty applies; else not applicable or unknown with the reason in Chinese."""
    no: list[str] = []
    missing: list[str] = []
    if inst.kind != who.kind:
        no.append(f"本义务适用于{INSTITUTION_LABELS[who.kind]}")
    if not any(covers(p, inst.province, inst.city, inst.district) for p in who.places):
        if inst.city is None and any(p != PROVINCE for p in who.places):
            missing.append("所在城市（city）")
        else:
            where = "".join(x for x in (inst.city, inst.district) if x) or (inst.province or "省外")
            no.append(f"机构位于{where}，本义务仅适用于{'、'.join(who.places)}")
    if who.min_grade is not None:
        if inst.grade is None:
            missing.append("医院等级")
        elif GRADE_RANK[inst.grade] < GRADE_RANK[who.min_grade]:
            need = "三级" if who.min_grade is Grade.tertiary else f"{GRADE_LABELS[who.min_grade]}及以上"
            no.append(f"机构等级为{GRADE_LABELS[inst.grade]}，本义务仅适用于{need}医疗机构")
    if who.public is not None:
        if inst.public is None:
            missing.append("是否公立")
        elif inst.public != who.public:
            no.append("本义务仅适用于公立医疗机构" if who.public else "本义务仅适用于非公立医疗机构")
    if who.runs_trials is not None:
        if inst.runs_trials is None:
            missing.append("是否承接药物或医疗器械临床试验")
        elif inst.runs_trials != who.runs_trials:
            no.append(
                "机构未承接药物或医疗器械临床试验，本义务仅适用于承接临床试验的医疗机构"
                if who.runs_trials
                else "本义务仅适用于未承接临床试验的医疗机构"
            )
    if no:
        return _NA, "；".join(no)
    if missing:
        return _UNKNOWN, f"机构档案未填写{'、'.join(missing)}，无法判断是否适用"
    return None, ""


# ---------------------------------------------------------------- the computation


class _Index:
    """One institution's records by kind, dates sorted, for counting by bisection."""

    __slots__ = ("by_kind",)

    def __init__(self, records: Iterable[Record]):
        grouped: dict[RecordKind, list[Record]] = defaultdict(list)
        for r in records:
            grouped[r.kind].append(r)
        self.by_kind: dict[RecordKind, tuple[list[date], list[Record]]] = {}
        for kind, rs in grouped.items():
            rs.sort(key=lambda r: r.date)
            self.by_kind[kind] = ([r.date for r in rs], rs)

    def between(self, kind: RecordKind, start: date, end: date) -> tuple[Record, ...]:
        entry = self.by_kind.get(kind)
        if entry is None:
            return ()
        dates, rs = entry
        return tuple(rs[bisect_left(dates, start) : bisect_right(dates, end)])


def compute_compliance(
    institution: Institution,
    obligations: ObligationSet,
    records: Iterable[Record],
    publications: Sequence[Publication] = (),
    *,
    on: date,
    start: date,
    end: date | None = None,
    remind_within: int = 15,
) -> Compliance:
    """Every duty of ``institution`` over the periods from ``start`` to ``end`` (default: today), as
    of ``on``. Records of other institutions are ignored. Periods that begin after today are not shown."""
    if end is None or end > on:
        end = on
    if start > end:
        raise ComplianceInputError([f"start：起始日 {start.isoformat()} 晚于结束日 {end.isoformat()}"])
    index = _Index(r for r in records if r.institution == institution.id)
    out: list[DutyPeriod] = []
    for ob in obligations.obligations.values():
        window = obligations.windows[ob.id]
        status, why = applicability(institution, ob.who)
        if status is not None:
            out.append(_whole(institution, ob, APPLICABILITY, start, end, status, why))
            continue
        for cadence in ob.cadence:
            out += _cadence(institution, ob, cadence, window, index, on, start, end)
        if ob.trigger is not None:
            out += _trigger(institution, ob, obligations, window, index, publications, on, start, end)
        out += _outside(institution, ob, window, start, end)
    reminders = [
        _reminder(p, on)
        for p in out
        if p.status is _DUE and p.part != APPLICABILITY and (p.end - on).days <= remind_within
    ]
    reminders.sort(key=lambda r: (r.days_left, r.obligation))
    return Compliance(institution=institution, on=on, periods=out, reminders=reminders)


def compliance_overview(
    institutions: Sequence[Institution],
    obligations: ObligationSet,
    records: Iterable[Record],
    publications: Sequence[Publication] = (),
    *,
    on: date,
    start: date,
    end: date | None = None,
    remind_within: int = 15,
) -> list[Compliance]:
    """Every institution's compliance (the health commission's view); records grouped once."""
    grouped: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        grouped[r.institution].append(r)
    return [
        compute_compliance(
            inst,
            obligations,
            grouped.get(inst.id, ()),
            publications,
            on=on,
            start=start,
            end=end,
            remind_within=remind_within,
        )
        for inst in institutions
    ]


def missed_first(overview: Iterable[Compliance]) -> list[DutyPeriod]:
    """Every hospital by duty and period, missed first, then due, unknown, met, not applicable."""
    return sorted((p for c in overview for p in c.periods), key=_view_key)


def _whole(inst: Institution, ob: Obligation, part: str, start: date, end: date, status: Status, why: str):
    return DutyPeriod(
        institution=inst.id,
        obligation=ob.id,
        title=ob.title,
        clauses=tuple(ob.clauses),
        record=ob.record,
        part=part,
        label=f"{start.isoformat()} 至 {end.isoformat()}",
        start=start,
        end=end,
        status=status,
        why=why,
    )


def _in_window(window: Window, first: date, last: date) -> bool:
    return (window.since is None or window.since <= first) and (window.until is None or last <= window.until)


def _cadence(
    inst: Institution,
    ob: Obligation,
    cadence: Cadence,
    window: Window,
    index: _Index,
    on: date,
    start: date,
    end: date,
) -> list[DutyPeriod]:
    out = []
    clauses = tuple(ob.clauses)
    for first, last, label in periods(cadence.per, start, end):
        if (window.since is not None and last < window.since) or (
            window.until is not None and first > window.until
        ):
            continue  # wholly outside the window: one result per duty says so (_outside)
        if not _in_window(window, first, last):
            since = window.since.isoformat() if window.since else "—"
            until = window.until.isoformat() if window.until else "无截止日"
            out.append(
                DutyPeriod(
                    inst.id,
                    ob.id,
                    ob.title,
                    clauses,
                    ob.record,
                    cadence.per.value,
                    label,
                    first,
                    last,
                    _NA,
                    required=cadence.at_least,
                    in_principle=cadence.in_principle,
                    why=f"本期未完整处于义务适用期间（{since} 至 {until}）内，不作判断",
                )
            )
            continue
        held = index.between(ob.record, first, last)
        n = len(held)
        if n >= cadence.at_least:
            status = _MET
        elif last < on:
            status = _MISSED
        else:
            status = _DUE
        out.append(
            DutyPeriod(
                inst.id,
                ob.id,
                ob.title,
                clauses,
                ob.record,
                cadence.per.value,
                label,
                first,
                last,
                status,
                cadence.at_least,
                n,
                held,
                cadence.in_principle,
            )
        )
    return out


def _trigger(
    inst: Institution,
    ob: Obligation,
    obligations: ObligationSet,
    window: Window,
    index: _Index,
    publications: Sequence[Publication],
    on: date,
    start: date,
    end: date,
) -> list[DutyPeriod]:
    assert ob.trigger is not None
    out = []
    months = ob.trigger.within_months
    wanted = set(ob.trigger.catalogues)
    for pub in sorted(publications, key=lambda p: (p.date, p.catalogue)):
        if pub.catalogue not in wanted or pub.date > end:
            continue
        due = add_months(pub.date, months)
        if due < start:
            continue  # the window closed before the span asked
        cat = obligations.catalogues[pub.catalogue].label
        version = f"（{pub.version}）" if pub.version else ""
        label = f"{cat}{version} {pub.date.isoformat()} 公布后{months}个月内（至 {due.isoformat()}）"
        if not _in_window(window, pub.date, pub.date):
            since = window.since.isoformat() if window.since else "—"
            until = window.until.isoformat() if window.until else "无截止日"
            out.append(
                DutyPeriod(
                    inst.id,
                    ob.id,
                    ob.title,
                    tuple(ob.clauses),
                    ob.record,
                    TRIGGER,
                    label,
                    pub.date,
                    due,
                    _NA,
                    required=1,
                    why=f"目录公布时本义务不在适用期间（{since} 至 {until}）内",
                )
            )
            continue
        held = index.between(ob.record, pub.date, due)
        if held:
            status = _MET
        elif due < on:
            status = _MISSED
        else:
            status = _DUE
        out.append(
            DutyPeriod(
                inst.id,
                ob.id,
                ob.title,
                tuple(ob.clauses),
                ob.record,
                TRIGGER,
                label,
                pub.date,
                due,
                status,
                1,
                len(held),
                held,
            )
        )
    return out


def _outside(inst: Institution, ob: Obligation, window: Window, start: date, end: date) -> list[DutyPeriod]:
    """One "not applicable" result for the part of the span before or after the duty's window."""
    out = []
    if window.since is not None and start < window.since:
        last = min(end, date.fromordinal(window.since.toordinal() - 1))
        out.append(
            _whole(
                inst,
                ob,
                WINDOW,
                start,
                last,
                _NA,
                f"本义务自 {window.since.isoformat()} 起适用（{window.note}）",
            )
        )
    if window.until is not None and end > window.until:
        first = max(start, date.fromordinal(window.until.toordinal() + 1))
        out.append(
            _whole(
                inst, ob, WINDOW, first, end, _NA, f"本义务适用至 {window.until.isoformat()}（{window.note}）"
            )
        )
    return out


def _reminder(p: DutyPeriod, on: date) -> Reminder:
    left = (p.end - on).days
    what = RECORD_LABELS[p.record]
    when = "今天截止" if left == 0 else f"{p.end.isoformat()} 截止，还剩 {left} 天"
    return Reminder(
        institution=p.institution,
        obligation=p.obligation,
        label=p.label,
        end=p.end,
        days_left=left,
        count=p.count,
        required=p.required,
        message=(
            f"{p.label}{what}已 {p.count} 次，应至少 {p.required} 次，还差 {p.required - p.count} 次；"
            f"{when}（{'、'.join(p.clauses)}）"
        ),
    )


__all__ = [
    "PERIOD_LABELS",
    "Compliance",
    "ComplianceInputError",
    "DutyPeriod",
    "Institution",
    "Publication",
    "Record",
    "Reminder",
    "Status",
    "add_months",
    "applicability",
    "check_publications",
    "check_records",
    "compliance_overview",
    "compute_compliance",
    "missed_first",
    "periods",
]
