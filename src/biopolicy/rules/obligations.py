"""Obligations as rules: what the documents ask of hospitals, how often, and which clause says so.

A rule kind beside measures (rewards) and time limits. Two kinds of file (docs/rule-authoring.md,
section "义务与目标"):

* ``policies/_catalogue/catalogues.yaml``: the lists whose publication opens a duty (厦门市新优药械产品目录,
  国家医保药品目录), each with a code, a Chinese name and, where a document creates it, the clause;
* ``policies/<doc>/obligations.yaml``: the duties a document sets. Each names who (institution kind,
  lowest grade, public or not, whether it runs drug or device trials, places), what (the kind of record
  that fulfils it: a meeting of a named committee or a reception day), and how often (``cadence``: at
  least N a month / quarter / year, optionally "in principle") or within how long after a trigger
  (``trigger``: a catalogue version published, within N months).

The loader checks an obligation like a measure (rules/loader.py): the clause exists, the excerpt is in
it, every number (at least N times: a count in 次; within N months: a duration in 个月) is among the
clause's facts; the places and catalogues exist. A duty's in-force window is its own ``since``/``until``,
else its document's (the corpus metadata), else from the document's issue date with no end.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
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


class InstitutionKind(StrEnum):
    medical_institution = "medical_institution"


INSTITUTION_LABELS = {InstitutionKind.medical_institution: "医疗机构"}


class Grade(StrEnum):
    """The hospital grade (医院等级); ``ungraded`` for an institution without one (未定级)."""

    ungraded = "ungraded"
    primary = "primary"
    secondary = "secondary"
    tertiary = "tertiary"


GRADE_LABELS = {
    Grade.ungraded: "未定级",
    Grade.primary: "一级",
    Grade.secondary: "二级",
    Grade.tertiary: "三级",
}
GRADE_RANK = {Grade.ungraded: 0, Grade.primary: 1, Grade.secondary: 2, Grade.tertiary: 3}


class RecordKind(StrEnum):
    """What a hospital records: a meeting of a named committee, or a reception day."""

    ethics_committee = "ethics_committee"
    pharmacy_committee = "pharmacy_committee"
    device_committee = "device_committee"
    reception_day = "reception_day"


RECORD_LABELS = {
    RecordKind.ethics_committee: "伦理委员会会议",
    RecordKind.pharmacy_committee: "药事管理与药物治疗学委员会会议",
    RecordKind.device_committee: "医疗器械管理委员会会议",
    RecordKind.reception_day: "医药企业接待日",
}


class Period(StrEnum):
    month = "month"
    quarter = "quarter"
    year = "year"


PERIOD_LABELS = {Period.month: "每月", Period.quarter: "每季度", Period.year: "每年"}


# ---------------------------------------------------------------- catalogues that trigger duties


class CatalogueList(_Strict):
    """A list whose new version opens a duty (目录公布后1个月内召开药事会)."""

    label: str = Field(min_length=1)
    issuer: str | None = None
    clauses: list[str] = Field(default_factory=list)  # the clause that creates the list, if a document does
    excerpt: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _excerpt_with_clause(self) -> CatalogueList:
        if self.clauses and not self.excerpt:
            raise ValueError("写了 clauses 时应写 excerpt（条款原文摘录）")
        return self


class CatalogueFile(_Strict):
    catalogues: dict[str, CatalogueList] = Field(min_length=1)


# ---------------------------------------------------------------- obligations


class Who(_Strict):
    """Who bears the duty. ``None`` means the clause does not restrict on that attribute."""

    kind: InstitutionKind = InstitutionKind.medical_institution
    places: list[str] = Field(min_length=1)
    min_grade: Grade | None = None  # 二级以上 -> secondary; 三级 -> tertiary
    public: bool | None = None  # 公立
    runs_trials: bool | None = None  # 承接药物或医疗器械临床试验


class Cadence(_Strict):
    """At least ``at_least`` records in every ``per`` (calendar month, quarter or year)."""

    per: Period
    at_least: int = Field(gt=0)
    in_principle: bool = False  # 原则上: a missed period is shown as such, marked as a principle


class Trigger(_Strict):
    """Within ``within_months`` calendar months after a version of one of ``catalogues`` is published."""

    catalogues: list[str] = Field(min_length=1)
    within_months: int = Field(gt=0)


class Obligation(_Strict):
    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    clauses: list[str] = Field(min_length=1)
    excerpt: str = Field(min_length=1)
    who: Who
    record: RecordKind  # the kind of record that fulfils the duty
    cadence: list[Cadence] = Field(default_factory=list)
    trigger: Trigger | None = None
    since: date | None = None  # default: the document's in-force window
    until: date | None = None
    notes: list[Note] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shape(self) -> Obligation:
        if not self.cadence and self.trigger is None:
            raise ValueError("应写 cadence（多久至少几次）或 trigger（目录公布后多久内），至少写一个")
        pers = [c.per for c in self.cadence]
        if len(set(pers)) != len(pers):
            raise ValueError("cadence 中同一周期（per）只能写一次")
        if self.since is not None and self.until is not None and self.until < self.since:
            raise ValueError(f"until（{self.until}）早于 since（{self.since}）")
        return self


class ObligationFile(_Strict):
    document: str
    obligations: list[Obligation] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)  # what the document says that is not encoded, and why


# ---------------------------------------------------------------- the loaded set


@dataclass(frozen=True, slots=True)
class Window:
    """When a duty is in force, and how that was read (in Chinese)."""

    since: date | None
    until: date | None
    note: str


@dataclass
class ObligationSet:
    catalogues: dict[str, CatalogueList]
    obligations: dict[str, Obligation]
    windows: dict[str, Window]  # per obligation id
    notes: dict[str, list[Note]]  # per document: what was read and not encoded
    version: str


def load_catalogue_lists(policies_dir: Path | None = None) -> dict[str, CatalogueList]:
    path = (policies_dir or default_policies_dir()) / "_catalogue" / "catalogues.yaml"
    if not path.is_file():
        raise RulesError([f"{_rel(path)}：文件不存在"])
    try:
        return CatalogueFile.model_validate(_read_yaml(path)).catalogues
    except ValidationError as exc:
        raise RulesError([f"{_rel(path)}：{p}" for p in describe(exc)]) from None


def load_obligations(corpus: Corpus, policies_dir: Path | None = None) -> ObligationSet:
    """The catalogue of lists and every ``obligations.yaml``, checked against the corpus."""
    root = policies_dir or default_policies_dir()
    cat_path = root / "_catalogue" / "catalogues.yaml"
    paths = sorted(p for p in root.glob("*/obligations.yaml") if not p.parent.name.startswith("_"))
    digest = hashlib.sha256()
    for path in [cat_path, *paths]:
        if path.is_file():
            digest.update(path.read_bytes())
    problems: list[str] = []
    catalogues = load_catalogue_lists(root)
    for key, cat in catalogues.items():
        excerpts = [cat.excerpt] if cat.excerpt else []
        problems += [f"{_rel(cat_path)}：{key}：{p}" for p in _check_cited(cat.clauses, excerpts, corpus)]

    obligations: dict[str, Obligation] = {}
    windows: dict[str, Window] = {}
    notes: dict[str, list[Note]] = {}
    for path in paths:
        try:
            policy = ObligationFile.model_validate(_read_yaml(path))
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
        for note in policy.notes:
            problems += [f"{_rel(path)}：notes：{p}" for p in _check_cited(note.clauses, [], corpus)]
        for ob in policy.obligations:
            where = f"{_rel(path)}：义务 {ob.id}"
            if ob.id in obligations:
                problems.append(f"{where}：id 重复")
            obligations[ob.id] = ob
            problems += [f"{where}：{p}" for p in _check_obligation(ob, catalogues, corpus)]
            windows[ob.id] = _window(ob, policy.document, corpus)
    if problems:
        raise RulesError(problems)
    return ObligationSet(
        catalogues=catalogues,
        obligations=obligations,
        windows=windows,
        notes=notes,
        version=digest.hexdigest()[:12],
    )


def _window(ob: Obligation, doc_id: str, corpus: Corpus) -> Window:
    doc = corpus.documents.get(doc_id)
    if ob.since is not None or ob.until is not None:
        return Window(ob.since, ob.until, "本义务写明了自身的适用期间")
    if doc is None:
        return Window(None, None, "文件未载入，适用期间不详")
    since = doc.in_force_from or doc.issued
    note = doc.in_force_note or ""
    if doc.in_force_from is None and doc.issued is not None:
        note = f"{note}适用期间自印发日期{doc.issued.isoformat()}起".strip()
    return Window(since, doc.in_force_to, note)


def _check_obligation(ob: Obligation, catalogues: dict[str, CatalogueList], corpus: Corpus) -> list[str]:
    problems = [f"who.places：{problem}" for p in ob.who.places if (problem := place_problem(p))]
    if ob.trigger is not None:
        problems += [
            f"trigger.catalogues：未知的目录“{c}”，应为 policies/_catalogue/catalogues.yaml 中的代码之一"
            f"（{'、'.join(catalogues)}）"
            for c in ob.trigger.catalogues
            if c not in catalogues
        ]
    cited = _check_cited(ob.clauses, [ob.excerpt], corpus)
    problems += cited
    for note in ob.notes:
        problems += [f"notes：{p}" for p in _check_cited(note.clauses, [], corpus)]
    if any("不存在" in p for p in cited):
        return problems
    facts = [f for cid in ob.clauses if (c := corpus.clause(cid)) for f in c.facts]
    for i, c in enumerate(ob.cadence):
        n = Decimal(c.at_least)
        if not any(f.kind == "count" and f.unit == "次" and n in (f.value, f.value_to) for f in facts):
            problems.append(
                f"cadence[{i}].at_least：{c.at_least} 次不在所引条款 {'、'.join(ob.clauses)} 写明的次数中："
                "规则不得自创数字"
            )
    if ob.trigger is not None:
        n = Decimal(ob.trigger.within_months)
        if not any(f.kind == "duration" and f.unit == "个月" and f.value == n for f in facts):
            problems.append(
                f"trigger.within_months：{ob.trigger.within_months} 个月不在所引条款 {'、'.join(ob.clauses)} "
                "写明的期限中：规则不得自创数字"
            )
    return problems
