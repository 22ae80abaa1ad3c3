"""Time limits as rules: how long the regulator may take for a procedure, and the limit a local rule sets.

Three kinds of file (docs/rule-authoring.md, section "办理时限与工作日历"):

* ``policies/_catalogue/procedures.yaml``: the procedures, each with a code and a Chinese name;
* ``policies/_national/time_limits.yaml``: the statutory baselines (药品注册管理办法 2020,
  医疗器械注册与备案管理办法 2021, ...) with article, source and whether the value was confirmed
  (``confirmed: false`` + a note where it was not: never relied on silently);
* ``policies/<doc>/time_limits.yaml``: the limits a local document sets, each citing its clause. A
  limit is a number of days, or relative to the baseline it replaces (``reduce_by_days``: 缩短20个工作日;
  ``reduce_by_percent``: 压缩20%以上, read as at most the baseline less that share).

The loader checks a local limit like a measure (rules/loader.py): the clause exists, the excerpt is in
it, every number (the limit, what it was, the reduction) is among the clause's facts with the same
unit; and against the catalogue and the baselines (the procedure exists, the baseline exists and
covers the procedure, the "was" figure agrees with the baseline's).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from fractions import Fraction
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from biopolicy.domain import Corpus
from biopolicy.domain.validation import describe
from biopolicy.rules.loader import (
    RulesError,
    _check_cited,
    _check_figures,
    _read_yaml,
    _rel,
    default_policies_dir,
)
from biopolicy.rules.places import place_problem
from biopolicy.rules.schema import Note


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class LimitUnit(StrEnum):
    working_days = "working_days"
    calendar_days = "calendar_days"


UNIT_LABELS = {LimitUnit.working_days: "个工作日", LimitUnit.calendar_days: "日（自然日）"}
# the unit a clause's duration fact must carry for a limit in this unit
FACT_UNITS = {LimitUnit.working_days: {"工作日"}, LimitUnit.calendar_days: {"日", "自然日"}}


# ---------------------------------------------------------------- catalogue of procedures


class Regime(StrEnum):
    drug = "drug"
    device = "device"


class Procedure(_Strict):
    label: str = Field(min_length=1)
    regime: Regime
    description: str | None = None


class ProcedureCatalogue(_Strict):
    procedures: dict[str, Procedure] = Field(min_length=1)


# ---------------------------------------------------------------- national baselines


class Supplement(_Strict):
    """What a request for more material (补正/发补) does to the clock.

    The clock stops while the applicant prepares the material (at most ``applicant_days``) and
    resumes when it is received; then the limit grows by ``extend_by`` of itself (药品注册管理办法
    第八十七条: 三分之一, 优先审评 四分之一) or a fresh limit of ``restart_days`` runs from receipt
    (医疗器械注册与备案管理办法 第九十二条: 补正后的技术审评时限).
    """

    extend_by: str | None = None  # a fraction: "1/3"
    restart_days: int | None = Field(default=None, gt=0)
    applicant_days: int | None = Field(default=None, gt=0)
    applicant_unit: LimitUnit = LimitUnit.calendar_days
    article: str = Field(min_length=1)
    confirmed: bool
    note: str | None = None

    @field_validator("extend_by")
    @classmethod
    def _fraction(cls, v: str | None) -> str | None:
        if v is None:
            return v
        try:
            f = Fraction(v)
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"extend_by 应为分数，如 1/3，收到 {v!r}") from None
        if not 0 < f <= 1:
            raise ValueError(f"extend_by 应在 0 到 1 之间，收到 {v!r}")
        return v

    @model_validator(mode="after")
    def _one_effect(self) -> Supplement:
        if self.extend_by is not None and self.restart_days is not None:
            raise ValueError("extend_by（按比例延长）与 restart_days（补正后重新计时）只能写一个")
        if not self.confirmed and not self.note:
            raise ValueError("confirmed 为 false 时应写 note，说明未能核实什么")
        return self

    @property
    def extension(self) -> Fraction:
        return Fraction(self.extend_by) if self.extend_by else Fraction(0)


class Regulation(_Strict):
    title: str = Field(min_length=1)
    number: str | None = None


class Baseline(_Strict):
    """A statutory time limit: what a local rule shortens, and what applies where none does."""

    id: str = Field(min_length=1)
    procedures: list[str] = Field(min_length=1)
    days: int = Field(gt=0)
    unit: LimitUnit
    regulation: str  # a key of the file's regulations
    article: str = Field(min_length=1)
    source: str | None = None  # where the value was read
    confirmed: bool
    note: str | None = None
    supplement: Supplement | None = None
    pilot: str | None = None  # a reform that applies only where named (试点地区): not a default

    @model_validator(mode="after")
    def _note_when_unconfirmed(self) -> Baseline:
        if not self.confirmed and not self.note:
            raise ValueError("confirmed 为 false 时应写 note，说明未能核实什么")
        return self


class NationalFile(_Strict):
    regulations: dict[str, Regulation] = Field(min_length=1)
    baselines: list[Baseline] = Field(min_length=1)
    notes: list[Note] = Field(default_factory=list)


# ---------------------------------------------------------------- local rules


class Limit(_Strict):
    """A number of days, or a reduction of the baseline: exactly one of days, reduce_by_days, reduce_by_percent."""

    days: int | None = Field(default=None, gt=0)
    reduce_by_days: int | None = Field(default=None, gt=0)
    reduce_by_percent: Decimal | None = Field(default=None, gt=0, lt=100)
    unit: LimitUnit

    @model_validator(mode="after")
    def _one_kind(self) -> Limit:
        given = [k for k in ("days", "reduce_by_days", "reduce_by_percent") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"limit 应恰写 days（天数）、reduce_by_days（缩短天数）、reduce_by_percent（压缩比例）之一，收到 {len(given)} 个"
            )
        return self

    @property
    def relative(self) -> bool:
        return self.days is None


class TimeLimit(_Strict):
    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    procedure: str
    clauses: list[str] = Field(min_length=1)
    excerpt: str = Field(min_length=1)
    since: date
    until: date | None = None
    places: list[str] = Field(min_length=1)
    replaces: str | None = None  # id of the national baseline it shortens
    was: int | None = Field(default=None, gt=0)  # the figure the clause says it replaces (由200个工作日)
    limit: Limit
    supplement: Supplement | None = None  # default: the baseline's
    notes: list[Note] = Field(default_factory=list)

    @model_validator(mode="after")
    def _window(self) -> TimeLimit:
        if self.until is not None and self.until < self.since:
            raise ValueError(f"until（{self.until}）早于 since（{self.since}）")
        return self


class TimeLimitFile(_Strict):
    document: str
    time_limits: list[TimeLimit] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)  # what the document says that is not encoded, and why


# ---------------------------------------------------------------- the loaded set


@dataclass(frozen=True)
class ResolvedLimit:
    """A limit as a number of days, with how it was worked out, in Chinese."""

    days: int
    unit: LimitUnit
    explanation: str
    at_most: bool = False  # 压缩20%以上: the limit is at most this


@dataclass
class TimeLimitSet:
    procedures: dict[str, Procedure]
    regulations: dict[str, Regulation]
    baselines: dict[str, Baseline]
    rules: dict[str, TimeLimit]
    notes: dict[str, list[Note]]  # per document: what was read and not encoded
    version: str
    _index: dict[str, tuple[list[TimeLimit], Baseline | None]] | None = field(default=None, repr=False)

    def applicable(self, procedure: str, on: date, place: str = "福建省") -> TimeLimit | Baseline | None:
        """The local rule in force on ``on`` for the procedure (the latest ``since``), else its default
        national baseline (the first in the file that is not a pilot)."""
        if self._index is None:
            self._index = {}
            for r in sorted(self.rules.values(), key=lambda r: (r.since, r.id), reverse=True):
                self._index.setdefault(r.procedure, ([], None))[0].append(r)
            for b in self.baselines.values():
                for p in b.procedures:
                    local, default = self._index.get(p, ([], None))
                    if default is None and b.pilot is None:
                        self._index[p] = (local, b)
        local, default = self._index.get(procedure, ((), None))
        for r in local:
            if r.since <= on and (r.until is None or on <= r.until) and place in r.places:
                return r
        return default

    def baseline_of(self, rule: TimeLimit | Baseline) -> Baseline | None:
        if isinstance(rule, Baseline):
            return rule
        return self.baselines.get(rule.replaces) if rule.replaces else None

    def supplement_of(self, rule: TimeLimit | Baseline) -> Supplement | None:
        if rule.supplement is not None:
            return rule.supplement
        base = self.baseline_of(rule)
        return base.supplement if base else None

    def resolve(self, rule: TimeLimit | Baseline, baseline_days: int | None = None) -> ResolvedLimit | None:
        """The limit in days; a relative rule needs its baseline's days (or ``baseline_days`` when the
        baseline is not in the national file). None when it cannot be worked out."""
        if isinstance(rule, Baseline):
            reg = self.regulations[rule.regulation].title
            return ResolvedLimit(
                rule.days, rule.unit, f"《{reg}》{rule.article}：{rule.days}{UNIT_LABELS[rule.unit]}"
            )
        limit = rule.limit
        if limit.days is not None:
            was = f"（原为 {rule.was}{UNIT_LABELS[limit.unit]}）" if rule.was else ""
            return ResolvedLimit(limit.days, limit.unit, f"{limit.days}{UNIT_LABELS[limit.unit]}{was}")
        base = self.baseline_of(rule)
        if base is not None:
            reg = self.regulations[base.regulation].title
            days, source = base.days, f"《{reg}》{base.article}规定的 {base.days}{UNIT_LABELS[base.unit]}"
        elif baseline_days is not None:
            days, source = baseline_days, f"法定时限 {baseline_days}{UNIT_LABELS[limit.unit]}（按个案提供）"
        else:
            return None
        if limit.reduce_by_days is not None:
            result = days - limit.reduce_by_days
            if result <= 0:
                return None
            return ResolvedLimit(
                result,
                limit.unit,
                f"{source}缩短 {limit.reduce_by_days} 个工作日，为 {result}{UNIT_LABELS[limit.unit]}",
            )
        assert limit.reduce_by_percent is not None
        share = (Decimal(100) - limit.reduce_by_percent) / 100
        result = int((Decimal(days) * share).to_integral_value(rounding=ROUND_FLOOR))
        return ResolvedLimit(
            result,
            limit.unit,
            f"{source}压缩 {limit.reduce_by_percent}% 以上，即不超过 {result}{UNIT_LABELS[limit.unit]}"
            "（不足一日的部分舍去）",
            at_most=True,
        )


# ---------------------------------------------------------------- loading


def load_procedures(policies_dir: Path | None = None) -> ProcedureCatalogue:
    path = (policies_dir or default_policies_dir()) / "_catalogue" / "procedures.yaml"
    if not path.is_file():
        raise RulesError([f"{_rel(path)}：文件不存在"])
    data = _read_yaml(path)
    try:
        return ProcedureCatalogue.model_validate(data)
    except ValidationError as exc:
        raise RulesError([f"{_rel(path)}：{p}" for p in describe(exc)]) from None


def load_time_limits(corpus: Corpus, policies_dir: Path | None = None) -> TimeLimitSet:
    """The catalogue, the national baselines and every local ``time_limits.yaml``, checked together."""
    root = policies_dir or default_policies_dir()
    problems: list[str] = []
    try:
        procedures = load_procedures(root).procedures
    except RulesError as exc:
        raise RulesError(exc.problems) from None
    national_path = root / "_national" / "time_limits.yaml"
    local_paths = sorted(p for p in root.glob("*/time_limits.yaml") if not p.parent.name.startswith("_"))
    digest = hashlib.sha256()
    for path in [root / "_catalogue" / "procedures.yaml", national_path, *local_paths]:
        if path.is_file():
            digest.update(path.read_bytes())

    national = _validate(national_path, NationalFile, problems)
    baselines: dict[str, Baseline] = {}
    regulations: dict[str, Regulation] = national.regulations if national else {}
    for i, b in enumerate(national.baselines if national else []):
        where = f"{_rel(national_path)}：baselines[{i}]（{b.id}）"
        if b.id in baselines:
            problems.append(f"{where}：id 重复")
        baselines[b.id] = b
        problems += [f"{where}：{p}" for p in _unknown_procedures(b.procedures, procedures)]
        if b.regulation not in regulations:
            problems.append(
                f"{where}：regulation“{b.regulation}”不在 regulations 中（{'、'.join(regulations)}）"
            )

    rules: dict[str, TimeLimit] = {}
    notes: dict[str, list[Note]] = {}
    for path in local_paths:
        policy = _validate(path, TimeLimitFile, problems)
        if policy is None:
            continue
        if policy.document != path.parent.name:
            problems.append(
                f"{_rel(path)}：document 应为所在目录名“{path.parent.name}”，收到“{policy.document}”"
            )
        notes[policy.document] = list(policy.notes)
        for note in policy.notes:
            problems += [f"{_rel(path)}：notes：{p}" for p in _check_cited(note.clauses, [], corpus)]
        for r in policy.time_limits:
            where = f"{_rel(path)}：时限 {r.id}"
            if r.id in rules:
                problems.append(f"{where}：id 重复")
            rules[r.id] = r
            problems += [f"{where}：{p}" for p in _check_rule(r, procedures, baselines, corpus)]
    if problems:
        raise RulesError(problems)
    return TimeLimitSet(
        procedures=procedures,
        regulations=regulations,
        baselines=baselines,
        rules=rules,
        notes=notes,
        version=digest.hexdigest()[:12],
    )


def _validate(path: Path, model: type[BaseModel], problems: list[str]):
    try:
        data = _read_yaml(path)
    except FileNotFoundError:
        problems.append(f"{_rel(path)}：文件不存在")
        return None
    except RulesError as exc:
        problems += exc.problems
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems += [f"{_rel(path)}：{p}" for p in describe(exc)]
        return None


def _unknown_procedures(codes: list[str], procedures: dict[str, Procedure]) -> list[str]:
    return [
        f"procedure：未知的程序“{c}”，应为 policies/_catalogue/procedures.yaml 中的代码之一"
        for c in codes
        if c not in procedures
    ]


def _check_rule(
    r: TimeLimit, procedures: dict[str, Procedure], baselines: dict[str, Baseline], corpus: Corpus
) -> list[str]:
    problems = _unknown_procedures([r.procedure], procedures)
    problems += [f"places：{problem}" for p in r.places if (problem := place_problem(p))]
    base = baselines.get(r.replaces) if r.replaces else None
    if r.replaces and base is None:
        problems.append(
            f"replaces：没有 id 为“{r.replaces}”的国家基线（policies/_national/time_limits.yaml）"
        )
    if base is not None:
        if r.procedure not in base.procedures:
            problems.append(
                f"replaces：国家基线 {base.id} 不适用于程序“{r.procedure}”（适用于 {'、'.join(base.procedures)}）"
            )
        if base.unit != r.limit.unit:
            problems.append(
                f"limit.unit：应与国家基线 {base.id} 的单位 {base.unit.value} 一致，收到 {r.limit.unit.value}"
            )
        if r.was is not None and r.was != base.days:
            problems.append(f"was：条款写明原时限 {r.was}，但国家基线 {base.id} 为 {base.days}，请核对")
        if r.limit.reduce_by_days is not None and r.limit.reduce_by_days >= base.days:
            problems.append(
                f"limit.reduce_by_days：缩短 {r.limit.reduce_by_days} 天不小于基线的 {base.days} 天"
            )
    if r.limit.relative and base is None and not any("按个案" in n.text for n in r.notes):
        problems.append("limit：相对时限没有 replaces（国家基线）时，应在 notes 中说明法定时限按个案提供")
    problems += _check_cited(r.clauses, [r.excerpt], corpus)
    if any("不存在" in p for p in problems):
        return problems
    durations = [d for d in (r.limit.days, r.was, r.limit.reduce_by_days) if d is not None]
    figures = [("duration", Decimal(d)) for d in durations]
    if r.limit.reduce_by_percent is not None:
        figures.append(("percent", r.limit.reduce_by_percent))
    problems += _check_figures(figures, r.clauses, corpus)
    facts = [
        f for cid in r.clauses if (c := corpus.clause(cid)) for f in c.facts if f.kind.value == "duration"
    ]
    for d in durations:
        same = [f for f in facts if f.value == d]
        if same and not any(f.unit in FACT_UNITS[r.limit.unit] for f in same):
            problems.append(
                f"limit.unit：条款中的 {d} 的单位是“{same[0].unit}”，与 {r.limit.unit.value}（{UNIT_LABELS[r.limit.unit]}）不符"
            )
    for note in r.notes:
        problems += _check_cited(note.clauses, [], corpus)
    return problems
