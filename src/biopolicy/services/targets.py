"""Targets and their actual values: enter one, import a file of them, the dashboard (issue 12 §4).

The targets are content (policies/<doc>/targets.yaml, rules/targets.py); what happens is stored: an
actual value of a target's indicator for a year (``TargetActual``), in the target's unit, with its
source and the day it was recorded. One value per target and year: a second is refused (the first
stays; correcting one is a later step). The dashboard runs engine/targets.py on each target with its
actuals: the trajectory (baseline → actuals → projection) and whether the current pace reaches it.

Who: the departments (reviewers), auditors and administrators read; reviewers and administrators
enter and import. An import (CSV or XLSX, one value a line: 目标 (its id or title), 年份, 实际值, 来源)
reports its problems by line and writes the good lines, or none when ``all_or_nothing``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select

from biopolicy.engine.targets import PACE_LABELS, Actual, target_progress
from biopolicy.rules.targets import BOUND_LABELS, Target, TargetSet, load_targets
from biopolicy.services.accounts import Principal, Role
from biopolicy.services.organisations import ImportProblem, ImportReport, OrganisationError, read_table
from biopolicy.storage.request_models import TargetActual
from biopolicy.storage.uow import UnitOfWork

HEADERS = {
    "target": ("目标", "target", "目标编号", "指标"),
    "year": ("年份", "year"),
    "value": ("实际值", "value", "数值"),
    "source": ("来源", "source", "数据来源"),
}


class TargetError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


class TargetForbidden(PermissionError):
    pass


@cache
def get_targets() -> TargetSet:
    from biopolicy.services.library import get_library

    return load_targets(get_library().corpus)


def can_read(p: Principal) -> bool:
    return p.has(Role.reviewer, Role.auditor, Role.administrator)


def can_write(p: Principal) -> bool:
    return p.has(Role.reviewer, Role.administrator)


class PointView(BaseModel):
    year: int
    value: str
    kind: str  # baseline / actual / projection
    source: str


class TargetView(BaseModel):
    id: str
    title: str
    document: str
    indicator: str
    value: str | None
    unit: str | None
    bound: str | None
    year: int
    place: str
    clauses: list[str]
    basis: str
    excerpt: str
    baseline: PointView | None
    actuals: list[PointView]
    points: list[PointView]
    pace: str
    pace_label: str
    assumption: str
    steps: list[str]
    needed_per_year: str | None
    notes: list[str]


class Dashboard(BaseModel):
    targets: list[TargetView]
    can_write: bool


def _num(v: Decimal | None) -> str | None:
    if v is None:
        return None
    s = format(v.quantize(Decimal("0.01")), "f").rstrip("0").rstrip(".")
    return s or "0"


def _actuals(uow: UnitOfWork) -> dict[str, list[TargetActual]]:
    out: dict[str, list[TargetActual]] = {}
    for a in uow.session.scalars(select(TargetActual).order_by(TargetActual.target_id, TargetActual.year)):
        out.setdefault(a.target_id, []).append(a)
    return out


def target_view(t: Target, rows: Iterable[TargetActual]) -> TargetView:
    from biopolicy.services.calculator import get_calculator

    names = get_calculator().names
    actuals = [Actual(r.year, Decimal(r.value), r.source, r.recorded_on) for r in rows]
    progress = target_progress(t, actuals)
    points = [
        PointView(year=x.year, value=_num(x.value) or "0", kind=x.kind, source=x.source)
        for x in progress.points
    ]
    baseline = next((x for x in points if x.kind == "baseline"), None)
    return TargetView(
        id=t.id, title=t.title, document=names.document(t.id.split("/", 1)[0]), indicator=t.indicator,
        value=_num(t.value), unit=t.unit, bound=BOUND_LABELS.get(t.bound) if t.bound else None, year=t.year,
        place=t.place, clauses=list(t.clauses), basis="；".join(names.clause(c) for c in t.clauses),
        excerpt=t.excerpt, baseline=baseline, actuals=[x for x in points if x.kind == "actual"], points=points,
        pace=progress.pace.value, pace_label=PACE_LABELS[progress.pace], assumption=progress.assumption,
        steps=list(progress.steps), needed_per_year=_num(progress.needed_per_year),
        notes=[" ".join(n.text.split()) for n in t.notes],
    )  # fmt: skip


def dashboard(uow: UnitOfWork, p: Principal) -> Dashboard:
    if not can_read(p):
        raise TargetForbidden("只有各部门、审计和管理员可以查看目标进度")
    actuals = _actuals(uow)
    views = [target_view(t, actuals.get(t.id, [])) for t in get_targets().targets.values()]
    return Dashboard(targets=views, can_write=can_write(p))


def _find(ref: str) -> Target | None:
    targets = get_targets().targets
    ref = (ref or "").strip()
    return targets.get(ref) or next((t for t in targets.values() if t.title == ref), None)


def check_actual(data: dict[str, Any], today: dt.date, taken: set[tuple[str, int]]) -> TargetActual:
    """One actual value checked: the target exists and is quantified, the year, the value, the source."""
    problems = []
    ref = str(data.get("target") or data.get("target_id") or "").strip()
    t = _find(ref)
    if t is None:
        problems.append(f"target：没有“{ref}”这个目标（应为目标编号或标题）" if ref else "target：请选择目标")
    elif t.value is None:
        problems.append(f"target：“{t.title}”是未量化目标，没有可录入的实际值")
    year = None
    try:
        year = int(str(data.get("year") or "").strip())
        if not 1949 <= year <= today.year:
            problems.append(f"year：年份应在 1949 到 {today.year} 之间（不能录入未来年份），收到 {year}")
            year = None
    except ValueError:
        problems.append(f"year：应为四位数年份，收到“{data.get('year')}”")
    value = None
    raw = str(data.get("value") or "").strip().replace(",", "")
    try:
        value = Decimal(raw)
        if not value.is_finite() or value < 0:
            problems.append(f"value：实际值应为不小于 0 的数字，收到“{raw}”")
            value = None
    except InvalidOperation:
        unit = f"（单位：{t.unit}）" if t is not None and t.unit else ""
        problems.append(f"value：实际值应为数字{unit}，收到“{raw}”")
    source = str(data.get("source") or "").strip()
    if not source:
        problems.append("source：请写明数据来源（如统计公报、部门报送）")
    elif len(source) > 300:
        problems.append("source：数据来源不能超过 300 个字")
    if t is not None and year is not None and (t.id, year) in taken:
        problems.append(f"year：“{t.title}”{year} 年已有实际值，同一年只能录入一个")
    if problems:
        raise TargetError(problems)
    assert t is not None and year is not None and value is not None
    return TargetActual(target_id=t.id, year=year, value=value, source=source, recorded_on=today)


def _taken(uow: UnitOfWork) -> set[tuple[str, int]]:
    return {(a.target_id, a.year) for a in uow.session.scalars(select(TargetActual))}


def add_actual(uow: UnitOfWork, p: Principal, data: dict[str, Any], today: dt.date) -> TargetView:
    if not can_write(p):
        raise TargetForbidden("只有各部门审核人员和管理员可以录入目标实际值")
    row = check_actual(data, today, _taken(uow))
    row.entered_by = p.user_id or None
    uow.session.add(row)
    uow.session.flush()
    t = get_targets().targets[row.target_id]
    view = target_view(t, _actuals(uow).get(t.id, []))
    uow.commit()
    return view


def _columns(header: list[str]) -> dict[str, int]:
    where = {}
    for i, name in enumerate(header):
        for field, names in HEADERS.items():
            if name.strip().lower() in {n.lower() for n in names}:
                where[field] = i
    missing = [HEADERS[f][0] for f in HEADERS if f not in where]
    if missing:
        raise OrganisationError([f"第1行：缺少列 {'、'.join(missing)}（表头应为 目标、年份、实际值、来源）"])
    return where


def import_actuals(
    uow: UnitOfWork, p: Principal, path: Path, today: dt.date, *, content: bytes | None = None,
    all_or_nothing: bool = False,
) -> ImportReport:  # fmt: skip
    """Actual values from a CSV or XLSX file, one a line; problems by line."""
    if not can_write(p):
        raise TargetForbidden("只有各部门审核人员和管理员可以导入目标实际值")
    rows = iter(read_table(path, content))
    first = next(rows, None)
    if first is None:
        raise OrganisationError([f"{path.name}：文件是空的"])
    cols = _columns(first[1])
    taken = _taken(uow)
    problems: list[ImportProblem] = []
    good: list[TargetActual] = []
    read = 0
    for line, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        read += 1
        data = {f: (cells[i] if i < len(cells) else "") for f, i in cols.items()}
        try:
            row = check_actual(data, today, taken)
        except TargetError as exc:
            problems += [ImportProblem(line=line, message=m) for m in exc.problems]
            continue
        row.entered_by = p.user_id or None
        taken.add((row.target_id, row.year))
        good.append(row)
    if good and not (all_or_nothing and problems):
        uow.session.add_all(good)
        uow.commit()
        imported = len(good)
    else:
        imported = 0
    return ImportReport(
        file=path.name, rows=read, imported=imported, all_or_nothing=all_or_nothing, problems=problems
    )
