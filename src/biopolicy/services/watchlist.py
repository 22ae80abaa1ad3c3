"""The watch list (在研在审清单): products, their milestones, due dates of regulatory steps, who serves them.

fj-2023-7 11 asks for a list of innovative drugs and devices in research and in review, key
enterprises and key products flagged, a service officer for each, tracking from R&D through testing,
review, inspection and approval; fj-yj-2025-30 （八）至（十一） cut the time limits; xm-2025-1 八、十至
十三 follow the product on to 挂网, the insurance lists and hospitals.

Milestones: ``MILESTONE_KINDS`` is the catalogue (kind, label, predecessors, whether it is a
regulatory step with a clock, the procedure it runs under by default, the calculator event it is),
read from policies/_catalogue/milestones.yaml (rules/milestones.py checks it).
A regulatory step started gets its due date from the time-limit rules and the working-day calendar
(engine/deadlines.py), its status on a day and the clause that sets the limit; a date computed into a
year without an official holiday schedule is marked an estimate.

Who is "the regulator": an administrator, or a reviewer of 省药监局 (the department the list and the
time limits belong to: fj-yj-2025-30 is its document). Auditors read everything (they change
nothing). A service officer sees and serves the products assigned to them; an enterprise's staff
(applicant role) see and update their organisation's products. Everything else is refused here,
whatever the shell (``WatchlistForbidden``).
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select

from biopolicy.engine.calendar import WorkingCalendar
from biopolicy.engine.deadlines import (
    STATUS_LABELS,
    ClockStop,
    Deadline,
    DeadlineError,
    Status,
    citation,
    deadline_for,
)
from biopolicy.rules.calendar import load_schedules
from biopolicy.rules.time_limits import TimeLimitSet, load_time_limits
from biopolicy.services.accounts import Principal, Role
from biopolicy.storage.models import Organisation, Product, User
from biopolicy.storage.uow import UnitOfWork
from biopolicy.storage.watch import Milestone, ServiceAssignment, ServiceNote, WatchEntry

REGULATOR_DEPARTMENT = "省药监局"
WARN_WITHIN = 10  # working days: "due within N working days"

DRUG_TYPES = frozenset({"chemical", "biologic", "tcm", "api"})
DEVICE_TYPES = frozenset({"device", "ivd"})


# -- the milestone catalogue ---------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    after: tuple[str, ...] = ()  # kinds that, when the product has them, come first
    regulatory: bool = False  # a step of the regulator with a time limit
    procedures: Mapping[str, str] = field(default_factory=dict)  # regime → default procedure code
    event: tuple[str, Mapping[str, Any]] | None = None  # the calculator event it is, when completed
    repeatable: bool = False  # once per subject (admitted by each hospital)
    phase: str = "research"  # research / review / market: where on the journey


class _Catalogue(Mapping[str, Kind]):
    """The milestone kinds of policies/_catalogue/milestones.yaml (rules/milestones.py), read once,
    in the journey's order (the settings' policies folder)."""

    @property
    def _kinds(self) -> dict[str, Kind]:
        return _load_kinds()

    def __getitem__(self, code: str) -> Kind:
        return self._kinds[code]

    def __iter__(self):
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)


class _Order(Mapping[str, int]):
    def __getitem__(self, code: str) -> int:
        return _kind_order()[code]

    def __iter__(self):
        return iter(_kind_order())

    def __len__(self) -> int:
        return len(_kind_order())


@cache
def _load_kinds() -> dict[str, Kind]:
    from biopolicy.rules.milestones import load_milestones
    from biopolicy.settings import get_settings

    root = get_settings().policies
    return {
        code: Kind(
            code=code,
            label=k.label,
            after=tuple(k.after),
            regulatory=k.regulatory,
            procedures=dict(k.procedures),
            event=(k.event.type, dict(k.event.attributes)) if k.event is not None else None,
            repeatable=k.repeatable,
            phase=k.phase.value,
        )  # fmt: skip
        for code, k in load_milestones(root).items()
    }


@cache
def _kind_order() -> dict[str, int]:
    return {code: i for i, code in enumerate(_load_kinds())}


MILESTONE_KINDS: Mapping[str, Kind] = _Catalogue()
KIND_ORDER: Mapping[str, int] = _Order()


def regime_of(product_type: str) -> str | None:
    if product_type in DRUG_TYPES:
        return "drug"
    if product_type in DEVICE_TYPES:
        return "device"
    return None


# -- errors --------------------------------------------------------------------------------------


class WatchlistError(ValueError):
    """Input refused, nothing written; ``problems`` are Chinese sentences naming the field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


class WatchlistForbidden(PermissionError):
    """The principal may not see, or may not change, this (Chinese)."""


class ProductNotFound(LookupError):
    def __init__(self, product_id: int) -> None:
        super().__init__(f"清单中没有编号为 {product_id} 的产品")


# -- who may -------------------------------------------------------------------------------------


def is_regulator(p: Principal) -> bool:
    return p.has(Role.administrator) or REGULATOR_DEPARTMENT in p.departments


def sees_all(p: Principal) -> bool:
    return is_regulator(p) or p.has(Role.auditor)


def _assigned(uow: UnitOfWork, product_id: int, user_id: int) -> bool:
    return (
        uow.session.scalar(
            select(ServiceAssignment.id).where(
                ServiceAssignment.product_id == product_id, ServiceAssignment.user_id == user_id
            )
        )
        is not None
    )


def can_read(uow: UnitOfWork, p: Principal, product: Product) -> bool:
    if sees_all(p):
        return True
    if p.has(Role.applicant) and p.organisation_id == product.organisation_id:
        return True
    return p.has(Role.service_officer) and _assigned(uow, product.id, p.user_id)


def can_write(uow: UnitOfWork, p: Principal, product: Product) -> bool:
    if is_regulator(p):
        return True
    if p.has(Role.applicant) and p.organisation_id == product.organisation_id:
        return True
    return p.has(Role.service_officer) and _assigned(uow, product.id, p.user_id)


def can_note(p: Principal) -> bool:
    """Who writes notes of help given (on their own assigned products: ``add_note`` checks)."""
    return is_regulator(p) or p.has(Role.service_officer)


# -- the clock -----------------------------------------------------------------------------------


