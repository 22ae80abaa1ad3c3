"""Targets as rules: what a document commits to reach, by when, from where (issue 12, §4).

``policies/<doc>/targets.yaml`` lists a document's targets: indicator, value and unit (as the text
writes them: 1200 亿元, 5 个), whether the value is a floor (``at_least``: 达到/以上/突破) or a round
figure (``approx``: 左右), the year, the place, the clause and an excerpt, and a baseline (value and
year) where a text gives one. A goal the text states without a number is a text-only target: no
value, no unit; it is listed, never measured.

The loader checks a target like a measure (rules/loader.py): the clauses exist, the excerpts are in
them, the value and the baseline's value are among the facts of the clauses they cite (an amount in
亿元 is compared in 元), and the year is written in the cited text or explained in a note (“十四五”期间
read as by 2025).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from biopolicy.domain import Corpus
from biopolicy.domain.validation import describe
from biopolicy.rules.loader import RulesError, _check_cited, _read_yaml, _rel, default_policies_dir
from biopolicy.rules.places import place_problem
from biopolicy.rules.schema import Note


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Bound(StrEnum):
    at_least = "at_least"  # 达到 / 以上 / 突破 / 不少于: reached when the actual is at least the value
    approx = "approx"  # 左右 / 约: read as reached at the value (no tolerance is invented)


BOUND_LABELS = {Bound.at_least: "不低于", Bound.approx: "左右"}

# unit as written -> (fact kind, fact unit, multiplier to the fact's value)
MONEY_UNITS = {"亿元": Decimal(10) ** 8, "万元": Decimal(10) ** 4, "元": Decimal(1)}
COUNT_UNITS = frozenset({"个", "家", "项", "款", "条", "次", "位", "件"})
PERCENT_UNITS = frozenset({"%"})


class TargetBaseline(_Strict):
    """Where the indicator stood, as a text says: value (in the target's unit) and year."""

    value: Decimal
    year: int = Field(ge=1949, le=2100)
    clauses: list[str] = Field(min_length=1)
    excerpt: str = Field(min_length=1)


class Target(_Strict):
    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    indicator: str = Field(min_length=1)
    value: Decimal | None = None  # None: a text-only target
    unit: str | None = None
    bound: Bound | None = None
    year: int = Field(ge=1949, le=2100)
    place: str
    clauses: list[str] = Field(min_length=1)
    excerpt: str = Field(min_length=1)
    baseline: TargetBaseline | None = None
    cumulative: bool = False  # 新增…个: the actual is the count added since the period began
    notes: list[Note] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shape(self) -> Target:
        if self.value is None:
            if self.unit is not None or self.bound is not None or self.baseline is not None:
                raise ValueError("未量化的目标（没有 value）不应写 unit、bound 或 baseline")
            return self
        if self.unit is None or self.bound is None:
            raise ValueError("写了 value 时应同时写 unit（单位，如 亿元、个）和 bound（at_least 或 approx）")
        if self.unit not in MONEY_UNITS and self.unit not in COUNT_UNITS and self.unit not in PERCENT_UNITS:
            units = "、".join([*MONEY_UNITS, *sorted(COUNT_UNITS), *PERCENT_UNITS])
            raise ValueError(f"unit 应为 {units} 之一，收到“{self.unit}”")
        if self.value < 0:
            raise ValueError(f"value 不能为负数，收到 {self.value}")
        if self.baseline is not None and self.baseline.year >= self.year:
            raise ValueError(f"baseline.year（{self.baseline.year}）应早于目标年份 year（{self.year}）")
        return self

    @property
    def quantified(self) -> bool:
        return self.value is not None


class TargetFile(_Strict):
    document: str
    targets: list[Target] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)


@dataclass
class TargetSet:
    targets: dict[str, Target]
    notes: dict[str, list[Note]]
    version: str


def load_targets(corpus: Corpus, policies_dir: Path | None = None) -> TargetSet:
    """Every ``targets.yaml``, checked against the corpus."""
    root = policies_dir or default_policies_dir()
    paths = sorted(p for p in root.glob("*/targets.yaml") if not p.parent.name.startswith("_"))
    digest = hashlib.sha256()
    problems: list[str] = []
    targets: dict[str, Target] = {}
    notes: dict[str, list[Note]] = {}
    for path in paths:
        digest.update(path.read_bytes())
        try:
            policy = TargetFile.model_validate(_read_yaml(path))
        except RulesError as exc:
            problems += exc.problems
            continue
        except ValidationError as exc:
            problems += [f"{_rel(path)}：{p}" for p in describe(exc)]
            continue
        if policy.document != path.parent.name:
            problems.append(
                f"{_rel(path)}：document 应为所在目录名“{path.parent.name}”，收到“{policy.document}”"
            )
        notes[policy.document] = list(policy.notes)
        for t in policy.targets:
            where = f"{_rel(path)}：目标 {t.id}"
            if t.id in targets:
                problems.append(f"{where}：id 重复")
            targets[t.id] = t
            problems += [f"{where}：{p}" for p in _check_target(t, corpus)]
    if problems:
        raise RulesError(problems)
    return TargetSet(targets=targets, notes=notes, version=digest.hexdigest()[:12])


def _check_target(t: Target, corpus: Corpus) -> list[str]:
    problems = []
    if problem := place_problem(t.place):
        problems.append(f"place：{problem}")
    problems += _check_cited(t.clauses, [t.excerpt], corpus)
    if t.baseline is not None:
        problems += [f"baseline：{p}" for p in _check_cited(t.baseline.clauses, [t.baseline.excerpt], corpus)]
    for note in t.notes:
        problems += [f"notes：{p}" for p in _check_cited(note.clauses, [], corpus)]
    if any("不存在" in p for p in problems):
        return problems
    texts = "".join("".join(c.text.split()) for cid in t.clauses if (c := corpus.clause(cid)))
    if str(t.year) not in texts and not any(str(t.year) in n.text for n in t.notes):
        problems.append(
            f"year：所引条款未写 {t.year} 年，应在 notes 中说明年份的读法（如“十四五”期间读作至2025年）"
        )
    if t.value is not None and t.unit is not None:
        if not _stated(t.value, t.unit, t.clauses, corpus):
            problems.append(
                f"value：{t.value}{t.unit} 不在所引条款 {'、'.join(t.clauses)} 写明的数字中：规则不得自创数字"
            )
        if t.baseline is not None and not _stated(t.baseline.value, t.unit, t.baseline.clauses, corpus):
            problems.append(
                f"baseline.value：{t.baseline.value}{t.unit} 不在所引条款 {'、'.join(t.baseline.clauses)} "
                "写明的数字中：规则不得自创数字"
            )
        if t.baseline is not None:
            texts_b = "".join(
                "".join(c.text.split()) for cid in t.baseline.clauses if (c := corpus.clause(cid))
            )
            if str(t.baseline.year) not in texts_b:
                problems.append(f"baseline.year：所引条款未写 {t.baseline.year} 年")
    return problems


def _stated(value: Decimal, unit: str, clause_ids: list[str], corpus: Corpus) -> bool:
    facts = [f for cid in clause_ids if (c := corpus.clause(cid)) for f in c.facts]
    if unit in MONEY_UNITS:
        want = value * MONEY_UNITS[unit]
        return any(f.kind == "money" and f.unit == "元" and want in (f.value, f.value_to) for f in facts)
    if unit in PERCENT_UNITS:
        return any(f.kind == "percent" and f.unit == "%" and value in (f.value, f.value_to) for f in facts)
    return any(f.kind == "count" and f.unit == unit and value in (f.value, f.value_to) for f in facts)