@dataclass
class Clock:
    """The time-limit rules and the working-day calendar, with what the watch list resolves once."""

    limits: TimeLimitSet
    calendar: WorkingCalendar
    # a clause id as a reader names it (services/wording.py); ids as they are when not given
    clause_name: Callable[[str], str] | None = None
    _resolved: dict[str, Any] = field(default_factory=dict)
    _by_start: dict[tuple[str, dt.date], tuple[Any, ...]] = field(default_factory=dict)

    def due(
        self,
        procedure: str,
        started: dt.date,
        *,
        on: dt.date,
        completed: dt.date | None = None,
        stops: Sequence[ClockStop] = (),
        warn_within: int = WARN_WITHIN,
        explain: bool = False,
    ) -> Deadline:
        """As engine.deadlines.compute_deadline, each rule resolved once (the list asks thousands).

        What applies is kept per (procedure, start day): the rule in force, its limit, citation,
        clauses, supplement regime, notes and whether its baseline was confirmed."""
        found = self._by_start.get((procedure, started))
        if found is None:
            if procedure not in self.limits.procedures:
                raise DeadlineError(f"procedure：未知的程序“{procedure}”")
            found = self._by_start[(procedure, started)] = self._rule_facts(procedure, started)
        rule_id, resolved, cite, clauses, supplement, notes, confirmed, unit = found
        if resolved is None:
            return Deadline(
                procedure=procedure, rule_id=rule_id, citation=cite, clauses=clauses,
                limit_days=None, unit=unit, due=None, status=Status.unknown,
                working_days_left=None, estimated=False, missing_years=(), confirmed=False,
                notes=("该程序没有可计算的时限规则",),
            )  # fmt: skip
        return deadline_for(
            self.calendar, resolved, started, on=on, stops=stops, completed=completed,
            supplement=supplement, warn_within=warn_within, procedure=procedure,
            rule_id=rule_id, cite=cite, clauses=clauses, confirmed=confirmed,
            notes=notes, explain=explain,
        )  # fmt: skip

    def _rule_facts(self, procedure: str, started: dt.date) -> tuple[Any, ...]:
        from biopolicy.rules.time_limits import Baseline, TimeLimit

        rule = self.limits.applicable(procedure, started)
        if rule is None:
            return (None, None, "", (), None, (), True, _unit(None))
        found = self._resolved.get(rule.id)
        if found is None:
            base = self.limits.baseline_of(rule)
            relies = isinstance(rule, Baseline) or (rule.limit.relative and base is not None)
            confirmed = base.confirmed if relies and base is not None else True
            notes = [n.text for n in rule.notes] if isinstance(rule, TimeLimit) else []
            if not confirmed and base is not None:
                notes.append(f"所依据的国家时限未能核实：{base.note}")
            found = self._resolved[rule.id] = (
                rule.id,
                self.limits.resolve(rule),
                citation(self.limits, rule, self.clause_name),
                tuple(rule.clauses) if isinstance(rule, TimeLimit) else (),
                self.limits.supplement_of(rule),
                tuple(notes),
                confirmed,
                _unit(rule),
            )
        return found


def _unit(rule: Any) -> Any:
    from biopolicy.rules.time_limits import LimitUnit

    if rule is None:
        return LimitUnit.working_days
    return rule.limit.unit if hasattr(rule, "limit") else rule.unit


@cache
def get_clock() -> Clock:
    from biopolicy.services.duties import cite
    from biopolicy.services.library import get_library

    corpus = get_library().corpus
    return Clock(load_time_limits(corpus), WorkingCalendar(load_schedules()), lambda c: cite(corpus, c))


def stops_of(milestone: Milestone) -> list[ClockStop]:
    return [
        ClockStop(
            dt.date.fromisoformat(s["start"]), dt.date.fromisoformat(s["end"]) if s.get("end") else None
        )
        for s in milestone.clock_stops or []
    ]


# -- what the use cases return -------------------------------------------------------------------


class StepClock(BaseModel):
    procedure: str
    procedure_label: str
    due: dt.date | None
    status: str
    status_label: str
    working_days_left: int | None
    limit_days: int | None
    unit: str
    citation: str
    clauses: list[str]
    estimated: bool
    missing_years: list[int]
    confirmed: bool
    notes: list[str]
    steps: list[str] = []


class MilestoneView(BaseModel):
    id: int
    kind: str
    label: str
    subject: str
    planned_on: dt.date | None
    started_on: dt.date | None
    completed_on: dt.date | None
    state: str  # planned / running / done
    clock_stops: list[dict[str, Any]]
    note: str
    clock: StepClock | None = None


class ProductSummary(BaseModel):
    id: int
    name: str
    type: str
    registration_class: str | None
    organisation_id: int
    organisation_name: str
    key_enterprise: bool
    key_product: bool
    officers: list[str]
    running: int  # regulatory steps running
    overdue: int
    missed: int
    next_due: dt.date | None
    stage: str  # the latest milestone's label


class WatchRow(BaseModel):
    """One running regulatory step on the regulator's list."""

    product_id: int
    product_name: str
    organisation_name: str
    key_enterprise: bool
    key_product: bool
    milestone_id: int
    step: str
    started_on: dt.date
    clock: StepClock
    officers: list[str]


class NoteView(BaseModel):
    on: dt.date
    text: str
    author: str


class Unlocked(BaseModel):
    milestone_id: int
    milestone: str
    planned: bool
    measure_id: str
    measure_title: str
    eligibility: str
    amount_kind: str
    amount: str | None


class PaymentLine(BaseModel):
    instalment: int
    amount: Decimal
    paid_on: dt.date


class AwardLine(BaseModel):
    """An award of the product on the ledger: an application here (applied for, approved, paid) or
    an award paid outside biopolicy entered as a prior award."""

    application_id: int | None
    measure_id: str | None
    title: str  # the measure's title, or the programme of a prior award
    source: str  # 本平台申报 / 平台外已获奖励
    status: str
    status_label: str
    applied_on: dt.date | None
    approved_amount: Decimal | None
    paid: Decimal
    payments: list[PaymentLine]


class CatalogueMembership(BaseModel):
    """A catalogue the product belongs to (services/catalogues.py ``catalogues_of_product``)."""

    catalogue: str
    label: str
    since: dt.date | None = None
    clauses: list[str] = []
    citations: list[str] = []  # the clauses as readers cite them, one per clause


class ProductFile(BaseModel):
    product: ProductSummary
    regime: str | None
    milestones: list[MilestoneView]
    limits_met: list[MilestoneView]
    limits_missed: list[MilestoneView]
    notes: list[NoteView]
    unlocks: list[Unlocked]
    what_if: list[Unlocked]
    timeline: list[dict[str, Any]]  # for the chart: label, start, end, status
    catalogues: list[str]  # 挂网 / 医保 / 惠厦保 reached (milestones)
    hospitals: list[str]
    awards: list[AwardLine]  # from the ledger (applications, awards, payments of the product)
    awards_approved: Decimal
    awards_paid: Decimal
    # the catalogues the product belongs to (see _catalogue_memberships); None only where a caller
    # leaves them out
    catalogue_memberships: list[CatalogueMembership] | None = None
    can_write: bool


class EnterpriseView(BaseModel):
    products: list[ProductSummary]
    due: list[WatchRow]  # running steps, by due date
    late: list[WatchRow]  # the government's side: overdue running steps and limits missed


# -- computing -----------------------------------------------------------------------------------


def _clock_view(d: Deadline, clock: Clock) -> StepClock:
    proc = clock.limits.procedures.get(d.procedure)
    return StepClock(
        procedure=d.procedure, procedure_label=proc.label if proc else d.procedure, due=d.due,
        status=d.status.value, status_label=d.status_label, working_days_left=d.working_days_left,
        limit_days=d.limit_days, unit=d.unit.value, citation=d.citation, clauses=list(d.clauses),
        estimated=d.estimated, missing_years=list(d.missing_years), confirmed=d.confirmed,
        notes=list(d.notes), steps=list(d.steps),
    )  # fmt: skip


def deadline_of(m: Milestone, clock: Clock, on: dt.date, explain: bool = False) -> Deadline | None:
    if m.procedure is None or m.started_on is None:
        return None
    return clock.due(
        m.procedure, m.started_on, on=on, completed=m.completed_on, stops=stops_of(m), explain=explain
    )


def due_dates(
    clock: Clock, rows: Iterable[tuple[str, dt.date, dt.date | None, Sequence[ClockStop]]], on: dt.date
) -> list[Deadline]:
    """The clocks of many steps (procedure, started, completed, stops): the list's and the bench's path.

    The cyclic garbage collector is paused while the list is built: the deadlines hold no cycles, and
    its passes over hundreds of thousands of new objects cost a quarter of the time (bench/README.md)."""
    due = clock.due
    paused = gc.isenabled()
    gc.disable()
    try:
        return [due(p, s, on=on, completed=c, stops=st) for p, s, c, st in rows]
    finally:
        if paused:
            gc.enable()


def _state(m: Milestone) -> str:
    if m.completed_on is not None:
        return "done"
    if m.started_on is not None:
        return "running"
    return "planned"


def milestone_view(m: Milestone, clock: Clock, on: dt.date, explain: bool = False) -> MilestoneView:
    d = deadline_of(m, clock, on, explain)
    kind = MILESTONE_KINDS.get(m.kind)
    return MilestoneView(
        id=m.id, kind=m.kind, label=kind.label if kind else m.kind, subject=m.subject,
        planned_on=m.planned_on, started_on=m.started_on, completed_on=m.completed_on, state=_state(m),
        clock_stops=list(m.clock_stops or []), note=m.note,
        clock=_clock_view(d, clock) if d is not None else None,
    )  # fmt: skip


def _when(m: Milestone) -> dt.date | None:
    return m.completed_on or m.started_on or m.planned_on


def _officers(uow: UnitOfWork, product_ids: Sequence[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    if not product_ids:
        return out
    rows = uow.session.execute(
        select(ServiceAssignment.product_id, User.display_name)
        .join(User, User.id == ServiceAssignment.user_id)
        .where(ServiceAssignment.product_id.in_(product_ids))
        .order_by(ServiceAssignment.id)
    )
    for pid, name in rows:
        out.setdefault(pid, []).append(name)
    return out


def _load(
    uow: UnitOfWork, where: Any = None
) -> list[tuple[WatchEntry, Product, Organisation, list[Milestone]]]:
    q = (
        select(WatchEntry, Product, Organisation)
        .join(Product, Product.id == WatchEntry.product_id)
        .join(Organisation, Organisation.id == Product.organisation_id)
        .order_by(Product.id)
    )
    if where is not None:
        q = q.where(where)
    found = list(uow.session.execute(q))
    ids = [p.id for _, p, _ in found]
    by_product: dict[int, list[Milestone]] = {}
    if ids:
        for m in uow.session.scalars(
            select(Milestone).where(Milestone.product_id.in_(ids)).order_by(Milestone.id)
        ):
            by_product.setdefault(m.product_id, []).append(m)
    return [(e, p, o, _ordered(by_product.get(p.id, []))) for e, p, o in found]


def _ordered(ms: list[Milestone]) -> list[Milestone]:
    return sorted(ms, key=lambda m: (_when(m) or dt.date.max, KIND_ORDER.get(m.kind, 99), m.id))


def _summary(
    e: WatchEntry, p: Product, o: Organisation, ms: list[Milestone], officers: list[str],
    clocks: dict[int, Deadline],
) -> ProductSummary:  # fmt: skip
    running = [clocks[m.id] for m in ms if m.id in clocks and m.completed_on is None]
    done = [m for m in ms if m.completed_on or m.started_on]
    latest = max(done, key=lambda m: (_when(m), KIND_ORDER.get(m.kind, 99)), default=None)
    return ProductSummary(
        id=p.id, name=p.name, type=p.type, registration_class=p.registration_class, organisation_id=o.id,
        organisation_name=o.name, key_enterprise=e.key_enterprise, key_product=e.key_product,
        officers=officers, running=len(running),
        overdue=sum(1 for d in running if d.status == Status.overdue),
        missed=sum(1 for d in clocks.values() if d.status == Status.missed),
        next_due=min((d.due for d in running if d.due is not None), default=None),
        stage=MILESTONE_KINDS[latest.kind].label if latest is not None and latest.kind in MILESTONE_KINDS else "—",
    )  # fmt: skip


def _clocks(ms: list[Milestone], clock: Clock, on: dt.date) -> dict[int, Deadline]:
    out = {}
    for m in ms:
        d = deadline_of(m, clock, on)
        if d is not None:
            out[m.id] = d
    return out


_STATUS_RANK = {Status.overdue: 0, Status.due_soon: 1, Status.on_time: 2, Status.paused: 3, Status.unknown: 4}


def _row_key(r: WatchRow) -> tuple[Any, ...]:
    return (
        _STATUS_RANK.get(Status(r.clock.status), 5),
        r.clock.due or dt.date.max,
        r.product_name,
        r.milestone_id,
    )


def _rows(loaded, officers, clock: Clock, on: dt.date, *, running_only: bool = True) -> list[WatchRow]:
    rows = []
    for e, p, o, ms in loaded:
        for m in ms:
            if m.procedure is None or m.started_on is None or (running_only and m.completed_on is not None):
                continue
            d = deadline_of(m, clock, on)
            assert d is not None
            rows.append(
                WatchRow(
                    product_id=p.id, product_name=p.name, organisation_name=o.name,
                    key_enterprise=e.key_enterprise, key_product=e.key_product, milestone_id=m.id,
                    step=MILESTONE_KINDS[m.kind].label if m.kind in MILESTONE_KINDS else m.kind,
                    started_on=m.started_on, clock=_clock_view(d, clock), officers=officers.get(p.id, []),
                )
            )  # fmt: skip
    return rows


def regulator_view(
    uow: UnitOfWork, principal: Principal, on: dt.date, clock: Clock | None = None
) -> list[WatchRow]:
    """Every product in review: each running regulatory step, overdue first, then by due date."""
    if not sees_all(principal):
        raise WatchlistForbidden("只有省药监局审核人员、管理员和审计人员可以查看全省在审清单")
    clock = clock or get_clock()
    loaded = _load(uow)
    officers = _officers(uow, [p.id for _, p, _, _ in loaded])
    return sorted(_rows(loaded, officers, clock, on), key=_row_key)


def _summaries(uow: UnitOfWork, loaded, clock: Clock, on: dt.date) -> list[ProductSummary]:
    officers = _officers(uow, [p.id for _, p, _, _ in loaded])
    out = [_summary(e, p, o, ms, officers.get(p.id, []), _clocks(ms, clock, on)) for e, p, o, ms in loaded]
    return sorted(out, key=lambda s: (-s.overdue, s.next_due or dt.date.max, s.name, s.id))


def officer_view(
    uow: UnitOfWork, principal: Principal, on: dt.date, clock: Clock | None = None
) -> list[ProductSummary]:
    """The service officer's products: those with an overdue step first, then by the next due date."""
    if not principal.has(Role.service_officer):
        raise WatchlistForbidden("只有服务专员有“我服务的产品”清单")
    mine = select(ServiceAssignment.product_id).where(ServiceAssignment.user_id == principal.user_id)
    return _summaries(uow, _load(uow, Product.id.in_(mine)), clock or get_clock(), on)


def products_view(
    uow: UnitOfWork, principal: Principal, on: dt.date, clock: Clock | None = None
) -> EnterpriseView:
    """The products a principal may see: an enterprise its own (what is due, what is late on the
    government's side); a service officer theirs; the regulator and auditors all."""
    clock = clock or get_clock()
    if sees_all(principal):
        where = None
    elif principal.has(Role.applicant) and principal.organisation_id is not None:
        where = Product.organisation_id == principal.organisation_id
    elif principal.has(Role.service_officer):
        where = Product.id.in_(
            select(ServiceAssignment.product_id).where(ServiceAssignment.user_id == principal.user_id)
        )
    else:
        raise WatchlistForbidden("您的账号没有可查看的在研在审产品")
    loaded = _load(uow, where)
    officers = _officers(uow, [p.id for _, p, _, _ in loaded])
    every = _rows(loaded, officers, clock, on, running_only=False)
    due = sorted(
        [r for r in every if r.clock.status in ("on_time", "due_soon", "overdue", "paused")], key=_row_key
    )
    late = sorted(
        [r for r in every if r.clock.status in ("overdue", "missed")],
        key=lambda r: (r.clock.status != "overdue", r.clock.due or dt.date.max, r.milestone_id),
    )
    return EnterpriseView(products=_summaries(uow, loaded, clock, on), due=due, late=late)


def _product(uow: UnitOfWork, product_id: int) -> tuple[WatchEntry, Product, Organisation, list[Milestone]]:
    loaded = _load(uow, Product.id == product_id)
    if not loaded:
        raise ProductNotFound(product_id)
    return loaded[0]


def product_file(
    uow: UnitOfWork, principal: Principal, product_id: int, on: dt.date,
    clock: Clock | None = None, calculator: Any = None,
) -> ProductFile:  # fmt: skip
    """One file per product: facts, milestones with due dates, limits met or missed, notes, what it unlocks."""
    clock = clock or get_clock()
    e, p, o, ms = _product(uow, product_id)
    if not can_read(uow, principal, p):
        raise WatchlistForbidden("您无权查看此产品：它不属于您的机构，也不是分配给您服务的产品")
    officers = _officers(uow, [p.id])
    views = [milestone_view(m, clock, on, explain=True) for m in ms]
    notes = [
        NoteView(on=n.on, text=n.text, author=name or "—")
        for n, name in uow.session.execute(
            select(ServiceNote, User.display_name)
            .outerjoin(User, User.id == ServiceNote.author_id)
            .where(ServiceNote.product_id == p.id)
            .order_by(ServiceNote.on.desc(), ServiceNote.id.desc())
        )
    ]
    unlocks, what_if = _unlocks(uow, p, ms, on, calculator)
    awards = ledger_of_product(uow, p, calculator)
    timeline = [
        {
            "label": v.label + (f"（{v.subject}）" if v.subject else ""),
            "start": (v.started_on or v.completed_on or v.planned_on).isoformat(),
            "end": (
                v.completed_on or (v.clock.due if v.clock else None) or v.started_on or v.planned_on
            ).isoformat(),
            "state": v.state,
            "status": v.clock.status if v.clock else v.state,
        }
        for v in views
        if (v.started_on or v.completed_on or v.planned_on)
    ]
    return ProductFile(
        product=_summary(e, p, o, ms, officers.get(p.id, []), _clocks(ms, clock, on)),
        regime=regime_of(p.type),
        milestones=views,
        limits_met=[v for v in views if v.clock and v.clock.status == "met"],
        limits_missed=[v for v in views if v.clock and v.clock.status == "missed"],
        notes=notes,
        unlocks=unlocks,
        what_if=what_if,
        timeline=timeline,
        catalogues=[v.label for v in views if v.kind in ("listing", "national_insurance", "huixiabao") and v.completed_on],
        hospitals=[v.subject for v in views if v.kind == "hospital_admission" and v.completed_on],
        awards=awards,
        awards_approved=sum((a.approved_amount or Decimal(0) for a in awards if a.status not in ("rejected",)), Decimal(0)),
        awards_paid=sum((a.paid for a in awards), Decimal(0)),
        catalogue_memberships=_catalogue_memberships(uow, p),
        can_write=can_write(uow, principal, p),
    )  # fmt: skip


def _catalogue_memberships(uow: UnitOfWork, product: Product) -> list[CatalogueMembership]:
    """The published catalogue versions the product is on, newest first (services/catalogues.py)."""
    from biopolicy.services.catalogues import catalogues_of_product  # the catalogues load the corpus

    return [
        CatalogueMembership(
            catalogue=m.catalogue_label,
            label=m.version,
            since=m.published_on,
            clauses=m.clauses,
            citations=m.citations,
        )
        for m in catalogues_of_product(uow, product)
    ]


def product_ref(product_id: int) -> str:
    """The product's id in the organisation's calculator case (services/organisations.case_start)."""
    return f"p{product_id}"


def ledger_of_product(uow: UnitOfWork, product: Product, calculator: Any = None) -> list[AwardLine]:
    """Applications for the product (any status) with their payments, and prior awards entered for
    it that no application here stands behind; oldest first."""
    from biopolicy.services.applications import STATUS_WORDS as APPLICATION_STATUS
    from biopolicy.storage.ledger_models import Application, Award, Payment

    ref = product_ref(product.id)
    titles = {mid: m.title for mid, m in calculator.rules.measures.items()} if calculator is not None else {}
    apps = list(
        uow.session.scalars(
            select(Application)
            .where(Application.organisation_id == product.organisation_id, Application.product_id == ref)
            .order_by(Application.created_at, Application.id)
        )
    )
    pays: dict[int, list[PaymentLine]] = {}
    if apps:
        for pay in uow.session.scalars(
            select(Payment)
            .where(Payment.application_id.in_([a.id for a in apps]))
            .order_by(Payment.instalment)
        ):
            pays.setdefault(pay.application_id, []).append(
                PaymentLine(instalment=pay.instalment, amount=pay.amount, paid_on=pay.paid_on)
            )
    lines = [
        AwardLine(
            application_id=a.id, measure_id=a.measure_id, title=titles.get(a.measure_id, a.measure_id),
            source="本平台申报", status=a.status, status_label=APPLICATION_STATUS.get(a.status, a.status),
            applied_on=a.created_at.date() if a.created_at else None, approved_amount=a.approved_amount,
            paid=sum((x.amount for x in pays.get(a.id, [])), Decimal(0)), payments=pays.get(a.id, []),
        )
        for a in apps
    ]  # fmt: skip
    for w in uow.session.scalars(
        select(Award)
        .where(
            Award.organisation_id == product.organisation_id,
            Award.product_id == ref,
            Award.application_id.is_(None),
        )
        .order_by(Award.awarded_on, Award.id)
    ):
        lines.append(
            AwardLine(
                application_id=None, measure_id=w.measure_id,
                title=titles.get(w.measure_id or "", w.programme or w.measure_id or "—"),
                source="平台外已获奖励", status="prior", status_label="已获奖励（平台外拨付）",
                applied_on=None, approved_amount=w.amount, paid=w.amount, payments=[],
            )
        )  # fmt: skip
    return lines


def calculator_events(product_ref: str, ms: Iterable[Milestone]) -> list[dict[str, Any]]:
    """Completed milestones as calculator events (dated when done), planned ones dated when planned."""
    events = []
    for m in ms:
        kind = MILESTONE_KINDS.get(m.kind)
        when = m.completed_on or m.planned_on
        if kind is None or kind.event is None or when is None:
            continue
        etype, attrs = kind.event
        events.append(
            {"id": f"m{m.id}", "type": etype, "date": when.isoformat(), "product_id": product_ref, **attrs}
        )
    return events


def _unlocks(
    uow: UnitOfWork, p: Product, ms: list[Milestone], on: dt.date, calculator: Any
) -> tuple[list[Unlocked], list[Unlocked]]:
    events = calculator_events(f"p{p.id}", ms)
    if not events or calculator is None:
        return [], []
    from biopolicy.services.organisations import case_start

    start = case_start(uow, p.organisation_id).model_dump(mode="json", exclude_none=True)
    start["products"] = [x for x in start.get("products", []) if x.get("id") == f"p{p.id}"]
    case = {"as_of": on.isoformat(), **start, "events": events}
    try:
        result = calculator.assess(case)
    except ValueError:
        return [], []
    by_event = {f"m{m.id}": m for m in ms}
    done, planned = [], []
    for ent in result.entitlements:
        m = by_event.get(ent.event_id)
        if m is None or ent.eligibility.value == "no":
            continue
        item = Unlocked(
            milestone_id=m.id, milestone=MILESTONE_KINDS[m.kind].label, planned=ent.planned,
            measure_id=ent.measure_id, measure_title=ent.measure_title, eligibility=ent.eligibility.value,
            amount_kind=ent.amount.kind.value, amount=str(ent.amount.value) if ent.amount.value is not None else None,
        )  # fmt: skip
        (planned if ent.planned else done).append(item)
    return done, planned


# -- writing -------------------------------------------------------------------------------------


def _date(value: Any, name: str, problems: list[str]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        problems.append(f"{name}：“{value}”不是日期，应写作 YYYY-MM-DD")
        return None


def _stops(value: Any, problems: list[str]) -> list[dict[str, Any]]:
    out = []
    for i, s in enumerate(value or []):
        if not isinstance(s, Mapping):
            problems.append(f"clock_stops[{i}]：应为 {{start, end}} 对象")
            continue
        start = _date(s.get("start"), f"clock_stops[{i}].start", problems)
        end = _date(s.get("end"), f"clock_stops[{i}].end", problems)
        if start is None:
            problems.append(f"clock_stops[{i}].start：缺少停表日期（发出补正通知之日）")
            continue
        out.append({"start": start.isoformat(), "end": end.isoformat() if end else None})
    return out


def check_milestone(
    uow: UnitOfWork, product: Product, data: Mapping[str, Any], today: dt.date, clock: Clock,
    existing: Sequence[Milestone] | None = None,
) -> Milestone:  # fmt: skip
    """A new milestone checked against the catalogue, the calendar and the product's other milestones.
    Raises WatchlistError naming every field that is wrong; writes nothing."""
    problems: list[str] = []
    code = str(data.get("kind") or "").strip()
    kind = MILESTONE_KINDS.get(code)
    if kind is None:
        problems.append(f"kind：未知的里程碑类型“{code}”，应为 {'、'.join(MILESTONE_KINDS)} 之一")
    planned = _date(data.get("planned_on"), "planned_on", problems)
    started = _date(data.get("started_on"), "started_on", problems)
    completed = _date(data.get("completed_on"), "completed_on", problems)
    subject = str(data.get("subject") or "").strip()
    stops = _stops(data.get("clock_stops"), problems)
    if planned is None and started is None and completed is None:
        problems.append(
            "started_on：应至少填写计划日期（planned_on）、开始日期（started_on）或完成日期（completed_on）之一"
        )
    if completed is not None and completed > today:
        problems.append(
            f"completed_on：完成日期 {completed} 晚于今天（{today}），尚未发生的事项请填写计划日期（planned_on）"
        )
    if started is not None and started > today:
        problems.append(
            f"started_on：开始日期 {started} 晚于今天（{today}），尚未开始的事项请填写计划日期（planned_on）"
        )
    if started and completed and completed < started:
        problems.append(f"completed_on：完成日期 {completed} 早于开始日期 {started}")
    procedure = str(data.get("procedure") or "").strip() or None
    regime = regime_of(product.type)
    if kind is not None:
        if procedure is not None and not kind.regulatory:
            problems.append(f"procedure：“{kind.label}”不是监管部门办理的环节，不应填写办理程序")
        if kind.regulatory and procedure is None and regime is not None:
            procedure = kind.procedures.get(regime)
        if kind.repeatable and not subject:
            problems.append(f"subject：“{kind.label}”应写明对象（如医院名称）")
    if procedure is not None:
        proc = clock.limits.procedures.get(procedure)
        if proc is None:
            problems.append(
                f"procedure：未知的办理程序“{procedure}”，应为 policies/_catalogue/procedures.yaml 中的代码之一"
            )
        elif regime is not None and proc.regime.value != regime:
            problems.append(
                f"procedure：程序“{proc.label}”属于{'药品' if proc.regime.value == 'drug' else '医疗器械'}，"
                f"与产品类型“{product.type}”不符"
            )
    if stops and (procedure is None or started is None):
        problems.append("clock_stops：只有已开始、有办理程序的监管环节才有补正停表")
    others = (
        list(existing)
        if existing is not None
        else list(uow.session.scalars(select(Milestone).where(Milestone.product_id == product.id)))
    )
    if kind is not None:
        same = [m for m in others if m.kind == code and (not kind.repeatable or m.subject == subject)]
        if same:
            problems.append(
                f"kind：该产品已有“{kind.label}”里程碑"
                + (f"（{subject}）" if subject else "")
                + "，请补记已有里程碑的日期，而不是重复添加"
            )
        first = started or completed
        if first is not None:
            for m in others:
                when = m.completed_on or m.started_on
                if m.kind in kind.after and when is not None and first < when:
                    field_name = "started_on" if started else "completed_on"
                    problems.append(
                        f"{field_name}：“{kind.label}”的日期 {first} 早于前一环节“{MILESTONE_KINDS[m.kind].label}”的日期 {when}"
                    )
                later = MILESTONE_KINDS.get(m.kind)
                m_first = m.started_on or m.completed_on
                last = completed or started
                if later is not None and code in later.after and m_first is not None and last > m_first:
                    field_name = "completed_on" if completed else "started_on"
                    problems.append(
                        f"{field_name}：“{kind.label}”的日期 {last} 晚于后一环节“{later.label}”的日期 {m_first}"
                    )
    if not problems and procedure is not None and started is not None:
        try:
            clock.due(procedure, started, on=today, completed=completed, stops=[
                ClockStop(dt.date.fromisoformat(s["start"]), dt.date.fromisoformat(s["end"]) if s["end"] else None)
                for s in stops
            ])  # fmt: skip
        except DeadlineError as exc:
            problems.append(f"clock_{exc}" if str(exc).startswith("stops") else str(exc))
    if problems:
        raise WatchlistError(problems)
    return Milestone(
        product_id=product.id, organisation_id=product.organisation_id, kind=code, subject=subject,
        procedure=procedure, planned_on=planned, started_on=started, completed_on=completed,
        clock_stops=stops, note=str(data.get("note") or "").strip(),
    )  # fmt: skip


def _writable(uow: UnitOfWork, principal: Principal, product_id: int) -> Product:
    product = uow.session.get(Product, product_id)
    if (
        product is None
        or uow.session.scalar(select(WatchEntry.id).where(WatchEntry.product_id == product_id)) is None
    ):
        raise ProductNotFound(product_id)
    if not can_write(uow, principal, product):
        raise WatchlistForbidden(
            f"product_id：产品 {product_id} 不属于您的机构，也不是分配给您服务的产品，不能更改"
        )
    return product


def add_milestone(
    uow: UnitOfWork, principal: Principal, product_id: int, data: Mapping[str, Any], today: dt.date,
    clock: Clock | None = None,
) -> MilestoneView:  # fmt: skip
    clock = clock or get_clock()
    product = _writable(uow, principal, product_id)
    m = check_milestone(uow, product, data, today, clock)
    uow.session.add(m)
    uow.session.flush()
    view = milestone_view(m, clock, today)
    uow.commit()
    return view


def complete_milestone(
    uow: UnitOfWork, principal: Principal, product_id: int, milestone_id: int, completed_on: Any,
    today: dt.date, clock: Clock | None = None, clock_stops: Any = None,
) -> MilestoneView:  # fmt: skip
    """Record the day a milestone was done (and the clock stops, when given): checked as a new one."""
    clock = clock or get_clock()
    product = _writable(uow, principal, product_id)
    m = uow.session.get(Milestone, milestone_id)
    if m is None or m.product_id != product_id:
        raise WatchlistError([f"milestone_id：产品 {product_id} 没有编号为 {milestone_id} 的里程碑"])
    data = {
        "kind": m.kind, "subject": m.subject, "procedure": m.procedure, "planned_on": m.planned_on,
        "started_on": m.started_on, "completed_on": completed_on,
        "clock_stops": m.clock_stops if clock_stops is None else clock_stops, "note": m.note,
    }  # fmt: skip
    if data["completed_on"] in (None, ""):
        raise WatchlistError(["completed_on：请填写完成日期（YYYY-MM-DD）"])
    others = [
        x
        for x in uow.session.scalars(select(Milestone).where(Milestone.product_id == product_id))
        if x.id != m.id
    ]
    checked = check_milestone(uow, product, data, today, clock, existing=others)
    m.completed_on, m.clock_stops = checked.completed_on, checked.clock_stops
    uow.session.flush()
    view = milestone_view(m, clock, today)
    uow.commit()
    return view


def watch_product(
    uow: UnitOfWork, principal: Principal, organisation_id: int, name: str, product_type: str,
    registration_class: str | None = None, *, key_enterprise: bool = False, key_product: bool = False,
    commit: bool = True,
) -> int:  # fmt: skip
    """Put a product on the list (the organisation's product of that name, or a new one): the regulator's."""
    if not is_regulator(principal):
        raise WatchlistForbidden("只有省药监局审核人员和管理员可以把产品列入在研在审清单")
    problems = []
    org = uow.session.get(Organisation, organisation_id)
    if org is None:
        problems.append(f"organisation_id：没有编号为 {organisation_id} 的机构")
    if not (name or "").strip():
        problems.append("name：产品名称不能为空")
    from biopolicy.services.organisations import product_types

    types = product_types()
    if product_type not in types:
        problems.append(f"type：未知的产品类型“{product_type}”，应为 {'、'.join(types)} 之一")
    if problems:
        raise WatchlistError(problems)
    product = uow.session.scalar(
        select(Product).where(Product.organisation_id == organisation_id, Product.name == name.strip())
    )
    if product is None:
        product = Product(organisation_id=organisation_id, name=name.strip(), type=product_type,
                          registration_class=registration_class or None)  # fmt: skip
        uow.session.add(product)
        uow.session.flush()
    entry = uow.session.scalar(select(WatchEntry).where(WatchEntry.product_id == product.id))
    if entry is None:
        uow.session.add(WatchEntry(product_id=product.id, organisation_id=organisation_id,
                                   key_enterprise=key_enterprise, key_product=key_product))  # fmt: skip
    else:
        entry.key_enterprise, entry.key_product = key_enterprise, key_product
    uow.session.flush()
    if commit:
        uow.commit()
    return product.id


def assign_officer(uow: UnitOfWork, principal: Principal, product_id: int, login: str) -> None:
    if not is_regulator(principal):
        raise WatchlistForbidden("只有省药监局审核人员和管理员可以分配服务专员")
    product = uow.session.get(Product, product_id)
    if product is None:
        raise ProductNotFound(product_id)
    user = uow.users.by_login(login)
    if user is None or not any(r.role == Role.service_officer.value for r in user.roles):
        raise WatchlistError([f"login：“{login}”不是服务专员（应为具有服务专员角色的用户）"])
    if not _assigned(uow, product_id, user.id):
        uow.session.add(
            ServiceAssignment(product_id=product_id, user_id=user.id, organisation_id=product.organisation_id)
        )
    uow.commit()


def add_note(
    uow: UnitOfWork, principal: Principal, product_id: int, on: Any, text: str, today: dt.date
) -> NoteView:
    """A dated note of help given: the assigned service officer's (or the regulator's)."""
    view = _check_note(uow, principal, product_id, on, text, today)
    uow.commit()
    return view


def _check_note(
    uow: UnitOfWork, principal: Principal, product_id: int, on: Any, text: str, today: dt.date
) -> NoteView:
    product = uow.session.get(Product, product_id)
    if product is None:
        raise ProductNotFound(product_id)
    if not (
        is_regulator(principal)
        or (principal.has(Role.service_officer) and _assigned(uow, product_id, principal.user_id))
    ):
        raise WatchlistForbidden("只有分配给该产品的服务专员（或省药监局、管理员）可以记录服务情况")
    problems: list[str] = []
    day = _date(on, "on", problems)
    if day is None and not problems:
        problems.append("on：请填写服务日期（YYYY-MM-DD）")
    if day is not None and day > today:
        problems.append(f"on：服务日期 {day} 晚于今天（{today}）")
    if not (text or "").strip():
        problems.append("text：服务记录不能为空")
    if problems:
        raise WatchlistError(problems)
    assert day is not None
    uow.session.add(ServiceNote(product_id=product_id, organisation_id=product.organisation_id,
                                author_id=principal.user_id, on=day, text=text.strip()))  # fmt: skip
    uow.session.flush()
    return NoteView(on=day, text=text.strip(), author=principal.display_name)


# -- the forms: one transaction each, under the organisation's lock, with an idempotency key --------


def _idempotent(
    uow: UnitOfWork, key: str, operation: str, organisation_id: int, request: dict[str, Any], work: Any
) -> dict[str, Any]:
    """Run ``work`` once for ``key`` (services/applications.py ``_once``: the organisation's row
    locked, a replay answered from the record, the key refused for another request)."""
    from biopolicy.services.applications import ApplicationError, _once

    try:
        return _once(uow, key, operation, organisation_id, request, work)
    except ApplicationError as exc:
        raise WatchlistError(exc.problems) from None


def _organisation_of(uow: UnitOfWork, principal: Principal, product_id: int) -> int:
    return _writable(uow, principal, product_id).organisation_id


def record_milestone(
    uow: UnitOfWork, principal: Principal, product_id: int, data: Mapping[str, Any], today: dt.date,
    key: str, clock: Clock | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The form's new milestone: checked as ``add_milestone``, written once for ``key``."""
    clock = clock or get_clock()
    org = _organisation_of(uow, principal, product_id)
    request = {"product_id": product_id, **{k: str(v) if v is not None else None for k, v in data.items()}}

    def work() -> dict[str, Any]:
        product = _writable(uow, principal, product_id)
        m = check_milestone(uow, product, data, today, clock)
        uow.session.add(m)
        uow.session.flush()
        return {"milestone_id": m.id}

    return _idempotent(uow, key, "watch_milestone", org, request, work)


def record_progress(
    uow: UnitOfWork, principal: Principal, product_id: int, milestone_id: int, data: Mapping[str, Any],
    today: dt.date, key: str, clock: Clock | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A milestone's progress from the form: started on, done on, 补正 stopped on (the clock stops),
    resumed on (the open stop ends). Checked as a new milestone against the others; written once."""
    clock = clock or get_clock()
    org = _organisation_of(uow, principal, product_id)
    request = {"product_id": product_id, "milestone_id": milestone_id,
               **{k: str(v) if v is not None else None for k, v in data.items()}}  # fmt: skip

    def work() -> dict[str, Any]:
        product = _writable(uow, principal, product_id)
        m = uow.session.get(Milestone, milestone_id)
        if m is None or m.product_id != product_id:
            raise WatchlistError([f"milestone_id：产品 {product_id} 没有编号为 {milestone_id} 的里程碑"])
        problems: list[str] = []
        started = _date(data.get("started_on"), "started_on", problems)
        completed = _date(data.get("completed_on"), "completed_on", problems)
        stop_on = _date(data.get("stop_on"), "stop_on", problems)
        resume_on = _date(data.get("resume_on"), "resume_on", problems)
        replaced = data.get("clock_stops")
        if not problems and not (started or completed or stop_on or resume_on or replaced is not None):
            problems.append("completed_on：请至少填写开始日期、完成日期、补正停表日期或恢复计时日期之一")
        stops = [
            dict(s) if isinstance(s, Mapping) else s
            for s in (m.clock_stops if replaced is None else replaced) or []
        ]
        open_stop = next((s for s in stops if isinstance(s, Mapping) and not s.get("end")), None)
        if stop_on is not None:
            if open_stop is not None:
                problems.append(
                    f"stop_on：已在 {open_stop['start']} 停表，尚未恢复计时，请先填写恢复计时日期"
                )
            elif stop_on > today:
                problems.append(f"stop_on：停表日期 {stop_on} 晚于今天（{today}）")
            else:
                stops.append({"start": stop_on.isoformat(), "end": None})
                open_stop = stops[-1] if resume_on is not None else None
        if resume_on is not None:
            if open_stop is None:
                problems.append("resume_on：没有正在停表的补正，无需恢复计时")
            elif resume_on > today:
                problems.append(f"resume_on：恢复计时日期 {resume_on} 晚于今天（{today}）")
            else:
                open_stop["end"] = resume_on.isoformat()
        if problems:
            raise WatchlistError(problems)
        merged = {
            "kind": m.kind, "subject": m.subject, "procedure": m.procedure, "planned_on": m.planned_on,
            "started_on": started or m.started_on, "completed_on": completed or m.completed_on,
            "clock_stops": stops, "note": m.note,
        }  # fmt: skip
        others = [
            x
            for x in uow.session.scalars(select(Milestone).where(Milestone.product_id == product_id))
            if x.id != m.id
        ]
        checked = check_milestone(uow, product, merged, today, clock, existing=others)
        m.started_on, m.completed_on = checked.started_on, checked.completed_on
        m.clock_stops = checked.clock_stops
        uow.session.flush()
        return {"milestone_id": m.id}

    return _idempotent(uow, key, "watch_progress", org, request, work)


def record_note(
    uow: UnitOfWork, principal: Principal, product_id: int, on: Any, text: str, today: dt.date, key: str
) -> dict[str, Any]:
    """The form's dated note of help given (``add_note``'s checks), written once for ``key``."""
    product = uow.session.get(Product, product_id)
    if product is None:
        raise ProductNotFound(product_id)
    request = {"product_id": product_id, "on": str(on), "text": text}

    def work() -> dict[str, Any]:
        _check_note(uow, principal, product_id, on, text, today)
        return {"product_id": product_id}

    return _idempotent(uow, key, "watch_note", product.organisation_id, request, work)


def milestone_of(uow: UnitOfWork, product_id: int, milestone_id: int, on: dt.date) -> MilestoneView:
    """A milestone just written, as the API answers it."""
    m = uow.session.get(Milestone, milestone_id, populate_existing=True)
    if m is None or m.product_id != product_id:
        raise WatchlistError([f"milestone_id：产品 {product_id} 没有编号为 {milestone_id} 的里程碑"])
    return milestone_view(m, get_clock(), on)


def product_type_label(product_type: str) -> str:
    from biopolicy.services.organisations import product_types

    return product_types().get(product_type, product_type)


def milestone_choices(product_type: str) -> list[dict[str, Any]]:
    """The kinds and the procedures of the product's regime, for the form's lists."""
    regime = regime_of(product_type)
    procs = get_clock().limits.procedures
    return [
        {"code": code, "label": k.label, "regulatory": k.regulatory, "repeatable": k.repeatable}
        for code, k in MILESTONE_KINDS.items()
    ] + [
        {"procedure": code, "label": p.label}
        for code, p in procs.items()
        if regime is None or p.regime.value == regime
    ]


STATUS_WORDS = {s.value: label for s, label in STATUS_LABELS.items()}


def command_line_principal(actor: str) -> Principal:
    """The command line acts as an administrator (whoever can run it can reach the database)."""
    from biopolicy.services.accounts import ROLE_LABELS, RoleView

    return Principal(
        user_id=0, login=actor, display_name="命令行", organisation_id=None, organisation_name=None,
        roles=[RoleView(role=Role.administrator, label=ROLE_LABELS[Role.administrator])],
    )  # fmt: skip
